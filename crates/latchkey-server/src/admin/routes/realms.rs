//! Routes of realms and what hangs off a realm as a whole: the realm itself, its keys
//! and key providers, its sessions, caches and brute-force records.

use latchkey_core::representation::{
    ComponentRepresentation, PartialImportRepresentation, PartialImportResults, RealmRepresentation,
};
use serde_json::Value;

use super::COMPONENT_SEARCH;
use crate::admin::fields::KnownFields;
use crate::admin::openapi::{
    Api, BruteForceStatus, ClientSessionStat, Endpoint, KeysMetadataRepresentation, op,
};
use crate::admin::{attack_detection, keys, offline_sessions, realms, sessions};

pub(super) fn add(api: Api) -> Api {
    use Endpoint as E;
    api
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
        "/admin/realms/{realm}/client-session-stats",
        E::new().get(
            offline_sessions::get_client_session_stats,
            op("Sessions", "Online and offline session counts of every client with sessions")
                .returns_list::<ClientSessionStat>(),
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
        "/admin/realms/{realm}/partialImport",
        E::new().post(
            realms::post_partial_import,
            op(
                "Realms",
                "Add a realm file's clients, roles, groups, users and identity providers",
            )
            .body::<PartialImportRepresentation>()
            .refuses(&[("412", "Client roles for a client neither in the realm nor in the file")])
            .conflicts()
            .returns::<PartialImportResults>(),
        ),
    )
    .route(
        "/admin/realms/{realm}/partial-export",
        E::new().post(
            realms::post_partial_export,
            op("Realms", "Export the realm without users and secrets")
                .query(&[("exportClients", "boolean"), ("exportGroupsAndRoles", "boolean")])
                .returns::<RealmRepresentation>(),
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
