-- Campaign keys: the utm_campaign value of a campaign's links, matched
-- case-insensitively by lead intake. Stored lowercased by the domain; NULL
-- when a campaign has none.
ALTER TABLE campaigns ADD COLUMN key text
    CHECK (key IS NULL OR (length(key) BETWEEN 1 AND 100 AND key = lower(key)));
CREATE UNIQUE INDEX campaigns_key_key ON campaigns (key);

-- Lead intake: sources that website forms and marketing tools post leads
-- to at POST /intake/{slug}.
CREATE TABLE intake_sources (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    slug                text NOT NULL CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    default_campaign_id bigint REFERENCES campaigns (id) ON DELETE SET NULL,
    landing_stage       text NOT NULL DEFAULT 'new' CHECK (landing_stage IN ('new', 'mql')),
    -- which posted field holds each lead field: a comma-separated list of
    -- names, the first non-empty one wins
    map_company         text NOT NULL DEFAULT 'company',
    map_contact_name    text NOT NULL DEFAULT 'name, contact_name',
    map_email           text NOT NULL DEFAULT 'email',
    map_phone           text NOT NULL DEFAULT 'phone',
    map_title           text NOT NULL DEFAULT 'title',
    map_country         text NOT NULL DEFAULT 'country',
    map_note            text NOT NULL DEFAULT 'message',
    allow_forms         boolean NOT NULL DEFAULT true,
    thank_you_url       text NOT NULL DEFAULT '' CHECK (length(thank_you_url) <= 2000),
    -- The HMAC key of the source's webhook. Stored as is, not hashed: the
    -- server must compute HMAC-SHA256 with the key itself to verify a
    -- signature, so it has to be recoverable, and encrypting it with a key
    -- kept next to it in the same process would add ceremony, not safety.
    -- It authorizes one thing only (posting leads to this source), is never
    -- shown again after creation or rotation, and rotating replaces it.
    secret              text NOT NULL CHECK (length(secret) >= 32),
    enabled             boolean NOT NULL DEFAULT true,
    rate_per_minute     integer NOT NULL DEFAULT 60 CHECK (rate_per_minute BETWEEN 1 AND 10000),
    created_by          bigint REFERENCES users (id),
    created_at          timestamptz NOT NULL DEFAULT now(),
    secret_rotated_at   timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    version             integer NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX intake_sources_slug_key ON intake_sources (slug);

-- Every submission with its outcome, written in the transaction of the
-- lead it created or merged into (refusals on their own).
CREATE TABLE intake_submissions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_id    bigint NOT NULL REFERENCES intake_sources (id) ON DELETE CASCADE,
    at           timestamptz NOT NULL DEFAULT now(),
    via          text NOT NULL CHECK (via IN ('form', 'webhook')),
    outcome      text NOT NULL CHECK (outcome IN ('created', 'merged', 'refused')),
    reason       text NOT NULL DEFAULT '',
    lead_id      bigint REFERENCES leads (id) ON DELETE SET NULL,
    email        text NOT NULL DEFAULT '',
    company      text NOT NULL DEFAULT '',
    campaign_id  bigint REFERENCES campaigns (id) ON DELETE SET NULL,
    utm_source   text NOT NULL DEFAULT '',
    utm_medium   text NOT NULL DEFAULT '',
    utm_campaign text NOT NULL DEFAULT '',
    utm_content  text NOT NULL DEFAULT '',
    utm_term     text NOT NULL DEFAULT ''
);
CREATE INDEX intake_submissions_source_idx ON intake_submissions (source_id, id DESC);
CREATE INDEX intake_submissions_lead_idx ON intake_submissions (lead_id, id) WHERE lead_id IS NOT NULL;

-- Per-source submission counts per minute, shared by every app instance.
CREATE TABLE intake_rate (
    source_id    bigint NOT NULL REFERENCES intake_sources (id) ON DELETE CASCADE,
    window_start timestamptz NOT NULL,
    n            integer NOT NULL,
    PRIMARY KEY (source_id, window_start)
);

-- Timeline events written by a system actor (an intake source) name it.
ALTER TABLE lead_events ADD COLUMN actor_label text NOT NULL DEFAULT '';
ALTER TABLE lead_events DROP CONSTRAINT lead_events_kind_check;
ALTER TABLE lead_events ADD CONSTRAINT lead_events_kind_check
    CHECK (kind IN ('created', 'stage', 'touch', 'assign', 'comment', 'edit', 'intake'));
