-- Every send a platform refused or that never got an answer, with the platform's code and words:
-- what a refusal means is not always documented (Zalo's 403 is not known to mean "blocked"), so
-- the record is kept to decide from several answers over days, and to look into afterwards.
-- Keyed by the channel and the id there, so a send to someone not (yet) a user is recorded too.
-- day is the campaign's local date of the failure: "failed on two different days" reads it.
CREATE TABLE send_failures (
    id          INTEGER PRIMARY KEY,
    channel     TEXT NOT NULL,
    external_id TEXT NOT NULL,
    code        INTEGER NOT NULL,
    description TEXT NOT NULL,
    at          TEXT NOT NULL,
    day         TEXT NOT NULL
);
CREATE INDEX send_failures_person ON send_failures(channel, external_id, at);
