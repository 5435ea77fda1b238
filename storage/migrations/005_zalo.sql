-- One person may use the bot from Telegram and from Zalo. Each account stays its own user row
-- (keyed by channel and id, with its own role, unit and dialog), and linked rows share a person:
-- person_id is the id of the group's first row, NULL for an account linked to nothing.
ALTER TABLE users ADD COLUMN person_id INTEGER REFERENCES users(id);
CREATE INDEX users_person ON users(person_id);

-- /lienket on one account makes a code; /lienket CODE from the other proves both are one person's.
-- Short-lived and used once: whoever holds a code can attach an account to that person.
CREATE TABLE link_codes (
    code       TEXT PRIMARY KEY COLLATE NOCASE,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_by    INTEGER REFERENCES users(id),
    used_at    TEXT
);
CREATE INDEX link_codes_user ON link_codes(user_id);
