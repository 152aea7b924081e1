-- What each user wants to hear of each event kind, and how. No row means
-- the default for the user's team and role (internal/mail's table), so a
-- change of the defaults reaches everyone who never chose.
CREATE TABLE notification_prefs (
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       text NOT NULL CHECK (kind ~ '^[a-z_]+\.[a-z_]+$'),
    delivery   text NOT NULL CHECK (delivery IN ('in_app', 'email_now', 'email_daily', 'off')),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, kind)
);

-- One daily summary mail per user and business day, claimed before it is
-- sent so two instances (or a retried job) never send it twice.
CREATE TABLE mail_summaries (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    day        date NOT NULL,
    status     text NOT NULL DEFAULT 'sending' CHECK (status IN ('sending', 'sent')),
    claimed_at timestamptz NOT NULL DEFAULT now(),
    sent_at    timestamptz,
    CONSTRAINT mail_summaries_user_day_key UNIQUE (user_id, day)
);

-- One mail per (user, event): sent on its own (daily = false, a job per
-- row) or listed in the user's next daily summary (daily = true).
CREATE TABLE mail_deliveries (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    event_id   bigint NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    daily      boolean NOT NULL DEFAULT false,
    status     text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'skipped')),
    attempts   int NOT NULL DEFAULT 0,
    last_error text NOT NULL DEFAULT '',
    summary_id bigint REFERENCES mail_summaries (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at    timestamptz,
    CONSTRAINT mail_deliveries_user_event_key UNIQUE (user_id, event_id)
);
CREATE INDEX mail_deliveries_daily_pending ON mail_deliveries (user_id, id) WHERE daily AND status = 'pending';
