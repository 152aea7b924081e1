-- Leads can now be edited (contact fields, source campaign, fit and score);
-- each edit is a timeline event naming the fields it changed. Accepted
-- leads may also go to lost (accepted → opportunity | lost): no schema
-- change, lost_at and lost_reason already exist.
ALTER TABLE lead_events DROP CONSTRAINT lead_events_kind_check;
ALTER TABLE lead_events ADD CONSTRAINT lead_events_kind_check
    CHECK (kind IN ('created', 'stage', 'touch', 'assign', 'comment', 'edit'));

-- Follow-up SLA alerts already sent: one row per lead, handoff instant and
-- kind. The periodic scan inserts with ON CONFLICT DO NOTHING and notifies
-- only for the rows it inserted, so several app instances, or a restart,
-- never notify twice; a re-handoff after recycling has a new handed_off_at
-- and so a fresh clock.
CREATE TABLE lead_sla_alerts (
    lead_id       bigint NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    handed_off_at timestamptz NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('warning', 'breach')), -- 75 % elapsed, deadline passed
    sent_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (lead_id, handed_off_at, kind)
);
