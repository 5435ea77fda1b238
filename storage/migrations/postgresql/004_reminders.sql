-- Twin of ../004_reminders.sql. rowid: the order SQLite keeps in its own rowid.
CREATE TABLE reminder_occasions (
    key        TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('deadline', 'digest', 'stale')),
    due_at     TEXT NOT NULL,
    outcome    TEXT NOT NULL CHECK (outcome IN ('planned', 'missed')),
    recipients INTEGER NOT NULL DEFAULT 0,
    decided_at TEXT NOT NULL
);

CREATE TABLE reminder_outbox (
    key         TEXT PRIMARY KEY,
    occasion    TEXT NOT NULL REFERENCES reminder_occasions(key),
    user_id     BIGINT NOT NULL REFERENCES users(id),
    kind        TEXT NOT NULL CHECK (kind IN ('deadline', 'digest', 'stale')),
    topic       TEXT NOT NULL,
    local_day   TEXT NOT NULL,
    due_at      TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    payload     TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('pending', 'held', 'sending', 'sent', 'failed',
                                              'blocked', 'skipped')),
    not_before  TEXT,
    reason      TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    rowid       BIGINT GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX reminder_outbox_open ON reminder_outbox(state, due_at);
CREATE INDEX reminder_outbox_day ON reminder_outbox(user_id, topic, local_day);

CREATE TABLE reminder_prefs (
    user_id   BIGINT PRIMARY KEY REFERENCES users(id),
    paused_at TEXT NOT NULL
);
