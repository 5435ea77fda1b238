-- The reporting core. Times are UTC ISO-8601 text ("2026-09-02T01:00:00+00:00") so they sort.

CREATE TABLE units (
    id        INTEGER PRIMARY KEY,
    code      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name      TEXT NOT NULL,
    name_key  TEXT NOT NULL,            -- folded (no diacritics, lower case) for typed search
    parent_id INTEGER REFERENCES units(id),
    quota     INTEGER CHECK (quota IS NULL OR quota >= 0),
    path      TEXT NOT NULL,            -- "/1/7/42/": a subtree is one prefix range
    depth     INTEGER NOT NULL
);
CREATE INDEX units_parent ON units(parent_id);
CREATE INDEX units_path ON units(path);
CREATE INDEX units_name_key ON units(name_key);

CREATE TABLE houses (
    id             INTEGER PRIMARY KEY,
    code           TEXT NOT NULL UNIQUE COLLATE NOCASE,
    unit_id        INTEGER NOT NULL REFERENCES units(id),
    household_head TEXT NOT NULL,
    head_key       TEXT NOT NULL,
    category       TEXT NOT NULL CHECK (category IN ('poor', 'near_poor', 'disaster', 'merit')),
    support_type   TEXT NOT NULL CHECK (support_type IN ('new', 'repair')),
    address        TEXT,
    lat            REAL,
    lon            REAL,
    -- 0 not started, 1 under construction, 2 completed, 3 handed over
    stage          INTEGER NOT NULL DEFAULT 0 CHECK (stage BETWEEN 0 AND 3),
    stage_at       TEXT,
    last_report_at TEXT
);
CREATE INDEX houses_unit ON houses(unit_id, stage);

CREATE TABLE users (
    id          INTEGER PRIMARY KEY,
    channel     TEXT NOT NULL,
    external_id TEXT NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    role        TEXT NOT NULL CHECK (role IN ('volunteer', 'officer', 'admin')),
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    -- blocked: the person blocked the bot (nothing can be delivered); disabled: an admin revoked access
    status      TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'blocked', 'disabled')),
    lang        TEXT NOT NULL DEFAULT 'vi',
    joined_at   TEXT NOT NULL,
    UNIQUE (channel, external_id)
);
CREATE INDEX users_unit ON users(unit_id);

CREATE TABLE invites (
    code       TEXT PRIMARY KEY COLLATE NOCASE,
    unit_id    INTEGER NOT NULL REFERENCES units(id),
    role       TEXT NOT NULL CHECK (role IN ('volunteer', 'officer', 'admin')),
    created_at TEXT NOT NULL,
    used_by    INTEGER REFERENCES users(id),
    used_at    TEXT
);

CREATE TABLE reports (
    id            INTEGER PRIMARY KEY,
    house_id      INTEGER NOT NULL REFERENCES houses(id),
    reporter_id   INTEGER NOT NULL REFERENCES users(id),
    stage         INTEGER NOT NULL CHECK (stage BETWEEN 1 AND 3),
    note          TEXT,
    lat           REAL,
    lon           REAL,
    received_at   TEXT NOT NULL,
    claimed_at    TEXT,                 -- capture time the photos claim (EXIF), camera-local
    -- accepted: counts at once; pending: waits for an officer; approved / returned: decided
    review_state  TEXT NOT NULL CHECK (review_state IN ('accepted', 'pending', 'approved', 'returned')),
    flag          TEXT,                 -- why the photo checks held it back
    review_reason TEXT,
    reviewed_by   INTEGER REFERENCES users(id),
    reviewed_at   TEXT
);
CREATE INDEX reports_house ON reports(house_id, received_at);
CREATE INDEX reports_received ON reports(received_at);
CREATE INDEX reports_reporter ON reports(reporter_id);
CREATE INDEX reports_review ON reports(review_state);

CREATE TABLE photos (
    id         INTEGER PRIMARY KEY,
    report_id  INTEGER NOT NULL REFERENCES reports(id),
    position   INTEGER NOT NULL,
    sha256     TEXT NOT NULL,
    normalized TEXT NOT NULL,
    thumb      TEXT NOT NULL,
    original   TEXT,
    width      INTEGER NOT NULL,
    height     INTEGER NOT NULL,
    taken_at   TEXT,
    lat        REAL,
    lon        REAL,
    phash      INTEGER NOT NULL,
    -- four 16-bit slices of phash: near-identical photos share one, so each lookup is indexed
    band0      INTEGER NOT NULL,
    band1      INTEGER NOT NULL,
    band2      INTEGER NOT NULL,
    band3      INTEGER NOT NULL,
    UNIQUE (report_id, position)
);
CREATE INDEX photos_sha ON photos(sha256);
CREATE INDEX photos_band0 ON photos(band0);
CREATE INDEX photos_band1 ON photos(band1);
CREATE INDEX photos_band2 ON photos(band2);
CREATE INDEX photos_band3 ON photos(band3);

-- Where each user is in a dialog, with the unfinished draft, so a restart resumes it.
CREATE TABLE dialogs (
    user_id    INTEGER PRIMARY KEY REFERENCES users(id),
    state      TEXT NOT NULL,
    draft      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Updates already handled, written in the same transaction as what they changed.
CREATE TABLE handled_updates (
    key        TEXT PRIMARY KEY,
    handled_at TEXT NOT NULL
);

CREATE TABLE audit (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor_id  INTEGER,
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id TEXT,
    detail    TEXT
);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
