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
CREATE TRIGGER users_cache AFTER UPDATE OR DELETE ON users
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
