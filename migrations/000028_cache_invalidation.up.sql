-- Every instance keeps sessions, the header's counts, settings and the KPI
-- snapshot in memory (internal/cache). These triggers announce each change
-- on the channel tandem_cache in the writing transaction, so the message is
-- sent exactly when the change commits, whoever wrote it: the app, a job,
-- a bulk import or psql. The payload is topic:key, or topic:* for all.
CREATE FUNCTION cache_invalidate() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    topic text := TG_ARGV[0];
    col text := TG_ARGV[1];
BEGIN
    IF col IS NULL THEN
        PERFORM pg_notify('tandem_cache', topic || ':*');
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM pg_notify('tandem_cache', topic || ':' || (to_jsonb(OLD) ->> col));
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM pg_notify('tandem_cache', topic || ':' || (to_jsonb(NEW) ->> col));
    END IF;
    RETURN NULL;
END
$$;

-- last_seen_at counts too: the idle timeout is judged on the cached copy.
CREATE TRIGGER sessions_cache AFTER DELETE OR UPDATE ON sessions
    FOR EACH ROW EXECUTE FUNCTION cache_invalidate('session', 'token_hash');
-- The columns a session carries (users.userColumns); a sign-in's burst
-- marker or a password hash is not one of them.
CREATE TRIGGER users_cache AFTER DELETE OR UPDATE OF email, name, team, role, timezone, active, service, version ON users
    FOR EACH ROW EXECUTE FUNCTION cache_invalidate('user', 'id');

CREATE TRIGGER notifications_cache AFTER INSERT OR UPDATE OR DELETE ON notifications
    FOR EACH ROW EXECUTE FUNCTION cache_invalidate('header', 'user_id');
CREATE TRIGGER acknowledgements_cache AFTER INSERT OR UPDATE OR DELETE ON acknowledgements
    FOR EACH ROW EXECUTE FUNCTION cache_invalidate('header', 'user_id');
CREATE TRIGGER alert_acks_cache AFTER INSERT OR UPDATE OR DELETE ON alert_acks
    FOR EACH ROW EXECUTE FUNCTION cache_invalidate('header', 'user_id');
CREATE TRIGGER campaigns_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON campaigns
    FOR EACH STATEMENT EXECUTE FUNCTION cache_invalidate('header');
CREATE TRIGGER product_alerts_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON product_alerts
    FOR EACH STATEMENT EXECUTE FUNCTION cache_invalidate('header');

CREATE TRIGGER settings_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON settings
    FOR EACH STATEMENT EXECUTE FUNCTION cache_invalidate('settings');
CREATE TRIGGER kpi_snapshots_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON kpi_snapshots
    FOR EACH STATEMENT EXECUTE FUNCTION cache_invalidate('snapshot');
-- The targets in force are kept with the snapshots (kpi.Engine.Current).
CREATE TRIGGER kpi_targets_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON kpi_targets
    FOR EACH STATEMENT EXECUTE FUNCTION cache_invalidate('snapshot');

-- The overview's upcoming launches (readiness by campaign_audience, the
-- costliest part of the page) and its recent wins; the lead list's reps
-- and campaigns to filter by.
CREATE TRIGGER campaigns_overview_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON campaigns
    FOR EACH STATEMENT EXECUTE FUNCTION cache_invalidate('overview');
CREATE TRIGGER campaign_revisions_overview_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON campaign_revisions
    FOR EACH STATEMENT EXECUTE FUNCTION cache_invalidate('overview');
CREATE TRIGGER acknowledgements_overview_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON acknowledgements
    FOR EACH STATEMENT EXECUTE FUNCTION cache_invalidate('overview');
CREATE TRIGGER users_overview_cache AFTER INSERT OR UPDATE OF name, team, role, active, service OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION cache_invalidate('overview');
-- Only the leads a win list can show: most lead writes never notify.
CREATE TRIGGER leads_won_insert_cache AFTER INSERT ON leads
    FOR EACH ROW WHEN (NEW.won_at IS NOT NULL) EXECUTE FUNCTION cache_invalidate('overview');
CREATE TRIGGER leads_won_update_cache AFTER UPDATE ON leads
    FOR EACH ROW WHEN ((OLD.won_at IS NOT NULL OR NEW.won_at IS NOT NULL) AND (OLD.won_at IS DISTINCT FROM NEW.won_at
        OR OLD.deal_value IS DISTINCT FROM NEW.deal_value OR OLD.company IS DISTINCT FROM NEW.company
        OR OLD.owner_id IS DISTINCT FROM NEW.owner_id OR OLD.source_campaign_id IS DISTINCT FROM NEW.source_campaign_id))
    EXECUTE FUNCTION cache_invalidate('overview');
CREATE TRIGGER leads_won_delete_cache AFTER DELETE ON leads
    FOR EACH ROW WHEN (OLD.won_at IS NOT NULL) EXECUTE FUNCTION cache_invalidate('overview');
CREATE TRIGGER leads_truncate_cache AFTER TRUNCATE ON leads
    FOR EACH STATEMENT EXECUTE FUNCTION cache_invalidate('overview');

-- The overview's to-do counts, per lens: any write to what they count.
CREATE TRIGGER leads_todos_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON leads
    FOR EACH STATEMENT EXECUTE FUNCTION cache_invalidate('todos');
CREATE TRIGGER feedback_todos_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON feedback_items
    FOR EACH STATEMENT EXECUTE FUNCTION cache_invalidate('todos');
CREATE TRIGGER campaigns_todos_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON campaigns
    FOR EACH STATEMENT EXECUTE FUNCTION cache_invalidate('todos');
CREATE TRIGGER acknowledgements_todos_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON acknowledgements
    FOR EACH STATEMENT EXECUTE FUNCTION cache_invalidate('todos');
CREATE TRIGGER product_alerts_todos_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON product_alerts
    FOR EACH STATEMENT EXECUTE FUNCTION cache_invalidate('todos');
CREATE TRIGGER alert_acks_todos_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON alert_acks
    FOR EACH STATEMENT EXECUTE FUNCTION cache_invalidate('todos');
