-- The pace of a bot's outgoing messages, shared by all the processes that send for it
-- (storage/send_pace.py). UNLOGGED: written at every send, worth nothing after a crash (an empty
-- table only means nobody sent a moment ago), so it costs no WAL.
CREATE UNLOGGED TABLE send_pace (
    bot TEXT NOT NULL,                 -- the bot's numeric id (the part of its token before ':')
    chat TEXT NOT NULL,                -- '' for the whole bot, else the chat
    next_at DOUBLE PRECISION NOT NULL, -- the theoretical time of its next send, unix seconds (the server's clock)
    PRIMARY KEY (bot, chat)
);
