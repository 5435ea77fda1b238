-- A report filed for review adds itself to its unit's waiting count instead of recounting the unit:
-- the recount of 016 read every waiting report of every house of the commune, a millisecond or more
-- on each flagged report filed, growing with the commune. A review, a correction or a moved house
-- still recounts (016's other triggers); a new report can only add one, and be the oldest.

DROP TRIGGER review_waiting_insert;
CREATE TRIGGER review_waiting_insert AFTER INSERT ON reports WHEN NEW.review_state = 'pending'
BEGIN
    INSERT INTO review_waiting (unit_id, waiting, flagged, oldest_at, oldest_id)
        SELECT h.unit_id, 1, NEW.flag IS NOT NULL, NEW.received_at, NEW.id FROM houses h
        WHERE h.id = NEW.house_id
        ON CONFLICT (unit_id) DO UPDATE SET
            waiting = waiting + 1,
            flagged = flagged + excluded.flagged,
            oldest_at = CASE WHEN oldest_at IS NULL OR excluded.oldest_at < oldest_at
                                  OR (excluded.oldest_at = oldest_at AND excluded.oldest_id < oldest_id)
                             THEN excluded.oldest_at ELSE oldest_at END,
            oldest_id = CASE WHEN oldest_at IS NULL OR excluded.oldest_at < oldest_at
                                  OR (excluded.oldest_at = oldest_at AND excluded.oldest_id < oldest_id)
                             THEN excluded.oldest_id ELSE oldest_id END;
END;
