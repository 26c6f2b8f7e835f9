//! Sessions and refresh tokens survive a restart of the server.

use latchkey_testkit::spawn_app;

#[tokio::test]
async fn tokens_issued_before_a_restart_refresh_after_it() {
    let app = spawn_app().await;
    let login = app.seed_login().await;
    let app = app.restart().await;
    app.clock.advance_secs(60);
    let response = app.refresh("crm_client", login["refresh_token"].as_str().unwrap()).await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["session_state"], login["session_state"]);
}
