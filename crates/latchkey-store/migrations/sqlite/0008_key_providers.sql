-- Every key is one of Keycloak's key-provider components (COMPONENT + COMPONENT_CONFIG):
-- RSA (RS*/PS*), EC (ES*) and Ed25519 (EdDSA) keys besides RSA and HMAC ones, each with
-- its component id, name, provider, shown settings (`config`, JSON, no key material),
-- the `active` flag of passive keys, and a certificate when it has a stored one.
-- SQLite cannot change a CHECK constraint in place, so the table is rebuilt. Keys made
-- before this migration become the components latchkey made them as: `rsa-generated`,
-- and `hmac-generated` (named `hmac-generated-hs512` for HS512), their id being their kid
-- as the Admin API's `Location` said.
CREATE TABLE realm_keys_0008 (
    id          TEXT PRIMARY KEY,
    kid         TEXT NOT NULL,
    realm_id    TEXT NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('rsa', 'ec', 'okp', 'hmac')),
    algorithm   TEXT NOT NULL,
    secret      BLOB NOT NULL,
    certificate BLOB,
    config      TEXT NOT NULL,
    priority    INTEGER NOT NULL,
    enabled     INTEGER NOT NULL,
    active      INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
);
INSERT INTO realm_keys_0008
    (id, kid, realm_id, name, provider_id, kind, algorithm, secret, certificate, config,
     priority, enabled, active, created_at)
SELECT
    kid,
    kid,
    realm_id,
    CASE
        WHEN kind = 'rsa' THEN 'rsa-generated'
        WHEN algorithm = 'HS512' THEN 'hmac-generated-hs512'
        ELSE 'hmac-generated'
    END,
    CASE WHEN kind = 'rsa' THEN 'rsa-generated' ELSE 'hmac-generated' END,
    kind,
    algorithm,
    secret,
    NULL,
    CASE
        WHEN kind = 'rsa' THEN json_object('priority', json_array(CAST(priority AS TEXT)))
        ELSE json_object('priority', json_array(CAST(priority AS TEXT)),
                         'algorithm', json_array(algorithm))
    END,
    priority,
    enabled,
    1,
    created_at
FROM realm_keys;
DROP TABLE realm_keys;
ALTER TABLE realm_keys_0008 RENAME TO realm_keys;
CREATE INDEX realm_keys_realm ON realm_keys (realm_id);
