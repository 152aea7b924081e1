-- Changes worth telling people outside Tandem about, recorded once in the
-- transaction of the change; deliveries (webhooks, chat, email) reference
-- them and are fanned out by a job.
CREATE TABLE events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        text NOT NULL CHECK (kind ~ '^[a-z_]+\.[a-z_]+$'),
    occurred_at timestamptz NOT NULL DEFAULT now(),
    actor_id    bigint REFERENCES users (id),
    audience    bigint[] NOT NULL DEFAULT '{}',
    teams       text[] NOT NULL DEFAULT '{}',
    data        jsonb NOT NULL,
    -- Set by the fan-out job, so a page can tell planned events from queued ones.
    fanned_out_at timestamptz
);
CREATE INDEX events_occurred_at ON events (occurred_at DESC, id DESC);
