//! `GET {base}/realms/{realm}/latchkey/revocations`: a latchkey extension that streams
//! the realm's revocations to gateways as Server-Sent Events.
//!
//! The caller presents an access token of the realm (normally a confidential client's
//! service account, from the client-credentials grant) whose user holds the
//! `realm-management` client role `view-users`: revocations name users and sessions,
//! which that role may already see through the Admin API. The token is checked like
//! every other (`oidc/bearer.rs`), and the stream ends when it expires, so a disabled
//! client or a withdrawn role stops the flow within one access-token lifespan.
//!
//! The stream: `event: snapshot` with `{"revocations":[…]}` (every entry still live),
//! then `event: revoked` with one entry (`latchkey_core::revocation::Revocation`) per
//! new revocation, `event: keys` (`{}`) when the realm's keys changed (a rotation: the
//! gateway fetches the JWKS again at once), a `: keep-alive` comment every second, and
//! `event: end` with
//! `{"reason":…}` before latchkey closes it (token expired, subscriber too slow).

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use bytes::Bytes;
use http_body::Frame;
use latchkey_core::revocation::Revocation;
use latchkey_core::store::Store;
use serde_json::json;
use tokio::sync::{broadcast, mpsc, watch};

use super::hub::{HubEvent, Published};
use crate::admin::auth::{forbidden, unauthorized};
use crate::error::ApiError;
use crate::extract::Caller;
use crate::oidc::bearer::{bearer_token, verify_access_token};
use crate::state::AppState;

/// The client holding the role a subscriber needs, and the role.
const MANAGEMENT_CLIENT: &str = "realm-management";
const SUBSCRIBER_ROLE: &str = "view-users";
/// How often an idle stream says it is alive; gateways treat silence as a lost link.
const HEARTBEAT: Duration = Duration::from_secs(1);

pub async fn get_revocations(
    State(state): State<AppState>,
    Path(realm_name): Path<String>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let realm = state.realm(&realm_name).await?;
    let token = bearer_token(caller.authorization.as_deref()).ok_or_else(unauthorized)?;
    let verified = verify_access_token(&state, &realm, token, &caller.issuer(&realm_name))
        .await?
        .map_err(|failure| {
        tracing::info!(?failure, "revocation subscriber refused");
        unauthorized()
    })?;
    let granted = state.store.list_user_held_role_ids(&verified.user.id).await?;
    let roles = realm.roles.expand(&granted);
    if !roles.clients.get(MANAGEMENT_CLIENT).is_some_and(|names| names.contains(SUBSCRIBER_ROLE)) {
        tracing::info!(user_id = %verified.user.id, "revocation subscriber lacks view-users");
        return Err(forbidden());
    }
    let now = state.clock.now().secs();
    let token_left = verified.claims.exp.unwrap_or(now).saturating_sub(now).max(0);
    let (entries, receiver) = state.revocations.subscribe(&state.store, &realm, now).await?;
    let (sender, body) = mpsc::channel(64);
    tokio::spawn(pump(
        sender,
        Arc::from(realm_name.as_str()),
        entries,
        receiver,
        state.revocations.closing(),
        Duration::from_secs(u64::try_from(token_left).unwrap_or(0)),
    ));
    tracing::info!(realm = %realm_name, user_id = %verified.user.id, "revocation subscriber joined");
    let mut response = Response::new(Body::new(ChannelBody(body)));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Proxies such as nginx would otherwise hold events back.
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(response)
}

fn event(name: &str, data: &serde_json::Value) -> Bytes {
    Bytes::from(format!("event: {name}\ndata: {data}\n\n"))
}

/// Writes the snapshot, then the realm's new entries and heartbeats, until the token
/// expires, the subscriber falls behind or leaves, or the server shuts down.
async fn pump(
    sender: mpsc::Sender<Bytes>,
    realm: Arc<str>,
    entries: Vec<Revocation>,
    mut receiver: broadcast::Receiver<Published>,
    mut closing: watch::Receiver<bool>,
    token_left: Duration,
) {
    if sender.send(event("snapshot", &json!({ "revocations": entries }))).await.is_err() {
        return;
    }
    let deadline = tokio::time::sleep(token_left);
    tokio::pin!(deadline);
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    heartbeat.tick().await;
    let end = loop {
        let chunk = tokio::select! {
            () = &mut deadline => break Some("token expired"),
            _ = closing.wait_for(|closed| *closed) => break Some("shutting down"),
            _ = heartbeat.tick() => Bytes::from_static(b": keep-alive\n\n"),
            published = receiver.recv() => match published {
                Ok(published) if published.realm == realm => match published.event {
                    HubEvent::Revoked(revocation) => match serde_json::to_value(&revocation) {
                        Ok(data) => event("revoked", &data),
                        Err(_) => continue,
                    },
                    HubEvent::KeysChanged => event("keys", &json!({})),
                },
                Ok(_) => continue,
                Err(broadcast::error::RecvError::Lagged(_)) => break Some("too slow"),
                Err(broadcast::error::RecvError::Closed) => break None,
            },
        };
        if sender.send(chunk).await.is_err() {
            return;
        }
    };
    if let Some(reason) = end {
        let _ = sender.send(event("end", &json!({ "reason": reason }))).await;
    }
}

/// A response body made of what the pump sends; it ends when the pump stops.
struct ChannelBody(mpsc::Receiver<Bytes>);

impl http_body::Body for ChannelBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.0.poll_recv(cx).map(|chunk| chunk.map(|data| Ok(Frame::data(data))))
    }
}
