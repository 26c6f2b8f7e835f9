//! Revocations pushed to gateways, kept until no token they cover can be valid.

use latchkey_core::revocation::Revocation;
use latchkey_core::store::StoreError;

use super::SqliteEngine;
use crate::error::map_error;

impl SqliteEngine {
    pub(crate) async fn insert_revocation(
        &self,
        realm_id: &str,
        revocation: &Revocation,
    ) -> Result<(), StoreError> {
        let (kind, subject, issued_before, expires) = match revocation {
            Revocation::Session { sid, expires } => ("session", sid.as_str(), 0, *expires),
            Revocation::User { sub, issued_before, expires } => {
                ("user", sub.as_str(), *issued_before, *expires)
            }
            Revocation::Token { jti, expires } => ("token", jti.as_str(), 0, *expires),
            Revocation::Realm { issued_before, expires } => ("realm", "", *issued_before, *expires),
        };
        sqlx::query(
            "INSERT INTO revocations (realm_id, kind, subject, issued_before, expires)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(realm_id)
        .bind(kind)
        .bind(subject)
        .bind(issued_before)
        .bind(expires)
        .execute(&self.write)
        .await
        .map_err(map_error)?;
        Ok(())
    }

    /// The realm's entries that expire at `now` or later.
    pub(crate) async fn list_revocations(
        &self,
        realm_id: &str,
        now: i64,
    ) -> Result<Vec<Revocation>, StoreError> {
        let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
            "SELECT kind, subject, issued_before, expires FROM revocations
             WHERE realm_id = $1 AND expires >= $2",
        )
        .bind(realm_id)
        .bind(now)
        .fetch_all(&self.read)
        .await
        .map_err(map_error)?;
        rows.into_iter()
            .map(|(kind, subject, issued_before, expires)| {
                Ok(match kind.as_str() {
                    "session" => Revocation::Session { sid: subject, expires },
                    "user" => Revocation::User { sub: subject, issued_before, expires },
                    "token" => Revocation::Token { jti: subject, expires },
                    "realm" => Revocation::Realm { issued_before, expires },
                    other => {
                        return Err(StoreError::Corrupt(format!("revocation kind {other}")));
                    }
                })
            })
            .collect()
    }

    /// Forgets entries that expired before `now`; the count deleted.
    pub(crate) async fn delete_expired_revocations(&self, now: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM revocations WHERE expires < $1")
            .bind(now)
            .execute(&self.write)
            .await
            .map_err(map_error)?;
        Ok(done.rows_affected())
    }
}
