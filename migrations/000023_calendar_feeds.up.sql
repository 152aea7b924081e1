-- Secret calendar feed URLs (RFC 5545): one per user and scope, the
-- personal feed and, for managers, the team feed. Only the SHA-256 of the
-- token is stored; the URL is shown once, when it is made. Regenerating
-- replaces the row, so the old URL stops working at once.
CREATE TABLE calendar_feeds (
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scope      text NOT NULL CHECK (scope IN ('personal', 'team')),
    token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, scope)
);
