-- Thumbnails whose file is written after the receipt is sent. Their bytes ride in the commit that
-- stores the turn (which is made durable anyway), so nothing is lost if the bot dies between the
-- receipt and the write; the row goes once the file is on disk, and a restart writes what is left.
CREATE TABLE pending_thumbs (
    path     TEXT PRIMARY KEY,   -- relative to the media folder, as photos.thumb
    data     BLOB NOT NULL,
    noted_at TEXT NOT NULL
);
