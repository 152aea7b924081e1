DROP TABLE scim_group_members;
DROP TABLE scim_groups;
DROP TABLE scim_users;
DROP TABLE scim_tokens;
ALTER TABLE sessions DROP COLUMN id_token;
DROP TABLE oidc_sign_ins;
DROP TABLE user_identities;
DROP TABLE sso_group_rules;
DROP TABLE sso_policy;
