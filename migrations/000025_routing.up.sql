-- Lead routing: ordered rules that choose the rep of a lead handed off "to
-- the routing rules", the pools they choose from, per-rep capacity and
-- out-of-office dates.
CREATE TABLE routing_rules (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- tried in this order; the first rule whose conditions all match wins
    position     integer NOT NULL,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    -- conditions; an empty list or NULL matches any lead
    countries    text[] NOT NULL DEFAULT '{}', -- upper-case, regions expanded
    campaign_id  bigint REFERENCES campaigns (id) ON DELETE CASCADE,
    channel      text,
    score_min    integer CHECK (score_min BETWEEN 0 AND 100),
    score_max    integer CHECK (score_max BETWEEN 0 AND 100),
    fits         text[] NOT NULL DEFAULT '{}',
    method       text NOT NULL CHECK (method IN ('round_robin', 'weighted', 'least_loaded', 'named', 'queue')),
    named_rep_id bigint REFERENCES users (id),
    -- the pool's clock for stride scheduling: a rep's turn comes when its
    -- pass is the lowest at or after this
    clock        bigint NOT NULL DEFAULT 0,
    version      integer NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (score_min IS NULL OR score_max IS NULL OR score_min <= score_max),
    CHECK ((method = 'named') = (named_rep_id IS NOT NULL))
);
CREATE INDEX routing_rules_position_idx ON routing_rules (position);

CREATE TABLE routing_rule_reps (
    rule_id bigint NOT NULL REFERENCES routing_rules (id) ON DELETE CASCADE,
    user_id bigint NOT NULL REFERENCES users (id),
    weight  integer NOT NULL DEFAULT 1 CHECK (weight BETWEEN 1 AND 10),
    -- stride scheduling: each pick adds 2520 / weight (2520 is divisible by
    -- every weight from 1 to 10), so turns are exact integers
    pass    bigint NOT NULL DEFAULT 0,
    routed  integer NOT NULL DEFAULT 0,
    PRIMARY KEY (rule_id, user_id)
);

-- At most this many leads handed off to the rep and not yet accepted or
-- rejected; routing skips a rep at the cap. No row: no cap.
CREATE TABLE rep_capacity (
    user_id  bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    max_open integer NOT NULL CHECK (max_open BETWEEN 1 AND 1000)
);

-- Out of office, as calendar days in the user's own timezone, both ends
-- included.
CREATE TABLE away_periods (
    user_id   bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    starts_on date NOT NULL,
    ends_on   date NOT NULL,
    CHECK (ends_on >= starts_on)
);

ALTER TABLE lead_events DROP CONSTRAINT lead_events_kind_check;
ALTER TABLE lead_events ADD CONSTRAINT lead_events_kind_check
    CHECK (kind IN ('created', 'stage', 'touch', 'assign', 'comment', 'edit', 'intake', 'route'));
-- which rule routed the lead, for the timeline and the SLA page
ALTER TABLE lead_events ADD COLUMN rule_id bigint REFERENCES routing_rules (id) ON DELETE SET NULL;
