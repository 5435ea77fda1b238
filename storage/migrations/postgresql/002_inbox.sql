-- Twin of ../002_inbox.sql. rowid: the arrival order SQLite keeps in its own rowid.
CREATE TABLE inbox (
    key         TEXT PRIMARY KEY,
    channel     TEXT NOT NULL,
    payload     TEXT NOT NULL,
    received_at TEXT NOT NULL,
    rowid       BIGINT GENERATED ALWAYS AS IDENTITY
);
