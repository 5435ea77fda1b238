-- What /tiendo and the daily digest say of the reports waiting for an officer, per unit (its own
-- houses, not its subtree), kept by triggers: counting an area's waiting reports at each /tiendo
-- read every report of every house of the area (two seconds for the whole country). A change
-- recounts the one unit it touches, from the waiting reports of its houses (a partial index;
-- CROSS JOIN keeps SQLite from starting at every waiting report of the country instead).

CREATE INDEX reports_waiting ON reports(house_id, received_at, id) WHERE review_state = 'pending';

CREATE TABLE review_waiting (
    unit_id    INTEGER PRIMARY KEY REFERENCES units(id),
    waiting    INTEGER NOT NULL DEFAULT 0,
    flagged    INTEGER NOT NULL DEFAULT 0,   -- of them, those the evidence checks flagged
    oldest_at  TEXT,                         -- the oldest waiting report of the unit's houses
    oldest_id  INTEGER
);

INSERT INTO review_waiting (unit_id, waiting, flagged)
    SELECT h.unit_id, count(*), count(r.flag) FROM reports r JOIN houses h ON h.id = r.house_id
    WHERE r.review_state = 'pending' GROUP BY h.unit_id;
UPDATE review_waiting SET
    oldest_at = (SELECT r.received_at FROM houses h CROSS JOIN reports r
                 WHERE r.house_id = h.id AND h.unit_id = review_waiting.unit_id AND r.review_state = 'pending'
                 ORDER BY r.received_at, r.id LIMIT 1),
    oldest_id = (SELECT r.id FROM houses h CROSS JOIN reports r
                 WHERE r.house_id = h.id AND h.unit_id = review_waiting.unit_id AND r.review_state = 'pending'
                 ORDER BY r.received_at, r.id LIMIT 1);

CREATE TRIGGER review_waiting_insert AFTER INSERT ON reports WHEN NEW.review_state = 'pending'
BEGIN
    INSERT INTO review_waiting (unit_id, waiting, flagged, oldest_at, oldest_id)
        SELECT w.u,
            (SELECT count(*) FROM houses h CROSS JOIN reports r
                WHERE r.house_id = h.id AND h.unit_id = w.u AND r.review_state = 'pending'),
            (SELECT count(r.flag) FROM houses h CROSS JOIN reports r
                WHERE r.house_id = h.id AND h.unit_id = w.u AND r.review_state = 'pending'),
            (SELECT r.received_at FROM houses h CROSS JOIN reports r
                WHERE r.house_id = h.id AND h.unit_id = w.u AND r.review_state = 'pending' ORDER BY r.received_at, r.id LIMIT 1),
            (SELECT r.id FROM houses h CROSS JOIN reports r
                WHERE r.house_id = h.id AND h.unit_id = w.u AND r.review_state = 'pending' ORDER BY r.received_at, r.id LIMIT 1)
        FROM (SELECT (SELECT unit_id FROM houses WHERE id = NEW.house_id) AS u) w WHERE w.u IS NOT NULL
        ON CONFLICT (unit_id) DO UPDATE SET waiting = excluded.waiting, flagged = excluded.flagged,
            oldest_at = excluded.oldest_at, oldest_id = excluded.oldest_id;
END;

CREATE TRIGGER review_waiting_update AFTER UPDATE OF review_state, flag, house_id, received_at ON reports
WHEN OLD.review_state = 'pending' OR NEW.review_state = 'pending'
BEGIN
    INSERT INTO review_waiting (unit_id, waiting, flagged, oldest_at, oldest_id)
        SELECT w.u,
            (SELECT count(*) FROM houses h CROSS JOIN reports r
                WHERE r.house_id = h.id AND h.unit_id = w.u AND r.review_state = 'pending'),
            (SELECT count(r.flag) FROM houses h CROSS JOIN reports r
                WHERE r.house_id = h.id AND h.unit_id = w.u AND r.review_state = 'pending'),
            (SELECT r.received_at FROM houses h CROSS JOIN reports r
                WHERE r.house_id = h.id AND h.unit_id = w.u AND r.review_state = 'pending' ORDER BY r.received_at, r.id LIMIT 1),
            (SELECT r.id FROM houses h CROSS JOIN reports r
                WHERE r.house_id = h.id AND h.unit_id = w.u AND r.review_state = 'pending' ORDER BY r.received_at, r.id LIMIT 1)
        FROM (SELECT (SELECT unit_id FROM houses WHERE id = OLD.house_id) AS u) w WHERE w.u IS NOT NULL
        ON CONFLICT (unit_id) DO UPDATE SET waiting = excluded.waiting, flagged = excluded.flagged,
            oldest_at = excluded.oldest_at, oldest_id = excluded.oldest_id;
    INSERT INTO review_waiting (unit_id, waiting, flagged, oldest_at, oldest_id)
        SELECT w.u,
            (SELECT count(*) FROM houses h CROSS JOIN reports r
                WHERE r.house_id = h.id AND h.unit_id = w.u AND r.review_state = 'pending'),
            (SELECT count(r.flag) FROM houses h CROSS JOIN reports r
                WHERE r.house_id = h.id AND h.unit_id = w.u AND r.review_state = 'pending'),
            (SELECT r.received_at FROM houses h CROSS JOIN reports r
                WHERE r.house_id = h.id AND h.unit_id = w.u AND r.review_state = 'pending' ORDER BY r.received_at, r.id LIMIT 1),
            (SELECT r.id FROM houses h CROSS JOIN reports r
                WHERE r.house_id = h.id AND h.unit_id = w.u AND r.review_state = 'pending' ORDER BY r.received_at, r.id LIMIT 1)
        FROM (SELECT (SELECT unit_id FROM houses WHERE id = NEW.house_id) AS u) w WHERE w.u IS NOT NULL
        ON CONFLICT (unit_id) DO UPDATE SET waiting = excluded.waiting, flagged = excluded.flagged,
            oldest_at = excluded.oldest_at, oldest_id = excluded.oldest_id;
END;

CREATE TRIGGER review_waiting_delete AFTER DELETE ON reports WHEN OLD.review_state = 'pending'
BEGIN
    INSERT INTO review_waiting (unit_id, waiting, flagged, oldest_at, oldest_id)
        SELECT w.u,
            (SELECT count(*) FROM houses h CROSS JOIN reports r
                WHERE r.house_id = h.id AND h.unit_id = w.u AND r.review_state = 'pending'),
            (SELECT count(r.flag) FROM houses h CROSS JOIN reports r
                WHERE r.house_id = h.id AND h.unit_id = w.u AND r.review_state = 'pending'),
            (SELECT r.received_at FROM houses h CROSS JOIN reports r
                WHERE r.house_id = h.id AND h.unit_id = w.u AND r.review_state = 'pending' ORDER BY r.received_at, r.id LIMIT 1),
            (SELECT r.id FROM houses h CROSS JOIN reports r
                WHERE r.house_id = h.id AND h.unit_id = w.u AND r.review_state = 'pending' ORDER BY r.received_at, r.id LIMIT 1)
        FROM (SELECT (SELECT unit_id FROM houses WHERE id = OLD.house_id) AS u) w WHERE w.u IS NOT NULL
        ON CONFLICT (unit_id) DO UPDATE SET waiting = excluded.waiting, flagged = excluded.flagged,
            oldest_at = excluded.oldest_at, oldest_id = excluded.oldest_id;
END;

CREATE TRIGGER review_waiting_house_moved AFTER UPDATE OF unit_id ON houses
WHEN OLD.unit_id != NEW.unit_id
BEGIN
    INSERT INTO review_waiting (unit_id, waiting, flagged, oldest_at, oldest_id)
        SELECT w.u,
            (SELECT count(*) FROM houses h CROSS JOIN reports r
                WHERE r.house_id = h.id AND h.unit_id = w.u AND r.review_state = 'pending'),
            (SELECT count(r.flag) FROM houses h CROSS JOIN reports r
                WHERE r.house_id = h.id AND h.unit_id = w.u AND r.review_state = 'pending'),
            (SELECT r.received_at FROM houses h CROSS JOIN reports r
                WHERE r.house_id = h.id AND h.unit_id = w.u AND r.review_state = 'pending' ORDER BY r.received_at, r.id LIMIT 1),
            (SELECT r.id FROM houses h CROSS JOIN reports r
                WHERE r.house_id = h.id AND h.unit_id = w.u AND r.review_state = 'pending' ORDER BY r.received_at, r.id LIMIT 1)
        FROM (SELECT OLD.unit_id AS u) w WHERE w.u IS NOT NULL
        ON CONFLICT (unit_id) DO UPDATE SET waiting = excluded.waiting, flagged = excluded.flagged,
            oldest_at = excluded.oldest_at, oldest_id = excluded.oldest_id;
    INSERT INTO review_waiting (unit_id, waiting, flagged, oldest_at, oldest_id)
        SELECT w.u,
            (SELECT count(*) FROM houses h CROSS JOIN reports r
                WHERE r.house_id = h.id AND h.unit_id = w.u AND r.review_state = 'pending'),
            (SELECT count(r.flag) FROM houses h CROSS JOIN reports r
                WHERE r.house_id = h.id AND h.unit_id = w.u AND r.review_state = 'pending'),
            (SELECT r.received_at FROM houses h CROSS JOIN reports r
                WHERE r.house_id = h.id AND h.unit_id = w.u AND r.review_state = 'pending' ORDER BY r.received_at, r.id LIMIT 1),
            (SELECT r.id FROM houses h CROSS JOIN reports r
                WHERE r.house_id = h.id AND h.unit_id = w.u AND r.review_state = 'pending' ORDER BY r.received_at, r.id LIMIT 1)
        FROM (SELECT NEW.unit_id AS u) w WHERE w.u IS NOT NULL
        ON CONFLICT (unit_id) DO UPDATE SET waiting = excluded.waiting, flagged = excluded.flagged,
            oldest_at = excluded.oldest_at, oldest_id = excluded.oldest_id;
END;
