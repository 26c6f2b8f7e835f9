-- Lower-cased copies of the first and last name, and whether the user is the hidden user
-- behind a client's service account, so the Admin API's user search filters, counts and
-- pages in SQL instead of reading every user (Keycloak: USER_ENTITY's FIRST_NAME,
-- LAST_NAME and SERVICE_ACCOUNT_CLIENT_LINK). latchkey writes them lower-cased with
-- Unicode rules; rows written before this migration get SQLite's lower(), which folds
-- ASCII only, until the user is next saved.
ALTER TABLE users ADD COLUMN first_name TEXT;
ALTER TABLE users ADD COLUMN last_name TEXT;
ALTER TABLE users ADD COLUMN service_account INTEGER NOT NULL DEFAULT 0;
UPDATE users SET
    first_name = lower(json_extract(profile, '$.firstName')),
    last_name = lower(json_extract(profile, '$.lastName')),
    service_account = json_extract(profile, '$.serviceAccountClientId') IS NOT NULL;
CREATE INDEX users_username ON users (realm_id, service_account, username);
