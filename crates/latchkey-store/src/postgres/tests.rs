//! `PostgresOptions`: the URL forms Keycloak users write, and what is never shown; and an
//! upgrade of a database made before client scopes.

use std::time::Duration;

use super::PostgresOptions;

/// Without a user in the URL, libpq's default applies (`PGUSER`, else the system user),
/// so only what comes before it is compared.
#[track_caller]
fn check(url: &str, expected: &str) {
    let options = PostgresOptions::from_url(url).unwrap_or_else(|e| panic!("{url}: {e}"));
    let shown = options.to_string();
    if expected.ends_with(" as ") {
        assert!(shown.starts_with(expected), "{url}: {shown}");
    } else {
        assert_eq!(shown, expected, "{url}");
    }
}

#[track_caller]
fn refused(url: &str, because: &str) {
    let error = PostgresOptions::from_url(url).unwrap_err().to_string();
    assert!(error.contains(because), "{url}: {error}");
    assert!(!error.contains("s3cret"), "{url}: the password shows in {error}");
}

#[test]
fn keycloak_and_libpq_urls_are_read() {
    check("jdbc:postgresql://db.example:5433/latchkey", "db.example:5433/latchkey as ");
    check("postgres://127.0.0.1/latchkey", "127.0.0.1:5432/latchkey as ");
    check("postgresql://127.0.0.1:6000/lk", "127.0.0.1:6000/lk as ");
    check("postgres://app:s3cret@127.0.0.1:5432/latchkey", "127.0.0.1:5432/latchkey as app");
    check(
        "jdbc:postgresql://127.0.0.1/latchkey?user=app&password=s3cret",
        "127.0.0.1:5432/latchkey as app",
    );
    check(
        "postgres://127.0.0.1/latchkey?sslmode=disable&currentSchema=lk",
        "127.0.0.1:5432/latchkey as ",
    );
}

#[test]
fn flags_override_the_url_and_no_form_shows_the_password() {
    let options = PostgresOptions::from_url("postgres://app:url-password@127.0.0.1/latchkey")
        .unwrap()
        .username("latchkey")
        .password("s3cret")
        .pool_max_size(7)
        .connect_timeout(Duration::from_secs(3));
    assert_eq!(options.to_string(), "127.0.0.1:5432/latchkey as latchkey");
    let debug = format!("{options:?}");
    assert!(!debug.contains("s3cret") && !debug.contains("url-password"), "{debug}");
    assert!(debug.contains("pool_max_size: 7"), "{debug}");
}

#[test]
fn wrong_urls_say_what_is_wrong() {
    refused("mysql://127.0.0.1/latchkey", "expected jdbc:postgresql://");
    refused("127.0.0.1:5432/latchkey", "expected jdbc:postgresql://");
    refused("jdbc:postgresql:///latchkey", "no host");
    refused("postgres://app:s3cret@127.0.0.1:5432", "no database name");
    refused("postgres://app:s3cret@127.0.0.1:5432/", "no database name");
    refused(
        "postgres://app:s3cret@127.0.0.1/lk?sslpassword=s3cret",
        "unsupported parameter `sslpassword`",
    );
    refused("postgres://app:s3cret@127.0.0.1:port/lk", "invalid PostgreSQL URL");
}

/// A database made before `0012_client_scopes.sql` is upgraded in place: every realm in
/// it gets the built-in client scopes, mappers and realm defaults a new realm gets.
#[tokio::test]
async fn realms_made_before_client_scopes_get_the_built_in_ones() {
    use sqlx::migrate::Migrator;

    let options =
        PostgresOptions::from_url(&latchkey_testkit::postgres::fresh_database().await.url).unwrap();
    {
        let mut connection = options.connect().await.unwrap();
        let before: Vec<_> = super::MIGRATOR.iter().filter(|m| m.version < 12).cloned().collect();
        let old = Migrator { migrations: before.into(), ..Migrator::DEFAULT };
        old.run(&mut connection).await.unwrap();
        sqlx::query(
            "INSERT INTO realms (id, name, enabled, settings)
             VALUES ('r1', 'one', TRUE, '{}'), ('r2', 'two', TRUE, '{}')",
        )
        .execute(&mut connection)
        .await
        .unwrap();
    }
    let store = super::PostgresEngine::open(&options, "test").await.unwrap();
    for realm_id in ["r1", "r2"] {
        crate::sql::scopes::assert_seeded_like_a_new_realm(&store, realm_id).await;
    }
    store.close().await;
}
