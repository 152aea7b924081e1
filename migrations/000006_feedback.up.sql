-- Customer feedback: what sales, service (and marketing) hear from
-- customers, the +1s of colleagues who heard it too, and marketing's triage
-- new → acknowledged → planned → acted_on | declined, each step with a
-- response the reporter rates.

-- Themes are a managed list: admins add, rename and retire them. A retired
-- theme keeps its items but is not offered for new ones.
CREATE TABLE feedback_themes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 300),
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    version     integer NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX feedback_themes_name_key ON feedback_themes (lower(name));

INSERT INTO feedback_themes (name, description) VALUES
    ('Pricing and billing', 'Price level, discounts, invoices and billing mistakes.'),
    ('Onboarding and setup', 'Getting started: installation, configuration, the first weeks.'),
    ('Product quality', 'Faults and defects: things that break or behave wrongly.'),
    ('Missing feature', 'Something the customer expected that the product does not do.'),
    ('Performance and reliability', 'Speed, outages and downtime.'),
    ('Integrations', 'Connecting to the customer''s other systems.'),
    ('Ease of use', 'Confusing screens, workflows and wording.'),
    ('Documentation and training', 'Manuals, help articles and training sessions.'),
    ('Support experience', 'How fast and how well we helped.'),
    ('Contract and renewal', 'Terms, notice periods and renewals.'),
    ('Delivery and lead times', 'Shipping, installation dates and waiting times.'),
    ('Campaign messaging', 'What ads, emails, offers and the website told the customer.');

CREATE TABLE feedback_items (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reporter_id     bigint NOT NULL REFERENCES users (id),
    reporter_team   text NOT NULL REFERENCES teams (key), -- the reporter's team when they logged it
    customer        text NOT NULL CHECK (length(customer) BETWEEN 1 AND 200),
    lead_id         bigint REFERENCES leads (id) ON DELETE SET NULL,
    campaign_id     bigint REFERENCES campaigns (id) ON DELETE SET NULL,
    product         text NOT NULL CHECK (length(product) BETWEEN 1 AND 100),
    theme_id        bigint NOT NULL REFERENCES feedback_themes (id),
    sentiment       text NOT NULL CHECK (sentiment IN ('negative', 'neutral', 'positive')),
    chain_link      text NOT NULL CHECK (chain_link IN ('promise', 'expectation', 'experience')),
    customer_words  text NOT NULL CHECK (length(customer_words) BETWEEN 1 AND 4000),
    reporter_note   text NOT NULL DEFAULT '' CHECK (length(reporter_note) <= 4000),
    status          text NOT NULL DEFAULT 'new'
                    CHECK (status IN ('new', 'acknowledged', 'planned', 'acted_on', 'declined')),
    status_at       timestamptz NOT NULL DEFAULT now(), -- when the item entered its status
    owner_id        bigint REFERENCES users (id),
    response        text NOT NULL DEFAULT '', -- the latest response; feedback_events keeps them all
    responded_at    timestamptz,
    responded_by    bigint REFERENCES users (id),
    acknowledged_at timestamptz, -- first move out of new
    ack_due_at      timestamptz NOT NULL, -- created_at + 2 business days in the business timezone
    rating          smallint CHECK (rating BETWEEN 1 AND 5), -- the reporter's usefulness rating
    rated_at        timestamptz,
    heard_count     integer NOT NULL DEFAULT 0 CHECK (heard_count >= 0), -- feedback_heard rows, kept by the store
    merged_into     bigint REFERENCES feedback_items (id),
    merged_at       timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    version         integer NOT NULL DEFAULT 1,
    search          tsvector GENERATED ALWAYS AS (
                        setweight(to_tsvector('english', customer_words), 'A') ||
                        setweight(to_tsvector('english', reporter_note), 'B') ||
                        setweight(to_tsvector('english', customer || ' ' || product), 'C')) STORED,
    CHECK (status = 'new' OR (responded_at IS NOT NULL AND acknowledged_at IS NOT NULL)),
    CHECK (rating IS NULL OR responded_at IS NOT NULL),
    CHECK (merged_into IS NULL OR (merged_into <> id AND merged_at IS NOT NULL))
);

CREATE INDEX feedback_items_search_idx ON feedback_items USING gin (search);
CREATE INDEX feedback_items_created_idx ON feedback_items (created_at DESC, id DESC) WHERE merged_into IS NULL;
CREATE INDEX feedback_items_status_idx ON feedback_items (status, status_at) WHERE merged_into IS NULL;
-- Waiting too long: not acknowledged, past the due time.
CREATE INDEX feedback_items_ack_due_idx ON feedback_items (ack_due_at) WHERE acknowledged_at IS NULL AND merged_into IS NULL;
-- Waiting longest first: open items, least recently moved first.
CREATE INDEX feedback_items_waiting_idx ON feedback_items ((status IN ('acted_on', 'declined')), status_at, id) WHERE merged_into IS NULL;
-- Most heard first.
CREATE INDEX feedback_items_heard_idx ON feedback_items (heard_count DESC, created_at DESC, id DESC) WHERE merged_into IS NULL;
CREATE INDEX feedback_items_theme_idx ON feedback_items (theme_id, created_at);
CREATE INDEX feedback_items_reporter_idx ON feedback_items (reporter_id);
CREATE INDEX feedback_items_product_idx ON feedback_items (lower(product), product);
-- Theme trends read a year of items: covering, so it is an index-only scan.
CREATE INDEX feedback_items_trend_idx ON feedback_items (created_at) INCLUDE (theme_id, chain_link, sentiment)
    WHERE merged_into IS NULL;
CREATE INDEX feedback_items_owner_idx ON feedback_items (owner_id) WHERE owner_id IS NOT NULL;
CREATE INDEX feedback_items_lead_idx ON feedback_items (lead_id) WHERE lead_id IS NOT NULL;
CREATE INDEX feedback_items_campaign_idx ON feedback_items (campaign_id) WHERE campaign_id IS NOT NULL;
CREATE INDEX feedback_items_merged_idx ON feedback_items (merged_into) WHERE merged_into IS NOT NULL;

-- "Heard it too": one +1 per user per item, with the customer who said it.
-- A merge moves +1s to the surviving item; merged_from remembers where
-- they came from.
CREATE TABLE feedback_heard (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id     bigint NOT NULL REFERENCES feedback_items (id) ON DELETE CASCADE,
    user_id     bigint NOT NULL REFERENCES users (id),
    customer    text NOT NULL DEFAULT '' CHECK (length(customer) <= 200),
    note        text NOT NULL DEFAULT '' CHECK (length(note) <= 4000),
    merged_from bigint REFERENCES feedback_items (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT feedback_heard_once UNIQUE (item_id, user_id)
);
CREATE INDEX feedback_heard_user_idx ON feedback_heard (user_id);

-- The item's history: creation, every status change with its response,
-- owner changes, ratings and merges.
CREATE TABLE feedback_events (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id       bigint NOT NULL REFERENCES feedback_items (id) ON DELETE CASCADE,
    at            timestamptz NOT NULL DEFAULT now(),
    actor_id      bigint REFERENCES users (id),
    kind          text NOT NULL CHECK (kind IN ('created', 'status', 'owner', 'rating', 'merged_into', 'merged_from')),
    from_status   text,
    to_status     text,
    response      text NOT NULL DEFAULT '',
    owner_id      bigint REFERENCES users (id),
    rating        smallint CHECK (rating BETWEEN 1 AND 5),
    other_item_id bigint REFERENCES feedback_items (id)
);
CREATE INDEX feedback_events_item_idx ON feedback_events (item_id, at, id);
-- Responses over time, for the feedback-response KPI.
CREATE INDEX feedback_events_status_idx ON feedback_events (at) WHERE kind = 'status';
