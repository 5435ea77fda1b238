-- Invites expire, and wrong codes are counted, so guessing a code does not pay.
ALTER TABLE invites ADD COLUMN expires_at TEXT;
-- Invites made before they had an expiry get the default 30 days from when they were made.
UPDATE invites SET expires_at = strftime('%Y-%m-%dT%H:%M:%S+00:00', created_at, '+30 days')
 WHERE expires_at IS NULL;

-- One row per wrong invite or link code, by the account (channel and its id) that sent it; kept a
-- day, which covers every window counted over.
CREATE TABLE wrong_codes (
    id          INTEGER PRIMARY KEY,
    channel     TEXT NOT NULL,
    external_id TEXT NOT NULL,
    at          TEXT NOT NULL
);
CREATE INDEX wrong_codes_account ON wrong_codes(channel, external_id, at);
CREATE INDEX wrong_codes_channel ON wrong_codes(channel, at);
