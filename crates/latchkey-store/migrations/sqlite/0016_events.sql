-- Login events and admin events (Keycloak: EVENT_ENTITY, ADMIN_EVENT_ENTITY).
-- Keep in step with ../postgres/0016_events.sql.
--
-- Written in groups with the session writes (`batch.rs`), read newest first by realm
-- (`GET /events`, `GET /admin-events`) and deleted by realm and age (the reaper, after
-- the realm's `eventsExpiration`): one index on (realm_id, time) serves all three.
-- `time` is in milliseconds; `details` is JSON text `{name: value}` in the order
-- recorded. Deleting a realm deletes its events, as Keycloak does.

CREATE TABLE events (
    id         TEXT PRIMARY KEY,
    realm_id   TEXT NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    time       INTEGER NOT NULL,
    type       TEXT NOT NULL,
    client_id  TEXT,
    user_id    TEXT,
    session_id TEXT,
    ip_address TEXT,
    error      TEXT,
    details    TEXT
);
CREATE INDEX events_realm_time ON events (realm_id, time);

CREATE TABLE admin_events (
    id              TEXT PRIMARY KEY,
    realm_id        TEXT NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    time            INTEGER NOT NULL,
    operation_type  TEXT NOT NULL,
    resource_type   TEXT NOT NULL,
    resource_path   TEXT NOT NULL,
    auth_realm_id   TEXT NOT NULL,
    auth_client_id  TEXT NOT NULL,
    auth_user_id    TEXT NOT NULL,
    auth_ip_address TEXT NOT NULL,
    representation  TEXT,
    error           TEXT,
    details         TEXT
);
CREATE INDEX admin_events_realm_time ON admin_events (realm_id, time);
