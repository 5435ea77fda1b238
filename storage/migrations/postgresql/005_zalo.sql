-- Twin of ../005_zalo.sql.
ALTER TABLE users ADD COLUMN person_id BIGINT REFERENCES users(id);
CREATE INDEX users_person ON users(person_id);

CREATE TABLE link_codes (
    code       CITEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_by    BIGINT REFERENCES users(id),
    used_at    TEXT
);
CREATE INDEX link_codes_user ON link_codes(user_id);
