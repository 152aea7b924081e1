DROP TABLE api_rate;
DROP TABLE api_idempotency;
DROP TABLE api_token_addresses;
DROP TABLE api_tokens;
DROP INDEX users_service_team_idx;
ALTER TABLE users DROP COLUMN service;
