DROP TABLE feedback_events;
DROP TABLE feedback_heard;
DROP TABLE feedback_items;
DROP TABLE feedback_themes;
