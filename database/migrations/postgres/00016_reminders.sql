-- +goose Up
-- A reminder e-mail sent: one per application, kind, the date it concerns
-- and recipient, so that a job tried again does not send it twice.
CREATE TABLE reminders_sent (
    application_id TEXT NOT NULL,
    kind           TEXT NOT NULL,
    concerns_on    TEXT NOT NULL,   -- YYYY-MM-DD
    detail         TEXT NOT NULL,   -- the stage of a stage reminder, else ''
    user_id        TEXT NOT NULL,
    sent_at        TEXT NOT NULL,
    PRIMARY KEY (application_id, kind, concerns_on, detail, user_id)
);

-- People who asked for no more reminders (by the link in one).
CREATE TABLE mail_opt_outs (
    user_id    TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
);

-- The tokens of unsubscription links (their SHA-256): one per reminder
-- sent, each naming its person; they do not expire.
CREATE TABLE unsubscribe_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- +goose Down
DROP TABLE unsubscribe_tokens;
DROP TABLE mail_opt_outs;
DROP TABLE reminders_sent;
