-- Twin of ../013_evidence.sql.
ALTER TABLE photos ADD COLUMN scene TEXT;
DROP INDEX photos_band0;
DROP INDEX photos_band1;
DROP INDEX photos_band2;
DROP INDEX photos_band3;

-- A key is the block's number above 32 bits of pattern (hashing.index_keys): BIGINT.
CREATE TABLE photo_keys (
    key      BIGINT NOT NULL,
    photo_id BIGINT NOT NULL REFERENCES photos(id),
    PRIMARY KEY (key, photo_id)
);

ALTER TABLE reports ADD COLUMN evidence_notes TEXT;

ALTER TABLE houses ADD COLUMN ref_lat DOUBLE PRECISION;
ALTER TABLE houses ADD COLUMN ref_lon DOUBLE PRECISION;
-- Checked at commit: houses and reports refer to each other, and `chungtay migrate` copies the
-- houses (with their reference report) before the reports, in one transaction.
ALTER TABLE houses ADD COLUMN ref_report_id BIGINT REFERENCES reports(id) DEFERRABLE INITIALLY DEFERRED;
