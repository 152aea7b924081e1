DELETE FROM lead_events WHERE kind = 'intake';
ALTER TABLE lead_events DROP CONSTRAINT lead_events_kind_check;
ALTER TABLE lead_events ADD CONSTRAINT lead_events_kind_check
    CHECK (kind IN ('created', 'stage', 'touch', 'assign', 'comment', 'edit'));
ALTER TABLE lead_events DROP COLUMN actor_label;
DROP TABLE intake_rate;
DROP TABLE intake_submissions;
DROP TABLE intake_sources;
ALTER TABLE campaigns DROP COLUMN key;
