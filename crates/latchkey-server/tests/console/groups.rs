//! The Groups page and a user's Groups tab: groups and subgroups created, given roles,
//! joined and left, renamed, moved and deleted, each change checked the way a client sees
//! it (a password grant's `realm_access.roles`) or the way the store keeps it.

use latchkey_core::store::Store;
use latchkey_testkit::TestApp;
use latchkey_testkit::spawn_app;
use serde_json::Value;

use crate::browser::{Browser, Page};

const GROUPS: &str = "/realms/nagra/groups";

/// The realm roles in `admin_user`'s access token from a password grant.
async fn admin_user_roles(app: &TestApp) -> Vec<String> {
    let response = app
        .post_form(
            &app.token_url("nagra"),
            &[
                ("grant_type", "password"),
                ("client_id", "crm_client"),
                ("username", "admin_user"),
                ("password", "admin1234"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let (_, claims) = latchkey_testkit::jwt_parts(body["access_token"].as_str().unwrap());
    claims["realm_access"]["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|role| role.as_str().unwrap().to_owned())
        .collect()
}

/// The id in a `…/groups/{id}?notice=created` redirect.
fn created_group(page: &Page) -> String {
    assert_eq!(page.status, 303, "{}", page.body);
    let location = page.location.as_deref().unwrap();
    let prefix = "/keycloak/auth/admin/master/console/realms/nagra/groups/";
    location.strip_prefix(prefix).unwrap().strip_suffix("?notice=created").unwrap().to_owned()
}

/// Opens the console page `page` and posts the form whose action is `action` with the
/// page's CSRF token and these fields, as a person filling that form would.
async fn post_on(
    browser: &mut Browser<'_>,
    page: &str,
    action: &str,
    pairs: &[(&str, &str)],
) -> Page {
    let form = browser.get(page).await;
    assert_eq!(form.status, 200, "{page}: {}", form.body);
    let action_url = format!("/keycloak/auth/admin/master/console{action}");
    form.assert_contains(&format!("action=\"{action_url}\""));
    let csrf = form.csrf();
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(pairs);
    browser.post(action, &all).await
}

async fn admin_user_id(app: &TestApp) -> String {
    let realm = app.store.find_realm_by_name("nagra").await.unwrap().unwrap();
    app.store.find_user_by_username(&realm.id, "admin_user").await.unwrap().unwrap().id
}

#[tokio::test]
async fn a_role_given_to_a_subgroup_reaches_its_members_tokens_until_they_leave() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in().await;
    browser.get(GROUPS).await.assert_contains("No groups yet.");

    let operators = created_group(
        &post_on(&mut browser, GROUPS, &format!("{GROUPS}/new"), &[("name", "operators")]).await,
    );
    let night = created_group(
        &post_on(
            &mut browser,
            &format!("{GROUPS}/{operators}"),
            &format!("{GROUPS}/{operators}/children"),
            &[("name", "night-shift")],
        )
        .await,
    );
    // The list shows the tree: the subgroup nested under its parent.
    let list = browser.get(GROUPS).await;
    list.assert_contains(&format!(
        "<ul class=\"tree\"><li><a href=\"/keycloak/auth/admin/master/console/realms/nagra/groups/{operators}\">operators</a><ul class=\"tree\"><li><a href=\"/keycloak/auth/admin/master/console/realms/nagra/groups/{night}\">night-shift</a>"
    ));
    browser.get(&format!("{GROUPS}/{night}")).await.assert_contains("/operators/night-shift");

    // The subgroup gets operatorRole.
    let mapping = browser.get(&format!("{GROUPS}/{night}/role-mapping")).await;
    mapping.assert_contains("<option value=\"operatorRole\">operatorRole</option>");
    let csrf = mapping.csrf();
    let assigned = browser
        .post(
            &format!("{GROUPS}/{night}/role-mapping/assign"),
            &[("csrf", &csrf), ("role", "operatorRole")],
        )
        .await;
    assert_eq!(assigned.status, 303);
    assert!(!admin_user_roles(&app).await.contains(&"operatorRole".to_owned()));

    // admin_user is added on the group's Members tab: the next token carries the role.
    let added = post_on(
        &mut browser,
        &format!("{GROUPS}/{night}/members"),
        &format!("{GROUPS}/{night}/members/add"),
        &[("username", "admin_user")],
    )
    .await;
    assert_eq!(added.status, 303, "{}", added.body);
    browser.get(&format!("{GROUPS}/{night}/members")).await.assert_contains(">admin_user</a>");
    let roles = admin_user_roles(&app).await;
    assert!(roles.contains(&"operatorRole".to_owned()), "{roles:?}");
    assert!(roles.contains(&"adminRole".to_owned()), "{roles:?}");

    // The user's Groups tab lists the membership; leaving there takes the role away.
    let user = admin_user_id(&app).await;
    let tab = browser.get(&format!("/realms/nagra/users/{user}/groups")).await;
    tab.assert_contains("/operators/night-shift</a>");
    tab.assert_contains("Holds the roles of the groups above too: /operators.");
    let csrf = tab.csrf();
    let left = browser
        .post(
            &format!("/realms/nagra/users/{user}/groups/leave"),
            &[("csrf", &csrf), ("group", &night)],
        )
        .await;
    assert_eq!(left.status, 303);
    let roles = admin_user_roles(&app).await;
    assert!(!roles.contains(&"operatorRole".to_owned()), "{roles:?}");
    browser
        .get(&format!("/realms/nagra/users/{user}/groups"))
        .await
        .assert_contains("Not a member of any group.");

    // A role of the group above reaches the members of the group below: joined from the
    // user's tab, the role moved from the subgroup to its parent.
    let joined = browser
        .post(
            &format!("/realms/nagra/users/{user}/groups/join"),
            &[("csrf", &csrf), ("group", &night)],
        )
        .await;
    assert_eq!(joined.status, 303);
    for (group, path) in [(&night, "unassign"), (&operators, "assign")] {
        let page = browser
            .post(
                &format!("{GROUPS}/{group}/role-mapping/{path}"),
                &[("csrf", &csrf), ("role", "operatorRole")],
            )
            .await;
        assert_eq!(page.status, 303);
    }
    assert!(admin_user_roles(&app).await.contains(&"operatorRole".to_owned()));
    browser
        .get(&format!("{GROUPS}/{night}/role-mapping"))
        .await
        .assert_contains("the groups above this one (composites, parents' roles): operatorRole.");

    // Moved to the top level, the subgroup no longer inherits operators' role.
    let moved = post_on(
        &mut browser,
        &format!("{GROUPS}/{night}/settings"),
        &format!("{GROUPS}/{night}/move"),
        &[("parent", "")],
    )
    .await;
    assert_eq!(moved.status, 303, "{}", moved.body);
    assert!(!admin_user_roles(&app).await.contains(&"operatorRole".to_owned()));
    // Moved back under operators, it does again.
    let back = browser.submit(&format!("{GROUPS}/{night}/settings"), &[]).await;
    assert_eq!(back.status, 400, "an empty name is refused");
    back.assert_contains("Enter a group name.");
    let back = post_on(
        &mut browser,
        &format!("{GROUPS}/{night}/settings"),
        &format!("{GROUPS}/{night}/move"),
        &[("parent", &operators)],
    )
    .await;
    assert_eq!(back.status, 303);
    assert!(admin_user_roles(&app).await.contains(&"operatorRole".to_owned()));

    // Deleting the parent (after its confirmation page) deletes the subgroup and its
    // membership: the role is gone.
    let confirm = post_on(
        &mut browser,
        &format!("{GROUPS}/{operators}/settings"),
        &format!("{GROUPS}/{operators}/delete"),
        &[],
    )
    .await;
    assert_eq!(confirm.status, 200);
    confirm.assert_contains("Delete group?");
    let realm = app.store.find_realm_by_name("nagra").await.unwrap().unwrap();
    assert_eq!(app.store.list_groups(&realm.id).await.unwrap().len(), 2, "nothing deleted yet");
    let deleted = browser
        .post(&format!("{GROUPS}/{operators}/delete"), &[("csrf", &csrf), ("confirm", "yes")])
        .await;
    assert_eq!(deleted.status, 303);
    assert!(app.store.list_groups(&realm.id).await.unwrap().is_empty());
    assert!(app.store.list_user_group_ids(&user).await.unwrap().is_empty());
    assert!(!admin_user_roles(&app).await.contains(&"operatorRole".to_owned()));
    browser.get(GROUPS).await.assert_contains("No groups yet.");
}

#[tokio::test]
async fn group_forms_refuse_taken_names_cycles_unknown_users_and_missing_csrf() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in().await;
    let parent = created_group(
        &post_on(&mut browser, GROUPS, &format!("{GROUPS}/new"), &[("name", "a")]).await,
    );
    let child = created_group(
        &post_on(
            &mut browser,
            &format!("{GROUPS}/{parent}"),
            &format!("{GROUPS}/{parent}/children"),
            &[("name", "b")],
        )
        .await,
    );

    let empty = post_on(&mut browser, GROUPS, &format!("{GROUPS}/new"), &[("name", "  ")]).await;
    assert_eq!(empty.status, 400);
    empty.assert_contains("Enter a group name.");
    let taken = post_on(&mut browser, GROUPS, &format!("{GROUPS}/new"), &[("name", "a")]).await;
    assert_eq!(taken.status, 409);
    taken.assert_contains("id=\"name-error\"");
    let sibling = post_on(
        &mut browser,
        &format!("{GROUPS}/{parent}"),
        &format!("{GROUPS}/{parent}/children"),
        &[("name", "b")],
    )
    .await;
    assert_eq!(sibling.status, 409);
    sibling.assert_contains("id=\"name-error\"");
    let other = post_on(&mut browser, GROUPS, &format!("{GROUPS}/new"), &[("name", "c")]).await;
    let other = created_group(&other);
    let rename_taken =
        browser.submit(&format!("{GROUPS}/{other}/settings"), &[("name", "a")]).await;
    assert_eq!(rename_taken.status, 409);

    // A rename keeps the group's members and place; a description is saved with it.
    let renamed = browser
        .submit(&format!("{GROUPS}/{child}/settings"), &[("name", "b2"), ("description", "Night")])
        .await;
    assert_eq!(renamed.status, 303);
    let realm = app.store.find_realm_by_name("nagra").await.unwrap().unwrap();
    let groups = app.store.list_groups(&realm.id).await.unwrap();
    let stored = groups.iter().find(|group| group.id == child).unwrap();
    assert_eq!(
        (stored.name.as_str(), stored.description.as_deref(), stored.parent_id.as_deref()),
        ("b2", Some("Night"), Some(parent.as_str()))
    );

    // The move form does not offer the group itself or a group below it; posted anyway,
    // the cycle is refused on the form.
    let settings = browser.get(&format!("{GROUPS}/{parent}/settings")).await;
    assert!(!settings.body.contains(&format!("<option value=\"{child}\"")));
    let cycle = post_on(
        &mut browser,
        &format!("{GROUPS}/{parent}/settings"),
        &format!("{GROUPS}/{parent}/move"),
        &[("parent", &child)],
    )
    .await;
    assert_eq!(cycle.status, 400, "{}", cycle.body);
    assert!(cycle.body.contains("id=\"parent-error\""), "{}", cycle.body);

    let nobody = post_on(
        &mut browser,
        &format!("{GROUPS}/{parent}/members"),
        &format!("{GROUPS}/{parent}/members/add"),
        &[("username", "nobody")],
    )
    .await;
    assert_eq!(nobody.status, 400);
    nobody.assert_contains("No user has this username.");

    let page = browser.get(&format!("{GROUPS}/{parent}/members")).await;
    let csrf = page.csrf();
    let user = admin_user_id(&app).await;
    let unknown = browser
        .post(
            &format!("/realms/nagra/users/{user}/groups/join"),
            &[("csrf", &csrf), ("group", "nope")],
        )
        .await;
    assert_eq!(unknown.status, 404);
    for path in [format!("{GROUPS}/nope"), format!("{GROUPS}/nope/members")] {
        assert_eq!(browser.get(&path).await.status, 404, "{path}");
    }

    // Without the session's CSRF token nothing changes.
    let forged = browser
        .post(&format!("/realms/nagra/users/{user}/groups/join"), &[("group", &parent)])
        .await;
    assert_eq!(forged.status, 403);
    let deleted = browser.post(&format!("{GROUPS}/{parent}/delete"), &[("confirm", "yes")]).await;
    assert_eq!(deleted.status, 403);
    assert!(app.store.list_user_group_ids(&user).await.unwrap().is_empty());
    assert_eq!(app.store.list_groups(&realm.id).await.unwrap().len(), 3);
}
