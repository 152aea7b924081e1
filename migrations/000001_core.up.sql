-- Teams and users: every other table refers to these.
CREATE TABLE teams (
    key  text PRIMARY KEY CHECK (key IN ('sales', 'marketing', 'service')),
    name text NOT NULL
);

INSERT INTO teams (key, name) VALUES
    ('sales', 'Sales'),
    ('marketing', 'Marketing'),
    ('service', 'Service');

CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         text NOT NULL CHECK (email = lower(email) AND email LIKE '%_@_%'),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    team          text NOT NULL REFERENCES teams (key),
    role          text NOT NULL CHECK (role IN ('member', 'manager', 'admin')),
    password_hash text,
    timezone      text NOT NULL DEFAULT 'UTC',
    active        boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    version       integer NOT NULL DEFAULT 1
);

CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE INDEX users_team_role_idx ON users (team, role) WHERE active;
