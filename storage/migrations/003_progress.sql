-- Progress rollups for the officers' queries, kept by triggers on houses, so that asking how far
-- the whole country is reads one row per unit of the (small, fixed) tree, never one per house.

-- How many houses of each unit (its own, not its subtree) stand at each stage now.
-- One row per unit: a subtree's totals are one indexed lookup per unit.
CREATE TABLE progress_counts (
    unit_id INTEGER PRIMARY KEY REFERENCES units(id),
    n0      INTEGER NOT NULL DEFAULT 0,   -- not started
    n1      INTEGER NOT NULL DEFAULT 0,   -- under construction
    n2      INTEGER NOT NULL DEFAULT 0,   -- completed
    n3      INTEGER NOT NULL DEFAULT 0    -- handed over
);

-- How many houses of each unit reached each stage on each day (the UTC date of houses.stage_at;
-- a house handed over straight away reached all three that day). Keyed by day, then the unit's
-- path, so the last 7 days of a subtree are 7 range reads of only the units that moved on those
-- days. A backward correction does not un-count a day: the move happened.
CREATE TABLE progress_daily (
    day     TEXT NOT NULL,
    path    TEXT NOT NULL,                -- units.path, kept in step by progress_unit_path
    unit_id INTEGER NOT NULL REFERENCES units(id),
    n1      INTEGER NOT NULL DEFAULT 0,
    n2      INTEGER NOT NULL DEFAULT 0,
    n3      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, path)
) WITHOUT ROWID;
CREATE INDEX progress_daily_unit ON progress_daily(unit_id);

-- When each house first reached each stage. houses.stage_at only knows the latest stage; whether a
-- unit completed on time needs the time a house completed even after it was handed over.
CREATE TABLE house_stages (
    house_id INTEGER NOT NULL REFERENCES houses(id),
    stage    INTEGER NOT NULL CHECK (stage BETWEEN 1 AND 3),
    at       TEXT,                  -- NULL when a stage was set without a time
    PRIMARY KEY (house_id, stage)
) WITHOUT ROWID;

CREATE TRIGGER progress_house_insert AFTER INSERT ON houses
BEGIN
    INSERT INTO progress_counts (unit_id, n0, n1, n2, n3)
        VALUES (NEW.unit_id, NEW.stage = 0, NEW.stage = 1, NEW.stage = 2, NEW.stage = 3)
        ON CONFLICT (unit_id) DO UPDATE SET n0 = n0 + excluded.n0, n1 = n1 + excluded.n1,
            n2 = n2 + excluded.n2, n3 = n3 + excluded.n3;
    INSERT INTO house_stages (house_id, stage, at)
        SELECT NEW.id, column1, NEW.stage_at FROM (VALUES (1), (2), (3)) WHERE column1 <= NEW.stage;
    INSERT INTO progress_daily (day, path, unit_id, n1, n2, n3)
        SELECT substr(NEW.stage_at, 1, 10), u.path, u.id, NEW.stage >= 1, NEW.stage >= 2, NEW.stage >= 3
        FROM units u WHERE u.id = NEW.unit_id AND NEW.stage >= 1 AND NEW.stage_at IS NOT NULL
        ON CONFLICT (day, path) DO UPDATE SET n1 = n1 + excluded.n1, n2 = n2 + excluded.n2,
            n3 = n3 + excluded.n3;
END;

CREATE TRIGGER progress_house_update AFTER UPDATE OF stage, unit_id ON houses
WHEN OLD.stage != NEW.stage OR OLD.unit_id != NEW.unit_id
BEGIN
    UPDATE progress_counts SET n0 = n0 - (OLD.stage = 0), n1 = n1 - (OLD.stage = 1),
        n2 = n2 - (OLD.stage = 2), n3 = n3 - (OLD.stage = 3) WHERE unit_id = OLD.unit_id;
    INSERT INTO progress_counts (unit_id, n0, n1, n2, n3)
        VALUES (NEW.unit_id, NEW.stage = 0, NEW.stage = 1, NEW.stage = 2, NEW.stage = 3)
        ON CONFLICT (unit_id) DO UPDATE SET n0 = n0 + excluded.n0, n1 = n1 + excluded.n1,
            n2 = n2 + excluded.n2, n3 = n3 + excluded.n3;
    INSERT OR IGNORE INTO house_stages (house_id, stage, at)
        SELECT NEW.id, column1, NEW.stage_at FROM (VALUES (1), (2), (3))
        WHERE column1 > OLD.stage AND column1 <= NEW.stage;
    INSERT INTO progress_daily (day, path, unit_id, n1, n2, n3)
        SELECT substr(NEW.stage_at, 1, 10), u.path, u.id, OLD.stage < 1 AND NEW.stage >= 1,
            OLD.stage < 2 AND NEW.stage >= 2, OLD.stage < 3 AND NEW.stage >= 3
        FROM units u WHERE u.id = NEW.unit_id AND NEW.stage > OLD.stage AND NEW.stage_at IS NOT NULL
        ON CONFLICT (day, path) DO UPDATE SET n1 = n1 + excluded.n1, n2 = n2 + excluded.n2,
            n3 = n3 + excluded.n3;
    -- An officer's correction backward: the stages above are no longer reached.
    DELETE FROM house_stages WHERE house_id = NEW.id AND stage > NEW.stage;
END;

CREATE TRIGGER progress_house_delete AFTER DELETE ON houses
BEGIN
    UPDATE progress_counts SET n0 = n0 - (OLD.stage = 0), n1 = n1 - (OLD.stage = 1),
        n2 = n2 - (OLD.stage = 2), n3 = n3 - (OLD.stage = 3) WHERE unit_id = OLD.unit_id;
    DELETE FROM house_stages WHERE house_id = OLD.id;
END;

-- A unit that moves in the tree takes its days with it.
CREATE TRIGGER progress_unit_path AFTER UPDATE OF path ON units WHEN OLD.path != NEW.path
BEGIN
    UPDATE progress_daily SET path = NEW.path WHERE unit_id = NEW.id;
END;

-- Houses that existed before this migration. Their earlier stages get the one time known.
INSERT INTO progress_counts (unit_id, n0, n1, n2, n3)
    SELECT unit_id, sum(stage = 0), sum(stage = 1), sum(stage = 2), sum(stage = 3) FROM houses GROUP BY unit_id;
INSERT INTO house_stages (house_id, stage, at)
    SELECT h.id, s.column1, h.stage_at FROM houses h JOIN (VALUES (1), (2), (3)) s ON s.column1 <= h.stage;
INSERT INTO progress_daily (day, path, unit_id, n1, n2, n3)
    SELECT substr(h.stage_at, 1, 10), u.path, u.id, sum(h.stage >= 1), sum(h.stage >= 2), sum(h.stage >= 3)
    FROM houses h JOIN units u ON u.id = h.unit_id
    WHERE h.stage >= 1 AND h.stage_at IS NOT NULL GROUP BY 1, 2, 3;
