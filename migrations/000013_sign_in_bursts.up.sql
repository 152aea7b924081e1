-- The latest failed sign-in of the account's current (or last) burst of
-- failures. A burst lasts while failures keep coming at the burst rate; the
-- owner is notified once when one starts, i.e. when this is NULL or older
-- than the throttle window.
ALTER TABLE users ADD COLUMN sign_in_burst_at timestamptz;
