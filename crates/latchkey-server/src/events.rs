//! Recording login events as Keycloak's `EventBuilder` does: a builder per request
//! that holds nothing unless the realm records events (so a realm without them pays
//! one branch), filled as the flow learns the client, user and session, and handed to
//! the store's session writer when the flow ends (`Database::record_event`: queued
//! for the next batch, never waited for). The types, details and error codes are the
//! ones Keycloak 26.7.3 records (`facts-12.md` §4.2, §4.3); whether a type is stored
//! follows the realm's `enabledEventTypes` (`EventSettings::stores`). A stored event
//! also goes to the log, as Keycloak's `jboss-logging` listener writes it.

use latchkey_core::event::Event;

use crate::cache::RealmSnapshot;
use crate::extract::Caller;
use crate::state::AppState;

/// One login event being built; empty when the realm does not record events.
#[must_use = "an event is recorded only by `record`"]
pub(crate) struct LoginEvent {
    event: Option<Event>,
}

impl LoginEvent {
    /// An event of `event_type` (the success type: `LOGIN`, `REFRESH_TOKEN`, …) in the
    /// realm, from the caller's address, at the state's clock.
    pub(crate) fn new(
        state: &AppState,
        realm: &RealmSnapshot,
        event_type: &'static str,
        caller: &Caller,
    ) -> Self {
        if !realm.realm.settings.events.events_enabled {
            return LoginEvent { event: None };
        }
        LoginEvent {
            event: Some(Event {
                id: latchkey_core::random::uuid(),
                time: state.clock.now().0,
                event_type: event_type.to_owned(),
                realm_id: realm.realm.id.clone(),
                client_id: None,
                user_id: None,
                session_id: None,
                ip_address: caller.address.map(|a| a.to_string()),
                error: None,
                details: Vec::new(),
            }),
        }
    }

    /// Whether anything will be recorded (to skip work only an event needs).
    pub(crate) fn is_on(&self) -> bool {
        self.event.is_some()
    }

    /// The client, by its `clientId`.
    pub(crate) fn client(&mut self, client_id: &str) -> &mut Self {
        if let Some(event) = &mut self.event {
            event.client_id = Some(client_id.to_owned());
        }
        self
    }

    pub(crate) fn user(&mut self, user_id: &str) -> &mut Self {
        if let Some(event) = &mut self.event {
            event.user_id = Some(user_id.to_owned());
        }
        self
    }

    pub(crate) fn session(&mut self, session_id: &str) -> &mut Self {
        if let Some(event) = &mut self.event {
            event.session_id = Some(session_id.to_owned());
        }
        self
    }

    pub(crate) fn detail(&mut self, name: &str, value: &str) -> &mut Self {
        if let Some(event) = &mut self.event {
            event.details.push((name.to_owned(), value.to_owned()));
        }
        self
    }

    /// Records the event as it is.
    pub(crate) async fn success(self, state: &AppState, realm: &RealmSnapshot) {
        self.record(state, realm).await;
    }

    /// Records the `_ERROR` type of the event with Keycloak's error code (`Errors`).
    pub(crate) async fn error(mut self, state: &AppState, realm: &RealmSnapshot, code: &str) {
        if let Some(event) = &mut self.event {
            event.event_type.push_str("_ERROR");
            event.error = Some(code.to_owned());
        }
        self.record(state, realm).await;
    }

    async fn record(self, state: &AppState, realm: &RealmSnapshot) {
        let Some(event) = self.event else { return };
        if !realm.realm.settings.events.stores(&event.event_type) {
            return;
        }
        match &event.error {
            None => tracing::debug!(
                target: "latchkey::events",
                r#type = %event.event_type, client_id = ?event.client_id,
                user_id = ?event.user_id, "event"
            ),
            Some(error) => tracing::warn!(
                target: "latchkey::events",
                r#type = %event.event_type, client_id = ?event.client_id,
                user_id = ?event.user_id, %error, "event"
            ),
        }
        if let Err(error) = state.store.record_event(event).await {
            tracing::error!(%error, "event not recorded");
        }
    }
}

/// Deletes every realm's login events older than its `eventsExpiration`, as Keycloak's
/// `ClearExpiredEvents` task does; run by the reaper of `lib.rs` on one instance.
pub(crate) async fn delete_expired(state: &AppState) {
    use latchkey_core::store::Store;
    let realms = match state.store.list_realms().await {
        Ok(realms) => realms,
        Err(error) => {
            tracing::warn!(%error, "event cleanup skipped");
            return;
        }
    };
    let now = state.clock.now();
    for realm in realms {
        let Some(seconds) = realm.settings.events.events_expiration else { continue };
        let before = now.0.saturating_sub(seconds.saturating_mul(1000));
        match state.store.delete_events(&realm.id, Some(before)).await {
            Ok(0) => {}
            Ok(count) => tracing::info!(realm = %realm.name, count, "expired events removed"),
            Err(error) => tracing::warn!(realm = %realm.name, %error, "event cleanup failed"),
        }
    }
}
