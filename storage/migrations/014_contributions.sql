-- Contributions: money, workdays and materials mobilised for the houses, from whom and of which
-- source type, and the rollup /tiendo reads so that the whole country's sums stay one row per unit
-- and source type, however many contributions are recorded.

CREATE TABLE contributions (
    id           INTEGER PRIMARY KEY,           -- the receipt number people are told
    kind         TEXT NOT NULL CHECK (kind IN ('money', 'workdays', 'materials')),
    unit_id      INTEGER NOT NULL REFERENCES units(id),   -- the house's unit, or the unit it went to
    house_id     INTEGER REFERENCES houses(id),
    -- state budget, social mobilisation (businesses, agencies, donors), community, the household
    source_type  TEXT NOT NULL CHECK (source_type IN ('state', 'social', 'community', 'household')),
    source_user  INTEGER REFERENCES users(id),  -- a person who uses the bot
    source_name  TEXT,                          -- an organisation or a person outside it
    -- a named private person: their amounts are shown only to officers of the area
    source_private INTEGER NOT NULL DEFAULT 0 CHECK (source_private IN (0, 1)),
    value        INTEGER CHECK (value IS NULL OR value > 0),        -- VND: money, materials' estimate
    workdays     INTEGER CHECK (workdays IS NULL OR workdays > 0),  -- person-days
    quantity     TEXT,                          -- materials: "50 bao", as written
    description  TEXT,                          -- materials: "xi măng"
    day          TEXT NOT NULL,                 -- local date YYYY-MM-DD the contribution was made
    note         TEXT,
    photo        TEXT,                          -- a receipt or handover photo, stored name
    entered_by   INTEGER REFERENCES users(id),  -- NULL: an imported list
    entered_at   TEXT NOT NULL,
    origin       TEXT NOT NULL DEFAULT 'bot',   -- 'bot', or the imported file's name
    CHECK ((kind = 'workdays') = (workdays IS NOT NULL)),
    CHECK ((kind = 'workdays') = (value IS NULL))
);
CREATE INDEX contributions_unit ON contributions(unit_id, kind);
CREATE INDEX contributions_house ON contributions(house_id) WHERE house_id IS NOT NULL;
CREATE INDEX contributions_person ON contributions(source_user, kind) WHERE source_user IS NOT NULL;

-- Nothing recorded is deleted: a correction updates the row and keeps the old value in the audit log.
CREATE TRIGGER contributions_no_delete BEFORE DELETE ON contributions
BEGIN SELECT RAISE(ABORT, 'contributions are corrected, never deleted'); END;

-- Per unit (its own, not its subtree) and source type: money, materials' value, workdays, entries.
-- Keyed by source type, then the unit's path, as progress_daily is: an area's sums are four range
-- reads of only its own units' rows, already in source-type order, with no join and no sort.
CREATE TABLE contribution_sums (
    source_type TEXT NOT NULL,
    path        TEXT NOT NULL,               -- units.path, kept in step by contribution_sums_path
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    money       INTEGER NOT NULL DEFAULT 0,
    materials   INTEGER NOT NULL DEFAULT 0,
    workdays    INTEGER NOT NULL DEFAULT 0,
    entries     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (source_type, path)
) WITHOUT ROWID;
CREATE INDEX contribution_sums_unit ON contribution_sums(unit_id);

CREATE TRIGGER contribution_sums_insert AFTER INSERT ON contributions
BEGIN
    INSERT INTO contribution_sums (source_type, path, unit_id, money, materials, workdays, entries)
        SELECT NEW.source_type, u.path, u.id,
               CASE WHEN NEW.kind = 'money' THEN NEW.value ELSE 0 END,
               CASE WHEN NEW.kind = 'materials' THEN NEW.value ELSE 0 END,
               coalesce(NEW.workdays, 0), 1
        FROM units u WHERE u.id = NEW.unit_id
        ON CONFLICT (source_type, path) DO UPDATE SET money = money + excluded.money,
            materials = materials + excluded.materials, workdays = workdays + excluded.workdays,
            entries = entries + 1;
END;

CREATE TRIGGER contribution_sums_update AFTER UPDATE OF kind, unit_id, source_type, value, workdays
    ON contributions
BEGIN
    UPDATE contribution_sums SET
        money = money - CASE WHEN OLD.kind = 'money' THEN OLD.value ELSE 0 END,
        materials = materials - CASE WHEN OLD.kind = 'materials' THEN OLD.value ELSE 0 END,
        workdays = workdays - coalesce(OLD.workdays, 0), entries = entries - 1
        WHERE unit_id = OLD.unit_id AND source_type = OLD.source_type;
    INSERT INTO contribution_sums (source_type, path, unit_id, money, materials, workdays, entries)
        SELECT NEW.source_type, u.path, u.id,
               CASE WHEN NEW.kind = 'money' THEN NEW.value ELSE 0 END,
               CASE WHEN NEW.kind = 'materials' THEN NEW.value ELSE 0 END,
               coalesce(NEW.workdays, 0), 1
        FROM units u WHERE u.id = NEW.unit_id
        ON CONFLICT (source_type, path) DO UPDATE SET money = money + excluded.money,
            materials = materials + excluded.materials, workdays = workdays + excluded.workdays,
            entries = entries + 1;
END;

-- A unit that moves in the tree takes its sums with it.
CREATE TRIGGER contribution_sums_path AFTER UPDATE OF path ON units WHEN OLD.path != NEW.path
BEGIN
    UPDATE contribution_sums SET path = NEW.path WHERE unit_id = NEW.id;
END;

-- A house moved to another unit (a corrected import) takes its contributions, and their sums, along.
CREATE TRIGGER contributions_follow_house AFTER UPDATE OF unit_id ON houses
WHEN OLD.unit_id != NEW.unit_id
BEGIN
    UPDATE contributions SET unit_id = NEW.unit_id WHERE house_id = NEW.id;
END;

-- Per person and the unit the work was for: workdays they logged and reports of theirs accepted
-- (at once or on review), kept by triggers, so the suggested candidates of /khenthuong read one row
-- per person and unit of the area instead of every report (1.5 million nationally).
CREATE TABLE people_sums (
    path     TEXT NOT NULL,                  -- the house's (or unit's) units.path
    user_id  INTEGER NOT NULL REFERENCES users(id),
    workdays INTEGER NOT NULL DEFAULT 0,
    reports  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (path, user_id)
) WITHOUT ROWID;

CREATE TRIGGER people_workdays_insert AFTER INSERT ON contributions
WHEN NEW.kind = 'workdays' AND NEW.source_user IS NOT NULL
BEGIN
    INSERT INTO people_sums (path, user_id, workdays) SELECT u.path, NEW.source_user, NEW.workdays
        FROM units u WHERE u.id = NEW.unit_id
        ON CONFLICT (path, user_id) DO UPDATE SET workdays = workdays + excluded.workdays;
END;

CREATE TRIGGER people_workdays_update AFTER UPDATE OF kind, unit_id, source_user, workdays ON contributions
BEGIN
    UPDATE people_sums SET workdays = workdays - OLD.workdays
        WHERE OLD.kind = 'workdays' AND user_id = OLD.source_user
          AND path = (SELECT path FROM units WHERE id = OLD.unit_id);
    INSERT INTO people_sums (path, user_id, workdays) SELECT u.path, NEW.source_user, NEW.workdays
        FROM units u WHERE u.id = NEW.unit_id AND NEW.kind = 'workdays' AND NEW.source_user IS NOT NULL
        ON CONFLICT (path, user_id) DO UPDATE SET workdays = workdays + excluded.workdays;
END;

CREATE TRIGGER people_reports_insert AFTER INSERT ON reports
WHEN NEW.review_state IN ('accepted', 'approved')
BEGIN
    INSERT INTO people_sums (path, user_id, reports) SELECT u.path, NEW.reporter_id, 1
        FROM houses h JOIN units u ON u.id = h.unit_id WHERE h.id = NEW.house_id
        ON CONFLICT (path, user_id) DO UPDATE SET reports = reports + 1;
END;

CREATE TRIGGER people_reports_review AFTER UPDATE OF review_state ON reports
WHEN (OLD.review_state IN ('accepted', 'approved')) != (NEW.review_state IN ('accepted', 'approved'))
BEGIN
    INSERT INTO people_sums (path, user_id, reports)
        SELECT u.path, NEW.reporter_id, CASE WHEN NEW.review_state IN ('accepted', 'approved') THEN 1 ELSE -1 END
        FROM houses h JOIN units u ON u.id = h.unit_id WHERE h.id = NEW.house_id
        ON CONFLICT (path, user_id) DO UPDATE SET reports = reports + excluded.reports;
END;

-- A house listed under another unit takes its accepted reports along (its workdays follow through
-- contributions_follow_house and people_workdays_update).
CREATE TRIGGER people_reports_follow_house AFTER UPDATE OF unit_id ON houses
WHEN OLD.unit_id != NEW.unit_id
BEGIN
    UPDATE people_sums SET reports = reports - (
            SELECT count(*) FROM reports r WHERE r.house_id = NEW.id AND r.reporter_id = people_sums.user_id
            AND r.review_state IN ('accepted', 'approved'))
        WHERE path = (SELECT path FROM units WHERE id = OLD.unit_id)
          AND user_id IN (SELECT reporter_id FROM reports WHERE house_id = NEW.id);
    INSERT INTO people_sums (path, user_id, reports)
        SELECT u.path, r.reporter_id, count(*) FROM reports r JOIN units u ON u.id = NEW.unit_id
        WHERE r.house_id = NEW.id AND r.review_state IN ('accepted', 'approved') GROUP BY r.reporter_id
        ON CONFLICT (path, user_id) DO UPDATE SET reports = reports + excluded.reports;
END;

CREATE TRIGGER people_sums_path AFTER UPDATE OF path ON units WHEN OLD.path != NEW.path
BEGIN
    UPDATE people_sums SET path = NEW.path WHERE path = OLD.path;
END;

-- Reports accepted before this migration.
INSERT INTO people_sums (path, user_id, reports)
    SELECT u.path, r.reporter_id, count(*) FROM reports r JOIN houses h ON h.id = r.house_id
    JOIN units u ON u.id = h.unit_id WHERE r.review_state IN ('accepted', 'approved')
    GROUP BY u.path, r.reporter_id;
