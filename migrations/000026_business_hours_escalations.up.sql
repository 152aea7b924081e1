-- Business hours for the follow-up SLA, its deadline stored on the lead,
-- and the escalation ladder that replaces the fixed 75 % / 100 % alerts.

-- The one business calendar (id is always true: a single row). Mode
-- 'elapsed' counts every hour after the handoff; 'business' counts only
-- the working hours of the working days in the timezone, holidays off.
CREATE TABLE sla_calendar (
    id        boolean PRIMARY KEY DEFAULT true CHECK (id),
    mode      text NOT NULL DEFAULT 'elapsed' CHECK (mode IN ('elapsed', 'business')),
    timezone  text NOT NULL DEFAULT 'UTC' CHECK (length(timezone) BETWEEN 1 AND 64),
    -- ISO weekdays: 1 Monday … 7 Sunday
    work_days smallint[] NOT NULL DEFAULT '{1,2,3,4,5}'
        CHECK (cardinality(work_days) BETWEEN 1 AND 7 AND work_days <@ '{1,2,3,4,5,6,7}'),
    opens     time NOT NULL DEFAULT '09:00',
    closes    time NOT NULL DEFAULT '17:00',
    version   integer NOT NULL DEFAULT 1,
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (closes > opens)
);
INSERT INTO sla_calendar DEFAULT VALUES;

-- Public holidays: whole days off in the calendar's timezone.
CREATE TABLE sla_holidays (
    day  date PRIMARY KEY,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100)
);

-- The follow-up deadline, computed once at handoff by internal/sla (in
-- business hours when the calendar says so) and read by lists, filters,
-- KPIs and the escalation ladder alike.
ALTER TABLE leads ADD COLUMN sla_due_at timestamptz;
UPDATE leads SET sla_due_at = handed_off_at + make_interval(hours =>
    coalesce((SELECT value::integer FROM settings WHERE key = 'sla_hours'), 24))
WHERE handed_off_at IS NOT NULL;
CREATE INDEX leads_sla_due_open_idx ON leads (sla_due_at)
    WHERE first_touch_at IS NULL AND stage IN ('handed_off', 'accepted');

-- A safety net for writes that set handed_off_at without a deadline (bulk
-- loads, fixtures that backdate a handoff): an unchanged deadline moves
-- with its handoff; a missing one is the elapsed-hours deadline. The
-- application always supplies the deadline itself.
CREATE FUNCTION leads_sla_due() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.handed_off_at IS NULL THEN
        NEW.sla_due_at := NULL;
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        IF NEW.sla_due_at IS DISTINCT FROM OLD.sla_due_at AND NEW.sla_due_at IS NOT NULL THEN
            RETURN NEW;
        END IF;
        IF NEW.handed_off_at = OLD.handed_off_at AND NEW.sla_due_at IS NOT NULL THEN
            RETURN NEW;
        END IF;
        IF OLD.handed_off_at IS NOT NULL AND OLD.sla_due_at IS NOT NULL THEN
            NEW.sla_due_at := OLD.sla_due_at + (NEW.handed_off_at - OLD.handed_off_at);
            RETURN NEW;
        END IF;
    ELSIF NEW.sla_due_at IS NOT NULL THEN
        RETURN NEW;
    END IF;
    NEW.sla_due_at := NEW.handed_off_at + make_interval(hours =>
        coalesce((SELECT value::integer FROM settings WHERE key = 'sla_hours'), 24));
    RETURN NEW;
END
$$;
CREATE TRIGGER leads_sla_due BEFORE INSERT OR UPDATE OF handed_off_at, sla_due_at ON leads
    FOR EACH ROW EXECUTE FUNCTION leads_sla_due();

-- The escalation ladder: at percent of the SLA (of its business hours in
-- business mode), do action. Seeded with what Tandem always did.
CREATE TABLE escalation_steps (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    percent integer NOT NULL CHECK (percent BETWEEN 1 AND 1000),
    action  text NOT NULL CHECK (action IN ('remind_rep', 'notify_managers', 'reroute')),
    UNIQUE (percent, action)
);
INSERT INTO escalation_steps (percent, action) VALUES (75, 'remind_rep'), (100, 'notify_managers');

-- Steps that fired: one row per lead, handoff instant, percent and action,
-- so a step fires once however many instances run it; a re-handoff has a
-- new handed_off_at and a fresh ladder.
CREATE TABLE lead_escalations (
    lead_id       bigint NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    handed_off_at timestamptz NOT NULL,
    percent       integer NOT NULL,
    action        text NOT NULL,
    owner_id      bigint REFERENCES users (id) ON DELETE SET NULL, -- the rep it found
    outcome       text NOT NULL DEFAULT '',
    fired_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (lead_id, handed_off_at, percent, action)
);
CREATE INDEX lead_escalations_fired_idx ON lead_escalations (fired_at);
INSERT INTO lead_escalations (lead_id, handed_off_at, percent, action, owner_id, fired_at)
SELECT a.lead_id, a.handed_off_at, CASE a.kind WHEN 'warning' THEN 75 ELSE 100 END,
       CASE a.kind WHEN 'warning' THEN 'remind_rep' ELSE 'notify_managers' END, l.owner_id, a.sent_at
FROM lead_sla_alerts a JOIN leads l ON l.id = a.lead_id;
DROP TABLE lead_sla_alerts;
