-- Campaign keys: the utm_campaign value of a campaign's links, matched
-- case-insensitively by lead intake. Stored lowercased by the domain; NULL
-- when a campaign has none.
ALTER TABLE campaigns ADD COLUMN key text
    CHECK (key IS NULL OR (length(key) BETWEEN 1 AND 100 AND key = lower(key)));
CREATE UNIQUE INDEX campaigns_key_key ON campaigns (key);
