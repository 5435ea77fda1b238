-- Several processes on one inbox (`chungtay run --role receive|work`).
-- A receiver stores each update's chat beside it here; a worker handles a chat only while it holds
-- the chat's claim, so one chat's updates are handled by one worker at a time, in arrival order.
-- The single process (`--role all`) neither writes nor reads these tables.
CREATE TABLE inbox_waiting (
    key     TEXT PRIMARY KEY,               -- the inbox row's; gone once handled (rowid: arrival order)
    channel TEXT NOT NULL,
    chat    TEXT NOT NULL
);
CREATE INDEX inbox_waiting_chat ON inbox_waiting (channel, chat);
-- A claim expires unless its worker renews it; a worker killed mid-update leaves its chats to
-- another once `until` has passed. `token` is new at every claim: the turn's commit checks it
-- (storage/claims.py, fence), so a worker whose claim was taken over cannot commit.
CREATE TABLE chat_claims (
    channel TEXT NOT NULL,
    chat    TEXT NOT NULL,
    worker  TEXT NOT NULL,
    token   TEXT NOT NULL UNIQUE,
    until   TEXT NOT NULL,
    PRIMARY KEY (channel, chat)
);
CREATE INDEX chat_claims_worker ON chat_claims (worker);
