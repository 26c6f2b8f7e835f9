//! Routes of client scopes and protocol mappers: the realm's scopes, its default and
//! optional scopes, a client's default and optional scopes, and the mappers of clients
//! and scopes.

use latchkey_core::client::ProtocolMapper;
use latchkey_core::representation::ClientScopeRepresentation;

use crate::admin::client_scopes::{self, ScopeRef};
use crate::admin::fields::KnownFields;
use crate::admin::openapi::{Api, Endpoint, op};
use crate::admin::protocol_mappers;

const TAG: &str = "Client scopes";
const MAPPERS: &str = "Protocol mappers";

pub(super) fn add(api: Api) -> Api {
    use Endpoint as E;
    api.route(
        "/admin/realms/{realm}/client-scopes",
        E::new()
            .get(
                client_scopes::list_client_scopes,
                op(TAG, "List the realm's client scopes, with their mappers")
                    .returns_list::<ClientScopeRepresentation>(),
            )
            .post(
                client_scopes::post_client_scope,
                op(TAG, "Create a client scope (a scope-token name; protocol openid-connect, saml or docker-v2)")
                    .body_requiring::<ClientScopeRepresentation>(&["name", "protocol"])
                    .closed(ClientScopeRepresentation::REPRESENTATION)
                    .created(),
            ),
    )
    .route(
        "/admin/realms/{realm}/client-scopes/{id}",
        E::new()
            .get(
                client_scopes::get_client_scope,
                op(TAG, "Get a client scope").returns::<ClientScopeRepresentation>(),
            )
            .put(
                client_scopes::put_client_scope,
                op(TAG, "Update a client scope (its mappers are not touched)")
                    .body_requiring::<ClientScopeRepresentation>(&["name"])
                    .closed(ClientScopeRepresentation::REPRESENTATION)
                    .conflicts(),
            )
            .delete(client_scopes::delete_client_scope, op(TAG, "Delete a client scope")),
    )
    .route(
        "/admin/realms/{realm}/default-default-client-scopes",
        E::new().get(
            client_scopes::list_realm_default_scopes,
            op(TAG, "The scopes new clients get as default scopes").returns_list::<ScopeRef>(),
        ),
    )
    .route(
        "/admin/realms/{realm}/default-default-client-scopes/{id}",
        E::new()
            .put(
                client_scopes::put_realm_default_scope,
                op(TAG, "Make a scope a realm default scope").conflicts(),
            )
            .delete(
                client_scopes::delete_realm_default_scope,
                op(TAG, "Take a scope out of the realm's default and optional scopes"),
            ),
    )
    .route(
        "/admin/realms/{realm}/default-optional-client-scopes",
        E::new().get(
            client_scopes::list_realm_optional_scopes,
            op(TAG, "The scopes new clients get as optional scopes").returns_list::<ScopeRef>(),
        ),
    )
    .route(
        "/admin/realms/{realm}/default-optional-client-scopes/{id}",
        E::new()
            .put(
                client_scopes::put_realm_optional_scope,
                op(TAG, "Make a scope a realm optional scope").conflicts(),
            )
            .delete(
                client_scopes::delete_realm_default_scope,
                op(TAG, "Take a scope out of the realm's default and optional scopes"),
            ),
    )
    .route(
        "/admin/realms/{realm}/clients/{id}/default-client-scopes",
        E::new().get(
            client_scopes::list_client_default_scopes,
            op(TAG, "A client's default scopes").returns_list::<ScopeRef>(),
        ),
    )
    .route(
        "/admin/realms/{realm}/clients/{id}/default-client-scopes/{scope}",
        E::new()
            .put(
                client_scopes::put_client_default_scope,
                op(TAG, "Give a client a default scope (one it has, or of another protocol: no change)"),
            )
            .delete(
                client_scopes::delete_client_default_scope,
                op(TAG, "Take a default scope from a client"),
            ),
    )
    .route(
        "/admin/realms/{realm}/clients/{id}/optional-client-scopes",
        E::new().get(
            client_scopes::list_client_optional_scopes,
            op(TAG, "A client's optional scopes").returns_list::<ScopeRef>(),
        ),
    )
    .route(
        "/admin/realms/{realm}/clients/{id}/optional-client-scopes/{scope}",
        E::new()
            .put(
                client_scopes::put_client_optional_scope,
                op(TAG, "Give a client an optional scope (one it has, or of another protocol: no change)"),
            )
            .delete(
                client_scopes::delete_client_optional_scope,
                op(TAG, "Take an optional scope from a client"),
            ),
    )
    .route(
        "/admin/realms/{realm}/clients/{id}/protocol-mappers/models",
        E::new()
            .get(
                protocol_mappers::list_client_mappers,
                op(MAPPERS, "A client's own protocol mappers").returns_list::<ProtocolMapper>(),
            )
            .post(
                protocol_mappers::post_client_mapper,
                op(MAPPERS, "Add a protocol mapper to a client")
                    .body::<ProtocolMapper>()
                    .closed(ProtocolMapper::REPRESENTATION)
                    .created(),
            ),
    )
    .route(
        "/admin/realms/{realm}/clients/{id}/protocol-mappers/add-models",
        E::new().post(
            protocol_mappers::post_client_mappers,
            op(MAPPERS, "Add several protocol mappers to a client, all or none")
                .body_list::<ProtocolMapper>()
                .closed_list(ProtocolMapper::REPRESENTATION)
                .conflicts(),
        ),
    )
    .route(
        "/admin/realms/{realm}/clients/{id}/protocol-mappers/models/{mapper}",
        E::new()
            .get(
                protocol_mappers::get_client_mapper,
                op(MAPPERS, "Get a client's protocol mapper").returns::<ProtocolMapper>(),
            )
            .put(
                protocol_mappers::put_client_mapper,
                op(MAPPERS, "Replace a client's protocol mapper's config (name and type stay)")
                    .body::<ProtocolMapper>()
                    .closed(ProtocolMapper::REPRESENTATION),
            )
            .delete(
                protocol_mappers::delete_client_mapper,
                op(MAPPERS, "Delete a client's protocol mapper"),
            ),
    )
    .route(
        "/admin/realms/{realm}/clients/{id}/protocol-mappers/protocol/{protocol}",
        E::new().get(
            protocol_mappers::list_client_mappers_of,
            op(MAPPERS, "A client's protocol mappers of one protocol")
                .returns_list::<ProtocolMapper>(),
        ),
    )
    .route(
        "/admin/realms/{realm}/client-scopes/{id}/protocol-mappers/models",
        E::new()
            .get(
                protocol_mappers::list_scope_mappers,
                op(MAPPERS, "A client scope's protocol mappers").returns_list::<ProtocolMapper>(),
            )
            .post(
                protocol_mappers::post_scope_mapper,
                op(MAPPERS, "Add a protocol mapper to a client scope")
                    .body::<ProtocolMapper>()
                    .closed(ProtocolMapper::REPRESENTATION)
                    .created(),
            ),
    )
    .route(
        "/admin/realms/{realm}/client-scopes/{id}/protocol-mappers/add-models",
        E::new().post(
            protocol_mappers::post_scope_mappers,
            op(MAPPERS, "Add several protocol mappers to a client scope, all or none")
                .body_list::<ProtocolMapper>()
                .closed_list(ProtocolMapper::REPRESENTATION)
                .conflicts(),
        ),
    )
    .route(
        "/admin/realms/{realm}/client-scopes/{id}/protocol-mappers/models/{mapper}",
        E::new()
            .get(
                protocol_mappers::get_scope_mapper,
                op(MAPPERS, "Get a client scope's protocol mapper").returns::<ProtocolMapper>(),
            )
            .put(
                protocol_mappers::put_scope_mapper,
                op(MAPPERS, "Replace a client scope's protocol mapper's config (name and type stay)")
                    .body::<ProtocolMapper>()
                    .closed(ProtocolMapper::REPRESENTATION),
            )
            .delete(
                protocol_mappers::delete_scope_mapper,
                op(MAPPERS, "Delete a client scope's protocol mapper"),
            ),
    )
    .route(
        "/admin/realms/{realm}/client-scopes/{id}/protocol-mappers/protocol/{protocol}",
        E::new().get(
            protocol_mappers::list_scope_mappers_of,
            op(MAPPERS, "A client scope's protocol mappers of one protocol")
                .returns_list::<ProtocolMapper>(),
        ),
    )
}
