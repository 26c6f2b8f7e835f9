//! Which Keycloak representation each latchkey type is read as: the Java class whose
//! fields and field types (`java_types.rs`, derived from Keycloak 26.7.3's classes) the
//! Admin API checks a body against before latchkey reads what it models (`java.rs`).
//! latchkey stores and acts on fewer fields; the others are checked and ignored as
//! before, so a Keycloak client's full representation still fits.

use latchkey_core::representation::{
    ClientRepresentation, ClientScopeRepresentation, CredentialRepresentation, GroupRepresentation,
    RealmRepresentation, RoleRepresentation, UserRepresentation,
};

use super::java::{Java, Representation};
use super::java_types;

/// A representation whose body the Admin API reads as Keycloak's Jackson does.
pub(crate) trait KnownFields {
    /// The Java class's fields and their types.
    const REPRESENTATION: &'static Representation;
}

impl KnownFields for UserRepresentation {
    const REPRESENTATION: &'static Representation = &java_types::USER_REPRESENTATION;
}

impl KnownFields for ClientRepresentation {
    const REPRESENTATION: &'static Representation = &java_types::CLIENT_REPRESENTATION;
}

impl KnownFields for RealmRepresentation {
    const REPRESENTATION: &'static Representation = &java_types::REALM_REPRESENTATION;
}

impl KnownFields for RoleRepresentation {
    const REPRESENTATION: &'static Representation = &java_types::ROLE_REPRESENTATION;
}

impl KnownFields for CredentialRepresentation {
    const REPRESENTATION: &'static Representation = &java_types::CREDENTIAL_REPRESENTATION;
}

impl KnownFields for GroupRepresentation {
    const REPRESENTATION: &'static Representation = &java_types::GROUP_REPRESENTATION;
}

/// `ProtocolMapperRepresentation` (`…/protocol-mappers/models`; observed in 26.7.3:
/// `Unrecognized field "wrong"`, facts-12 §2.5).
impl KnownFields for latchkey_core::client::ProtocolMapper {
    const REPRESENTATION: &'static Representation = &java_types::PROTOCOL_MAPPER_REPRESENTATION;
}

/// `ClientScopeRepresentation` takes unknown fields (`ignoreUnknown`), but the
/// `ProtocolMapperRepresentation`s in its `protocolMappers` do not (observed in 26.7.3:
/// 400 `Invalid json representation for ProtocolMapperRepresentation. Unrecognized field`).
impl KnownFields for ClientScopeRepresentation {
    const REPRESENTATION: &'static Representation = &java_types::CLIENT_SCOPE_REPRESENTATION;
}

/// The body of `…/protocol-mappers/add-models`: `List<ProtocolMapperRepresentation>`,
/// each element checked as one mapper is (observed in 26.7.3).
pub(crate) static PROTOCOL_MAPPER_LIST: Java =
    Java::List(&Java::Object(&java_types::PROTOCOL_MAPPER_REPRESENTATION));

/// `RealmEventsConfigRepresentation` (`PUT /events/config`; observed in 26.7.3:
/// `Unrecognized field "wrong"`, facts-12 §4.1).
impl KnownFields for latchkey_core::event::RealmEventsConfigRepresentation {
    const REPRESENTATION: &'static Representation = &java_types::REALM_EVENTS_CONFIG_REPRESENTATION;
}
