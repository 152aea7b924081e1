CREATE INDEX notifications_user_idx ON notifications (user_id, id DESC);
DROP INDEX notifications_user_time_idx;
