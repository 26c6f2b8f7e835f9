//! Sessions ended by an administrator (`RealmAdminResource.deleteSession`,
//! `UserResource.logout`, `RealmAdminResource.logoutAll`): each deletes the sessions and
//! tells the gateways, so their tokens stop at once.

use latchkey_core::revocation::Revocation;
use latchkey_core::session::Session;
use latchkey_core::store::Store;

use super::{ManageError, Missing, users};
use crate::cache::RealmSnapshot;
use crate::revocation::{access_horizon, revoke, session_ended, user_cut_off};
use crate::state::AppState;

/// The realm's online session with this id.
pub(crate) async fn find(
    state: &AppState,
    realm: &RealmSnapshot,
    id: &str,
) -> Result<Session, ManageError> {
    state
        .store
        .find_session(id)
        .await?
        .filter(|session| session.realm_id == realm.realm.id && !session.offline)
        .ok_or(ManageError::NotFound(Missing::Session))
}

/// Ends one online session of the realm.
pub(crate) async fn end(
    state: &AppState,
    realm: &RealmSnapshot,
    id: &str,
) -> Result<(), ManageError> {
    let session = find(state, realm, id).await?;
    state.store.delete_session(&session.id).await?;
    let now = state.clock.now().secs();
    revoke(state, realm, session_ended(realm, &session.id, now), now).await?;
    tracing::info!(user_id = %session.user_id, "session ended by an admin");
    Ok(())
}

/// Signs the user out everywhere (`UserResource.logout`): their not-before set to now, so
/// no token issued before it refreshes (offline ones included), their sessions deleted
/// (Keycloak keeps the offline ones, useless after the not-before; latchkey deletes them
/// with the rest), and the gateways told: every session's id, and the user's cut-off.
pub(crate) async fn logout_user(
    state: &AppState,
    realm: &RealmSnapshot,
    id: &str,
) -> Result<(), ManageError> {
    let mut user = users::find(state, realm, id).await?;
    let now = state.clock.now().secs();
    user.profile.not_before = now;
    state.store.update_user(&user).await?;
    let sessions = state.store.list_user_sessions(&realm.realm.id, &user.id).await?;
    state.store.delete_user_sessions(&user.id).await?;
    // The not-before cut-off misses tokens issued earlier in this second; their
    // sessions' ids catch them.
    for session in &sessions {
        revoke(state, realm, session_ended(realm, &session.id, now), now).await?;
    }
    revoke(state, realm, user_cut_off(realm, &user.id, now, now), now).await?;
    tracing::info!(user_id = %user.id, "user logged out by an admin");
    Ok(())
}

/// Ends every online session of the realm and sets its not-before to now
/// (`ResourceAdminManager.logoutAll`, so offline tokens stop refreshing too); returns how
/// many sessions ended.
pub(crate) async fn logout_all(
    state: &AppState,
    snapshot: &RealmSnapshot,
) -> Result<u64, ManageError> {
    let mut realm = snapshot.realm.clone();
    realm.settings.not_before = state.clock.now().secs();
    state.store.update_realm(&realm).await?;
    state.realms.invalidate(&realm.name);
    let ended = state.store.delete_realm_sessions(&realm.id).await?;
    // Every token issued so far, this second included: the realm's not-before (whole
    // seconds) would let this second's tokens through the gateways.
    let now = realm.settings.not_before;
    let revocation = Revocation::Realm {
        issued_before: now.saturating_add(1),
        expires: access_horizon(snapshot, now),
    };
    revoke(state, snapshot, revocation, now).await?;
    tracing::info!(sessions = ended, "realm logged out by an admin");
    Ok(ended)
}
