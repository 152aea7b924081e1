-- KPI values of settled periods are kept (kpi_period_raw) instead of being
-- recomputed every minute; only the periods still open, and the ones a write
-- changed since, are computed again (internal/kpi/kept.go).
--
-- kpi_changes is what says "changed since": every write to a KPI's input
-- tables records the hours its rows' timestamps fall in (for campaigns,
-- their audience and acknowledgements: every period, hour NULL), with the
-- writing transaction's id. A kept value is trusted only while no change
-- overlapping its period comes from a transaction its computation could
-- not see (pg_visible_in_snapshot). Rows older than a few minutes are
-- pruned together with the kept values that had not seen them.
CREATE TABLE kpi_changes (
    source text NOT NULL CHECK (source IN ('leads', 'feedback', 'campaigns')),
    hour   timestamptz,
    xid    xid8 NOT NULL DEFAULT pg_current_xact_id(),
    at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX kpi_changes_source_hour_idx ON kpi_changes (source, hour);
CREATE INDEX kpi_changes_at_idx ON kpi_changes (at);

CREATE TABLE kpi_period_raw (
    kpi          text NOT NULL,
    period_kind  text NOT NULL,
    period_start timestamptz NOT NULL,
    period_end   timestamptz NOT NULL,
    source       text NOT NULL,
    format       integer NOT NULL,
    -- Finite, as the engine only keeps what it would show.
    num          double precision NOT NULL CHECK (num <> 'NaN' AND abs(num) <> 'Infinity'),
    den          double precision NOT NULL CHECK (den <> 'NaN' AND abs(den) <> 'Infinity'),
    extra        double precision CHECK (extra <> 'NaN' AND abs(extra) <> 'Infinity'),
    open         integer NOT NULL,
    snap         pg_snapshot NOT NULL,
    computed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kpi, period_kind, period_start)
);

-- Statement-level, from the transition tables: a bulk load records each
-- distinct hour once, not once per row.
CREATE FUNCTION kpi_changed_leads() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO kpi_changes (source, hour)
        SELECT DISTINCT 'leads', date_trunc('hour', t) FROM new_rows r
        CROSS JOIN LATERAL (VALUES (r.handed_off_at), (r.accepted_at), (r.rejected_at), (r.won_at), (r.mql_at)) v(t)
        WHERE t IS NOT NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO kpi_changes (source, hour)
        SELECT DISTINCT 'leads', date_trunc('hour', t) FROM old_rows r
        CROSS JOIN LATERAL (VALUES (r.handed_off_at), (r.accepted_at), (r.rejected_at), (r.won_at), (r.mql_at)) v(t)
        WHERE t IS NOT NULL;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER leads_kpi_insert AFTER INSERT ON leads REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION kpi_changed_leads();
CREATE TRIGGER leads_kpi_update AFTER UPDATE ON leads REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION kpi_changed_leads();
CREATE TRIGGER leads_kpi_delete AFTER DELETE ON leads REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION kpi_changed_leads();

CREATE FUNCTION kpi_changed_feedback() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO kpi_changes (source, hour)
        SELECT DISTINCT 'feedback', date_trunc('hour', t) FROM new_rows r
        CROSS JOIN LATERAL (VALUES (r.created_at), (r.status_at), (r.rated_at)) v(t)
        WHERE t IS NOT NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO kpi_changes (source, hour)
        SELECT DISTINCT 'feedback', date_trunc('hour', t) FROM old_rows r
        CROSS JOIN LATERAL (VALUES (r.created_at), (r.status_at), (r.rated_at)) v(t)
        WHERE t IS NOT NULL;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER feedback_kpi_insert AFTER INSERT ON feedback_items REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION kpi_changed_feedback();
CREATE TRIGGER feedback_kpi_update AFTER UPDATE ON feedback_items REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION kpi_changed_feedback();
CREATE TRIGGER feedback_kpi_delete AFTER DELETE ON feedback_items REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION kpi_changed_feedback();

-- Campaign KPIs (notice lead time, readiness) read campaigns, revisions,
-- acknowledgements and the users in the audience: rare writes, so any of
-- them marks every campaign period.
CREATE FUNCTION kpi_changed_campaigns() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO kpi_changes (source, hour) VALUES ('campaigns', NULL);
    RETURN NULL;
END
$$;
CREATE TRIGGER campaigns_kpi AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON campaigns
    FOR EACH STATEMENT EXECUTE FUNCTION kpi_changed_campaigns();
CREATE TRIGGER campaign_revisions_kpi AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON campaign_revisions
    FOR EACH STATEMENT EXECUTE FUNCTION kpi_changed_campaigns();
CREATE TRIGGER acknowledgements_kpi AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON acknowledgements
    FOR EACH STATEMENT EXECUTE FUNCTION kpi_changed_campaigns();
CREATE TRIGGER users_kpi AFTER INSERT OR UPDATE OF team, active, created_at OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION kpi_changed_campaigns();
-- A truncate has no transition table: every kept value goes.
CREATE FUNCTION kpi_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM kpi_period_raw;
    RETURN NULL;
END
$$;
CREATE TRIGGER leads_kpi_truncate AFTER TRUNCATE ON leads FOR EACH STATEMENT EXECUTE FUNCTION kpi_truncated();
CREATE TRIGGER feedback_kpi_truncate AFTER TRUNCATE ON feedback_items FOR EACH STATEMENT EXECUTE FUNCTION kpi_truncated();

-- Which periods can still change with time alone: a lead whose follow-up
-- deadline is ahead (speed to lead), feedback whose acknowledgement window
-- is open (feedback acknowledged in time).
CREATE INDEX leads_sla_pending_idx ON leads (sla_due_at) INCLUDE (handed_off_at) WHERE first_touch_at IS NULL;
