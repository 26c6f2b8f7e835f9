-- latchkey's first schema: realms and everything in them.
-- Settings that travel together are kept as JSON text next to the columns that are
-- searched or joined on.

CREATE TABLE realms (
    id       TEXT PRIMARY KEY,
    name     TEXT NOT NULL UNIQUE,
    enabled  INTEGER NOT NULL,
    settings TEXT NOT NULL
);

CREATE TABLE realm_keys (
    kid        TEXT PRIMARY KEY,
    realm_id   TEXT NOT NULL REFERENCES realms(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    algorithm  TEXT NOT NULL,
    secret     BLOB NOT NULL,
    priority   INTEGER NOT NULL,
    enabled    INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX realm_keys_realm ON realm_keys(realm_id);

CREATE TABLE clients (
    id            TEXT PRIMARY KEY,
    realm_id      TEXT NOT NULL REFERENCES realms(id) ON DELETE CASCADE,
    client_id     TEXT NOT NULL,
    enabled       INTEGER NOT NULL,
    public_client INTEGER NOT NULL,
    secret        TEXT,
    settings      TEXT NOT NULL,
    UNIQUE (realm_id, client_id)
);

CREATE TABLE roles (
    id          TEXT PRIMARY KEY,
    realm_id    TEXT NOT NULL REFERENCES realms(id) ON DELETE CASCADE,
    client_uuid TEXT REFERENCES clients(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    description TEXT
);
CREATE UNIQUE INDEX roles_name ON roles(realm_id, COALESCE(client_uuid, ''), name);

CREATE TABLE role_composites (
    parent_id TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    child_id  TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    PRIMARY KEY (parent_id, child_id)
);

CREATE TABLE users (
    id                TEXT PRIMARY KEY,
    realm_id          TEXT NOT NULL REFERENCES realms(id) ON DELETE CASCADE,
    username          TEXT NOT NULL,
    email             TEXT,
    enabled           INTEGER NOT NULL,
    created_timestamp INTEGER NOT NULL,
    profile           TEXT NOT NULL,
    UNIQUE (realm_id, username)
);
CREATE INDEX users_email ON users(realm_id, email);

CREATE TABLE user_roles (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role_id TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, role_id)
);

CREATE TABLE credentials (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE,
    type            TEXT NOT NULL,
    created_date    INTEGER NOT NULL,
    secret_data     TEXT NOT NULL,
    credential_data TEXT NOT NULL
);

CREATE TABLE sessions (
    id                     TEXT PRIMARY KEY,
    realm_id               TEXT NOT NULL REFERENCES realms(id) ON DELETE CASCADE,
    user_id                TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    client_uuid            TEXT NOT NULL,
    started                INTEGER NOT NULL,
    last_refresh           INTEGER NOT NULL,
    scope                  TEXT NOT NULL,
    reuse_current_token_id TEXT,
    reuse_use_count        INTEGER NOT NULL,
    reuse_last_refresh     INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_realm ON sessions(realm_id);
CREATE INDEX sessions_last_refresh ON sessions(last_refresh);

CREATE TABLE login_failures (
    realm_id                TEXT NOT NULL REFERENCES realms(id) ON DELETE CASCADE,
    user_id                 TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    num_failures            INTEGER NOT NULL,
    num_temporary_lockouts  INTEGER NOT NULL,
    last_failure            INTEGER NOT NULL,
    last_ip_failure         TEXT,
    failed_login_not_before INTEGER NOT NULL,
    PRIMARY KEY (realm_id, user_id)
);

CREATE TABLE revoked_tokens (
    jti        TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
