CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- A lead moves new → mql → handed_off → accepted | rejected;
-- accepted → opportunity → won | lost; rejected → recycled → mql.
-- Each stage keeps the time it was reached, so KPIs cohort by those times.
CREATE TABLE leads (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    company            text NOT NULL CHECK (length(company) BETWEEN 1 AND 200),
    contact_name       text NOT NULL CHECK (length(contact_name) BETWEEN 1 AND 200),
    email              text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    phone              text NOT NULL DEFAULT '',
    title              text NOT NULL DEFAULT '',
    country            text NOT NULL DEFAULT '',
    source_campaign_id bigint, -- the campaigns migration adds the foreign key
    fit                text NOT NULL DEFAULT '' CHECK (fit IN ('', 'strong', 'medium', 'weak')),
    score              integer NOT NULL DEFAULT 0 CHECK (score BETWEEN 0 AND 100),
    owner_id           bigint REFERENCES users (id),
    stage              text NOT NULL DEFAULT 'new' CHECK (stage IN
                       ('new', 'mql', 'handed_off', 'accepted', 'rejected', 'recycled', 'opportunity', 'won', 'lost')),
    deal_value         numeric(14, 2) CHECK (deal_value >= 0),
    handoff_note       text NOT NULL DEFAULT '',
    handed_off_by      bigint REFERENCES users (id),
    quality_rating     smallint CHECK (quality_rating BETWEEN 1 AND 5),
    rejection_reason   text CHECK (rejection_reason IN ('not_icp', 'no_budget', 'duplicate', 'bad_contact',
                       'bad_timing', 'competitor_or_student', 'other')),
    rejection_note     text NOT NULL DEFAULT '',
    lost_reason        text NOT NULL DEFAULT '',
    created_at         timestamptz NOT NULL DEFAULT now(),
    mql_at             timestamptz,
    handed_off_at      timestamptz,
    first_touch_at     timestamptz,
    accepted_at        timestamptz,
    rejected_at        timestamptz,
    recycled_at        timestamptz,
    opportunity_at     timestamptz,
    won_at             timestamptz,
    lost_at            timestamptz,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    version            integer NOT NULL DEFAULT 1
);

CREATE UNIQUE INDEX leads_email_key ON leads (lower(email));
CREATE INDEX leads_stage_idx ON leads (stage, id DESC);
CREATE INDEX leads_owner_stage_idx ON leads (owner_id, stage);
CREATE INDEX leads_campaign_idx ON leads (source_campaign_id) WHERE source_campaign_id IS NOT NULL;
CREATE INDEX leads_created_idx ON leads (created_at DESC, id DESC);
CREATE INDEX leads_handed_off_idx ON leads (handed_off_at DESC, id DESC) WHERE handed_off_at IS NOT NULL;
-- Open SLA clocks: handed off or accepted, not yet touched.
CREATE INDEX leads_sla_open_idx ON leads (handed_off_at) WHERE first_touch_at IS NULL AND stage IN ('handed_off', 'accepted');
CREATE INDEX leads_search_idx ON leads USING gin ((company || ' ' || contact_name || ' ' || email) gin_trgm_ops);

-- The timeline: every stage change, touch, assignment and comment.
CREATE TABLE lead_events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lead_id    bigint NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    at         timestamptz NOT NULL DEFAULT now(),
    actor_id   bigint REFERENCES users (id),
    kind       text NOT NULL CHECK (kind IN ('created', 'stage', 'touch', 'assign', 'comment')),
    from_stage text,
    to_stage   text,
    touch_kind text CHECK (touch_kind IN ('call', 'email', 'meeting', 'note')),
    note       text NOT NULL DEFAULT ''
);
CREATE INDEX lead_events_lead_idx ON lead_events (lead_id, at, id);
