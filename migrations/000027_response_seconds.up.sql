-- The follow-up time of a lead on the SLA clock, in seconds: working
-- seconds between handoff and first touch when the calendar counts
-- business hours, elapsed seconds otherwise. Computed once at the first
-- touch by internal/sla, like the deadline at handoff, so the /sla page's
-- median and p90 are plain SQL over a column.
ALTER TABLE leads ADD COLUMN response_seconds integer CHECK (response_seconds >= 0);
UPDATE leads SET response_seconds = greatest(0, extract(epoch FROM first_touch_at - handed_off_at))::integer
WHERE first_touch_at IS NOT NULL AND handed_off_at IS NOT NULL;

-- The same safety net as the deadline's: a write that sets the first touch
-- (or moves the handoff) without the response time gets the elapsed one;
-- one without a first touch has none. The application supplies it itself.
CREATE FUNCTION leads_response_seconds() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.first_touch_at IS NULL OR NEW.handed_off_at IS NULL THEN
        NEW.response_seconds := NULL;
        RETURN NEW;
    END IF;
    IF NEW.response_seconds IS NOT NULL THEN
        IF TG_OP = 'INSERT' OR NEW.response_seconds IS DISTINCT FROM OLD.response_seconds
           OR (NEW.first_touch_at = OLD.first_touch_at AND NEW.handed_off_at = OLD.handed_off_at) THEN
            RETURN NEW;
        END IF;
    END IF;
    NEW.response_seconds := greatest(0, extract(epoch FROM NEW.first_touch_at - NEW.handed_off_at))::integer;
    RETURN NEW;
END
$$;
CREATE TRIGGER leads_response_seconds BEFORE INSERT OR UPDATE OF first_touch_at, handed_off_at, response_seconds ON leads
    FOR EACH ROW EXECUTE FUNCTION leads_response_seconds();

CREATE INDEX lead_escalations_fired_action_idx ON lead_escalations (fired_at, action);

-- The follow-up cohort of a period (the /sla page, the speed-to-lead KPI)
-- read from the index alone: an index-only scan instead of a heap fetch per
-- lead handed off.
CREATE INDEX leads_follow_up_cohort_idx ON leads (handed_off_at)
    INCLUDE (id, owner_id, stage, first_touch_at, sla_due_at, response_seconds, rejected_at)
    WHERE handed_off_at IS NOT NULL;
