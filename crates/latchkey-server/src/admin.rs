//! Keycloak's Admin REST API under `{base}/admin/realms` (`spec/keycloak-protocol.md` §5,
//! `services/.../resources/admin/`): realms, users, role mappings, realm and client
//! roles, clients, sessions and brute-force records, one file per resource. Every handler
//! takes an `AdminRealm<P>` (`auth.rs`) first: the caller authenticated, the realm found,
//! permission `P` checked, before the handler runs; the route table reads `P` from the
//! handler's type for the OpenAPI document. Handlers parse, call `crate::manage` (the
//! changes, shared with the console) and write Keycloak's representations.

pub(crate) mod attack_detection;
pub(crate) mod auth;
pub(crate) mod client_roles;
pub(crate) mod clients;
mod composites;
mod fields;
mod groups;
mod java;
mod java_types;
mod keys;
mod offline_sessions;
mod openapi;
pub(crate) mod realms;
pub(crate) mod request;
pub(crate) mod role_mappings;
pub(crate) mod roles;
pub(crate) mod sessions;
pub(crate) mod users;

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use latchkey_core::representation::{
    ClientRepresentation, ComponentRepresentation, CredentialRepresentation, GroupRepresentation,
    RealmRepresentation, RoleRepresentation, UserRepresentation,
};
use serde_json::Value;

use crate::extract::Caller;
use crate::state::AppState;
use fields::KnownFields;
use openapi::{
    Api, BruteForceStatus, ClientSessionStat, Endpoint, GroupCount, KeysMetadataRepresentation,
    MappingsRepresentation, SessionCount, UserSessionRepresentation, op,
};

const PAGE: &[(&str, &str)] = &[("first", "integer"), ("max", "integer")];
const USER_SEARCH: &[(&str, &str)] = &[
    ("search", "string"),
    ("username", "string"),
    ("email", "string"),
    ("firstName", "string"),
    ("lastName", "string"),
    ("exact", "boolean"),
    ("enabled", "boolean"),
    ("emailVerified", "boolean"),
    ("q", "string"),
    ("first", "integer"),
    ("max", "integer"),
    ("briefRepresentation", "boolean"),
];
const USER_COUNT: &[(&str, &str)] = &[
    ("search", "string"),
    ("username", "string"),
    ("email", "string"),
    ("firstName", "string"),
    ("lastName", "string"),
    ("exact", "boolean"),
    ("enabled", "boolean"),
    ("emailVerified", "boolean"),
    ("q", "string"),
];
const GROUP_SEARCH: &[(&str, &str)] = &[
    ("search", "string"),
    ("q", "string"),
    ("exact", "boolean"),
    ("first", "integer"),
    ("max", "integer"),
    ("briefRepresentation", "boolean"),
    ("populateHierarchy", "boolean"),
    ("subGroupsCount", "boolean"),
];
const CHILD_SEARCH: &[(&str, &str)] = &[
    ("search", "string"),
    ("exact", "boolean"),
    ("first", "integer"),
    ("max", "integer"),
    ("briefRepresentation", "boolean"),
    ("subGroupsCount", "boolean"),
];
const BRIEF_PAGE: &[(&str, &str)] =
    &[("first", "integer"), ("max", "integer"), ("briefRepresentation", "boolean")];
const BRIEF: &[(&str, &str)] = &[("briefRepresentation", "boolean")];
const SEARCH_PAGE: &[(&str, &str)] =
    &[("search", "string"), ("first", "integer"), ("max", "integer")];
const ROLE_SEARCH: &[(&str, &str)] = &[
    ("search", "string"),
    ("first", "integer"),
    ("max", "integer"),
    ("briefRepresentation", "boolean"),
];
const COMPONENT_SEARCH: &[(&str, &str)] =
    &[("type", "string"), ("parent", "string"), ("name", "string")];
const CLIENT_SEARCH: &[(&str, &str)] =
    &[("clientId", "string"), ("search", "boolean"), ("first", "integer"), ("max", "integer")];

/// Every Admin API route, relative to `{base}`, each with its OpenAPI description, and
/// `GET {base}/admin/openapi.json` serving the document they make.
pub fn routes() -> Router<AppState> {
    let (router, document) = api().finish();
    let document = Arc::new(document);
    router.route(
        "/admin/openapi.json",
        get(move |State(_): State<AppState>, caller: Caller| {
            let document = Arc::clone(&document);
            async move { openapi_json(&document, &caller) }
        }),
    )
}

/// The document with `servers` naming this server's base URL as the caller reached it.
fn openapi_json(document: &Value, caller: &Caller) -> Response {
    let mut document = document.clone();
    if let Value::Object(fields) = &mut document {
        fields.insert("servers".into(), serde_json::json!([{"url": caller.base_url}]));
    }
    Json(document).into_response()
}

fn api() -> Api {
    use Endpoint as E;
    Api::new()
        .route(
            "/admin/realms",
            E::new()
                .get(
                    realms::list_realms,
                    op("Realms", "List the realms the caller may see")
                        .query(&[("briefRepresentation", "boolean")])
                        .returns_list::<RealmRepresentation>(),
                )
                .post(
                    realms::post_realm,
                    op("Realms", "Create a realm, also from a full realm export")
                        .body_requiring::<RealmRepresentation>(&["realm", "users?", "clients?", "roles?"])
                        .closed(RealmRepresentation::REPRESENTATION)
                        .created(),
                ),
        )
        .route(
            "/admin/realms/{realm}",
            E::new()
                .get(
                    realms::get_realm,
                    op("Realms", "Get a realm").returns::<RealmRepresentation>(),
                )
                .put(
                    realms::put_realm,
                    op("Realms", "Update a realm's settings")
                        .body::<RealmRepresentation>()
                        .closed(RealmRepresentation::REPRESENTATION)
                        .ignoring(realms::REALM_FILE_PARTS)
                        .conflicts(),
                )
                .delete(realms::delete_realm, op("Realms", "Delete a realm")),
        )
        .route(
            "/admin/realms/{realm}/users",
            E::new()
                .get(
                    users::list_users,
                    op("Users", "Search users")
                        .query(USER_SEARCH)
                        .returns_list::<UserRepresentation>(),
                )
                .post(
                    users::post_user,
                    op("Users", "Create a user")
                        .body_requiring::<UserRepresentation>(&["username"])
                        .closed(UserRepresentation::REPRESENTATION)
                        .created(),
                ),
        )
        .route(
            "/admin/realms/{realm}/users/count",
            E::new().get(
                users::count_users,
                op("Users", "Count users").query(USER_COUNT).returns::<u64>(),
            ),
        )
        .route(
            "/admin/realms/{realm}/users/{id}",
            E::new()
                .get(users::get_user, op("Users", "Get a user").returns::<UserRepresentation>())
                .put(
                    users::put_user,
                    op("Users", "Update a user")
                        .body_requiring::<UserRepresentation>(&["username~?"])
                        .closed(UserRepresentation::REPRESENTATION)
                        .conflicts(),
                )
                .delete(users::delete_user, op("Users", "Delete a user")),
        )
        .route(
            "/admin/realms/{realm}/users/{id}/reset-password",
            E::new().put(
                users::put_reset_password,
                op("Users", "Set a user's password")
                    .body_requiring::<CredentialRepresentation>(&["value"])
                        .closed(CredentialRepresentation::REPRESENTATION),
            ),
        )
        .route(
            "/admin/realms/{realm}/users/{id}/sessions",
            E::new().get(
                sessions::list_user_sessions,
                op("Users", "A user's sessions").returns_list::<UserSessionRepresentation>(),
            ),
        )
        .route(
            "/admin/realms/{realm}/users/{id}/offline-sessions/{client}",
            E::new().get(
                offline_sessions::list_user_offline_sessions,
                op("Users", "A user's offline sessions of one client")
                    .returns_list::<UserSessionRepresentation>(),
            ),
        )
        .route(
            "/admin/realms/{realm}/users/{id}/logout",
            E::new().post(sessions::post_user_logout, op("Users", "End every session of a user")),
        )
        .route(
            "/admin/realms/{realm}/users/{id}/credentials",
            E::new().get(
                users::list_credentials,
                op("Users", "A user's credentials, without secrets")
                    .returns_list::<CredentialRepresentation>(),
            ),
        )
        .route(
            "/admin/realms/{realm}/users/{id}/credentials/{credential}",
            E::new().delete(
                users::delete_credential,
                op("Users", "Delete one of a user's credentials"),
            ),
        )
        .route(
            "/admin/realms/{realm}/users/{id}/credentials/{credential}/userLabel",
            E::new().put(
                users::put_credential_label,
                op("Users", "Name a credential (the body is the label, as text/plain)")
                    .text_body(),
            ),
        )
        .route(
            "/admin/realms/{realm}/users/{id}/credentials/{credential}/moveToFirst",
            E::new().post(
                users::post_credential_first,
                op("Users", "Put a credential first in the user's list"),
            ),
        )
        .route(
            "/admin/realms/{realm}/users/{id}/credentials/{credential}/moveAfter/{after}",
            E::new().post(
                users::post_credential_after,
                op("Users", "Put a credential right after another of the user's"),
            ),
        )
        .route(
            "/admin/realms/{realm}/users/{id}/configured-user-storage-credential-types",
            E::new().get(
                users::list_storage_credential_types,
                op("Users", "Credential types of the user's federation link (none)")
                    .returns_list::<String>(),
            ),
        )
        .route(
            "/admin/realms/{realm}/users/{id}/groups",
            E::new().get(
                groups::list_user_groups,
                op("Users", "The groups a user is a member of")
                    .query(&[
                        ("search", "string"),
                        ("first", "integer"),
                        ("max", "integer"),
                        ("briefRepresentation", "boolean"),
                    ])
                    .returns_list::<GroupRepresentation>(),
            ),
        )
        .route(
            "/admin/realms/{realm}/users/{id}/groups/count",
            E::new().get(
                groups::count_user_groups,
                op("Users", "How many groups a user is a member of")
                    .query(&[("search", "string")])
                    .returns::<GroupCount>(),
            ),
        )
        .route(
            "/admin/realms/{realm}/users/{id}/groups/{group}",
            E::new()
                .put(groups::put_user_group, op("Users", "Make a user a member of a group"))
                .delete(groups::delete_user_group, op("Users", "Take a user out of a group")),
        )
        .route(
            "/admin/realms/{realm}/users/{id}/role-mappings",
            E::new().get(
                role_mappings::get_role_mappings,
                op("Role mappings", "A user's realm and client role mappings")
                    .returns::<MappingsRepresentation>(),
            ),
        )
        .route(
            "/admin/realms/{realm}/users/{id}/role-mappings/realm",
            E::new()
                .get(
                    role_mappings::list_realm_mappings,
                    op("Role mappings", "A user's realm roles")
                        .returns_list::<RoleRepresentation>(),
                )
                .post(
                    role_mappings::post_realm_mappings,
                    op("Role mappings", "Grant realm roles").body_list::<RoleRepresentation>(),
                )
                .delete(
                    role_mappings::delete_realm_mappings,
                    op("Role mappings", "Take realm roles away")
                        .body_list::<RoleRepresentation>()
                        .body_optional(),
                ),
        )
        .route(
            "/admin/realms/{realm}/users/{id}/role-mappings/realm/available",
            E::new().get(
                role_mappings::list_available_realm_roles,
                op("Role mappings", "Realm roles the user could be granted")
                    .returns_list::<RoleRepresentation>(),
            ),
        )
        .route(
            "/admin/realms/{realm}/users/{id}/role-mappings/realm/composite",
            E::new().get(
                role_mappings::list_composite_realm_roles,
                op(
                    "Role mappings",
                    "A user's effective realm roles, through groups and composites",
                )
                .query(BRIEF)
                .returns_list::<RoleRepresentation>(),
            ),
        )
        .route(
            "/admin/realms/{realm}/users/{id}/role-mappings/clients/{client}",
            E::new()
                .get(
                    role_mappings::list_client_mappings,
                    op("Role mappings", "A user's roles of one client")
                        .returns_list::<RoleRepresentation>(),
                )
                .post(
                    role_mappings::post_client_mappings,
                    op("Role mappings", "Grant client roles").body_list::<RoleRepresentation>(),
                )
                .delete(
                    role_mappings::delete_client_mappings,
                    op("Role mappings", "Take client roles away")
                        .body_list::<RoleRepresentation>()
                        .body_optional(),
                ),
        )
        .route(
            "/admin/realms/{realm}/users/{id}/role-mappings/clients/{client}/available",
            E::new().get(
                role_mappings::list_available_client_roles,
                op("Role mappings", "Client roles the user could be granted")
                    .returns_list::<RoleRepresentation>(),
            ),
        )
        .route(
            "/admin/realms/{realm}/users/{id}/role-mappings/clients/{client}/composite",
            E::new().get(
                role_mappings::list_composite_client_roles,
                op("Role mappings", "A user's effective roles of one client")
                    .query(BRIEF)
                    .returns_list::<RoleRepresentation>(),
            ),
        )
        .route(
            "/admin/realms/{realm}/groups",
            E::new()
                .get(
                    groups::list_groups,
                    op(
                        "Groups",
                        "Top-level groups, or the groups a search finds in their hierarchy",
                    )
                    .query(GROUP_SEARCH)
                    .returns_list::<GroupRepresentation>(),
                )
                .post(
                    groups::post_group,
                    op("Groups", "Create a top-level group, or move a group (by id) to the top")
                        .body::<GroupRepresentation>()
                        .closed(GroupRepresentation::REPRESENTATION)
                        .created(),
                ),
        )
        .route(
            "/admin/realms/{realm}/groups/count",
            E::new().get(
                groups::count_groups,
                op("Groups", "How many groups there are (all, top-level, or matching a search)")
                    .query(&[("search", "string"), ("top", "boolean")])
                    .returns::<GroupCount>(),
            ),
        )
        .route(
            "/admin/realms/{realm}/groups/{id}",
            E::new()
                .get(
                    groups::get_group,
                    op("Groups", "Get a group").returns::<GroupRepresentation>(),
                )
                .put(
                    groups::put_group,
                    op("Groups", "Rename a group, set its description and attributes")
                        .body_requiring::<GroupRepresentation>(&["name!"])
                        .closed(GroupRepresentation::REPRESENTATION)
                        .conflicts(),
                )
                .delete(groups::delete_group, op("Groups", "Delete a group and its subgroups")),
        )
        .route(
            "/admin/realms/{realm}/groups/{id}/children",
            E::new()
                .get(
                    groups::list_children,
                    op("Groups", "A group's subgroups")
                        .query(CHILD_SEARCH)
                        .returns_list::<GroupRepresentation>(),
                )
                .post(
                    groups::post_child,
                    op("Groups", "Create a subgroup, or move a group (by id) under this one")
                        .body::<GroupRepresentation>()
                        .closed(GroupRepresentation::REPRESENTATION)
                        .created(),
                ),
        )
        .route(
            "/admin/realms/{realm}/groups/{id}/members",
            E::new().get(
                groups::list_members,
                op("Groups", "A group's direct members")
                    .query(BRIEF_PAGE)
                    .returns_list::<UserRepresentation>(),
            ),
        )
        .route(
            "/admin/realms/{realm}/groups/{id}/role-mappings",
            E::new().get(
                role_mappings::get_group_role_mappings,
                op("Groups", "A group's realm and client role mappings")
                    .returns::<MappingsRepresentation>(),
            ),
        )
        .route(
            "/admin/realms/{realm}/groups/{id}/role-mappings/realm",
            E::new()
                .get(
                    role_mappings::list_group_realm_mappings,
                    op("Groups", "A group's realm roles").returns_list::<RoleRepresentation>(),
                )
                .post(
                    role_mappings::post_group_realm_mappings,
                    op("Groups", "Map realm roles to a group").body_list::<RoleRepresentation>(),
                )
                .delete(
                    role_mappings::delete_group_realm_mappings,
                    op("Groups", "Take realm roles from a group").body_list::<RoleRepresentation>(),
                ),
        )
        .route(
            "/admin/realms/{realm}/groups/{id}/role-mappings/realm/available",
            E::new().get(
                role_mappings::list_group_available_realm_roles,
                op("Groups", "Realm roles not mapped to the group")
                    .returns_list::<RoleRepresentation>(),
            ),
        )
        .route(
            "/admin/realms/{realm}/groups/{id}/role-mappings/realm/composite",
            E::new().get(
                role_mappings::list_group_composite_realm_roles,
                op(
                    "Groups",
                    "A group's effective realm roles, through the groups above and composites",
                )
                .query(BRIEF)
                .returns_list::<RoleRepresentation>(),
            ),
        )
        .route(
            "/admin/realms/{realm}/groups/{id}/role-mappings/clients/{client}",
            E::new()
                .get(
                    role_mappings::list_group_client_mappings,
                    op("Groups", "A group's roles of one client")
                        .returns_list::<RoleRepresentation>(),
                )
                .post(
                    role_mappings::post_group_client_mappings,
                    op("Groups", "Map client roles to a group").body_list::<RoleRepresentation>(),
                )
                .delete(
                    role_mappings::delete_group_client_mappings,
                    op("Groups", "Take client roles from a group")
                        .body_list::<RoleRepresentation>(),
                ),
        )
        .route(
            "/admin/realms/{realm}/groups/{id}/role-mappings/clients/{client}/available",
            E::new().get(
                role_mappings::list_group_available_client_roles,
                op("Groups", "A client's roles not mapped to the group")
                    .returns_list::<RoleRepresentation>(),
            ),
        )
        .route(
            "/admin/realms/{realm}/groups/{id}/role-mappings/clients/{client}/composite",
            E::new().get(
                role_mappings::list_group_composite_client_roles,
                op("Groups", "A group's effective roles of one client")
                    .query(BRIEF)
                    .returns_list::<RoleRepresentation>(),
            ),
        )
        .route(
            "/admin/realms/{realm}/group-by-path/{*path}",
            E::new().get(
                groups::get_group_by_path,
                op("Groups", "Get a group by its path").returns::<GroupRepresentation>(),
            ),
        )
        .route(
            "/admin/realms/{realm}/default-groups",
            E::new().get(
                groups::list_default_groups,
                op("Groups", "The groups new users join").returns_list::<GroupRepresentation>(),
            ),
        )
        .route(
            "/admin/realms/{realm}/default-groups/{group}",
            E::new()
                .put(groups::put_default_group, op("Groups", "Make a group a default group"))
                .delete(
                    groups::delete_default_group,
                    op("Groups", "Make a group no longer a default group"),
                ),
        )
        .route(
            "/admin/realms/{realm}/roles-by-id/{role}",
            E::new()
                .get(
                    composites::get_role_by_id,
                    op("Roles (by id)", "Get a realm or client role by id")
                        .returns::<RoleRepresentation>(),
                )
                .put(
                    composites::put_role_by_id,
                    op("Roles (by id)", "Update a role by id")
                        .body::<RoleRepresentation>()
                        .closed(RoleRepresentation::REPRESENTATION)
                        .conflicts(),
                )
                .delete(composites::delete_role_by_id, op("Roles (by id)", "Delete a role by id")),
        )
        .route(
            "/admin/realms/{realm}/roles-by-id/{role}/composites",
            E::new()
                .get(
                    composites::list_by_id_composites,
                    op("Roles (by id)", "A role's composites")
                        .query(SEARCH_PAGE)
                        .returns_list::<RoleRepresentation>(),
                )
                .post(
                    composites::post_by_id_composites,
                    op("Roles (by id)", "Add composites to a role (by id)")
                        .body_list::<RoleRepresentation>(),
                )
                .delete(
                    composites::delete_by_id_composites,
                    op("Roles (by id)", "Remove composites from a role (by id)")
                        .body_list::<RoleRepresentation>(),
                ),
        )
        .route(
            "/admin/realms/{realm}/roles-by-id/{role}/composites/realm",
            E::new().get(
                composites::list_by_id_realm_composites,
                op("Roles (by id)", "A role's realm-role composites")
                    .query(SEARCH_PAGE)
                    .returns_list::<RoleRepresentation>(),
            ),
        )
        .route(
            "/admin/realms/{realm}/roles-by-id/{role}/composites/clients/{client}",
            E::new().get(
                composites::list_by_id_client_composites,
                op("Roles (by id)", "A role's composites among one client's roles")
                    .query(SEARCH_PAGE)
                    .returns_list::<RoleRepresentation>(),
            ),
        )
        .route(
            "/admin/realms/{realm}/roles",
            E::new()
                .get(
                    roles::list_roles,
                    op("Roles", "List realm roles")
                        .query(ROLE_SEARCH)
                        .returns_list::<RoleRepresentation>(),
                )
                .post(
                    roles::post_role,
                    op("Roles", "Create a realm role")
                        .body_requiring::<RoleRepresentation>(&["name"])
                        .closed(RoleRepresentation::REPRESENTATION)
                        .created(),
                ),
        )
        .route(
            "/admin/realms/{realm}/keys",
            E::new().get(
                keys::get_keys,
                op("Keys", "The realm's keys and which one is active per algorithm")
                    .returns::<KeysMetadataRepresentation>(),
            ),
        )
        .route(
            "/admin/realms/{realm}/components",
            E::new()
                .get(
                    keys::list_components,
                    op("Keys", "The realm's key providers (providerType org.keycloak.keys.KeyProvider)")
                        .query(COMPONENT_SEARCH)
                        .returns_list::<ComponentRepresentation>(),
                )
                .post(
                    keys::post_component,
                    op(
                        "Keys",
                        "Add a key provider: rsa-generated, rsa, ecdsa-generated, eddsa-generated or hmac-generated",
                    )
                    .body_requiring::<ComponentRepresentation>(&[
                        "providerId",
                        "providerType",
                        "config?",
                    ])
                    .created(),
                ),
        )
        .route(
            "/admin/realms/{realm}/components/{id}",
            E::new()
                .get(
                    keys::get_component,
                    op("Keys", "Get a key provider").returns::<ComponentRepresentation>(),
                )
                .put(
                    keys::put_component,
                    op("Keys", "Update a key provider's settings (priority, enabled, active, ...)")
                        .body::<ComponentRepresentation>(),
                )
                .delete(keys::delete_component, op("Keys", "Delete a key provider and its key")),
        )
        .route(
            "/admin/realms/{realm}/roles/{role}",
            E::new()
                .get(
                    roles::get_role,
                    op("Roles", "Get a realm role").returns::<RoleRepresentation>(),
                )
                .put(
                    roles::put_role,
                    op("Roles", "Update a realm role").body_requiring::<RoleRepresentation>(&["name"])
                        .closed(RoleRepresentation::REPRESENTATION).conflicts(),
                )
                .delete(roles::delete_role, op("Roles", "Delete a realm role")),
        )
        .route(
            "/admin/realms/{realm}/roles/{role}/composites",
            E::new()
                .get(
                    composites::list_realm_role_composites,
                    op("Roles", "A realm role's composites")
                        .query(SEARCH_PAGE)
                        .returns_list::<RoleRepresentation>(),
                )
                .post(
                    composites::post_realm_role_composites,
                    op("Roles", "Add composites to a realm role (by id)")
                        .body_list::<RoleRepresentation>(),
                )
                .delete(
                    composites::delete_realm_role_composites,
                    op("Roles", "Remove composites from a realm role (by id)")
                        .body_list::<RoleRepresentation>(),
                ),
        )
        .route(
            "/admin/realms/{realm}/roles/{role}/composites/realm",
            E::new().get(
                composites::list_realm_role_realm_composites,
                op("Roles", "A realm role's realm-role composites")
                    .returns_list::<RoleRepresentation>(),
            ),
        )
        .route(
            "/admin/realms/{realm}/roles/{role}/composites/clients/{client}",
            E::new().get(
                composites::list_realm_role_client_composites,
                op("Roles", "A realm role's composites among one client's roles")
                    .returns_list::<RoleRepresentation>(),
            ),
        )
        .route(
            "/admin/realms/{realm}/roles/{role}/groups",
            E::new().get(
                groups::list_role_groups,
                op("Roles", "Groups a realm role is mapped to directly")
                    .query(BRIEF_PAGE)
                    .returns_list::<GroupRepresentation>(),
            ),
        )
        .route(
            "/admin/realms/{realm}/roles/{role}/users",
            E::new().get(
                roles::list_role_users,
                op("Roles", "Users granted a realm role directly")
                    .query(PAGE)
                    .returns_list::<UserRepresentation>(),
            ),
        )
        .route(
            "/admin/realms/{realm}/clients",
            E::new()
                .get(
                    clients::list_clients,
                    op("Clients", "List clients")
                        .query(CLIENT_SEARCH)
                        .returns_list::<ClientRepresentation>(),
                )
                .post(
                    clients::post_client,
                    op("Clients", "Create a client (without a clientId, the new id is its clientId)")
                        .body::<ClientRepresentation>()
                        .closed(ClientRepresentation::REPRESENTATION)
                        .created(),
                ),
        )
        .route(
            "/admin/realms/{realm}/clients/{id}",
            E::new()
                .get(
                    clients::get_client,
                    op("Clients", "Get a client").returns::<ClientRepresentation>(),
                )
                .put(
                    clients::put_client,
                    op("Clients", "Update a client").body::<ClientRepresentation>()
                        .closed(ClientRepresentation::REPRESENTATION).conflicts(),
                )
                .delete(clients::delete_client, op("Clients", "Delete a client")),
        )
        .route(
            "/admin/realms/{realm}/clients/{id}/client-secret",
            E::new()
                .get(
                    clients::get_client_secret,
                    op("Clients", "A confidential client's secret")
                        .returns::<CredentialRepresentation>(),
                )
                .post(
                    clients::post_client_secret,
                    op("Clients", "Generate a new secret").returns::<CredentialRepresentation>(),
                ),
        )
        .route(
            "/admin/realms/{realm}/clients/{id}/roles",
            E::new()
                .get(
                    client_roles::list_client_roles,
                    op("Client roles", "List a client's roles")
                        .query(ROLE_SEARCH)
                        .returns_list::<RoleRepresentation>(),
                )
                .post(
                    client_roles::post_client_role,
                    op("Client roles", "Create a client role")
                        .body_requiring::<RoleRepresentation>(&["name"])
                        .closed(RoleRepresentation::REPRESENTATION)
                        .created(),
                ),
        )
        .route(
            "/admin/realms/{realm}/clients/{id}/roles/{role}",
            E::new()
                .get(
                    client_roles::get_client_role,
                    op("Client roles", "Get a client role").returns::<RoleRepresentation>(),
                )
                .put(
                    client_roles::put_client_role,
                    op("Client roles", "Update a client role")
                        .body_requiring::<RoleRepresentation>(&["name"])
                        .closed(RoleRepresentation::REPRESENTATION)
                        .conflicts(),
                )
                .delete(
                    client_roles::delete_client_role,
                    op("Client roles", "Delete a client role"),
                ),
        )
        .route(
            "/admin/realms/{realm}/clients/{id}/roles/{role}/groups",
            E::new().get(
                groups::list_client_role_groups,
                op("Client roles", "Groups a client role is mapped to directly")
                    .query(BRIEF_PAGE)
                    .returns_list::<GroupRepresentation>(),
            ),
        )
        .route(
            "/admin/realms/{realm}/clients/{id}/roles/{role}/users",
            E::new().get(
                client_roles::list_client_role_users,
                op("Client roles", "Users granted a client role directly")
                    .query(PAGE)
                    .returns_list::<UserRepresentation>(),
            ),
        )
        .route(
            "/admin/realms/{realm}/clients/{id}/roles/{role}/composites",
            E::new()
                .get(
                    composites::list_client_role_composites,
                    op("Client roles", "A client role's composites")
                        .returns_list::<RoleRepresentation>(),
                )
                .post(
                    composites::post_client_role_composites,
                    op("Client roles", "Add composites to a client role (by id)")
                        .body_list::<RoleRepresentation>(),
                )
                .delete(
                    composites::delete_client_role_composites,
                    op("Client roles", "Remove composites from a client role (by id)")
                        .body_list::<RoleRepresentation>(),
                ),
        )
        .route(
            "/admin/realms/{realm}/clients/{id}/user-sessions",
            E::new().get(
                sessions::list_client_sessions,
                op("Sessions", "Sessions of one client")
                    .query(PAGE)
                    .returns_list::<UserSessionRepresentation>(),
            ),
        )
        .route(
            "/admin/realms/{realm}/clients/{id}/offline-sessions",
            E::new().get(
                offline_sessions::list_client_offline_sessions,
                op("Sessions", "Offline sessions of one client")
                    .query(PAGE)
                    .returns_list::<UserSessionRepresentation>(),
            ),
        )
        .route(
            "/admin/realms/{realm}/clients/{id}/session-count",
            E::new().get(
                offline_sessions::get_session_count,
                op("Sessions", "How many online sessions a client has").returns::<SessionCount>(),
            ),
        )
        .route(
            "/admin/realms/{realm}/clients/{id}/offline-session-count",
            E::new().get(
                offline_sessions::get_offline_session_count,
                op("Sessions", "How many offline sessions a client has").returns::<SessionCount>(),
            ),
        )
        .route(
            "/admin/realms/{realm}/client-session-stats",
            E::new().get(
                offline_sessions::get_client_session_stats,
                op("Sessions", "Online and offline session counts of every client with sessions")
                    .returns_list::<ClientSessionStat>(),
            ),
        )
        .route(
            "/admin/realms/{realm}/clients/{id}/service-account-user",
            E::new().get(
                clients::get_service_account_user,
                op("Clients", "The user behind a client's service account")
                    .returns::<UserRepresentation>()
                    .refuses(&[("400", "The client has no service account")]),
            ),
        )
        .route(
            "/admin/realms/{realm}/sessions/{session}",
            E::new().delete(sessions::delete_session, op("Sessions", "End one session")),
        )
        .route(
            "/admin/realms/{realm}/logout-all",
            E::new().post(
                sessions::post_logout_all,
                op("Sessions", "End every session of the realm")
                    .returns::<serde_json::Map<String, Value>>(),
            ),
        )
        .route(
            "/admin/realms/{realm}/clear-realm-cache",
            E::new().post(
                realms::post_clear_realm_cache,
                op("Realms", "Drop the realm's cached settings, clients, roles and keys"),
            ),
        )
        .route(
            "/admin/realms/{realm}/clear-user-cache",
            E::new().post(
                realms::post_clear_user_cache,
                op("Realms", "Clear the user cache (latchkey caches no users)"),
            ),
        )
        .route(
            "/admin/realms/{realm}/clear-keys-cache",
            E::new().post(
                realms::post_clear_keys_cache,
                op("Realms", "Drop the realm's cached keys"),
            ),
        )
        .route(
            "/admin/realms/{realm}/attack-detection/brute-force/users",
            E::new().delete(
                attack_detection::delete_all_user_status,
                op("Attack detection", "Clear every brute-force record of the realm"),
            ),
        )
        .route(
            "/admin/realms/{realm}/attack-detection/brute-force/users/{user}",
            E::new()
                .get(
                    attack_detection::get_user_status,
                    op("Attack detection", "A user's brute-force record")
                        .returns::<BruteForceStatus>(),
                )
                .delete(
                    attack_detection::delete_user_status,
                    op("Attack detection", "Clear a user's brute-force record, lifting a lockout"),
                ),
        )
}
