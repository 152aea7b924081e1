ALTER TABLE lead_events DROP COLUMN rule_id;
DELETE FROM lead_events WHERE kind = 'route';
ALTER TABLE lead_events DROP CONSTRAINT lead_events_kind_check;
ALTER TABLE lead_events ADD CONSTRAINT lead_events_kind_check
    CHECK (kind IN ('created', 'stage', 'touch', 'assign', 'comment', 'edit', 'intake'));
DROP TABLE away_periods;
DROP TABLE rep_capacity;
DROP TABLE routing_rule_reps;
DROP TABLE routing_rules;
