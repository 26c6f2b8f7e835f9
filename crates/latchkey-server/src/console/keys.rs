//! Realm settings > Keys: the realm's keys (Keycloak's key providers), which one signs
//! each algorithm, "Add provider" (a generated key of a chosen algorithm), "Disable" or
//! "Enable", and "Delete" after a confirmation. Every change goes through `manage::keys`,
//! as the Admin API's components do.

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use latchkey_core::representation::{ComponentRepresentation, KEY_PROVIDER};
use latchkey_core::token::algorithm::{Algorithm, KeyType};
use latchkey_core::token::keys::{
    ECDSA_GENERATED, EDDSA_GENERATED, HMAC_GENERATED, RSA_GENERATED, StoredKey,
};
use maud::{Markup, html};

use super::auth::{Console, ConsoleForm, ConsoleRealm};
use super::error::{ConsoleError, refusal_text};
use super::fields::{Fields, number_field, select_field, text_field};
use super::layout::{Confirm, Section, is_confirmed, notice};
use super::realm_settings::{SIGNATURE_ALGORITHMS, Tab, settings_page};
use super::see_other;
use crate::admin::request::{Query, path_segment};
use crate::cache::RealmSnapshot;
use crate::manage::{ManageError, keys};

const RSA_KEY_SIZES: [(&str, &str); 3] = [("2048", "2048"), ("3072", "3072"), ("4096", "4096")];

fn key_url(console: &Console, realm: &str, key: &StoredKey, rest: &str) -> String {
    console.realm_url(realm, &format!("/realm-settings/keys/{}{rest}", path_segment(&key.id)))
}

/// The component ids of the keys that sign: per algorithm, the enabled active key of
/// highest priority, then the newest (`KeySet::signer`).
fn signing_keys(keys: &[StoredKey]) -> BTreeSet<&str> {
    let mut ranked: Vec<&StoredKey> = keys.iter().filter(|k| k.enabled && k.active).collect();
    ranked.sort_by(|a, b| b.priority.cmp(&a.priority).then(b.created_at.cmp(&a.created_at)));
    let mut signers: BTreeMap<Algorithm, &str> = BTreeMap::new();
    for key in ranked {
        signers.entry(key.algorithm).or_insert(&key.id);
    }
    signers.into_values().collect()
}

/// A kid short enough for a table cell; the whole one is the cell's title.
fn short_kid(kid: &str) -> String {
    let mut chars = kid.chars();
    let start: String = chars.by_ref().take(12).collect();
    if chars.next().is_some() { format!("{start}…") } else { start }
}

fn keys_table(console: &Console, realm: &str, keys: &[StoredKey]) -> Markup {
    let signers = signing_keys(keys);
    html! {
        div.table-wrap {
            table {
                thead { tr {
                    th { "Algorithm" } th.hide-narrow { "Type" } th { "Provider" } th.num.hide-narrow { "Priority" }
                    th { "Status" } th.hide-narrow { "Kid" } th.num { "" }
                } }
                tbody {
                    @for key in keys {
                        tr {
                            td { (key.algorithm.as_str())
                                @if signers.contains(key.id.as_str()) { " " span.badge.on { "Signs" } } }
                            td.hide-narrow { (key.key_type().keycloak_name()) }
                            td { (if key.name.is_empty() { key.provider_id.as_str() } else { key.name.as_str() }) }
                            td.num.hide-narrow { (key.priority) }
                            td { span.badge.off[!key.enabled] { (key.status()) } }
                            td.hide-narrow { span.mono title=(key.kid) { (short_kid(&key.kid)) } }
                            td.actions-cell.stacked {
                                form.inline method="post" action=(key_url(console, realm, key, "/enabled")) {
                                    (console.csrf_input())
                                    input type="hidden" name="enabled" value=(if key.enabled { "false" } else { "true" });
                                    button.button.secondary.small type="submit" { (if key.enabled { "Disable" } else { "Enable" }) }
                                }
                                " "
                                form.inline method="post" action=(key_url(console, realm, key, "/delete")) {
                                    (console.csrf_input())
                                    button.button.danger.small type="submit" { "Delete" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn add_form(console: &Console, realm: &str, fields: &Fields) -> Markup {
    html! {
        form method="post" action=(console.realm_url(realm, "/realm-settings/keys")) novalidate {
            (console.csrf_input())
            section.panel {
                h2 { "Add provider" }
                p.help { "A generated key of the algorithm you choose. It signs as soon as it has the highest priority among its algorithm's active keys; the others keep verifying tokens until you disable or delete them." }
                (select_field(fields, "algorithm", "Algorithm",
                    "RS and PS: RSA; ES: ECDSA on the algorithm's curve; EdDSA: Ed25519; HS: a shared secret (never published).",
                    &SIGNATURE_ALGORITHMS))
                (text_field(fields, "name", "Name", "Optional: shown in the list and the Admin API."))
                (number_field(fields, "priority", "Priority", "The highest active key of an algorithm signs."))
                (select_field(fields, "keySize", "RSA key size", "For RS and PS algorithms only.", &RSA_KEY_SIZES))
            }
            div.actions { button.button type="submit" { "Add provider" } }
        }
    }
}

fn keys_page(
    console: &Console,
    realm: &RealmSnapshot,
    keys: &[StoredKey],
    top: Markup,
    fields: &Fields,
    status: StatusCode,
) -> Response {
    let name = &realm.realm.name;
    let content = html! {
        p.lede { "Keys sign tokens; every enabled RSA, EC and Ed25519 key is published in the realm's JWKS. Realm settings > Tokens chooses the default algorithm." }
        (keys_table(console, name, keys))
        (add_form(console, name, fields))
    };
    let mut response = settings_page(console, realm, Tab::Keys, top, content);
    *response.status_mut() = status;
    response
}

fn new_key_fields() -> Fields {
    let mut fields = Fields::default();
    fields.set("algorithm", "ES256");
    fields.set("priority", "0");
    fields.set("keySize", "2048");
    fields
}

pub(crate) async fn get_keys(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    query: Query,
) -> Result<Response, ConsoleError> {
    let stored = keys::list(&state, &realm).await?;
    Ok(keys_page(
        &console,
        &realm,
        &stored,
        notice(query.get("notice")),
        &new_key_fields(),
        StatusCode::OK,
    ))
}

/// The key-provider component that generates a key of `algorithm`, as the Admin API
/// takes it.
fn component(
    algorithm: Algorithm,
    name: Option<String>,
    priority: i64,
    key_size: &str,
) -> ComponentRepresentation {
    let mut config = BTreeMap::from([("priority".to_owned(), vec![priority.to_string()])]);
    let provider = match algorithm.key_type() {
        KeyType::Rsa => {
            config.insert("algorithm".to_owned(), vec![algorithm.as_str().to_owned()]);
            config.insert("keySize".to_owned(), vec![key_size.to_owned()]);
            RSA_GENERATED
        }
        KeyType::Ec(curve) => {
            config.insert("ecdsaEllipticCurveKey".to_owned(), vec![curve.as_str().to_owned()]);
            ECDSA_GENERATED
        }
        KeyType::Ed25519 => EDDSA_GENERATED,
        KeyType::Hmac => {
            config.insert("algorithm".to_owned(), vec![algorithm.as_str().to_owned()]);
            HMAC_GENERATED
        }
    };
    ComponentRepresentation {
        name: Some(name.unwrap_or_else(|| provider.to_owned())),
        provider_id: Some(provider.to_owned()),
        provider_type: Some(KEY_PROVIDER.to_owned()),
        config,
        ..ComponentRepresentation::default()
    }
}

/// `POST …/realm-settings/keys`: "Add provider".
pub(crate) async fn post_add_key(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    ConsoleForm(form): ConsoleForm,
) -> Result<Response, ConsoleError> {
    let mut fields = Fields::from_form(&form);
    let algorithm = Algorithm::parse(fields.value("algorithm"));
    if algorithm.is_none() {
        fields.add_error("algorithm", "Choose one of the options.");
    }
    let key_size = fields.value("keySize").to_owned();
    if !RSA_KEY_SIZES.iter().any(|(value, _)| *value == key_size) {
        fields.add_error("keySize", "Choose one of the options.");
    }
    let priority = fields.number("priority", i64::from(i32::MIN), i64::from(i32::MAX));
    let (Some(algorithm), Some(priority), false) = (algorithm, priority, fields.has_errors())
    else {
        let stored = keys::list(&state, &realm).await?;
        let top = html! { div.notice.error role="alert" { "Some values are not valid. Correct the fields marked below." } };
        return Ok(keys_page(&console, &realm, &stored, top, &fields, StatusCode::BAD_REQUEST));
    };
    let rep = component(algorithm, fields.text("name"), priority, &key_size);
    match keys::add(&state, &realm, rep).await {
        Ok(_) => Ok(see_other(&format!(
            "{}?notice=created",
            console.realm_url(&realm.realm.name, "/realm-settings/keys")
        ))),
        Err(error @ (ManageError::Component(_) | ManageError::ComponentExists(_))) => {
            let stored = keys::list(&state, &realm).await?;
            let top = html! { div.notice.error role="alert" { (refusal_text(&error)) } };
            Ok(keys_page(&console, &realm, &stored, top, &fields, StatusCode::BAD_REQUEST))
        }
        Err(error) => Err(error.into()),
    }
}

/// `POST …/realm-settings/keys/{id}/enabled` with `enabled=true|false`.
pub(crate) async fn post_enabled(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    Path((_, id)): Path<(String, String)>,
    ConsoleForm(form): ConsoleForm,
) -> Result<Response, ConsoleError> {
    let enabled = if form.get("enabled") == Some("false") { "false" } else { "true" };
    let rep = ComponentRepresentation {
        provider_type: Some(KEY_PROVIDER.to_owned()),
        config: BTreeMap::from([("enabled".to_owned(), vec![enabled.to_owned()])]),
        ..ComponentRepresentation::default()
    };
    keys::update(&state, &realm, &id, rep).await?;
    Ok(see_other(&format!(
        "{}?notice=saved",
        console.realm_url(&realm.realm.name, "/realm-settings/keys")
    )))
}

/// `POST …/realm-settings/keys/{id}/delete`, after a confirmation page.
pub(crate) async fn post_delete(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    Path((_, id)): Path<(String, String)>,
    ConsoleForm(form): ConsoleForm,
) -> Result<Response, ConsoleError> {
    let name = realm.realm.name.clone();
    let key = keys::find(&state, &realm, &id).await?;
    if !is_confirmed(&form) {
        return Ok(Confirm {
            section: Section::RealmSettings,
            title: "Delete key?",
            question: format!(
                "The {} key {} ({}) will be deleted. Tokens it signed stop working at once, here and at every gateway. This cannot be undone.",
                key.algorithm, key.kid, if key.name.is_empty() { &key.provider_id } else { &key.name }
            ),
            action: key_url(&console, &name, &key, "/delete"),
            button: "Delete",
            cancel: console.realm_url(&name, "/realm-settings/keys"),
        }
        .render(&console, &name));
    }
    keys::delete(&state, &realm, &id).await?;
    Ok(see_other(&format!("{}?notice=deleted", console.realm_url(&name, "/realm-settings/keys"))))
}
