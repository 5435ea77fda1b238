-- Every update fetched from a channel, stored before the channel is told it was received,
-- so a crash between fetching and handling loses nothing: unhandled rows are replayed at start.
CREATE TABLE inbox (
    key         TEXT PRIMARY KEY,           -- "tg:<update_id>", same key as handled_updates
    channel     TEXT NOT NULL,
    payload     TEXT NOT NULL,              -- the update as the channel sent it (JSON)
    received_at TEXT NOT NULL
);
