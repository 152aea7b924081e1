-- The weekly digest: one row per ISO week (business timezone). A manager's
-- note may be saved before the digest is composed (body NULL); composing
-- freezes the numbers in body once, and they never change afterwards.
CREATE TABLE digests (
    week         text PRIMARY KEY CHECK (week ~ '^[0-9]{4}-W[0-9]{2}$'),
    note         text NOT NULL DEFAULT '' CHECK (length(note) <= 1000),
    note_by      bigint REFERENCES users (id),
    note_at      timestamptz,
    body         jsonb, -- the frozen digest, note included; NULL until composed
    composed_at  timestamptz,
    composed_by  bigint REFERENCES users (id), -- NULL: the schedule or the command line
    composed_via text CHECK (composed_via IN ('schedule', 'manager', 'command')),
    enqueued_at  timestamptz, -- when its sends were first queued
    version      integer NOT NULL DEFAULT 1,
    CHECK ((body IS NULL) = (composed_at IS NULL) AND (body IS NULL) = (composed_via IS NULL))
);
CREATE INDEX digests_composed_idx ON digests (week DESC) WHERE body IS NOT NULL;

-- One row per week and recipient: the unique key is what makes a weekly
-- send happen at most once per person, however many app instances run.
-- pending → sending (claimed) → sent | pending again (retry) | failed (gave
-- up) | skipped (deactivated or opted out before delivery).
CREATE TABLE digest_sends (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    week            text NOT NULL REFERENCES digests (week),
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'skipped')),
    attempts        integer NOT NULL DEFAULT 0,
    last_error      text NOT NULL DEFAULT '' CHECK (length(last_error) <= 500),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    claimed_at      timestamptz,
    sent_at         timestamptz,
    email           text NOT NULL DEFAULT '', -- the address it went to
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT digest_sends_week_user_key UNIQUE (week, user_id),
    CHECK ((status = 'sent') = (sent_at IS NOT NULL))
);
-- The queue: what is due, and claims that may have been abandoned.
CREATE INDEX digest_sends_due_idx ON digest_sends (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX digest_sends_claimed_idx ON digest_sends (claimed_at) WHERE status = 'sending';

ALTER TABLE users ADD COLUMN digest_opt_out boolean NOT NULL DEFAULT false;

-- The key that signs unsubscribe links, made once here so every app
-- instance shares it without another setting. gen_random_uuid() draws on
-- the server's strong random source: two of them give 244 random bits.
CREATE TABLE digest_secret (
    id         boolean PRIMARY KEY DEFAULT true CHECK (id),
    key        bytea NOT NULL CHECK (length(key) = 32),
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO digest_secret (key)
VALUES (decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'));
