-- The change feed's triggers (0009) on the client-scope tables of migration 0012: a
-- scope, its mappers, the realm's default and optional scopes and the scope mappings of
-- scopes and clients shape the claims of every token, which each instance compiles into
-- its realm snapshot; a change drops that snapshot on the other instances.

-- Rows with a `scope_id` column: the realm of each client scope they belong to. A row
-- deleted with its scope (a cascade) finds no scope here; the scope's own delete already
-- wrote the realm's row.
CREATE FUNCTION latchkey_feed_scope_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO change_feed (origin, kind, realm_id, realm_name)
    SELECT DISTINCT latchkey_origin(), 'realm', s.realm_id, r.name
    FROM changed c
    JOIN client_scopes s ON s.id = c.scope_id
    LEFT JOIN realms r ON r.id = s.realm_id;
    IF FOUND THEN PERFORM pg_notify('latchkey_feed', ''); END IF;
    RETURN NULL;
END $$;

-- Rows with a `client_uuid` column: the realm of each client they belong to.
CREATE FUNCTION latchkey_feed_client_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO change_feed (origin, kind, realm_id, realm_name)
    SELECT DISTINCT latchkey_origin(), 'realm', k.realm_id, r.name
    FROM changed c
    JOIN clients k ON k.id = c.client_uuid
    LEFT JOIN realms r ON r.id = k.realm_id;
    IF FOUND THEN PERFORM pg_notify('latchkey_feed', ''); END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER client_scopes_feed_insert AFTER INSERT ON client_scopes
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_realm_rows('realm');
CREATE TRIGGER client_scopes_feed_update AFTER UPDATE ON client_scopes
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_realm_rows('realm');
CREATE TRIGGER client_scopes_feed_delete AFTER DELETE ON client_scopes
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_realm_rows('realm');

CREATE TRIGGER realm_default_client_scopes_feed_insert AFTER INSERT ON realm_default_client_scopes
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_realm_rows('realm');
CREATE TRIGGER realm_default_client_scopes_feed_update AFTER UPDATE ON realm_default_client_scopes
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_realm_rows('realm');
CREATE TRIGGER realm_default_client_scopes_feed_delete AFTER DELETE ON realm_default_client_scopes
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_realm_rows('realm');

CREATE TRIGGER client_scope_mappers_feed_insert AFTER INSERT ON client_scope_mappers
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_scope_rows();
CREATE TRIGGER client_scope_mappers_feed_update AFTER UPDATE ON client_scope_mappers
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_scope_rows();
CREATE TRIGGER client_scope_mappers_feed_delete AFTER DELETE ON client_scope_mappers
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_scope_rows();

CREATE TRIGGER client_scope_roles_feed_insert AFTER INSERT ON client_scope_roles
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_scope_rows();
CREATE TRIGGER client_scope_roles_feed_update AFTER UPDATE ON client_scope_roles
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_scope_rows();
CREATE TRIGGER client_scope_roles_feed_delete AFTER DELETE ON client_scope_roles
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_scope_rows();

CREATE TRIGGER client_scope_mappings_feed_insert AFTER INSERT ON client_scope_mappings
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_client_rows();
CREATE TRIGGER client_scope_mappings_feed_update AFTER UPDATE ON client_scope_mappings
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_client_rows();
CREATE TRIGGER client_scope_mappings_feed_delete AFTER DELETE ON client_scope_mappings
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_feed_client_rows();
