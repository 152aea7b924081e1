ALTER TABLE kpi_targets DROP CONSTRAINT kpi_targets_value_finite;
ALTER TABLE campaigns DROP CONSTRAINT campaigns_budget_finite;
ALTER TABLE leads DROP CONSTRAINT leads_deal_value_finite;
