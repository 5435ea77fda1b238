-- Photos a person sent together (a Telegram album) that became a report. An album's items can
-- reach the bot in two parts; the later part finds its report here and joins it instead of
-- starting a report of its own.
CREATE TABLE report_albums (
    reporter_id INTEGER NOT NULL REFERENCES users(id),
    album       TEXT NOT NULL,
    report_id   INTEGER NOT NULL REFERENCES reports(id),
    PRIMARY KEY (reporter_id, album)
);
