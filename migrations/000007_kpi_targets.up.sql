-- Targets per KPI and period kind, effective from a day (business
-- timezone). Rows are never updated: a change inserts a new row, so past
-- periods are judged against the target in force then.
CREATE TABLE kpi_targets (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kpi            text NOT NULL,
    period_kind    text NOT NULL CHECK (period_kind IN ('week', 'month', 'quarter')),
    value          numeric(16, 4) NOT NULL CHECK (value >= 0),
    effective_from date NOT NULL,
    set_by         bigint REFERENCES users (id),
    set_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX kpi_targets_lookup_idx ON kpi_targets (kpi, period_kind, effective_from DESC, id DESC);

-- The KPI queries cut leads by the time of each stage.
CREATE INDEX leads_accepted_at_idx ON leads (accepted_at) WHERE accepted_at IS NOT NULL;
CREATE INDEX leads_rejected_at_idx ON leads (rejected_at) WHERE rejected_at IS NOT NULL;
CREATE INDEX leads_won_at_idx ON leads (won_at) WHERE won_at IS NOT NULL;
CREATE INDEX leads_mql_at_idx ON leads (mql_at) WHERE mql_at IS NOT NULL;

-- Computed dashboards (every KPI × 12 periods), shared by all app
-- instances: the overview reads one row instead of running the KPI queries.
-- A snapshot older than its time-to-live is recomputed in the background
-- by one instance while readers keep getting the previous one.
CREATE TABLE kpi_snapshots (
    period_kind text NOT NULL,
    period      text NOT NULL,
    computed_at timestamptz NOT NULL,
    body        jsonb NOT NULL,
    PRIMARY KEY (period_kind, period)
);
