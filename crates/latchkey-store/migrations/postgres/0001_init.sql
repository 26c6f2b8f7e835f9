-- latchkey's first schema (PostgreSQL): realms and everything in them.
--
-- Keep in step with ../sqlite/0001_init.sql: same tables, columns, constraints and
-- index names; only the column types differ (BOOLEAN, BIGINT and BYTEA here), and every
-- text column compares byte by byte (COLLATE "C"), as SQLite's default BINARY collation
-- does, so that listings come in the same order on both engines whatever the
-- database's locale.
--
-- Settings that travel together are JSON text (serde of the core types) next to the
-- columns that are searched or joined on. TEXT rather than a JSON type, so that one SQL
-- text binds a String on both engines and the key order written by serde is kept.
-- Times are integers: milliseconds where core says so (created_*, last_failure),
-- seconds elsewhere (sessions, lockouts, token expiry).
--
-- Deleting a realm cascades to everything below it; deleting a user cascades to its
-- sessions, credential, role grants and login failures.

-- Keycloak: REALM (+ REALM_ATTRIBUTE).
CREATE TABLE realms (
    id       TEXT COLLATE "C" PRIMARY KEY,
    name     TEXT COLLATE "C" NOT NULL UNIQUE,
    enabled  BOOLEAN NOT NULL,
    settings TEXT COLLATE "C" NOT NULL
);

-- Keycloak keeps keys as COMPONENT rows (rsa-generated, hmac-generated).
-- `secret` is PKCS#8 DER for RSA and the raw secret for HMAC.
CREATE TABLE realm_keys (
    kid        TEXT COLLATE "C" PRIMARY KEY,
    realm_id   TEXT COLLATE "C" NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    kind       TEXT COLLATE "C" NOT NULL CHECK (kind IN ('rsa', 'hmac')),
    algorithm  TEXT COLLATE "C" NOT NULL,
    secret     BYTEA NOT NULL,
    priority   BIGINT NOT NULL,
    enabled    BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX realm_keys_realm ON realm_keys (realm_id);

-- Keycloak: CLIENT (+ CLIENT_ATTRIBUTES, PROTOCOL_MAPPER, REDIRECT_URIS, WEB_ORIGINS).
-- The unique key also serves lookups by realm.
CREATE TABLE clients (
    id            TEXT COLLATE "C" PRIMARY KEY,
    realm_id      TEXT COLLATE "C" NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    client_id     TEXT COLLATE "C" NOT NULL,
    enabled       BOOLEAN NOT NULL,
    public_client BOOLEAN NOT NULL,
    secret        TEXT COLLATE "C",
    settings      TEXT COLLATE "C" NOT NULL,
    UNIQUE (realm_id, client_id)
);

-- Keycloak: KEYCLOAK_ROLE. A realm role has no client_uuid. A plain UNIQUE over
-- (realm_id, client_uuid, name) would let realm roles share a name, because NULLs are
-- distinct, so each kind of role gets its own partial unique index.
CREATE TABLE roles (
    id          TEXT COLLATE "C" PRIMARY KEY,
    realm_id    TEXT COLLATE "C" NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    client_uuid TEXT COLLATE "C" REFERENCES clients (id) ON DELETE CASCADE,
    name        TEXT COLLATE "C" NOT NULL,
    description TEXT COLLATE "C"
);
CREATE INDEX roles_realm ON roles (realm_id);
CREATE UNIQUE INDEX roles_realm_role_name ON roles (realm_id, name) WHERE client_uuid IS NULL;
CREATE UNIQUE INDEX roles_client_role_name ON roles (client_uuid, name)
    WHERE client_uuid IS NOT NULL;

-- Keycloak: COMPOSITE_ROLE.
CREATE TABLE role_composites (
    parent_id TEXT COLLATE "C" NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    child_id  TEXT COLLATE "C" NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (parent_id, child_id)
);
CREATE INDEX role_composites_child ON role_composites (child_id);

-- Keycloak: USER_ENTITY (+ USER_ATTRIBUTE, USER_REQUIRED_ACTION).
-- `email` is the lower-cased copy of profile.email, kept for lookups only.
CREATE TABLE users (
    id                TEXT COLLATE "C" PRIMARY KEY,
    realm_id          TEXT COLLATE "C" NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    username          TEXT COLLATE "C" NOT NULL,
    enabled           BOOLEAN NOT NULL,
    created_timestamp BIGINT NOT NULL,
    email             TEXT COLLATE "C",
    profile           TEXT COLLATE "C" NOT NULL,
    UNIQUE (realm_id, username)
);
CREATE INDEX users_email ON users (realm_id, email);

-- Keycloak: USER_ROLE_MAPPING.
CREATE TABLE user_roles (
    user_id TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id TEXT COLLATE "C" NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, role_id)
);
CREATE INDEX user_roles_role ON user_roles (role_id);

-- Keycloak: CREDENTIAL, with its secret_data and credential_data JSON strings as is.
-- One password per user.
CREATE TABLE credentials (
    id              TEXT COLLATE "C" PRIMARY KEY,
    user_id         TEXT COLLATE "C" NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    type            TEXT COLLATE "C" NOT NULL CHECK (type = 'password'),
    created_date    BIGINT NOT NULL,
    secret_data     TEXT COLLATE "C" NOT NULL,
    credential_data TEXT COLLATE "C" NOT NULL
);

-- Keycloak: OFFLINE_USER_SESSION + OFFLINE_CLIENT_SESSION (persistent sessions), one
-- client session per user session. client_uuid has no foreign key: a session whose
-- refresh chain was revoked is detached by writing an empty client_uuid.
CREATE TABLE sessions (
    id                     TEXT COLLATE "C" PRIMARY KEY,
    realm_id               TEXT COLLATE "C" NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    user_id                TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_uuid            TEXT COLLATE "C" NOT NULL,
    started                BIGINT NOT NULL,
    last_refresh           BIGINT NOT NULL,
    scope                  TEXT COLLATE "C" NOT NULL,
    reuse_current_token_id TEXT COLLATE "C",
    reuse_use_count        BIGINT NOT NULL,
    reuse_last_refresh     BIGINT NOT NULL
);
CREATE INDEX sessions_realm ON sessions (realm_id);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_last_refresh ON sessions (last_refresh);

-- Keycloak: LOGIN_FAILURE (kept in Infinispan there).
CREATE TABLE login_failures (
    realm_id                TEXT COLLATE "C" NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    user_id                 TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    num_failures            BIGINT NOT NULL,
    num_temporary_lockouts  BIGINT NOT NULL,
    last_failure            BIGINT NOT NULL,
    last_ip_failure         TEXT COLLATE "C",
    failed_login_not_before BIGINT NOT NULL,
    PRIMARY KEY (realm_id, user_id)
);
CREATE INDEX login_failures_user ON login_failures (user_id);

-- Access tokens revoked through RFC 7009, kept until they expire (`expires_at`, seconds).
-- Keycloak: the `revokedTokens` single-use object store.
CREATE TABLE revoked_tokens (
    jti        TEXT COLLATE "C" PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX revoked_tokens_expires_at ON revoked_tokens (expires_at);
