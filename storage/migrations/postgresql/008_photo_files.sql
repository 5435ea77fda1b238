-- Twin of ../008_photo_files.sql.
CREATE TABLE photo_files (
    sha256    TEXT PRIMARY KEY,
    stored_at TEXT NOT NULL
);
CREATE INDEX photo_files_stored ON photo_files(stored_at);
