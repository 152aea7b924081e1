DROP INDEX leads_follow_up_cohort_idx;
DROP INDEX lead_escalations_fired_action_idx;
DROP TRIGGER leads_response_seconds ON leads;
DROP FUNCTION leads_response_seconds();
ALTER TABLE leads DROP COLUMN response_seconds;
