-- Evidence checks (storage/evidence.py): a stronger scene hash for photos, the notes a report's
-- checks left, and the reference point of a house that has no coordinates of its own.

-- The scene hash of the stored thumbnail as hex (storage/photos/hashing.py); NULL when the picture
-- has too little detail to be told apart, and for photos stored before this migration: their
-- 64-bit hash called different plain photos copies, so it is not trusted, and an old photo is
-- still found again by its bytes (sha256). phash and band0..3 are no longer written (0).
ALTER TABLE photos ADD COLUMN scene TEXT;
DROP INDEX photos_band0;
DROP INDEX photos_band1;
DROP INDEX photos_band2;
DROP INDEX photos_band3;

-- Lookup keys of each scene hash (hashing.index_keys): a photo like a new one shares a key.
CREATE TABLE photo_keys (
    key      INTEGER NOT NULL,
    photo_id INTEGER NOT NULL REFERENCES photos(id),
    PRIMARY KEY (key, photo_id)
) WITHOUT ROWID;

-- What the checks noticed but is no violation ("no_time", "bad_location", ...), ";"-separated;
-- the violations themselves are in reports.flag.
ALTER TABLE reports ADD COLUMN evidence_notes TEXT;

-- A house with no coordinates takes the location of its first approved report as its reference.
ALTER TABLE houses ADD COLUMN ref_lat REAL;
ALTER TABLE houses ADD COLUMN ref_lon REAL;
ALTER TABLE houses ADD COLUMN ref_report_id INTEGER REFERENCES reports(id);
