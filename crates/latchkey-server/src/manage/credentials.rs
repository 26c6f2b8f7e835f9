//! A user's credentials (`UserResource`'s `credentials…`): the password and the types
//! latchkey keeps without using them (`otp`, `webauthn`, … from an import or a create),
//! listed in the user's order, labelled, moved and deleted. Deleting the password stops
//! the password grant (`Invalid user credentials`); sessions already made go on.

use latchkey_core::store::{Store, StoreError};
use latchkey_core::user::{Credential, User};

use super::{ManageError, Missing};
use crate::state::AppState;

/// The user's credentials, by priority.
pub(crate) async fn list(state: &AppState, user: &User) -> Result<Vec<Credential>, ManageError> {
    Ok(state.store.list_credentials(&user.id).await?)
}

fn not_found(error: StoreError) -> ManageError {
    match error {
        StoreError::NotFound(_) => ManageError::NotFound(Missing::Credential),
        other => other.into(),
    }
}

/// Names the credential (`PUT …/userLabel`, the body as plain text); a blank label
/// removes the name.
pub(crate) async fn set_label(
    state: &AppState,
    user: &User,
    credential_id: &str,
    label: &str,
) -> Result<(), ManageError> {
    let label = Some(label.trim()).filter(|label| !label.is_empty());
    state.store.set_credential_label(&user.id, credential_id, label).await.map_err(not_found)?;
    tracing::info!(user_id = %user.id, credential_id, "credential labelled");
    Ok(())
}

pub(crate) async fn remove(
    state: &AppState,
    user: &User,
    credential_id: &str,
) -> Result<(), ManageError> {
    state.store.delete_credential(&user.id, credential_id).await.map_err(not_found)?;
    tracing::info!(user_id = %user.id, credential_id, "credential deleted");
    Ok(())
}

/// Puts the credential first (`after` `None`, `…/moveToFirst`) or right after another of
/// the user's (`…/moveAfter/{after}`). The credential must be the user's; an `after` that
/// is not changes nothing, and is no error (`UserResource.moveCredentialAfter`, 26.7.3:
/// 204, `facts-12.md` §3.5).
pub(crate) async fn move_to(
    state: &AppState,
    user: &User,
    credential_id: &str,
    after: Option<&str>,
) -> Result<(), ManageError> {
    let stored = state.store.list_credentials(&user.id).await?;
    if !stored.iter().any(|credential| credential.id == credential_id) {
        return Err(ManageError::NotFound(Missing::Credential));
    }
    if state.store.move_credential(&user.id, credential_id, after).await? {
        tracing::info!(user_id = %user.id, credential_id, ?after, "credential moved");
    }
    Ok(())
}
