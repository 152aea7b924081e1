-- An outbound webhook endpoint (Standard Webhooks): a URL admins register,
-- the event kinds it takes and the secret deliveries are signed with. On
-- rotation the replaced secret keeps signing beside the new one until
-- previous_expires_at, so a receiver can switch without losing a message.
CREATE TABLE webhook_endpoints (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url                 text NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2000),
    description         text NOT NULL DEFAULT '',
    event_kinds         text[] NOT NULL DEFAULT '{}',
    enabled             boolean NOT NULL DEFAULT true,
    secret              text NOT NULL CHECK (secret LIKE 'whsec\_%'),
    previous_secret     text NOT NULL DEFAULT '',
    previous_expires_at timestamptz,
    -- Set by the first failed attempt after a success, cleared by the next
    -- success: an endpoint failing for 24 hours is disabled.
    failing_since       timestamptz,
    disabled_reason     text NOT NULL DEFAULT '',
    -- The last "Send test event": when, and what came back.
    tested_at           timestamptz,
    test_result         text NOT NULL DEFAULT '',
    created_by          bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    version             int NOT NULL DEFAULT 1
);

-- One message of one event to one endpoint. Plan adds at most one per
-- (endpoint, event); a redelivery is a row of its own pointing at the one
-- it repeats, so the log keeps every round. All carry the same webhook-id
-- (msg_<event id>), for receivers to drop duplicates.
CREATE TABLE webhook_deliveries (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    endpoint_id      bigint NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id         bigint NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    redelivery_of    bigint REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         int NOT NULL DEFAULT 0,
    last_status_code int,
    latency_ms       int,
    response_excerpt text NOT NULL DEFAULT '' CHECK (octet_length(response_excerpt) <= 1024),
    error            text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL DEFAULT now(),
    -- When this round of attempts began: its retries stop 24 hours later.
    queued_at        timestamptz NOT NULL DEFAULT now(),
    last_attempt_at  timestamptz,
    next_attempt_at  timestamptz,
    delivered_at     timestamptz
);
CREATE UNIQUE INDEX webhook_deliveries_endpoint_event_key ON webhook_deliveries (endpoint_id, event_id)
    WHERE redelivery_of IS NULL;
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (endpoint_id, id DESC);
