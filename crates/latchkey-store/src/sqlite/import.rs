//! Whole-realm import: every row of a realm in one transaction, or none.

use latchkey_core::store::{RealmBundle, StoreError};

use super::{SqliteEngine, clients, keys, realms, roles, users};
use crate::error::map_error;

impl SqliteEngine {
    /// Inserts the realm and everything in it. The order follows the foreign keys:
    /// clients before roles (client roles point at their client), every role before
    /// any composite link (a composite may name a role listed after it), users before
    /// their credential and grants. `Conflict` if the realm name (or any id) exists;
    /// on any error the transaction rolls back and nothing is written.
    pub(crate) async fn import_realm(&self, bundle: &RealmBundle) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        realms::insert_realm(&mut tx, &bundle.realm).await?;
        for key in &bundle.keys {
            keys::insert_key(&mut tx, key).await?;
        }
        for client in &bundle.clients {
            clients::insert_client(&mut tx, client).await?;
        }
        for role in &bundle.roles {
            roles::insert_role(&mut tx, role).await?;
        }
        for role in &bundle.roles {
            roles::insert_composites(&mut tx, role).await?;
        }
        for user in &bundle.users {
            users::insert_user(&mut tx, &user.user).await?;
            if let Some(password) = &user.password {
                users::set_password(&mut tx, password).await?;
            }
            roles::grant_roles(&mut tx, &user.user.id, &user.role_ids).await?;
        }
        tx.commit().await.map_err(map_error)
    }
}
