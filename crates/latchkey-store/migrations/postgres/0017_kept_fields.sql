-- What a realm file says of a client, user, role, group or client scope that latchkey
-- does not model (a client's `authenticationFlowBindingOverrides` beyond the typed ones,
-- a user's `federatedIdentities`, ...): kept as the file gave it, one JSON object per
-- entity, and written back in place by export. Only the import writes these rows and
-- only the export reads them, so they stay out of the entity rows that the token path
-- reads and out of the caches (no change-feed trigger: no instance holds them). The
-- realm's own unmodelled fields live in its settings.
--
-- Keep in step with ../sqlite/0017_kept_fields.sql. `kind` is `client`, `user`,
-- `role`, `group` or `client_scope`; ids are unique per kind, so (kind, entity_id) is
-- the key. The triggers forget an entity's row when the entity goes.
CREATE TABLE kept_fields (
    realm_id  TEXT COLLATE "C" NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    kind      TEXT COLLATE "C" NOT NULL,
    entity_id TEXT COLLATE "C" NOT NULL,
    fields    TEXT NOT NULL,
    PRIMARY KEY (kind, entity_id)
);
CREATE INDEX kept_fields_realm ON kept_fields (realm_id);

CREATE FUNCTION latchkey_forget_kept_fields() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM kept_fields k USING gone g
    WHERE k.kind = TG_ARGV[0] AND k.entity_id = g.id;
    RETURN NULL;
END $$;

CREATE TRIGGER kept_fields_clients AFTER DELETE ON clients
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_forget_kept_fields('client');
CREATE TRIGGER kept_fields_users AFTER DELETE ON users
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_forget_kept_fields('user');
CREATE TRIGGER kept_fields_roles AFTER DELETE ON roles
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_forget_kept_fields('role');
CREATE TRIGGER kept_fields_groups AFTER DELETE ON realm_groups
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_forget_kept_fields('group');
CREATE TRIGGER kept_fields_client_scopes AFTER DELETE ON client_scopes
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_forget_kept_fields('client_scope');
