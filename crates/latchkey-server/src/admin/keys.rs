//! A realm's keys through the Admin API: `GET /keys` (`KeyResource.getKeyMetadata`,
//! `KeysMetadataRepresentation`, as python-keycloak's `get_keys` reads it) and
//! `POST /components` for a new generated RSA key (`manage::keys`). A key outranked by
//! a newer one is listed `PASSIVE` until it is dropped.

use std::collections::HashMap;

use axum::Json;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use latchkey_core::token::keys::{KeyError, KeyKind, RsaKey, StoredKey};
use serde_json::{Value, json};

use super::auth::{AdminRealm, ManageRealm, ViewRealm};
use super::request::{Body, created, path_segment, realm_url};
use crate::error::ApiError;
use crate::manage::ManageError;
use crate::manage::keys::{self, ComponentRepresentation, RSA_GENERATED};

/// Keycloak's certificates are valid for ten years from 100 s before creation.
const CERTIFICATE_DAYS: i64 = 3652;

/// `GET /admin/realms/{realm}/keys`: the keys in use, highest rank first, and the
/// signing key per algorithm in `active`.
pub(crate) async fn get_keys(
    AdminRealm { state, realm, .. }: AdminRealm<ViewRealm>,
) -> Result<Response, ApiError> {
    let stored = keys::list(&state, &realm).await?;
    let mut active: HashMap<&'static str, String> = HashMap::new();
    let mut reps = Vec::new();
    for key in &stored {
        let algorithm = match key.kind {
            KeyKind::Rsa => "RS256",
            KeyKind::Hmac(algorithm) => algorithm.as_str(),
        };
        let status = if !key.enabled {
            "DISABLED"
        } else if active.contains_key(algorithm) {
            "PASSIVE"
        } else {
            active.insert(algorithm, key.kid.clone());
            "ACTIVE"
        };
        let rep = key_representation(key, algorithm, status, &realm.realm.name)
            .map_err(ManageError::from)?;
        reps.push(rep);
    }
    Ok(Json(json!({ "active": active, "keys": reps })).into_response())
}

fn key_representation(
    key: &StoredKey,
    algorithm: &str,
    status: &str,
    realm_name: &str,
) -> Result<Value, KeyError> {
    let mut rep = json!({
        "providerId": match key.kind { KeyKind::Rsa => RSA_GENERATED, KeyKind::Hmac(_) => "hmac-generated" },
        "providerPriority": key.priority,
        "kid": key.kid,
        "status": status,
        "type": match key.kind { KeyKind::Rsa => "RSA", KeyKind::Hmac(_) => "OCT" },
        "algorithm": algorithm,
        "use": "SIG",
    });
    if key.kind == KeyKind::Rsa {
        let mut rsa = RsaKey::from_pkcs8(&key.secret)?;
        rsa.certify(&key.secret, realm_name, key.created_at)?;
        let not_before_secs = key.created_at.div_euclid(1000) - 100;
        rep["publicKey"] = Value::String(STANDARD.encode(&rsa.public_spki));
        rep["certificate"] = Value::String(STANDARD.encode(&rsa.certificate));
        rep["validTo"] = json!((not_before_secs + CERTIFICATE_DAYS * 86_400) * 1000);
    }
    Ok(rep)
}

/// `POST /admin/realms/{realm}/components`: 201 with the new component's `Location`.
#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn post_component(
    AdminRealm { state, realm, caller, .. }: AdminRealm<ManageRealm>,
    body: Body,
) -> Result<Response, ApiError> {
    let component: ComponentRepresentation = body.json()?;
    let key = keys::add(&state, &realm, &component).await?;
    let location = format!(
        "{}/components/{}",
        realm_url(&caller.base_url, &realm.realm.name),
        path_segment(&key.kid)
    );
    Ok(created(&location))
}
