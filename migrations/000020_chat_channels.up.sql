-- A team's chat channel: an incoming webhook of Slack, Teams, Mattermost
-- or Google Chat, and the event kinds it takes. The webhook URL is the
-- channel's credential: pages show only its host after saving.
CREATE TABLE chat_channels (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team            text NOT NULL CHECK (team IN ('sales', 'marketing', 'service')),
    kind            text NOT NULL CHECK (kind IN ('slack', 'teams', 'mattermost', 'google_chat')),
    name            text NOT NULL CHECK (name <> ''),
    webhook_url     text NOT NULL CHECK (webhook_url ~ '^https?://'),
    event_kinds     text[] NOT NULL DEFAULT '{}',
    enabled         boolean NOT NULL DEFAULT true,
    -- Set by the first failed attempt after a success, cleared by the next
    -- success: a channel failing for 24 hours is disabled.
    failing_since   timestamptz,
    disabled_reason text NOT NULL DEFAULT '',
    -- The last "Send test message": when, and what came back.
    tested_at       timestamptz,
    test_result     text NOT NULL DEFAULT '',
    created_by      bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    version         int NOT NULL DEFAULT 1
);
CREATE INDEX chat_channels_team ON chat_channels (team) WHERE enabled;

-- One post of one event to one channel.
CREATE TABLE chat_deliveries (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel_id       bigint NOT NULL REFERENCES chat_channels (id) ON DELETE CASCADE,
    event_id         bigint NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         int NOT NULL DEFAULT 0,
    last_status_code int,
    last_error       text NOT NULL DEFAULT '',
    last_latency_ms  int,
    created_at       timestamptz NOT NULL DEFAULT now(),
    -- When the current round of attempts began (planned, or redelivered):
    -- its retries stop 24 hours later.
    queued_at        timestamptz NOT NULL DEFAULT now(),
    delivered_at     timestamptz,
    CONSTRAINT chat_deliveries_channel_event_key UNIQUE (channel_id, event_id)
);
CREATE INDEX chat_deliveries_recent ON chat_deliveries (channel_id, id DESC);
