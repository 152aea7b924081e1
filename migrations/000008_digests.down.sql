DROP TABLE digest_secret;
ALTER TABLE users DROP COLUMN digest_opt_out;
DROP TABLE digest_sends;
DROP TABLE digests;
