-- Service users: one non-login account per team that service tokens act
-- as, so everything a marketing tool writes through the API is attributed
-- to a real row ("Marketing (service)") with the team's lowest role.
ALTER TABLE users ADD COLUMN service boolean NOT NULL DEFAULT false;
CREATE UNIQUE INDEX users_service_team_idx ON users (team) WHERE service;

-- API tokens. Only the SHA-256 of the secret is stored; prefix is the first
-- characters of the secret, shown in lists so a person can tell tokens apart.
-- user_id is who the token acts as (the owner of a personal token, the
-- team's service user of a service token); created_by who made it.
CREATE TABLE api_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash   bytea NOT NULL UNIQUE,
    prefix       text NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('personal', 'service')),
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_by   bigint REFERENCES users (id) ON DELETE SET NULL,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    scopes       text[] NOT NULL CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['read', 'write']),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    last_used_at timestamptz,
    last_used_ip text NOT NULL DEFAULT '',
    revoked_at   timestamptz,
    revoked_by   bigint REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id, id DESC);

-- The addresses a token was used from, so the first use from a new one is
-- audited once.
CREATE TABLE api_token_addresses (
    token_id bigint NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    ip       text NOT NULL,
    first_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (token_id, ip)
);

-- Idempotency keys of API POSTs, per token, kept 24 hours. status is NULL
-- while the first request is still running (a concurrent retry gets 409).
CREATE TABLE api_idempotency (
    token_id     bigint NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    key          text NOT NULL,
    request_hash bytea NOT NULL,
    status       int,
    location     text NOT NULL DEFAULT '',
    content_type text NOT NULL DEFAULT '',
    body         bytea NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (token_id, key)
);
CREATE INDEX api_idempotency_created_idx ON api_idempotency (created_at);

-- Per-token request counts per fixed one-minute window, shared by every
-- instance.
CREATE TABLE api_rate (
    token_id     bigint NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    window_start timestamptz NOT NULL,
    count        int NOT NULL,
    PRIMARY KEY (token_id, window_start)
);
CREATE INDEX api_rate_window_idx ON api_rate (window_start);
