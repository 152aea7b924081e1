DROP TABLE lead_imports;
DROP TABLE lead_events;
DROP TABLE leads;
DROP FUNCTION lead_stage_counts_apply();
DROP TABLE lead_stage_counts;
