DROP TRIGGER routing_rules_cache ON routing_rules;
DROP TRIGGER users_team_lists_cache ON users;
DROP TRIGGER lead_events_lists_cache ON lead_events;
