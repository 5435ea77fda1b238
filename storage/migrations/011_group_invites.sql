-- Group codes: one code for a volunteers' meeting or a commune's Zalo group, usable by up to
-- max_uses people until it expires or an officer revokes it. A personal code is max_uses 1.
ALTER TABLE invites ADD COLUMN kind TEXT NOT NULL DEFAULT 'personal' CHECK (kind IN ('personal', 'group'));
ALTER TABLE invites ADD COLUMN max_uses INTEGER NOT NULL DEFAULT 1;
ALTER TABLE invites ADD COLUMN use_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE invites ADD COLUMN revoked_at TEXT;
ALTER TABLE invites ADD COLUMN created_by INTEGER REFERENCES users(id);
UPDATE invites SET use_count = 1 WHERE used_by IS NOT NULL;

-- What the bot learns about itself at start (its Telegram username, for invite links), so a
-- command run beside it can print a whole link without the name in the config.
CREATE TABLE bot_info (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    at    TEXT NOT NULL
);
