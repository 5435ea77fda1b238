-- Reminders and nudges. Every reminder to every person is one row of the outbox, decided once and
-- kept: a restart reads what was sent instead of sending it again.

-- An occasion is one scheduled moment ("deadline:<name>:<date>:<offset>", "digest:<day>",
-- "stale:<day>"). Planned once: its recipients are chosen and written in the same transaction.
-- missed: it fell due while the bot was down for longer than the grace period.
CREATE TABLE reminder_occasions (
    key        TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('deadline', 'digest', 'stale')),
    due_at     TEXT NOT NULL,
    outcome    TEXT NOT NULL CHECK (outcome IN ('planned', 'missed')),
    recipients INTEGER NOT NULL DEFAULT 0,
    decided_at TEXT NOT NULL
);

CREATE TABLE reminder_outbox (
    key         TEXT PRIMARY KEY,          -- occasion key + ":user:<id>"
    occasion    TEXT NOT NULL REFERENCES reminder_occasions(key),
    user_id     INTEGER NOT NULL REFERENCES users(id),
    kind        TEXT NOT NULL CHECK (kind IN ('deadline', 'digest', 'stale')),
    topic       TEXT NOT NULL,             -- "deadline:<name>": at most one a person a local day
    local_day   TEXT NOT NULL,             -- the occasion's day in the campaign's zone
    due_at      TEXT NOT NULL,
    expires_at  TEXT NOT NULL,             -- not sent after this (grace; moved on by quiet hours)
    valid_until TEXT NOT NULL,             -- never sent after this: the deadline or next digest passed
    payload     TEXT NOT NULL,             -- JSON: what the message is about, composed when sent
    -- pending -> sending -> sent | failed | blocked; held (quiet hours) -> pending;
    -- skipped: nothing to say, paused, stale, duplicate of the day or no longer in the config.
    -- sending is written before the send: one found at start was interrupted and is not resent.
    state       TEXT NOT NULL CHECK (state IN ('pending', 'held', 'sending', 'sent', 'failed',
                                              'blocked', 'skipped')),
    not_before  TEXT,                      -- held until (the end of quiet hours)
    reason      TEXT,                      -- why failed or skipped
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX reminder_outbox_open ON reminder_outbox(state, due_at);
CREATE INDEX reminder_outbox_day ON reminder_outbox(user_id, topic, local_day);

-- A person who paused their nudges (/nhacnho). No row: they receive them.
CREATE TABLE reminder_prefs (
    user_id   INTEGER PRIMARY KEY REFERENCES users(id),
    paused_at TEXT NOT NULL
);
