//! How database and serialization errors become `StoreError`, for every backend.

use latchkey_core::store::StoreError;

/// Maps a query error. Unique violations are `Conflict` (a duplicate name, username or
/// client id) and foreign-key violations `NotFound` (the realm, user or role referred to
/// does not exist); a stored value that does not decode is `Corrupt`. Anything else is
/// the database failing, kept whole for the log.
pub(crate) fn map_error(error: sqlx::Error) -> StoreError {
    match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StoreError::Conflict(db.message().to_owned())
        }
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
            StoreError::NotFound(format!("referenced row: {}", db.message()))
        }
        sqlx::Error::ColumnDecode { index, source } => {
            StoreError::Corrupt(format!("column {index}: {source}"))
        }
        sqlx::Error::Decode(source) => StoreError::Corrupt(source.to_string()),
        _ => backend(error),
    }
}

/// Wraps a failure outside the queries (opening the file, running the migrations).
pub(crate) fn backend(error: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError::Backend(Box::new(error))
}

/// Reads a JSON column; a value that no longer parses is `Corrupt`.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(
    text: &str,
    what: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

/// Writes a JSON column. The core types always serialize, so a failure is a bug.
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(backend)
}
