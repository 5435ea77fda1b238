-- When an account last wrote to the bot. A person linked on two channels gets one copy of a
-- reminder, on the account they used last.
ALTER TABLE users ADD COLUMN last_seen_at TEXT;
