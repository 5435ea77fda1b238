-- Twin of ../003_progress.sql: the progress rollups, kept by triggers on houses. Row locks make each
-- counter update atomic, so concurrent writers from several processes keep them exact.
CREATE TABLE progress_counts (
    unit_id BIGINT PRIMARY KEY REFERENCES units(id),
    n0      INTEGER NOT NULL DEFAULT 0,
    n1      INTEGER NOT NULL DEFAULT 0,
    n2      INTEGER NOT NULL DEFAULT 0,
    n3      INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE progress_daily (
    day     TEXT NOT NULL,
    path    TEXT NOT NULL COLLATE "C",
    unit_id BIGINT NOT NULL REFERENCES units(id),
    n1      INTEGER NOT NULL DEFAULT 0,
    n2      INTEGER NOT NULL DEFAULT 0,
    n3      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, path)
);
CREATE INDEX progress_daily_unit ON progress_daily(unit_id);

CREATE TABLE house_stages (
    house_id BIGINT NOT NULL REFERENCES houses(id),
    stage    INTEGER NOT NULL CHECK (stage BETWEEN 1 AND 3),
    at       TEXT,
    PRIMARY KEY (house_id, stage)
);

-- The statements are written out in each branch, not in helper SQL functions: PL/pgSQL keeps
-- its statements' plans, a SQL function called from it is planned again on every row (0.7 ms a
-- house; an import of 5,000 houses took 3.5 s in the trigger alone).
CREATE FUNCTION progress_house() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        IF TG_OP = 'UPDATE' AND OLD.stage = NEW.stage AND OLD.unit_id = NEW.unit_id THEN
            RETURN NEW;
        END IF;
        UPDATE progress_counts SET n0 = n0 - (OLD.stage = 0)::int, n1 = n1 - (OLD.stage = 1)::int,
            n2 = n2 - (OLD.stage = 2)::int, n3 = n3 - (OLD.stage = 3)::int WHERE unit_id = OLD.unit_id;
    END IF;
    IF TG_OP = 'DELETE' THEN
        DELETE FROM house_stages WHERE house_id = OLD.id;
        RETURN OLD;
    END IF;
    INSERT INTO progress_counts AS c (unit_id, n0, n1, n2, n3)
        VALUES (NEW.unit_id, (NEW.stage = 0)::int, (NEW.stage = 1)::int, (NEW.stage = 2)::int,
                (NEW.stage = 3)::int)
        ON CONFLICT (unit_id) DO UPDATE SET n0 = c.n0 + excluded.n0, n1 = c.n1 + excluded.n1,
            n2 = c.n2 + excluded.n2, n3 = c.n3 + excluded.n3;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO house_stages (house_id, stage, at)
            SELECT NEW.id, s, NEW.stage_at FROM generate_series(1, NEW.stage) s;
        IF NEW.stage >= 1 AND NEW.stage_at IS NOT NULL THEN
            INSERT INTO progress_daily AS d (day, path, unit_id, n1, n2, n3)
                SELECT substr(NEW.stage_at, 1, 10), u.path, u.id, (NEW.stage >= 1)::int,
                    (NEW.stage >= 2)::int, (NEW.stage >= 3)::int
                FROM units u WHERE u.id = NEW.unit_id
                ON CONFLICT (day, path) DO UPDATE SET n1 = d.n1 + excluded.n1, n2 = d.n2 + excluded.n2,
                    n3 = d.n3 + excluded.n3;
        END IF;
        RETURN NEW;
    END IF;
    INSERT INTO house_stages (house_id, stage, at)
        SELECT NEW.id, s, NEW.stage_at FROM generate_series(OLD.stage + 1, NEW.stage) s
        ON CONFLICT DO NOTHING;
    IF NEW.stage > OLD.stage AND NEW.stage_at IS NOT NULL THEN
        INSERT INTO progress_daily AS d (day, path, unit_id, n1, n2, n3)
            SELECT substr(NEW.stage_at, 1, 10), u.path, u.id, (OLD.stage < 1 AND NEW.stage >= 1)::int,
                (OLD.stage < 2 AND NEW.stage >= 2)::int, (OLD.stage < 3 AND NEW.stage >= 3)::int
            FROM units u WHERE u.id = NEW.unit_id
            ON CONFLICT (day, path) DO UPDATE SET n1 = d.n1 + excluded.n1, n2 = d.n2 + excluded.n2,
                n3 = d.n3 + excluded.n3;
    END IF;
    -- An officer's correction backward: the stages above are no longer reached.
    DELETE FROM house_stages WHERE house_id = NEW.id AND stage > NEW.stage;
    RETURN NEW;
END $$;

CREATE TRIGGER progress_house_insert AFTER INSERT ON houses
    FOR EACH ROW EXECUTE FUNCTION progress_house();
CREATE TRIGGER progress_house_update AFTER UPDATE OF stage, unit_id ON houses
    FOR EACH ROW EXECUTE FUNCTION progress_house();
CREATE TRIGGER progress_house_delete AFTER DELETE ON houses
    FOR EACH ROW EXECUTE FUNCTION progress_house();

-- A unit that moves in the tree takes its days with it.
CREATE FUNCTION progress_unit_path() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.path <> NEW.path THEN
        UPDATE progress_daily SET path = NEW.path WHERE unit_id = NEW.id;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER progress_unit_path AFTER UPDATE OF path ON units
    FOR EACH ROW EXECUTE FUNCTION progress_unit_path();
