-- The lead page's lead and timeline are kept in memory too (leads.Store.
-- Detail), on the "leads" topic of migration 30, and whether any routing
-- rule exists (routing.Store.HasRules) on a topic of its own. The
-- timeline shows each event's actor with their name and team.
CREATE TRIGGER lead_events_lists_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON lead_events
    FOR EACH STATEMENT EXECUTE FUNCTION cache_invalidate('leads');
CREATE TRIGGER users_team_lists_cache AFTER UPDATE OF team ON users
    FOR EACH STATEMENT EXECUTE FUNCTION cache_invalidate('leads');
CREATE TRIGGER routing_rules_cache AFTER INSERT OR DELETE OR TRUNCATE ON routing_rules
    FOR EACH STATEMENT EXECUTE FUNCTION cache_invalidate('routing');
