ALTER TABLE campaigns DROP COLUMN launch_told_at;
