-- What a realm file says of a client, user, role, group or client scope that latchkey
-- does not model (a client's `authenticationFlowBindingOverrides` beyond the typed ones,
-- a user's `federatedIdentities`, ...): kept as the file gave it, one JSON object per
-- entity, and written back in place by export. Only the import writes these rows and
-- only the export reads them, so they stay out of the entity rows that the token path
-- reads and out of the caches. The realm's own unmodelled fields live in its settings.
--
-- Keep in step with ../postgres/0017_kept_fields.sql. `kind` is `client`, `user`,
-- `role`, `group` or `client_scope`; ids are unique per kind, so (kind, entity_id) is
-- the key. The triggers forget an entity's row when the entity goes.
CREATE TABLE kept_fields (
    realm_id  TEXT NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    kind      TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    fields    TEXT NOT NULL,
    PRIMARY KEY (kind, entity_id)
);
CREATE INDEX kept_fields_realm ON kept_fields (realm_id);

CREATE TRIGGER kept_fields_clients AFTER DELETE ON clients BEGIN
    DELETE FROM kept_fields WHERE kind = 'client' AND entity_id = OLD.id;
END;
CREATE TRIGGER kept_fields_users AFTER DELETE ON users BEGIN
    DELETE FROM kept_fields WHERE kind = 'user' AND entity_id = OLD.id;
END;
CREATE TRIGGER kept_fields_roles AFTER DELETE ON roles BEGIN
    DELETE FROM kept_fields WHERE kind = 'role' AND entity_id = OLD.id;
END;
CREATE TRIGGER kept_fields_groups AFTER DELETE ON realm_groups BEGIN
    DELETE FROM kept_fields WHERE kind = 'group' AND entity_id = OLD.id;
END;
CREATE TRIGGER kept_fields_client_scopes AFTER DELETE ON client_scopes BEGIN
    DELETE FROM kept_fields WHERE kind = 'client_scope' AND entity_id = OLD.id;
END;
