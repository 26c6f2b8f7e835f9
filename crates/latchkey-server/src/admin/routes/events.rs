//! Routes of a realm's login and admin events and their configuration.

use latchkey_core::event::RealmEventsConfigRepresentation;

use crate::admin::events::{self, AdminEventRepresentation, EventRepresentation};
use crate::admin::fields::KnownFields;
use crate::admin::openapi::{Api, Endpoint, op};

pub(super) fn add(api: Api) -> Api {
    use Endpoint as E;
    api.route(
        "/admin/realms/{realm}/events/config",
        E::new()
            .get(
                events::get_config,
                op("Events", "The realm's events configuration")
                    .returns::<RealmEventsConfigRepresentation>(),
            )
            .put(
                events::put_config,
                op("Events", "Replace the realm's events configuration")
                    .body::<RealmEventsConfigRepresentation>()
                    .closed(RealmEventsConfigRepresentation::REPRESENTATION)
                    .refuses(&[("400", "A listener other than jboss-logging")]),
            ),
    )
    .route(
        "/admin/realms/{realm}/events",
        E::new()
            .get(
                events::get_events,
                op("Events", "The realm's login events, newest first")
                    .query(EVENT_SEARCH)
                    .refuses(&[("400", "An unknown event type or a date that does not read")])
                    .returns_list::<EventRepresentation>(),
            )
            .delete(events::delete_events, op("Events", "Delete every login event of the realm")),
    )
    .route(
        "/admin/realms/{realm}/admin-events",
        E::new()
            .get(
                events::get_admin_events,
                op("Events", "The realm's admin events, newest first")
                    .query(ADMIN_EVENT_SEARCH)
                    .refuses(&[(
                        "400",
                        "An unknown operation or resource type or a date that does not read",
                    )])
                    .returns_list::<AdminEventRepresentation>(),
            )
            .delete(
                events::delete_admin_events,
                op("Events", "Delete every admin event of the realm"),
            ),
    )
}

const EVENT_SEARCH: &[(&str, &str)] = &[
    ("type", "event-type"),
    ("client", "string"),
    ("user", "string"),
    ("ipAddress", "string"),
    ("dateFrom", "date"),
    ("dateTo", "date"),
    ("first", "integer"),
    ("max", "integer"),
    ("direction", "string"),
];

const ADMIN_EVENT_SEARCH: &[(&str, &str)] = &[
    ("operationTypes", "operation-type"),
    ("resourceTypes", "resource-type"),
    ("resourcePath", "string"),
    ("authRealm", "string"),
    ("authClient", "string"),
    ("authUser", "string"),
    ("authIpAddress", "string"),
    ("dateFrom", "date"),
    ("dateTo", "date"),
    ("first", "integer"),
    ("max", "integer"),
    ("direction", "string"),
];
