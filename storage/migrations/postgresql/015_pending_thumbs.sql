-- Twin of ../015_pending_thumbs.sql.
CREATE TABLE pending_thumbs (
    path     TEXT COLLATE "C" PRIMARY KEY,
    data     BYTEA NOT NULL,
    noted_at TEXT NOT NULL
);
