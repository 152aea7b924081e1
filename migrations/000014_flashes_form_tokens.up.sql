-- One-time messages shown on the next page a browser renders, kept on the
-- server: owner is the SHA-256 of "session:<token>" for a signed-in browser
-- or of "visitor:<anti-forgery cookie>" for an anonymous one. A message may
-- carry a one-time link (a set-password link) that must never be put in a
-- URL or a cookie. Rows are deleted when shown; old ones are purged.
CREATE TABLE flashes (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner      bytea NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('info', 'success', 'error')),
    message    text NOT NULL,
    link       text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX flashes_owner_idx ON flashes (owner, id);
CREATE INDEX flashes_created_idx ON flashes (created_at);

-- One-time form tokens: a create form carries a random token; the created
-- thing records it in the same transaction, so a second post of the same
-- form finds the first result instead of creating again.
CREATE TABLE form_tokens (
    token_hash bytea PRIMARY KEY,
    user_id    bigint REFERENCES users (id) ON DELETE CASCADE,
    kind       text NOT NULL,
    result_id  bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX form_tokens_created_idx ON form_tokens (created_at);
