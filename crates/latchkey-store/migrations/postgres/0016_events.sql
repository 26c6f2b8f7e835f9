-- Login events and admin events (Keycloak: EVENT_ENTITY, ADMIN_EVENT_ENTITY).
-- Keep in step with ../sqlite/0016_events.sql.
--
-- Written in groups with the session writes (`batch.rs`), read newest first by realm
-- (`GET /events`, `GET /admin-events`) and deleted by realm and age (the reaper, after
-- the realm's `eventsExpiration`): one index on (realm_id, time) serves all three.
-- `time` is in milliseconds; `details` is JSON text `{name: value}` in the order
-- recorded. Deleting a realm deletes its events, as Keycloak does.

CREATE TABLE events (
    id         TEXT COLLATE "C" PRIMARY KEY,
    realm_id   TEXT COLLATE "C" NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    time       BIGINT NOT NULL,
    type       TEXT COLLATE "C" NOT NULL,
    client_id  TEXT COLLATE "C",
    user_id    TEXT COLLATE "C",
    session_id TEXT COLLATE "C",
    ip_address TEXT COLLATE "C",
    error      TEXT COLLATE "C",
    details    TEXT COLLATE "C"
);
CREATE INDEX events_realm_time ON events (realm_id, time);

CREATE TABLE admin_events (
    id              TEXT COLLATE "C" PRIMARY KEY,
    realm_id        TEXT COLLATE "C" NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    time            BIGINT NOT NULL,
    operation_type  TEXT COLLATE "C" NOT NULL,
    resource_type   TEXT COLLATE "C" NOT NULL,
    resource_path   TEXT COLLATE "C" NOT NULL,
    auth_realm_id   TEXT COLLATE "C" NOT NULL,
    auth_client_id  TEXT COLLATE "C" NOT NULL,
    auth_user_id    TEXT COLLATE "C" NOT NULL,
    auth_ip_address TEXT COLLATE "C" NOT NULL,
    representation  TEXT COLLATE "C",
    error           TEXT COLLATE "C",
    details         TEXT COLLATE "C"
);
CREATE INDEX admin_events_realm_time ON admin_events (realm_id, time);
