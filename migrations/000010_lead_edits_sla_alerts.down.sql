DROP TABLE lead_sla_alerts;
-- Edit events cannot exist under the old constraint; they go with it.
DELETE FROM lead_events WHERE kind = 'edit';
ALTER TABLE lead_events DROP CONSTRAINT lead_events_kind_check;
ALTER TABLE lead_events ADD CONSTRAINT lead_events_kind_check
    CHECK (kind IN ('created', 'stage', 'touch', 'assign', 'comment'));
