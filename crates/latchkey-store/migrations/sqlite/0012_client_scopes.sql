-- Client scopes and their protocol mappers, the realm's default and optional scopes, and
-- scope mappings of clients and client scopes. Keep in step with ../postgres/0012_client_scopes.sql.
--
-- Keycloak: CLIENT_SCOPE (+ CLIENT_SCOPE_ATTRIBUTES as JSON text `{name: value}`),
-- PROTOCOL_MAPPER of a scope (`config` as JSON text; `position` keeps the order they were
-- added in), DEFAULT_CLIENT_SCOPE, CLIENT_SCOPE_ROLE_MAPPING and SCOPE_MAPPING. A client's
-- own mappers and its default and optional scope names stay in its `settings`. Deleting a
-- realm, scope, client or role cascades to what hangs on it.
CREATE TABLE client_scopes (
    id          TEXT PRIMARY KEY,
    realm_id    TEXT NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    description TEXT,
    protocol    TEXT NOT NULL,
    attributes  TEXT NOT NULL,
    UNIQUE (realm_id, name)
);

CREATE TABLE client_scope_mappers (
    id              TEXT PRIMARY KEY,
    scope_id        TEXT NOT NULL REFERENCES client_scopes (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    name            TEXT NOT NULL,
    protocol        TEXT NOT NULL,
    protocol_mapper TEXT NOT NULL,
    config          TEXT NOT NULL,
    UNIQUE (scope_id, name)
);

-- `is_default`: a default scope (true) or an optional one (false) of new clients.
CREATE TABLE realm_default_client_scopes (
    realm_id   TEXT NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    scope_id   TEXT NOT NULL REFERENCES client_scopes (id) ON DELETE CASCADE,
    is_default INTEGER NOT NULL,
    position   INTEGER NOT NULL,
    PRIMARY KEY (realm_id, scope_id)
);

CREATE TABLE client_scope_roles (
    scope_id TEXT NOT NULL REFERENCES client_scopes (id) ON DELETE CASCADE,
    role_id  TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (scope_id, role_id)
);
CREATE INDEX client_scope_roles_role ON client_scope_roles (role_id);

CREATE TABLE client_scope_mappings (
    client_uuid TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    role_id     TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (client_uuid, role_id)
);
CREATE INDEX client_scope_mappings_role ON client_scope_mappings (role_id);

-- Every realm there is gets Keycloak 26.7.3's built-in scopes, as a new realm does
-- (the same data as latchkey-core's `client_scope/built_in.json`).

INSERT INTO client_scopes (id, realm_id, name, description, protocol, attributes)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 'role_list', 'SAML role list', 'saml', '{"consent.screen.text":"${samlRoleListScopeConsentText}","display.on.consent.screen":"true"}'
    FROM realms;
INSERT INTO client_scope_mappers (id, scope_id, position, name, protocol, protocol_mapper, config)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 0, 'role list', 'saml', 'saml-role-list-mapper',
        '{"attribute.name":"Role","attribute.nameformat":"Basic","single":"false"}'
    FROM client_scopes WHERE name = 'role_list';
INSERT INTO realm_default_client_scopes (realm_id, scope_id, is_default, position)
    SELECT realm_id, id, 1, 1 FROM client_scopes WHERE name = 'role_list';

INSERT INTO client_scopes (id, realm_id, name, description, protocol, attributes)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 'saml_organization', 'Organization Membership', 'saml', '{"display.on.consent.screen":"false"}'
    FROM realms;
INSERT INTO client_scope_mappers (id, scope_id, position, name, protocol, protocol_mapper, config)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 0, 'organization', 'saml', 'saml-organization-membership-mapper',
        '{}'
    FROM client_scopes WHERE name = 'saml_organization';
INSERT INTO realm_default_client_scopes (realm_id, scope_id, is_default, position)
    SELECT realm_id, id, 1, 2 FROM client_scopes WHERE name = 'saml_organization';

INSERT INTO client_scopes (id, realm_id, name, description, protocol, attributes)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 'AuthnContextClassRef', 'AuthnContextClassRef Level of Authentiation', 'saml', '{}'
    FROM realms;
INSERT INTO client_scope_mappers (id, scope_id, position, name, protocol, protocol_mapper, config)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 0, 'AuthnContextClassRef', 'saml', 'saml-authn-context-class-ref-mapper',
        '{}'
    FROM client_scopes WHERE name = 'AuthnContextClassRef';
INSERT INTO realm_default_client_scopes (realm_id, scope_id, is_default, position)
    SELECT realm_id, id, 1, 3 FROM client_scopes WHERE name = 'AuthnContextClassRef';

INSERT INTO client_scopes (id, realm_id, name, description, protocol, attributes)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 'profile', 'OpenID Connect built-in scope: profile', 'openid-connect', '{"consent.screen.text":"${profileScopeConsentText}","display.on.consent.screen":"true","include.in.token.scope":"true"}'
    FROM realms;
INSERT INTO client_scope_mappers (id, scope_id, position, name, protocol, protocol_mapper, config)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 0, 'profile', 'openid-connect', 'oidc-usermodel-attribute-mapper',
        '{"access.token.claim":"true","claim.name":"profile","id.token.claim":"true","introspection.token.claim":"true","jsonType.label":"String","user.attribute":"profile","userinfo.token.claim":"true"}'
    FROM client_scopes WHERE name = 'profile';
INSERT INTO client_scope_mappers (id, scope_id, position, name, protocol, protocol_mapper, config)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 1, 'family name', 'openid-connect', 'oidc-usermodel-attribute-mapper',
        '{"access.token.claim":"true","claim.name":"family_name","id.token.claim":"true","introspection.token.claim":"true","jsonType.label":"String","user.attribute":"lastName","userinfo.token.claim":"true"}'
    FROM client_scopes WHERE name = 'profile';
INSERT INTO client_scope_mappers (id, scope_id, position, name, protocol, protocol_mapper, config)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 2, 'zoneinfo', 'openid-connect', 'oidc-usermodel-attribute-mapper',
        '{"access.token.claim":"true","claim.name":"zoneinfo","id.token.claim":"true","introspection.token.claim":"true","jsonType.label":"String","user.attribute":"zoneinfo","userinfo.token.claim":"true"}'
    FROM client_scopes WHERE name = 'profile';
INSERT INTO client_scope_mappers (id, scope_id, position, name, protocol, protocol_mapper, config)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 3, 'gender', 'openid-connect', 'oidc-usermodel-attribute-mapper',
        '{"access.token.claim":"true","claim.name":"gender","id.token.claim":"true","introspection.token.claim":"true","jsonType.label":"String","user.attribute":"gender","userinfo.token.claim":"true"}'
    FROM client_scopes WHERE name = 'profile';
INSERT INTO client_scope_mappers (id, scope_id, position, name, protocol, protocol_mapper, config)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 4, 'full name', 'openid-connect', 'oidc-full-name-mapper',
        '{"access.token.claim":"true","id.token.claim":"true","introspection.token.claim":"true","userinfo.token.claim":"true"}'
    FROM client_scopes WHERE name = 'profile';
INSERT INTO client_scope_mappers (id, scope_id, position, name, protocol, protocol_mapper, config)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 5, 'username', 'openid-connect', 'oidc-usermodel-attribute-mapper',
        '{"access.token.claim":"true","claim.name":"preferred_username","id.token.claim":"true","introspection.token.claim":"true","jsonType.label":"String","user.attribute":"username","userinfo.token.claim":"true"}'
    FROM client_scopes WHERE name = 'profile';
INSERT INTO client_scope_mappers (id, scope_id, position, name, protocol, protocol_mapper, config)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 6, 'locale', 'openid-connect', 'oidc-usermodel-attribute-mapper',
        '{"access.token.claim":"true","claim.name":"locale","id.token.claim":"true","introspection.token.claim":"true","jsonType.label":"String","user.attribute":"locale","userinfo.token.claim":"true"}'
    FROM client_scopes WHERE name = 'profile';
INSERT INTO client_scope_mappers (id, scope_id, position, name, protocol, protocol_mapper, config)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 7, 'picture', 'openid-connect', 'oidc-usermodel-attribute-mapper',
        '{"access.token.claim":"true","claim.name":"picture","id.token.claim":"true","introspection.token.claim":"true","jsonType.label":"String","user.attribute":"picture","userinfo.token.claim":"true"}'
    FROM client_scopes WHERE name = 'profile';
INSERT INTO client_scope_mappers (id, scope_id, position, name, protocol, protocol_mapper, config)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 8, 'website', 'openid-connect', 'oidc-usermodel-attribute-mapper',
        '{"access.token.claim":"true","claim.name":"website","id.token.claim":"true","introspection.token.claim":"true","jsonType.label":"String","user.attribute":"website","userinfo.token.claim":"true"}'
    FROM client_scopes WHERE name = 'profile';
INSERT INTO client_scope_mappers (id, scope_id, position, name, protocol, protocol_mapper, config)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 9, 'nickname', 'openid-connect', 'oidc-usermodel-attribute-mapper',
        '{"access.token.claim":"true","claim.name":"nickname","id.token.claim":"true","introspection.token.claim":"true","jsonType.label":"String","user.attribute":"nickname","userinfo.token.claim":"true"}'
    FROM client_scopes WHERE name = 'profile';
INSERT INTO client_scope_mappers (id, scope_id, position, name, protocol, protocol_mapper, config)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 10, 'birthdate', 'openid-connect', 'oidc-usermodel-attribute-mapper',
        '{"access.token.claim":"true","claim.name":"birthdate","id.token.claim":"true","introspection.token.claim":"true","jsonType.label":"String","user.attribute":"birthdate","userinfo.token.claim":"true"}'
    FROM client_scopes WHERE name = 'profile';
INSERT INTO client_scope_mappers (id, scope_id, position, name, protocol, protocol_mapper, config)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 11, 'given name', 'openid-connect', 'oidc-usermodel-attribute-mapper',
        '{"access.token.claim":"true","claim.name":"given_name","id.token.claim":"true","introspection.token.claim":"true","jsonType.label":"String","user.attribute":"firstName","userinfo.token.claim":"true"}'
    FROM client_scopes WHERE name = 'profile';
INSERT INTO client_scope_mappers (id, scope_id, position, name, protocol, protocol_mapper, config)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 12, 'middle name', 'openid-connect', 'oidc-usermodel-attribute-mapper',
        '{"access.token.claim":"true","claim.name":"middle_name","id.token.claim":"true","introspection.token.claim":"true","jsonType.label":"String","user.attribute":"middleName","userinfo.token.claim":"true"}'
    FROM client_scopes WHERE name = 'profile';
INSERT INTO client_scope_mappers (id, scope_id, position, name, protocol, protocol_mapper, config)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 13, 'updated at', 'openid-connect', 'oidc-usermodel-attribute-mapper',
        '{"access.token.claim":"true","claim.name":"updated_at","id.token.claim":"true","introspection.token.claim":"true","jsonType.label":"long","user.attribute":"updatedAt","userinfo.token.claim":"true"}'
    FROM client_scopes WHERE name = 'profile';
INSERT INTO realm_default_client_scopes (realm_id, scope_id, is_default, position)
    SELECT realm_id, id, 1, 4 FROM client_scopes WHERE name = 'profile';

INSERT INTO client_scopes (id, realm_id, name, description, protocol, attributes)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 'email', 'OpenID Connect built-in scope: email', 'openid-connect', '{"consent.screen.text":"${emailScopeConsentText}","display.on.consent.screen":"true","include.in.token.scope":"true"}'
    FROM realms;
INSERT INTO client_scope_mappers (id, scope_id, position, name, protocol, protocol_mapper, config)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 0, 'email verified', 'openid-connect', 'oidc-usermodel-property-mapper',
        '{"access.token.claim":"true","claim.name":"email_verified","id.token.claim":"true","introspection.token.claim":"true","jsonType.label":"boolean","user.attribute":"emailVerified","userinfo.token.claim":"true"}'
    FROM client_scopes WHERE name = 'email';
INSERT INTO client_scope_mappers (id, scope_id, position, name, protocol, protocol_mapper, config)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 1, 'email', 'openid-connect', 'oidc-usermodel-attribute-mapper',
        '{"access.token.claim":"true","claim.name":"email","id.token.claim":"true","introspection.token.claim":"true","jsonType.label":"String","user.attribute":"email","userinfo.token.claim":"true"}'
    FROM client_scopes WHERE name = 'email';
INSERT INTO realm_default_client_scopes (realm_id, scope_id, is_default, position)
    SELECT realm_id, id, 1, 5 FROM client_scopes WHERE name = 'email';

INSERT INTO client_scopes (id, realm_id, name, description, protocol, attributes)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 'roles', 'OpenID Connect scope for add user roles to the access token', 'openid-connect', '{"consent.screen.text":"${rolesScopeConsentText}","display.on.consent.screen":"true","include.in.token.scope":"false"}'
    FROM realms;
INSERT INTO client_scope_mappers (id, scope_id, position, name, protocol, protocol_mapper, config)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 0, 'audience resolve', 'openid-connect', 'oidc-audience-resolve-mapper',
        '{"access.token.claim":"true","introspection.token.claim":"true"}'
    FROM client_scopes WHERE name = 'roles';
INSERT INTO client_scope_mappers (id, scope_id, position, name, protocol, protocol_mapper, config)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 1, 'client roles', 'openid-connect', 'oidc-usermodel-client-role-mapper',
        '{"access.token.claim":"true","claim.name":"resource_access.${client_id}.roles","introspection.token.claim":"true","jsonType.label":"String","multivalued":"true","user.attribute":"foo"}'
    FROM client_scopes WHERE name = 'roles';
INSERT INTO client_scope_mappers (id, scope_id, position, name, protocol, protocol_mapper, config)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 2, 'realm roles', 'openid-connect', 'oidc-usermodel-realm-role-mapper',
        '{"access.token.claim":"true","claim.name":"realm_access.roles","introspection.token.claim":"true","jsonType.label":"String","multivalued":"true","user.attribute":"foo"}'
    FROM client_scopes WHERE name = 'roles';
INSERT INTO realm_default_client_scopes (realm_id, scope_id, is_default, position)
    SELECT realm_id, id, 1, 6 FROM client_scopes WHERE name = 'roles';

INSERT INTO client_scopes (id, realm_id, name, description, protocol, attributes)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 'web-origins', 'OpenID Connect scope for add allowed web origins to the access token', 'openid-connect', '{"consent.screen.text":"","display.on.consent.screen":"false","include.in.token.scope":"false"}'
    FROM realms;
INSERT INTO client_scope_mappers (id, scope_id, position, name, protocol, protocol_mapper, config)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 0, 'allowed web origins', 'openid-connect', 'oidc-allowed-origins-mapper',
        '{"access.token.claim":"true","introspection.token.claim":"true"}'
    FROM client_scopes WHERE name = 'web-origins';
INSERT INTO realm_default_client_scopes (realm_id, scope_id, is_default, position)
    SELECT realm_id, id, 1, 7 FROM client_scopes WHERE name = 'web-origins';

INSERT INTO client_scopes (id, realm_id, name, description, protocol, attributes)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 'acr', 'OpenID Connect scope for add acr (authentication context class reference) to the token', 'openid-connect', '{"display.on.consent.screen":"false","include.in.token.scope":"false"}'
    FROM realms;
INSERT INTO client_scope_mappers (id, scope_id, position, name, protocol, protocol_mapper, config)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 0, 'acr loa level', 'openid-connect', 'oidc-acr-mapper',
        '{"access.token.claim":"true","id.token.claim":"true","introspection.token.claim":"true"}'
    FROM client_scopes WHERE name = 'acr';
INSERT INTO realm_default_client_scopes (realm_id, scope_id, is_default, position)
    SELECT realm_id, id, 1, 8 FROM client_scopes WHERE name = 'acr';

INSERT INTO client_scopes (id, realm_id, name, description, protocol, attributes)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 'basic', 'OpenID Connect scope for add all basic claims to the token', 'openid-connect', '{"display.on.consent.screen":"false","include.in.token.scope":"false"}'
    FROM realms;
INSERT INTO client_scope_mappers (id, scope_id, position, name, protocol, protocol_mapper, config)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 0, 'sub', 'openid-connect', 'oidc-sub-mapper',
        '{"access.token.claim":"true","introspection.token.claim":"true"}'
    FROM client_scopes WHERE name = 'basic';
INSERT INTO client_scope_mappers (id, scope_id, position, name, protocol, protocol_mapper, config)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 1, 'auth_time', 'openid-connect', 'oidc-usersessionmodel-note-mapper',
        '{"access.token.claim":"true","claim.name":"auth_time","id.token.claim":"true","introspection.token.claim":"true","jsonType.label":"long","user.session.note":"AUTH_TIME"}'
    FROM client_scopes WHERE name = 'basic';
INSERT INTO realm_default_client_scopes (realm_id, scope_id, is_default, position)
    SELECT realm_id, id, 1, 9 FROM client_scopes WHERE name = 'basic';

INSERT INTO client_scopes (id, realm_id, name, description, protocol, attributes)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 'offline_access', 'OpenID Connect built-in scope: offline_access', 'openid-connect', '{"consent.screen.text":"${offlineAccessScopeConsentText}","display.on.consent.screen":"true"}'
    FROM realms;
INSERT INTO realm_default_client_scopes (realm_id, scope_id, is_default, position)
    SELECT realm_id, id, 0, 10 FROM client_scopes WHERE name = 'offline_access';

INSERT INTO client_scopes (id, realm_id, name, description, protocol, attributes)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 'address', 'OpenID Connect built-in scope: address', 'openid-connect', '{"consent.screen.text":"${addressScopeConsentText}","display.on.consent.screen":"true","include.in.token.scope":"true"}'
    FROM realms;
INSERT INTO client_scope_mappers (id, scope_id, position, name, protocol, protocol_mapper, config)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 0, 'address', 'openid-connect', 'oidc-address-mapper',
        '{"access.token.claim":"true","id.token.claim":"true","introspection.token.claim":"true","user.attribute.country":"country","user.attribute.formatted":"formatted","user.attribute.locality":"locality","user.attribute.postal_code":"postal_code","user.attribute.region":"region","user.attribute.street":"street","userinfo.token.claim":"true"}'
    FROM client_scopes WHERE name = 'address';
INSERT INTO realm_default_client_scopes (realm_id, scope_id, is_default, position)
    SELECT realm_id, id, 0, 11 FROM client_scopes WHERE name = 'address';

INSERT INTO client_scopes (id, realm_id, name, description, protocol, attributes)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 'phone', 'OpenID Connect built-in scope: phone', 'openid-connect', '{"consent.screen.text":"${phoneScopeConsentText}","display.on.consent.screen":"true","include.in.token.scope":"true"}'
    FROM realms;
INSERT INTO client_scope_mappers (id, scope_id, position, name, protocol, protocol_mapper, config)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 0, 'phone number', 'openid-connect', 'oidc-usermodel-attribute-mapper',
        '{"access.token.claim":"true","claim.name":"phone_number","id.token.claim":"true","introspection.token.claim":"true","jsonType.label":"String","user.attribute":"phoneNumber","userinfo.token.claim":"true"}'
    FROM client_scopes WHERE name = 'phone';
INSERT INTO client_scope_mappers (id, scope_id, position, name, protocol, protocol_mapper, config)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 1, 'phone number verified', 'openid-connect', 'oidc-usermodel-attribute-mapper',
        '{"access.token.claim":"true","claim.name":"phone_number_verified","id.token.claim":"true","introspection.token.claim":"true","jsonType.label":"boolean","user.attribute":"phoneNumberVerified","userinfo.token.claim":"true"}'
    FROM client_scopes WHERE name = 'phone';
INSERT INTO realm_default_client_scopes (realm_id, scope_id, is_default, position)
    SELECT realm_id, id, 0, 12 FROM client_scopes WHERE name = 'phone';

INSERT INTO client_scopes (id, realm_id, name, description, protocol, attributes)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 'microprofile-jwt', 'Microprofile - JWT built-in scope', 'openid-connect', '{"display.on.consent.screen":"false","include.in.token.scope":"true"}'
    FROM realms;
INSERT INTO client_scope_mappers (id, scope_id, position, name, protocol, protocol_mapper, config)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 0, 'upn', 'openid-connect', 'oidc-usermodel-attribute-mapper',
        '{"access.token.claim":"true","claim.name":"upn","id.token.claim":"true","introspection.token.claim":"true","jsonType.label":"String","user.attribute":"username","userinfo.token.claim":"true"}'
    FROM client_scopes WHERE name = 'microprofile-jwt';
INSERT INTO client_scope_mappers (id, scope_id, position, name, protocol, protocol_mapper, config)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 1, 'groups', 'openid-connect', 'oidc-usermodel-realm-role-mapper',
        '{"access.token.claim":"true","claim.name":"groups","id.token.claim":"true","introspection.token.claim":"true","jsonType.label":"String","multivalued":"true","user.attribute":"foo"}'
    FROM client_scopes WHERE name = 'microprofile-jwt';
INSERT INTO realm_default_client_scopes (realm_id, scope_id, is_default, position)
    SELECT realm_id, id, 0, 13 FROM client_scopes WHERE name = 'microprofile-jwt';

INSERT INTO client_scopes (id, realm_id, name, description, protocol, attributes)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 'organization', 'Additional claims about the organization a subject belongs to', 'openid-connect', '{"consent.screen.text":"${organizationScopeConsentText}","display.on.consent.screen":"true","include.in.token.scope":"true"}'
    FROM realms;
INSERT INTO client_scope_mappers (id, scope_id, position, name, protocol, protocol_mapper, config)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 0, 'organization', 'openid-connect', 'oidc-organization-membership-mapper',
        '{"access.token.claim":"true","claim.name":"organization","id.token.claim":"true","introspection.token.claim":"true","jsonType.label":"String","multivalued":"true"}'
    FROM client_scopes WHERE name = 'organization';
INSERT INTO realm_default_client_scopes (realm_id, scope_id, is_default, position)
    SELECT realm_id, id, 0, 14 FROM client_scopes WHERE name = 'organization';

INSERT INTO client_scopes (id, realm_id, name, description, protocol, attributes)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 'service_account', 'Specific scope for a client enabled for service accounts', 'openid-connect', '{"display.on.consent.screen":"false","include.in.token.scope":"false"}'
    FROM realms;
INSERT INTO client_scope_mappers (id, scope_id, position, name, protocol, protocol_mapper, config)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 0, 'Client Host', 'openid-connect', 'oidc-usersessionmodel-note-mapper',
        '{"access.token.claim":"true","claim.name":"clientHost","id.token.claim":"true","introspection.token.claim":"true","jsonType.label":"String","user.session.note":"clientHost"}'
    FROM client_scopes WHERE name = 'service_account';
INSERT INTO client_scope_mappers (id, scope_id, position, name, protocol, protocol_mapper, config)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 1, 'Client ID', 'openid-connect', 'oidc-usersessionmodel-note-mapper',
        '{"access.token.claim":"true","claim.name":"client_id","id.token.claim":"true","introspection.token.claim":"true","jsonType.label":"String","user.session.note":"client_id"}'
    FROM client_scopes WHERE name = 'service_account';
INSERT INTO client_scope_mappers (id, scope_id, position, name, protocol, protocol_mapper, config)
    SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        id, 2, 'Client IP Address', 'openid-connect', 'oidc-usersessionmodel-note-mapper',
        '{"access.token.claim":"true","claim.name":"clientAddress","id.token.claim":"true","introspection.token.claim":"true","jsonType.label":"String","user.session.note":"clientAddress"}'
    FROM client_scopes WHERE name = 'service_account';
