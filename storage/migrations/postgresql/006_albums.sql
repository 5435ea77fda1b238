-- Twin of ../006_albums.sql.
CREATE TABLE report_albums (
    reporter_id BIGINT NOT NULL REFERENCES users(id),
    album       TEXT NOT NULL,
    report_id   BIGINT NOT NULL REFERENCES reports(id),
    PRIMARY KEY (reporter_id, album)
);
