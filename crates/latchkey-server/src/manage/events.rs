//! A realm's login and admin events: the events configuration written, the stored
//! events read and deleted (`RealmAdminResource`'s `events/config`, `events`,
//! `admin-events`).

use latchkey_core::event::{AdminEvent, AdminEventQuery, Event, EventQuery, EventSettings};
use latchkey_core::store::Store;

use super::ManageError;
use crate::cache::RealmSnapshot;
use crate::state::AppState;

/// Writes the realm's event settings and drops its snapshot, so the next request
/// records (or stops recording) by them.
pub(crate) async fn save_settings(
    state: &AppState,
    snapshot: &RealmSnapshot,
    settings: EventSettings,
) -> Result<(), ManageError> {
    let mut realm = snapshot.realm.clone();
    realm.settings.events = settings;
    state.store.update_realm(&realm).await?;
    state.realms.invalidate(&realm.name);
    tracing::info!(realm = %realm.name, "events configuration updated");
    Ok(())
}

/// The realm's login events `query` selects, once every event recorded before the call
/// has been written.
pub(crate) async fn login_events(
    state: &AppState,
    snapshot: &RealmSnapshot,
    query: &EventQuery,
) -> Result<Vec<Event>, ManageError> {
    state.store.flush_events().await?;
    Ok(state.store.query_events(&snapshot.realm.id, query).await?)
}

/// The realm's admin events `query` selects, once every event recorded before the call
/// has been written.
pub(crate) async fn admin_events(
    state: &AppState,
    snapshot: &RealmSnapshot,
    query: &AdminEventQuery,
) -> Result<Vec<AdminEvent>, ManageError> {
    state.store.flush_events().await?;
    Ok(state.store.query_admin_events(&snapshot.realm.id, query).await?)
}

/// Deletes every login event of the realm, those still queued included.
pub(crate) async fn clear_login_events(
    state: &AppState,
    snapshot: &RealmSnapshot,
) -> Result<(), ManageError> {
    state.store.flush_events().await?;
    state.store.delete_events(&snapshot.realm.id, None).await?;
    tracing::info!(realm = %snapshot.realm.name, "login events deleted");
    Ok(())
}

/// Deletes every admin event of the realm, those still queued included.
pub(crate) async fn clear_admin_events(
    state: &AppState,
    snapshot: &RealmSnapshot,
) -> Result<(), ManageError> {
    state.store.flush_events().await?;
    state.store.delete_admin_events(&snapshot.realm.id, None).await?;
    tracing::info!(realm = %snapshot.realm.name, "admin events deleted");
    Ok(())
}
