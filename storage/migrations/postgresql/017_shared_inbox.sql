-- Twin of ../017_shared_inbox.sql.
CREATE TABLE inbox_waiting (
    key     TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    chat    TEXT NOT NULL,
    rowid   BIGINT GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX inbox_waiting_chat ON inbox_waiting (channel, chat, rowid);
CREATE TABLE chat_claims (
    channel TEXT NOT NULL,
    chat    TEXT NOT NULL,
    worker  TEXT NOT NULL,
    token   TEXT NOT NULL UNIQUE,
    until   TEXT NOT NULL,
    PRIMARY KEY (channel, chat)
);
CREATE INDEX chat_claims_worker ON chat_claims (worker);
