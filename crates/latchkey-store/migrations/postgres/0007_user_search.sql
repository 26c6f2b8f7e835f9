-- Lower-cased copies of the first and last name, and whether the user is the hidden user
-- behind a client's service account, so the Admin API's user search filters, counts and
-- pages in SQL instead of reading every user (Keycloak: USER_ENTITY's FIRST_NAME,
-- LAST_NAME and SERVICE_ACCOUNT_CLIENT_LINK).
ALTER TABLE users ADD COLUMN first_name TEXT COLLATE "C";
ALTER TABLE users ADD COLUMN last_name TEXT COLLATE "C";
ALTER TABLE users ADD COLUMN service_account BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE users SET
    first_name = lower(profile::jsonb ->> 'firstName'),
    last_name = lower(profile::jsonb ->> 'lastName'),
    service_account = (profile::jsonb ->> 'serviceAccountClientId') IS NOT NULL;
CREATE INDEX users_username ON users (realm_id, service_account, username);
