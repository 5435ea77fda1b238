-- The pace of a bot's outgoing messages, shared by all the processes that send for it
-- (storage/send_pace.py). Only PostgreSQL deployments of several processes use it: a SQLite
-- deployment is one sending process, which paces itself in memory. Kept here so that both
-- databases have the same tables.
CREATE TABLE send_pace (
    bot TEXT NOT NULL,        -- the bot's numeric id (the part of its token before ':')
    chat TEXT NOT NULL,       -- '' for the whole bot, else the chat
    next_at REAL NOT NULL,    -- the theoretical time of its next send, unix seconds (the server's clock)
    PRIMARY KEY (bot, chat)
) WITHOUT ROWID;
