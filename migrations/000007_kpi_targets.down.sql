DROP INDEX leads_mql_at_idx;
DROP INDEX leads_won_at_idx;
DROP INDEX leads_rejected_at_idx;
DROP INDEX leads_accepted_at_idx;
DROP TABLE kpi_snapshots;
DROP TABLE kpi_targets;
