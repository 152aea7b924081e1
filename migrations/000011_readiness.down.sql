DROP FUNCTION campaign_audience(bigint, timestamptz, text);
