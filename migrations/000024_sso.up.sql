-- Single sign-on (OpenID Connect) and provisioning (SCIM 2.0).

-- How accounts come from the identity provider: one row. Without a
-- default, a sign-in whose groups match no rule is refused. Linking lets a
-- first sign-in take over the existing account with the same, verified,
-- email. "break_glass" turns password sign-in off for everyone but one
-- named admin.
CREATE TABLE sso_policy (
    id                  boolean PRIMARY KEY DEFAULT true CHECK (id),
    default_team        text REFERENCES teams (key),
    default_role        text CHECK (default_role IN ('member', 'manager', 'admin')),
    link_by_email       boolean NOT NULL DEFAULT false,
    password_sign_in    text NOT NULL DEFAULT 'everyone' CHECK (password_sign_in IN ('everyone', 'break_glass')),
    break_glass_user_id bigint REFERENCES users (id),
    version             integer NOT NULL DEFAULT 1,
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK ((default_team IS NULL) = (default_role IS NULL)),
    CHECK (password_sign_in = 'everyone' OR break_glass_user_id IS NOT NULL)
);
INSERT INTO sso_policy DEFAULT VALUES;

-- Identity-provider group → team and role, tried in position order; the
-- first rule naming one of the user's groups wins.
CREATE TABLE sso_group_rules (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    position   integer NOT NULL,
    group_name text NOT NULL CHECK (length(group_name) BETWEEN 1 AND 256),
    team       text NOT NULL REFERENCES teams (key),
    role       text NOT NULL CHECK (role IN ('member', 'manager', 'admin')),
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT sso_group_rules_position_key UNIQUE (position) DEFERRABLE INITIALLY DEFERRED
);

-- Who a provider's account is: issuer and subject, never the email.
CREATE TABLE user_identities (
    issuer          text NOT NULL,
    subject         text NOT NULL,
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    groups          text[] NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_sign_in_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX user_identities_user_idx ON user_identities (user_id);

-- A sign-in sent to the provider and not back yet. It is bound to the
-- browser (the SHA-256 of its pre-session cookie) and to the state the
-- provider echoes, holds the nonce and the PKCE verifier, and is used once.
CREATE TABLE oidc_sign_ins (
    browser_hash  bytea NOT NULL CHECK (length(browser_hash) = 32),
    state_hash    bytea NOT NULL CHECK (length(state_hash) = 32),
    nonce         text NOT NULL,
    code_verifier text NOT NULL,
    next_path     text NOT NULL DEFAULT '/',
    expires_at    timestamptz NOT NULL,
    PRIMARY KEY (browser_hash, state_hash)
);
CREATE INDEX oidc_sign_ins_expires_idx ON oidc_sign_ins (expires_at);

-- The provider's ID token of a session signed in through it: the hint of
-- RP-initiated logout.
ALTER TABLE sessions ADD COLUMN id_token text;

-- Bearer tokens of SCIM clients; only the SHA-256 is kept.
CREATE TABLE scim_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    token_hash   bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_by   bigint REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);

-- Accounts a SCIM client manages: its externalId and the name parts it
-- sent. Deleting through SCIM deactivates the account and marks it here,
-- so its history stays and SCIM no longer returns it.
CREATE TABLE scim_users (
    user_id     bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    external_id text,
    given_name  text NOT NULL DEFAULT '',
    family_name text NOT NULL DEFAULT '',
    deleted_at  timestamptz,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Groups a SCIM client pushes; their display names feed the group rules.
CREATE TABLE scim_groups (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 256),
    external_id  text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    version      integer NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX scim_groups_display_name_key ON scim_groups (lower(display_name));

CREATE TABLE scim_group_members (
    group_id uuid NOT NULL REFERENCES scim_groups (id) ON DELETE CASCADE,
    user_id  bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX scim_group_members_user_idx ON scim_group_members (user_id);
