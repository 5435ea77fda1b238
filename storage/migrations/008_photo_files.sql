-- Photos on disk that no report may own yet: each photo a person sends is noted here when its
-- message is handled. A report's photos are found in `photos`; an open draft's in `dialogs`; what
-- neither holds after a while (a draft cancelled, a report abandoned) is deleted from the disk,
-- so pictures of a household that never became a report do not stay forever.
CREATE TABLE photo_files (
    sha256    TEXT PRIMARY KEY,
    stored_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX photo_files_stored ON photo_files(stored_at);
