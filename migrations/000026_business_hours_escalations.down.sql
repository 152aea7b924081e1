CREATE TABLE lead_sla_alerts (
    lead_id       bigint NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    handed_off_at timestamptz NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('warning', 'breach')),
    sent_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (lead_id, handed_off_at, kind)
);
INSERT INTO lead_sla_alerts (lead_id, handed_off_at, kind, sent_at)
SELECT lead_id, handed_off_at, CASE action WHEN 'remind_rep' THEN 'warning' ELSE 'breach' END, min(fired_at)
FROM lead_escalations WHERE action IN ('remind_rep', 'notify_managers')
GROUP BY 1, 2, 3;
DROP TABLE lead_escalations;
DROP TABLE escalation_steps;
DROP TRIGGER leads_sla_due ON leads;
DROP FUNCTION leads_sla_due();
ALTER TABLE leads DROP COLUMN sla_due_at;
DROP TABLE sla_holidays;
DROP TABLE sla_calendar;
