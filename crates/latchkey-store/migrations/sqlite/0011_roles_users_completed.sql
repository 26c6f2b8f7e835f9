-- Roles' attributes, credentials of every type, and users' attributes searchable.
-- Keep in step with ../postgres/0011_roles_users_completed.sql.

-- Keycloak: ROLE_ATTRIBUTE, as JSON text `{name: [values]}`.
ALTER TABLE roles ADD COLUMN attributes TEXT NOT NULL DEFAULT '{}';

-- Keycloak: CREDENTIAL with its USER_LABEL and PRIORITY. Any type now (`otp`,
-- `webauthn`, ... are kept and exported, not used); one password per user still.
-- SQLite cannot drop a column constraint, so the table is rebuilt; a password moved
-- over gets Keycloak's password priority, 10.
CREATE TABLE credentials_0011 (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    type            TEXT NOT NULL,
    user_label      TEXT,
    created_date    INTEGER NOT NULL,
    secret_data     TEXT NOT NULL,
    credential_data TEXT NOT NULL,
    priority        INTEGER NOT NULL
);
INSERT INTO credentials_0011
    (id, user_id, type, user_label, created_date, secret_data, credential_data, priority)
    SELECT id, user_id, type, NULL, created_date, secret_data, credential_data, 10
    FROM credentials;
DROP TABLE credentials;
ALTER TABLE credentials_0011 RENAME TO credentials;
CREATE UNIQUE INDEX credentials_password ON credentials (user_id) WHERE type = 'password';
CREATE INDEX credentials_user ON credentials (user_id, priority);

-- Keycloak: USER_ATTRIBUTE, kept for `q=key:value` searches only (the profile's JSON
-- stays the source): one row per value, lower-cased, since values match in any case and
-- names exactly. latchkey lowers with Unicode rules; rows written here get SQLite's
-- lower(), which folds ASCII only, until the user is next saved.
CREATE TABLE user_attributes (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name    TEXT NOT NULL,
    value   TEXT NOT NULL
);
CREATE INDEX user_attributes_user ON user_attributes (user_id);
CREATE INDEX user_attributes_name_value ON user_attributes (name, value);
INSERT INTO user_attributes (user_id, name, value)
    SELECT u.id, a.key, lower(v.value)
    FROM users u, json_each(u.profile, '$.attributes') a, json_each(a.value) v;
