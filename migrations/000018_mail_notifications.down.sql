DROP TABLE mail_deliveries;
DROP TABLE mail_summaries;
DROP TABLE notification_prefs;
