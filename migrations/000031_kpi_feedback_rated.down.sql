DROP INDEX feedback_items_rated_idx;
