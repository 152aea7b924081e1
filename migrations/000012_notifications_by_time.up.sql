-- Notifications are listed newest first by when they happened, not by id:
-- rows written after the fact (a backfill, the demo data) carry their own
-- created_at, and the list must still read in time order.
CREATE INDEX notifications_user_time_idx ON notifications (user_id, created_at DESC, id DESC);
DROP INDEX notifications_user_idx;
