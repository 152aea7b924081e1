DROP TABLE notifications;
DROP TABLE settings;
