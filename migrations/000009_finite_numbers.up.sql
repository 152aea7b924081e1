-- PostgreSQL's numeric accepts 'NaN', and NaN sorts above every number, so
-- a ">= 0" check lets it through; one NaN deal value then broke every KPI
-- page. Refuse it on every numeric column (the application refuses it
-- first, with a message; these keep the data clean whatever writes it).
ALTER TABLE leads ADD CONSTRAINT leads_deal_value_finite CHECK (deal_value <> 'NaN');
ALTER TABLE campaigns ADD CONSTRAINT campaigns_budget_finite CHECK (budget <> 'NaN');
ALTER TABLE kpi_targets ADD CONSTRAINT kpi_targets_value_finite CHECK (value <> 'NaN');
