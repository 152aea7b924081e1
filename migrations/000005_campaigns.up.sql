-- Campaigns and their notices to sales and service. The stored status is
-- draft or announced; live and ended follow from the dates in the business
-- timezone when shown.
CREATE TABLE campaigns (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    channel        text NOT NULL CHECK (channel IN ('email', 'webinar', 'event', 'paid_search', 'paid_social',
                   'content', 'partner', 'direct_mail', 'other')),
    audience       text NOT NULL DEFAULT '' CHECK (length(audience) <= 500),
    offer          text NOT NULL DEFAULT '' CHECK (length(offer) <= 500),
    talking_points text NOT NULL DEFAULT '' CHECK (length(talking_points) <= 20000),
    launch_on      date NOT NULL,
    end_on         date NOT NULL,
    expected_leads integer NOT NULL DEFAULT 0 CHECK (expected_leads BETWEEN 0 AND 1000000),
    budget         numeric(14, 2) NOT NULL DEFAULT 0 CHECK (budget >= 0),
    owner_id       bigint NOT NULL REFERENCES users (id),
    status         text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'announced')),
    announced_at   timestamptz,
    announced_by   bigint REFERENCES users (id),
    -- launch (00:00 business time) minus announce time, the notice_days
    -- setting in force when announced, and the verdict
    notice_lead    interval,
    notice_days    integer,
    late_notice    boolean NOT NULL DEFAULT false,
    late_reason    text NOT NULL DEFAULT '' CHECK (length(late_reason) <= 2000),
    -- talking-points revision: 1 when announced, +1 per later edit
    revision       integer NOT NULL DEFAULT 0,
    created_by     bigint REFERENCES users (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    version        integer NOT NULL DEFAULT 1,
    CHECK (end_on >= launch_on),
    CHECK ((status = 'draft') = (announced_at IS NULL)),
    CHECK (status = 'draft' OR (revision >= 1 AND notice_days IS NOT NULL AND notice_lead IS NOT NULL)),
    CHECK (NOT late_notice OR late_reason <> '')
);
CREATE INDEX campaigns_launch_idx ON campaigns (launch_on DESC, id DESC);
CREATE INDEX campaigns_dates_idx ON campaigns (end_on, launch_on);
-- The banner: announced notices that have not ended.
CREATE INDEX campaigns_announced_idx ON campaigns (end_on) WHERE status = 'announced';

-- Each announced version of the talking points.
CREATE TABLE campaign_revisions (
    campaign_id    bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    revision       integer NOT NULL CHECK (revision >= 1),
    talking_points text NOT NULL,
    edited_by      bigint REFERENCES users (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (campaign_id, revision)
);

-- One row per person and notice. acknowledged_at is the first
-- acknowledgement (readiness counts it); revision and revision_at are the
-- latest revision the person acknowledged.
CREATE TABLE acknowledgements (
    campaign_id     bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    revision        integer NOT NULL CHECK (revision >= 1),
    acknowledged_at timestamptz NOT NULL DEFAULT now(),
    revision_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT acknowledgements_campaign_user_key UNIQUE (campaign_id, user_id)
);
CREATE INDEX acknowledgements_user_idx ON acknowledgements (user_id, campaign_id);

-- Questions on a notice, threaded one level: a reply's parent is a
-- top-level comment of the same campaign (checked by the store). The
-- author's team is kept as it was when they wrote.
CREATE TABLE campaign_comments (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    parent_id   bigint REFERENCES campaign_comments (id) ON DELETE CASCADE,
    author_id   bigint NOT NULL REFERENCES users (id),
    author_team text NOT NULL REFERENCES teams (key),
    body        text NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX campaign_comments_campaign_idx ON campaign_comments (campaign_id, id);
CREATE INDEX campaign_comments_parent_idx ON campaign_comments (parent_id) WHERE parent_id IS NOT NULL;

-- Product alerts from service: faults, recalls, what to say meanwhile.
CREATE TABLE product_alerts (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    headline      text NOT NULL CHECK (length(headline) BETWEEN 1 AND 200),
    product       text NOT NULL CHECK (length(product) BETWEEN 1 AND 200),
    severity      text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    what_happened text NOT NULL CHECK (length(what_happened) BETWEEN 1 AND 10000),
    guidance      text NOT NULL CHECK (length(guidance) BETWEEN 1 AND 10000),
    until_on      date, -- last day the alert applies; NULL until further notice
    posted_by     bigint NOT NULL REFERENCES users (id),
    posted_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX product_alerts_posted_idx ON product_alerts (id DESC);
-- The pinned banner: critical alerts.
CREATE INDEX product_alerts_critical_idx ON product_alerts (id DESC) WHERE severity = 'critical';

CREATE TABLE alert_acks (
    alert_id        bigint NOT NULL REFERENCES product_alerts (id) ON DELETE CASCADE,
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    acknowledged_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (alert_id, user_id)
);
CREATE INDEX alert_acks_user_idx ON alert_acks (user_id, alert_id);

ALTER TABLE leads ADD CONSTRAINT leads_source_campaign_fkey
    FOREIGN KEY (source_campaign_id) REFERENCES campaigns (id);
