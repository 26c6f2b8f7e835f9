-- Every key is one of Keycloak's key-provider components (COMPONENT + COMPONENT_CONFIG):
-- RSA (RS*/PS*), EC (ES*) and Ed25519 (EdDSA) keys besides RSA and HMAC ones, each with
-- its component id, name, provider, shown settings (`config`, JSON, no key material),
-- the `active` flag of passive keys, and a certificate when it has a stored one.
-- Keys made before this migration become the components latchkey made them as:
-- `rsa-generated`, and `hmac-generated` (named `hmac-generated-hs512` for HS512), their
-- id being their kid as the Admin API's `Location` said. Same table as SQLite's 0008.
ALTER TABLE realm_keys DROP CONSTRAINT realm_keys_kind_check;
ALTER TABLE realm_keys ADD CONSTRAINT realm_keys_kind_check
    CHECK (kind IN ('rsa', 'ec', 'okp', 'hmac'));
ALTER TABLE realm_keys ADD COLUMN id TEXT;
ALTER TABLE realm_keys ADD COLUMN name TEXT;
ALTER TABLE realm_keys ADD COLUMN provider_id TEXT;
ALTER TABLE realm_keys ADD COLUMN certificate BYTEA;
ALTER TABLE realm_keys ADD COLUMN config TEXT;
ALTER TABLE realm_keys ADD COLUMN active BOOLEAN NOT NULL DEFAULT TRUE;
UPDATE realm_keys SET
    id = kid,
    name = CASE
        WHEN kind = 'rsa' THEN 'rsa-generated'
        WHEN algorithm = 'HS512' THEN 'hmac-generated-hs512'
        ELSE 'hmac-generated'
    END,
    provider_id = CASE WHEN kind = 'rsa' THEN 'rsa-generated' ELSE 'hmac-generated' END,
    config = CASE
        WHEN kind = 'rsa' THEN json_build_object('priority', json_build_array(priority::text))::text
        ELSE json_build_object('priority', json_build_array(priority::text),
                               'algorithm', json_build_array(algorithm))::text
    END;
ALTER TABLE realm_keys ALTER COLUMN id SET NOT NULL;
ALTER TABLE realm_keys ALTER COLUMN name SET NOT NULL;
ALTER TABLE realm_keys ALTER COLUMN provider_id SET NOT NULL;
ALTER TABLE realm_keys ALTER COLUMN config SET NOT NULL;
ALTER TABLE realm_keys ALTER COLUMN active DROP DEFAULT;
ALTER TABLE realm_keys DROP CONSTRAINT realm_keys_pkey;
ALTER TABLE realm_keys ADD PRIMARY KEY (id);
