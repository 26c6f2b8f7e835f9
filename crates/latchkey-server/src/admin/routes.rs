//! The Admin API's route table: every path with its handler and its OpenAPI description
//! (`openapi.rs`), one file per resource under `routes/`, chained here in one place.

mod client_scopes;
mod clients;
mod events;
mod groups;
mod realms;
mod roles;
mod scope_mappings;
mod users;

use super::openapi::Api;

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

/// Every Admin API route, resource by resource.
pub(super) fn api() -> Api {
    let api = Api::new();
    let api = realms::add(api);
    let api = users::add(api);
    let api = groups::add(api);
    let api = roles::add(api);
    let api = clients::add(api);
    let api = client_scopes::add(api);
    let api = events::add(api);
    scope_mappings::add(api)
}
