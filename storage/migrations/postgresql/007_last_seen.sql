-- Twin of ../007_last_seen.sql.
ALTER TABLE users ADD COLUMN last_seen_at TEXT;
