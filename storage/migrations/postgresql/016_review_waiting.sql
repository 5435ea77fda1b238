-- Twin of ../016_review_waiting.sql: the reports waiting for review, counted per unit.
CREATE INDEX reports_waiting ON reports(house_id, received_at, id) WHERE review_state = 'pending';

CREATE TABLE review_waiting (
    unit_id    BIGINT PRIMARY KEY REFERENCES units(id),
    waiting    INTEGER NOT NULL DEFAULT 0,
    flagged    INTEGER NOT NULL DEFAULT 0,
    oldest_at  TEXT,
    oldest_id  BIGINT
);

INSERT INTO review_waiting (unit_id, waiting, flagged)
    SELECT h.unit_id, count(*), count(r.flag) FROM reports r JOIN houses h ON h.id = r.house_id
    WHERE r.review_state = 'pending' GROUP BY h.unit_id;
UPDATE review_waiting SET
    oldest_at = (SELECT r.received_at FROM houses h JOIN reports r ON r.house_id = h.id
                 WHERE h.unit_id = review_waiting.unit_id AND r.review_state = 'pending'
                 ORDER BY r.received_at, r.id LIMIT 1),
    oldest_id = (SELECT r.id FROM houses h JOIN reports r ON r.house_id = h.id
                 WHERE h.unit_id = review_waiting.unit_id AND r.review_state = 'pending'
                 ORDER BY r.received_at, r.id LIMIT 1);

-- Recount one unit from the waiting reports of its houses (the partial index above).
CREATE FUNCTION review_waiting_refresh(u BIGINT) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    n INTEGER;
    f INTEGER;
    first_at TEXT;
    first_id BIGINT;
BEGIN
    IF u IS NULL THEN
        RETURN;
    END IF;
    SELECT count(*), count(r.flag) INTO n, f FROM houses h JOIN reports r ON r.house_id = h.id
        WHERE h.unit_id = u AND r.review_state = 'pending';
    SELECT r.received_at, r.id INTO first_at, first_id FROM houses h JOIN reports r ON r.house_id = h.id
        WHERE h.unit_id = u AND r.review_state = 'pending' ORDER BY r.received_at, r.id LIMIT 1;
    INSERT INTO review_waiting AS w (unit_id, waiting, flagged, oldest_at, oldest_id)
        VALUES (u, n, f, first_at, first_id)
        ON CONFLICT (unit_id) DO UPDATE SET waiting = excluded.waiting, flagged = excluded.flagged,
            oldest_at = excluded.oldest_at, oldest_id = excluded.oldest_id;
END $$;

CREATE FUNCTION review_waiting_report() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM review_waiting_refresh((SELECT unit_id FROM houses WHERE id = OLD.house_id));
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    PERFORM review_waiting_refresh((SELECT unit_id FROM houses WHERE id = NEW.house_id));
    RETURN NEW;
END $$;
CREATE TRIGGER review_waiting_insert AFTER INSERT ON reports
    FOR EACH ROW WHEN (NEW.review_state = 'pending') EXECUTE FUNCTION review_waiting_report();
CREATE TRIGGER review_waiting_update AFTER UPDATE OF review_state, flag, house_id, received_at ON reports
    FOR EACH ROW WHEN (OLD.review_state = 'pending' OR NEW.review_state = 'pending')
    EXECUTE FUNCTION review_waiting_report();
CREATE TRIGGER review_waiting_delete AFTER DELETE ON reports
    FOR EACH ROW WHEN (OLD.review_state = 'pending') EXECUTE FUNCTION review_waiting_report();

CREATE FUNCTION review_waiting_house_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM review_waiting_refresh(OLD.unit_id);
    PERFORM review_waiting_refresh(NEW.unit_id);
    RETURN NEW;
END $$;
CREATE TRIGGER review_waiting_house_moved AFTER UPDATE OF unit_id ON houses
    FOR EACH ROW WHEN (OLD.unit_id IS DISTINCT FROM NEW.unit_id) EXECUTE FUNCTION review_waiting_house_moved();
