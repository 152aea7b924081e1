ALTER TABLE users DROP COLUMN sign_in_burst_at;
