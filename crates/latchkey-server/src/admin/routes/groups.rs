//! Routes of groups: the tree, children, members, role mappings and default groups.

use latchkey_core::representation::{GroupRepresentation, RoleRepresentation, UserRepresentation};

use super::{BRIEF, BRIEF_PAGE, CHILD_SEARCH, GROUP_SEARCH};
use crate::admin::fields::KnownFields;
use crate::admin::openapi::{Api, Endpoint, GroupCount, MappingsRepresentation, op};
use crate::admin::{groups, role_mappings};

pub(super) fn add(api: Api) -> Api {
    use Endpoint as E;
    api.route(
        "/admin/realms/{realm}/groups",
        E::new()
            .get(
                groups::list_groups,
                op("Groups", "Top-level groups, or the groups a search finds in their hierarchy")
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
            .get(groups::get_group, op("Groups", "Get a group").returns::<GroupRepresentation>())
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
                op("Groups", "A group's roles of one client").returns_list::<RoleRepresentation>(),
            )
            .post(
                role_mappings::post_group_client_mappings,
                op("Groups", "Map client roles to a group").body_list::<RoleRepresentation>(),
            )
            .delete(
                role_mappings::delete_group_client_mappings,
                op("Groups", "Take client roles from a group").body_list::<RoleRepresentation>(),
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
}
