//! Brute-force records (`AttackDetectionResource`): a user's read, one or all cleared,
//! which lifts a temporary lockout. Neither checks that the user exists, as Keycloak
//! does not.

use latchkey_core::brute_force::LoginFailure;
use latchkey_core::store::Store;

use super::ManageError;
use crate::cache::RealmSnapshot;
use crate::state::AppState;

/// The user's record, when the realm detects brute force and the user has one.
pub(crate) async fn record(
    state: &AppState,
    realm: &RealmSnapshot,
    user_id: &str,
) -> Result<Option<LoginFailure>, ManageError> {
    if !realm.realm.settings.brute_force.brute_force_protected {
        return Ok(None);
    }
    Ok(state.store.find_login_failure(&realm.realm.id, user_id).await?)
}

/// Forgets the user's login failures.
pub(crate) async fn clear(
    state: &AppState,
    realm: &RealmSnapshot,
    user_id: &str,
) -> Result<(), ManageError> {
    state.store.delete_login_failure(&realm.realm.id, user_id).await?;
    tracing::info!(%user_id, "login failures cleared by an admin");
    Ok(())
}

/// Forgets every login failure of the realm; returns how many records there were.
pub(crate) async fn clear_all(state: &AppState, realm: &RealmSnapshot) -> Result<u64, ManageError> {
    let cleared = state.store.delete_realm_login_failures(&realm.realm.id).await?;
    tracing::info!(cleared, "all login failures cleared by an admin");
    Ok(cleared)
}
