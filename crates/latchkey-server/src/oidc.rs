//! The realm's OpenID Connect endpoints under `/realms/{realm}/`.

pub mod bearer;
pub mod certs;
pub mod discovery;
pub mod introspect;
pub mod logout;
pub mod realm_info;
pub mod revoke;
pub mod token;
pub mod token_client_credentials;
pub mod token_password;
pub mod token_refresh;
pub mod userinfo;
