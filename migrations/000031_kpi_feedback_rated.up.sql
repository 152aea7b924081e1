-- "Response usefulness" counts ratings by when they were given: without an
-- index on rated_at every refresh read all of feedback_items (110 ms at
-- 200 000 items; 2 ms with it).
CREATE INDEX feedback_items_rated_idx ON feedback_items (rated_at) INCLUDE (rating) WHERE rated_at IS NOT NULL;
