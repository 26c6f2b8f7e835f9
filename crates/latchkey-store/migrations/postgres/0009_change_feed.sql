-- The change feed: one row per change that another latchkey instance on this database
-- may hold in memory, with an increasing number, written by the triggers below in the
-- same transaction as the change (so no writer, latchkey or not, can forget it). Every
-- instance reads the rows after the last it applied, woken by NOTIFY on channel
-- `latchkey_feed` and polling as a fallback (`feed.rs`).
--
-- `origin` is the writing instance's `latchkey.origin` setting (set on each of its
-- connections), empty for any other writer. `kind` says what to drop:
--   realm          the realm's snapshot (settings, clients, roles)
--   realm_deleted  the realm's snapshot, its cached users and sessions
--   keys           the realm's snapshot, and gateways are told to fetch the JWKS
--   user           one cached user (`subject`: the user id)
--   users          every cached user (a role, client or group change)
--   session        one cached session (`subject`: the session id)
--   realm_sessions every cached session of the realm
--   revocation     a revocation to push to gateways (`detail`: its JSON)
-- Rows are pruned by the cluster-wide job once every instance had time to read them.
-- The tables of migrations 0010 and 0011 (groups, user attributes) get their triggers
-- in 0014: on a new database this file runs before those tables exist.
CREATE TABLE change_feed (
    id         BIGSERIAL PRIMARY KEY,
    origin     TEXT COLLATE "C" NOT NULL,
    kind       TEXT COLLATE "C" NOT NULL,
    realm_id   TEXT COLLATE "C",
    realm_name TEXT,
    subject    TEXT COLLATE "C",
    detail     TEXT,
    created_ms BIGINT NOT NULL DEFAULT (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT
);
CREATE INDEX change_feed_created ON change_feed (created_ms);

CREATE FUNCTION latchkey_origin() RETURNS TEXT LANGUAGE sql STABLE
    AS $$ SELECT coalesce(current_setting('latchkey.origin', true), '') $$;

-- A statement that changed rows of more users (or sessions) than this drops every cached
-- user (every cached session of the realm) on the other instances, in one row.
CREATE FUNCTION latchkey_feed_limit() RETURNS INTEGER LANGUAGE sql IMMUTABLE
    AS $$ SELECT 100 $$;

-- Rows with a `realm_id` column: one row of kind TG_ARGV[0] per realm changed.
CREATE FUNCTION latchkey_feed_realm_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO change_feed (origin, kind, realm_id, realm_name)
    SELECT DISTINCT latchkey_origin(), TG_ARGV[0], c.realm_id, r.name
    FROM changed c LEFT JOIN realms r ON r.id = c.realm_id;
    IF FOUND THEN PERFORM pg_notify('latchkey_feed', ''); END IF;
    RETURN NULL;
END $$;

-- The realms themselves (their `id`).
CREATE FUNCTION latchkey_feed_realms() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO change_feed (origin, kind, realm_id, realm_name)
    SELECT latchkey_origin(), TG_ARGV[0], c.id, c.name FROM changed c;
    IF FOUND THEN PERFORM pg_notify('latchkey_feed', ''); END IF;
    RETURN NULL;
END $$;

-- A composite role: the realm of its parent.
CREATE FUNCTION latchkey_feed_composites() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO change_feed (origin, kind, realm_id)
    SELECT DISTINCT latchkey_origin(), 'realm', r.realm_id
    FROM changed c JOIN roles r ON r.id = c.parent_id;
    IF FOUND THEN PERFORM pg_notify('latchkey_feed', ''); END IF;
    RETURN NULL;
END $$;

-- Rows of users: column TG_ARGV[0] is the user id.
CREATE FUNCTION latchkey_feed_users() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    user_ids TEXT[];
BEGIN
    IF TG_ARGV[0] = 'id' THEN
        SELECT array_agg(DISTINCT c.id) INTO user_ids FROM changed c;
    ELSE
        SELECT array_agg(DISTINCT c.user_id) INTO user_ids FROM changed c;
    END IF;
    IF user_ids IS NULL THEN RETURN NULL; END IF;
    IF cardinality(user_ids) > latchkey_feed_limit() THEN
        INSERT INTO change_feed (origin, kind) VALUES (latchkey_origin(), 'users');
    ELSE
        INSERT INTO change_feed (origin, kind, subject)
        SELECT latchkey_origin(), 'user', id FROM unnest(user_ids) AS id;
    END IF;
    PERFORM pg_notify('latchkey_feed', '');
    RETURN NULL;
END $$;

-- Sessions deleted.
CREATE FUNCTION latchkey_feed_sessions() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    deleted INTEGER;
BEGIN
    SELECT count(*) INTO deleted FROM changed;
    IF deleted = 0 THEN RETURN NULL; END IF;
    IF deleted > latchkey_feed_limit() THEN
        INSERT INTO change_feed (origin, kind, realm_id)
        SELECT DISTINCT latchkey_origin(), 'realm_sessions', c.realm_id FROM changed c;
    ELSE
        INSERT INTO change_feed (origin, kind, realm_id, subject)
        SELECT latchkey_origin(), 'session', c.realm_id, c.id FROM changed c;
    END IF;
    PERFORM pg_notify('latchkey_feed', '');
    RETURN NULL;
END $$;

-- A session moved to another client (the refresh-time and reuse-state writes of every
-- refresh do not come here: the first changes nothing another instance decides on
-- beyond an idle time it reads again before refusing, the second is a compare-and-set).
CREATE FUNCTION latchkey_feed_session_client() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO change_feed (origin, kind, realm_id, subject)
    VALUES (latchkey_origin(), 'session', NEW.realm_id, NEW.id);
    PERFORM pg_notify('latchkey_feed', '');
    RETURN NULL;
END $$;

-- Revocations for the gateways, whole.
CREATE FUNCTION latchkey_feed_revocations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO change_feed (origin, kind, realm_id, realm_name, subject, detail)
    SELECT latchkey_origin(), 'revocation', c.realm_id, r.name, c.subject,
        json_build_object('kind', c.kind, 'subject', c.subject,
            'issued_before', c.issued_before, 'expires', c.expires)::TEXT
    FROM changed c JOIN realms r ON r.id = c.realm_id;
    IF FOUND THEN PERFORM pg_notify('latchkey_feed', ''); END IF;
    RETURN NULL;
END $$;

-- One trigger per event: a trigger with transition tables takes one event only.
CREATE TRIGGER realms_feed_update AFTER UPDATE ON realms
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_realms('realm');
CREATE TRIGGER realms_feed_delete AFTER DELETE ON realms
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_realms('realm_deleted');

CREATE TRIGGER realm_keys_feed_insert AFTER INSERT ON realm_keys
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_realm_rows('keys');
CREATE TRIGGER realm_keys_feed_update AFTER UPDATE ON realm_keys
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_realm_rows('keys');
CREATE TRIGGER realm_keys_feed_delete AFTER DELETE ON realm_keys
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_realm_rows('keys');

CREATE TRIGGER clients_feed_insert AFTER INSERT ON clients
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_realm_rows('realm');
CREATE TRIGGER clients_feed_update AFTER UPDATE ON clients
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_realm_rows('realm');
CREATE TRIGGER clients_feed_delete AFTER DELETE ON clients
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_realm_rows('realm');
-- A client's roles, and so their grants, go with it.
CREATE TRIGGER clients_feed_delete_grants AFTER DELETE ON clients
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_realm_rows('users');

CREATE TRIGGER roles_feed_insert AFTER INSERT ON roles
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_realm_rows('realm');
CREATE TRIGGER roles_feed_update AFTER UPDATE ON roles
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_realm_rows('realm');
CREATE TRIGGER roles_feed_delete AFTER DELETE ON roles
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_realm_rows('realm');
-- A role's grants go with it.
CREATE TRIGGER roles_feed_delete_grants AFTER DELETE ON roles
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_realm_rows('users');

CREATE TRIGGER role_composites_feed_insert AFTER INSERT ON role_composites
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_composites();
CREATE TRIGGER role_composites_feed_delete AFTER DELETE ON role_composites
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_composites();

CREATE TRIGGER users_feed_update AFTER UPDATE ON users
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_users('id');
CREATE TRIGGER users_feed_delete AFTER DELETE ON users
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_users('id');

CREATE TRIGGER user_roles_feed_insert AFTER INSERT ON user_roles
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_users('user_id');
CREATE TRIGGER user_roles_feed_delete AFTER DELETE ON user_roles
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_users('user_id');

-- Credentials are not cached today; their changes are in the feed so that a cache of
-- them would not need a migration.
CREATE TRIGGER credentials_feed_insert AFTER INSERT ON credentials
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_users('user_id');
CREATE TRIGGER credentials_feed_update AFTER UPDATE ON credentials
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_users('user_id');
CREATE TRIGGER credentials_feed_delete AFTER DELETE ON credentials
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_users('user_id');

CREATE TRIGGER sessions_feed_delete AFTER DELETE ON sessions
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_sessions();
CREATE TRIGGER sessions_feed_client AFTER UPDATE OF client_uuid ON sessions
    FOR EACH ROW WHEN (OLD.client_uuid IS DISTINCT FROM NEW.client_uuid)
    EXECUTE FUNCTION latchkey_feed_session_client();

CREATE TRIGGER revocations_feed_insert AFTER INSERT ON revocations
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_revocations();
