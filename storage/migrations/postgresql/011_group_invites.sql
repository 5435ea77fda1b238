-- Twin of ../011_group_invites.sql.
ALTER TABLE invites ADD COLUMN kind TEXT NOT NULL DEFAULT 'personal' CHECK (kind IN ('personal', 'group'));
ALTER TABLE invites ADD COLUMN max_uses INTEGER NOT NULL DEFAULT 1;
ALTER TABLE invites ADD COLUMN use_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE invites ADD COLUMN revoked_at TEXT;
ALTER TABLE invites ADD COLUMN created_by BIGINT REFERENCES users(id);
UPDATE invites SET use_count = 1 WHERE used_by IS NOT NULL;

CREATE TABLE bot_info (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    at    TEXT NOT NULL
);
