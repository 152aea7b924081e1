ALTER TABLE leads DROP CONSTRAINT leads_source_campaign_fkey;
DROP TABLE alert_acks;
DROP TABLE product_alerts;
DROP TABLE campaign_comments;
DROP TABLE acknowledgements;
DROP TABLE campaign_revisions;
DROP TABLE campaigns;
