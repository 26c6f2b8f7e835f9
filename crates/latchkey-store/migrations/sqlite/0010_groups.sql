-- Groups (Keycloak: KEYCLOAK_GROUP + GROUP_ATTRIBUTE, GROUP_ROLE_MAPPING,
-- USER_GROUP_MEMBERSHIP, REALM_DEFAULT_GROUPS). Keep in step with ../postgres/0010_groups.sql.
--
-- A group's members hold the roles mapped to it and to every group above it. Deleting a
-- group cascades to the groups below it (`parent_id`), and with them to their
-- memberships, role mappings and default-group entries; deleting a user or a role
-- cascades to their memberships and mappings. Names are unique among siblings, compared
-- byte by byte (Keycloak: `Parent` may stand beside `parent`); as for roles, the top
-- level and each parent get their own partial unique index, because NULLs are distinct.
-- `attributes` is JSON text, `{name: [values]}`. Not `groups`: that is a keyword.
CREATE TABLE realm_groups (
    id          TEXT PRIMARY KEY,
    realm_id    TEXT NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    parent_id   TEXT REFERENCES realm_groups (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    description TEXT,
    attributes  TEXT NOT NULL
);
CREATE INDEX realm_groups_realm ON realm_groups (realm_id);
CREATE UNIQUE INDEX realm_groups_top_name ON realm_groups (realm_id, name)
    WHERE parent_id IS NULL;
CREATE UNIQUE INDEX realm_groups_child_name ON realm_groups (parent_id, name)
    WHERE parent_id IS NOT NULL;

CREATE TABLE group_roles (
    group_id TEXT NOT NULL REFERENCES realm_groups (id) ON DELETE CASCADE,
    role_id  TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, role_id)
);
CREATE INDEX group_roles_role ON group_roles (role_id);

CREATE TABLE user_groups (
    user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    group_id TEXT NOT NULL REFERENCES realm_groups (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, group_id)
);
CREATE INDEX user_groups_group ON user_groups (group_id);

-- The groups new users join; `position` keeps the order they were added in.
CREATE TABLE default_groups (
    realm_id TEXT NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    group_id TEXT NOT NULL REFERENCES realm_groups (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    PRIMARY KEY (realm_id, group_id)
);
