-- Roles' attributes, credentials of every type, and users' attributes searchable.
-- Keep in step with ../sqlite/0011_roles_users_completed.sql.

-- Keycloak: ROLE_ATTRIBUTE, as JSON text `{name: [values]}`.
ALTER TABLE roles ADD COLUMN attributes TEXT COLLATE "C" NOT NULL DEFAULT '{}';

-- Keycloak: CREDENTIAL with its USER_LABEL and PRIORITY. Any type now (`otp`,
-- `webauthn`, ... are kept and exported, not used); one password per user still. A
-- password stored before gets Keycloak's password priority, 10.
ALTER TABLE credentials DROP CONSTRAINT credentials_type_check;
ALTER TABLE credentials DROP CONSTRAINT credentials_user_id_key;
ALTER TABLE credentials ADD COLUMN user_label TEXT COLLATE "C";
ALTER TABLE credentials ADD COLUMN priority BIGINT NOT NULL DEFAULT 10;
ALTER TABLE credentials ALTER COLUMN priority DROP DEFAULT;
CREATE UNIQUE INDEX credentials_password ON credentials (user_id) WHERE type = 'password';
CREATE INDEX credentials_user ON credentials (user_id, priority);

-- Keycloak: USER_ATTRIBUTE, kept for `q=key:value` searches only (the profile's JSON
-- stays the source): one row per value, lower-cased, since values match in any case and
-- names exactly. latchkey lowers with Unicode rules; rows written here get lower() under
-- the database's collation until the user is next saved.
CREATE TABLE user_attributes (
    user_id TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name    TEXT COLLATE "C" NOT NULL,
    value   TEXT COLLATE "C" NOT NULL
);
CREATE INDEX user_attributes_user ON user_attributes (user_id);
CREATE INDEX user_attributes_name_value ON user_attributes (name, value);
INSERT INTO user_attributes (user_id, name, value)
    SELECT u.id, a.key, lower(v.value)
    FROM users u,
        jsonb_each(u.profile::jsonb -> 'attributes') a,
        jsonb_array_elements_text(a.value) v(value);
