-- The lead list, the queue, the two-sided SLA's counts, the feedback list
-- and the theme trends are kept in memory too (leads.Store.Cache,
-- kpi.Engine.CacheOverview, feedback.Store.Cache): every write to what they
-- show announces itself on its topic, as in migration 28.

-- "leads": the lead list's pages and stage counts, each rep's queue and
-- the SLA page's cohorts and escalations; they show the owner's, the
-- handing-off marketer's and the campaign's names.
CREATE TRIGGER leads_lists_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON leads
    FOR EACH STATEMENT EXECUTE FUNCTION cache_invalidate('leads');
CREATE TRIGGER lead_escalations_lists_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON lead_escalations
    FOR EACH STATEMENT EXECUTE FUNCTION cache_invalidate('leads');
CREATE TRIGGER users_lists_cache AFTER INSERT OR UPDATE OF name OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION cache_invalidate('leads');
CREATE TRIGGER campaigns_lists_cache AFTER INSERT OR UPDATE OF name OR DELETE OR TRUNCATE ON campaigns
    FOR EACH STATEMENT EXECUTE FUNCTION cache_invalidate('leads');

-- "feedback": the feedback list's pages and the theme trends; cards show
-- the reporter's, owner's and responder's names, the lead's company, the
-- campaign's name and the customers heard.
CREATE TRIGGER feedback_items_lists_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON feedback_items
    FOR EACH STATEMENT EXECUTE FUNCTION cache_invalidate('feedback');
CREATE TRIGGER feedback_themes_lists_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON feedback_themes
    FOR EACH STATEMENT EXECUTE FUNCTION cache_invalidate('feedback');
CREATE TRIGGER feedback_heard_lists_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON feedback_heard
    FOR EACH STATEMENT EXECUTE FUNCTION cache_invalidate('feedback');
CREATE TRIGGER users_feedback_cache AFTER UPDATE OF name OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION cache_invalidate('feedback');
CREATE TRIGGER leads_feedback_cache AFTER UPDATE OF company OR DELETE OR TRUNCATE ON leads
    FOR EACH STATEMENT EXECUTE FUNCTION cache_invalidate('feedback');
CREATE TRIGGER campaigns_feedback_cache AFTER UPDATE OF name OR DELETE OR TRUNCATE ON campaigns
    FOR EACH STATEMENT EXECUTE FUNCTION cache_invalidate('feedback');
