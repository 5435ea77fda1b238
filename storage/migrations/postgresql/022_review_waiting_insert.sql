-- Twin of ../022_review_waiting_insert.sql: a report filed for review adds itself to its unit's
-- waiting count instead of recounting the unit (updates, deletes and moved houses still recount).

CREATE FUNCTION review_waiting_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO review_waiting AS w (unit_id, waiting, flagged, oldest_at, oldest_id)
        SELECT h.unit_id, 1, (NEW.flag IS NOT NULL)::int, NEW.received_at, NEW.id FROM houses h
        WHERE h.id = NEW.house_id
        ON CONFLICT (unit_id) DO UPDATE SET
            waiting = w.waiting + 1,
            flagged = w.flagged + excluded.flagged,
            oldest_at = CASE WHEN w.oldest_at IS NULL OR excluded.oldest_at < w.oldest_at
                                  OR (excluded.oldest_at = w.oldest_at AND excluded.oldest_id < w.oldest_id)
                             THEN excluded.oldest_at ELSE w.oldest_at END,
            oldest_id = CASE WHEN w.oldest_at IS NULL OR excluded.oldest_at < w.oldest_at
                                  OR (excluded.oldest_at = w.oldest_at AND excluded.oldest_id < w.oldest_id)
                             THEN excluded.oldest_id ELSE w.oldest_id END;
    RETURN NEW;
END $$;
DROP TRIGGER review_waiting_insert ON reports;
CREATE TRIGGER review_waiting_insert AFTER INSERT ON reports
    FOR EACH ROW WHEN (NEW.review_state = 'pending') EXECUTE FUNCTION review_waiting_added();
