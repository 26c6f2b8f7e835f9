//! Groups: the realm's tree (searched by name), create, and per group its child groups,
//! members (add by username, remove), role mapping, and settings (rename, description,
//! move, delete). A user's Groups tab (join, leave) is in `users.rs`'s frame, its pages
//! here. Every change goes through `manage::groups` and `manage::role_mappings`, as the
//! Admin API's do.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use latchkey_core::group::{Group, GroupNode, GroupTree};
use latchkey_core::representation::GroupRepresentation;
use latchkey_core::store::Store;
use maud::{Markup, html};

use super::auth::{Console, ConsoleForm, ConsoleRealm};
use super::error::{ConsoleError, refusal_status, refusal_text};
use super::fields::{Fields, select_field, text_field};
use super::layout::{Confirm, Page, Section, is_confirmed, notice};
use super::see_other;
use super::user_roles::{apply_mapping, role_mapping_content};
use super::users::{PAGE_SIZE, Tab, open_user, user_frame, user_url};
use crate::admin::request::{Query, path_segment};
use crate::cache::RealmSnapshot;
use crate::manage::ManageError;
use crate::manage::groups::{self, Placed};
use crate::manage::role_mappings::{Holder, Mapping};
use crate::state::AppState;

const FIX_BELOW: &str = "Some values are not valid. Correct the fields marked below.";

fn group_url(console: &Console, realm: &str, group: &Group, rest: &str) -> String {
    console.realm_url(realm, &format!("/groups/{}{rest}", path_segment(&group.id)))
}

fn error_notice(message: &str) -> Markup {
    html! { div.notice.error role="alert" { (message) } }
}

/// The group of this realm, or the 404 page.
fn open_group<'a>(tree: &'a GroupTree, id: &str) -> Result<&'a Group, ConsoleError> {
    tree.get(id).ok_or(ConsoleError::NotFound("This group"))
}

/// A tree as nested lists: each group links to its page.
fn tree_list(console: &Console, realm: &str, tree: &GroupTree, nodes: &[GroupNode<'_>]) -> Markup {
    html! {
        ul.tree {
            @for node in nodes {
                li {
                    a href=(group_url(console, realm, node.group, "")) { (node.group.name) }
                    @let below = tree.sub_group_count(&node.group.id);
                    @if below > 0 && node.sub_groups.is_empty() {
                        " " span.muted { (below) @if below == 1 { " subgroup" } @else { " subgroups" } }
                    }
                    @if !node.sub_groups.is_empty() {
                        (tree_list(console, realm, tree, &node.sub_groups))
                    }
                }
            }
        }
    }
}

/// Every group as a tree, each node with all the groups below it.
fn whole_tree(tree: &GroupTree) -> Vec<GroupNode<'_>> {
    fn node<'a>(tree: &'a GroupTree, group: &'a Group) -> GroupNode<'a> {
        let sub_groups =
            tree.children(&group.id).into_iter().map(|child| node(tree, child)).collect();
        GroupNode { group, sub_groups }
    }
    tree.top_level().into_iter().map(|group| node(tree, group)).collect()
}

fn list_page(
    console: &Console,
    realm: &str,
    tree: &GroupTree,
    search: &str,
    fields: &Fields,
    top: Markup,
    status: StatusCode,
) -> Response {
    let nodes = if search.is_empty() {
        whole_tree(tree)
    } else {
        tree.hierarchy(&tree.search(search, false))
    };
    let body = html! {
        div.head { h1 { "Groups" } }
        p.lede { "Members of a group hold its roles and those of every group above it, in their tokens from the next login or refresh." }
        (top)
        @if fields.has_errors() { (error_notice(FIX_BELOW)) }
        form.panel method="post" action=(console.realm_url(realm, "/groups/new")) novalidate {
            (console.csrf_input())
            h2 { "Create group" }
            (text_field(fields, "name", "Name", "A top-level group; add subgroups from its page."))
            div.actions { button.button type="submit" { "Create" } }
        }
        form.toolbar method="get" action=(console.realm_url(realm, "/groups")) {
            input type="search" name="search" value=(search) aria-label="Search groups" placeholder="Search by name";
            button.button.secondary type="submit" { "Search" }
            span.spacer {}
            span { (tree.len()) @if tree.len() == 1 { " group" } @else { " groups" } }
        }
        @if nodes.is_empty() {
            p.empty { @if search.is_empty() { "No groups yet." } @else { "No group's name contains this." } }
        } @else {
            div.panel { (tree_list(console, realm, tree, &nodes)) }
        }
    };
    Page {
        console,
        realm,
        section: Section::Groups,
        title: "Groups".to_owned(),
        crumbs: Vec::new(),
        body,
    }
    .render_with(status)
}

pub(crate) async fn get_groups(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    query: Query,
) -> Result<Response, ConsoleError> {
    let tree = groups::tree(&state, &realm).await?;
    let search = query.get("search").map(str::trim).unwrap_or_default();
    let top = notice(query.get("notice"));
    let fields = Fields::default();
    Ok(list_page(&console, &realm.realm.name, &tree, search, &fields, top, StatusCode::OK))
}

/// Creates a group under `parent` (or at the top) from a form's `name`; a refusal goes
/// on the form's field, with the status to answer it with.
async fn create_from_form(
    state: &AppState,
    realm: &RealmSnapshot,
    parent: Option<&str>,
    fields: &mut Fields,
) -> Result<Result<Group, StatusCode>, ConsoleError> {
    let name = fields.text("name").unwrap_or_default();
    if name.is_empty() {
        fields.add_error("name", "Enter a group name.");
        return Ok(Err(StatusCode::BAD_REQUEST));
    }
    let rep = GroupRepresentation { name: Some(name), ..GroupRepresentation::default() };
    match groups::create_or_move(state, realm, parent, &rep).await {
        Ok(Placed::Created(group)) => Ok(Ok(group)),
        // A body without an id never moves a group.
        Ok(Placed::Moved) => Err(ConsoleError::Internal("a new group was not created".into())),
        Err(
            error @ (ManageError::TopLevelGroupTaken(_)
            | ManageError::SiblingGroupTaken(_)
            | ManageError::Invalid { .. }),
        ) => {
            fields.add_error("name", refusal_text(&error));
            Ok(Err(refusal_status(&error)))
        }
        Err(other) => Err(other.into()),
    }
}

pub(crate) async fn post_new_group(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    ConsoleForm(form): ConsoleForm,
) -> Result<Response, ConsoleError> {
    let name = &realm.realm.name;
    let mut fields = Fields::from_form(&form);
    match create_from_form(&state, &realm, None, &mut fields).await? {
        Ok(group) => {
            Ok(see_other(&format!("{}?notice=created", group_url(&console, name, &group, ""))))
        }
        Err(status) => {
            let tree = groups::tree(&state, &realm).await?;
            Ok(list_page(&console, name, &tree, "", &fields, html! {}, status))
        }
    }
}

// ---- One group: header and tabs ----

#[derive(Clone, Copy, PartialEq, Eq)]
enum GroupTab {
    ChildGroups,
    Members,
    RoleMapping,
    Settings,
}

struct Frame<'a> {
    console: &'a Console,
    realm: &'a str,
    tree: &'a GroupTree,
    group: &'a Group,
}

impl Frame<'_> {
    fn render(&self, tab: GroupTab, top: Markup, content: Markup, status: StatusCode) -> Response {
        let (console, realm, group) = (self.console, self.realm, self.group);
        let tab_link = |which: GroupTab, rest: &str, label: &str| {
            html! { a.active[which == tab] href=(group_url(console, realm, group, rest)) { (label) } }
        };
        let body = html! {
            div.head {
                h1 { (group.name) }
                span.muted.mono { (self.tree.path(&group.id)) }
            }
            nav.tabs aria-label="Group" {
                (tab_link(GroupTab::ChildGroups, "", "Child groups"))
                (tab_link(GroupTab::Members, "/members", "Members"))
                (tab_link(GroupTab::RoleMapping, "/role-mapping", "Role mapping"))
                (tab_link(GroupTab::Settings, "/settings", "Settings"))
            }
            (top)
            (content)
        };
        let mut crumbs = vec![(console.realm_url(realm, "/groups"), "Groups".to_owned())];
        let mut above = self.tree.self_and_ancestors(&group.id);
        above.reverse();
        for ancestor in above.iter().take(above.len().saturating_sub(1)) {
            crumbs.push((group_url(console, realm, ancestor, ""), ancestor.name.clone()));
        }
        Page { console, realm, section: Section::Groups, title: group.name.clone(), crumbs, body }
            .render_with(status)
    }
}

fn child_groups_content(frame: &Frame<'_>, fields: &Fields) -> Markup {
    let (console, realm, tree, group) = (frame.console, frame.realm, frame.tree, frame.group);
    let children = tree.children(&group.id);
    html! {
        @if fields.has_errors() { (error_notice(FIX_BELOW)) }
        div.table-wrap {
            @if children.is_empty() {
                p.empty { "No child groups." }
            } @else {
                table {
                    thead { tr { th { "Name" } th.num { "Subgroups" } } }
                    tbody {
                        @for child in &children {
                            tr {
                                td { a href=(group_url(console, realm, child, "")) { (child.name) } }
                                td.num { (tree.sub_group_count(&child.id)) }
                            }
                        }
                    }
                }
            }
        }
        form.panel method="post" action=(group_url(console, realm, group, "/children")) novalidate {
            (console.csrf_input())
            h2 { "Create child group" }
            (text_field(fields, "name", "Name", "Its members hold this group's roles too."))
            div.actions { button.button type="submit" { "Create" } }
        }
    }
}

pub(crate) async fn get_group(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    Path((_, id)): Path<(String, String)>,
    query: Query,
) -> Result<Response, ConsoleError> {
    let tree = groups::tree(&state, &realm).await?;
    let group = open_group(&tree, &id)?;
    let frame = Frame { console: &console, realm: &realm.realm.name, tree: &tree, group };
    let content = child_groups_content(&frame, &Fields::default());
    Ok(frame.render(GroupTab::ChildGroups, notice(query.get("notice")), content, StatusCode::OK))
}

pub(crate) async fn post_child(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    Path((_, id)): Path<(String, String)>,
    ConsoleForm(form): ConsoleForm,
) -> Result<Response, ConsoleError> {
    let name = &realm.realm.name;
    let tree = groups::tree(&state, &realm).await?;
    let group = open_group(&tree, &id)?;
    let mut fields = Fields::from_form(&form);
    let status = match create_from_form(&state, &realm, Some(&group.id), &mut fields).await? {
        Ok(child) => {
            let url = group_url(&console, name, &child, "");
            return Ok(see_other(&format!("{url}?notice=created")));
        }
        Err(status) => status,
    };
    let frame = Frame { console: &console, realm: name, tree: &tree, group };
    let content = child_groups_content(&frame, &fields);
    Ok(frame.render(GroupTab::ChildGroups, html! {}, content, status))
}

// ---- Members ----

async fn members_content(
    state: &AppState,
    realm: &RealmSnapshot,
    frame: &Frame<'_>,
    fields: &Fields,
) -> Result<Markup, ConsoleError> {
    let (console, name, group) = (frame.console, frame.realm, frame.group);
    let members = groups::members(state, realm, group, 0, PAGE_SIZE).await?;
    Ok(html! {
        p.lede { "Direct members; members of the groups below hold this group's roles too." }
        div.table-wrap {
            @if members.is_empty() {
                p.empty { "No members." }
            } @else {
                table {
                    thead { tr { th { "Username" } th.hide-narrow { "Email" } th.num { "" } } }
                    tbody {
                        @for user in &members {
                            tr {
                                td { a href=(user_url(console, name, user, "/groups")) { (user.username) } }
                                td.hide-narrow { (user.profile.email.as_deref().unwrap_or("—")) }
                                td.actions-cell {
                                    form.inline method="post" action=(group_url(console, name, group, "/members/remove")) {
                                        (console.csrf_input())
                                        input type="hidden" name="user" value=(user.id);
                                        button.button.danger.small type="submit" aria-label={ "Remove " (user.username) } { "Remove" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        form.panel method="post" action=(group_url(console, name, group, "/members/add")) novalidate {
            (console.csrf_input())
            h2 { "Add member" }
            (text_field(fields, "username", "Username", ""))
            div.actions { button.button type="submit" { "Add" } }
        }
    })
}

pub(crate) async fn get_members(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    Path((_, id)): Path<(String, String)>,
    query: Query,
) -> Result<Response, ConsoleError> {
    let tree = groups::tree(&state, &realm).await?;
    let group = open_group(&tree, &id)?;
    let frame = Frame { console: &console, realm: &realm.realm.name, tree: &tree, group };
    let content = members_content(&state, &realm, &frame, &Fields::default()).await?;
    Ok(frame.render(GroupTab::Members, notice(query.get("notice")), content, StatusCode::OK))
}

pub(crate) async fn post_add_member(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    Path((_, id)): Path<(String, String)>,
    ConsoleForm(form): ConsoleForm,
) -> Result<Response, ConsoleError> {
    let name = &realm.realm.name;
    let tree = groups::tree(&state, &realm).await?;
    let group = open_group(&tree, &id)?;
    let mut fields = Fields::from_form(&form);
    let username = fields.text("username").unwrap_or_default();
    let user = match username.as_str() {
        "" => None,
        username => state.store.find_user_by_username(&realm.realm.id, username).await?,
    };
    match user.filter(|user| !user.is_service_account()) {
        Some(user) => {
            groups::join(&state, &realm, &user, &group.id).await?;
            let url = group_url(&console, name, group, "/members");
            Ok(see_other(&format!("{url}?notice=joined")))
        }
        None => {
            let message = if username.is_empty() {
                "Enter a username."
            } else {
                "No user has this username."
            };
            fields.add_error("username", message);
            let frame = Frame { console: &console, realm: name, tree: &tree, group };
            let content = members_content(&state, &realm, &frame, &fields).await?;
            Ok(frame.render(GroupTab::Members, html! {}, content, StatusCode::BAD_REQUEST))
        }
    }
}

pub(crate) async fn post_remove_member(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    Path((_, id)): Path<(String, String)>,
    ConsoleForm(form): ConsoleForm,
) -> Result<Response, ConsoleError> {
    let name = &realm.realm.name;
    let tree = groups::tree(&state, &realm).await?;
    let group = open_group(&tree, &id)?;
    let user = open_user(&state, &realm, form.get("user").unwrap_or_default()).await?;
    groups::leave(&state, &realm, &user, &group.id).await?;
    Ok(see_other(&format!("{}?notice=left", group_url(&console, name, group, "/members"))))
}

// ---- Role mapping ----

pub(crate) async fn get_role_mapping(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    Path((_, id)): Path<(String, String)>,
    query: Query,
) -> Result<Response, ConsoleError> {
    let tree = groups::tree(&state, &realm).await?;
    let group = open_group(&tree, &id)?;
    let name = &realm.realm.name;
    let actions = group_url(&console, name, group, "/role-mapping");
    let holder = Holder::Group(group, &tree);
    let content = role_mapping_content(&state, &console, &realm, holder, &actions).await?;
    let frame = Frame { console: &console, realm: name, tree: &tree, group };
    Ok(frame.render(GroupTab::RoleMapping, notice(query.get("notice")), content, StatusCode::OK))
}

async fn change_mapping(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    id: String,
    form: crate::extract::Form,
    change: Mapping,
) -> Result<Response, ConsoleError> {
    let tree = groups::tree(&state, &realm).await?;
    let group = open_group(&tree, &id)?;
    apply_mapping(&state, &realm, Holder::Group(group, &tree), &form, change).await?;
    let url = group_url(&console, &realm.realm.name, group, "/role-mapping");
    Ok(see_other(&format!("{url}?notice=assigned")))
}

pub(crate) async fn post_assign(
    page: ConsoleRealm,
    Path((_, id)): Path<(String, String)>,
    ConsoleForm(form): ConsoleForm,
) -> Result<Response, ConsoleError> {
    change_mapping(page, id, form, Mapping::Grant).await
}

pub(crate) async fn post_unassign(
    page: ConsoleRealm,
    Path((_, id)): Path<(String, String)>,
    ConsoleForm(form): ConsoleForm,
) -> Result<Response, ConsoleError> {
    change_mapping(page, id, form, Mapping::Revoke).await
}

// ---- Settings: rename, describe, move, delete ----

/// The value of the move form's "top level" choice (a group id is never empty).
const TOP_LEVEL: &str = "";

fn settings_content(frame: &Frame<'_>, fields: &Fields, move_fields: &Fields) -> Markup {
    let (console, realm, tree, group) = (frame.console, frame.realm, frame.tree, frame.group);
    let mut places: Vec<(String, String)> = vec![(TOP_LEVEL.to_owned(), "(top level)".to_owned())];
    for candidate in tree.all_by_name() {
        if !tree.is_self_or_below(&group.id, &candidate.id) {
            places.push((candidate.id.clone(), tree.path(&candidate.id)));
        }
    }
    places[1..].sort_by(|a, b| a.1.cmp(&b.1));
    let options: Vec<(&str, &str)> =
        places.iter().map(|(id, path)| (id.as_str(), path.as_str())).collect();
    html! {
        @if fields.has_errors() || move_fields.has_errors() { (error_notice(FIX_BELOW)) }
        form.panel method="post" action=(group_url(console, realm, group, "/settings")) novalidate {
            (console.csrf_input())
            h2 { "General" }
            div.field { span.label { "ID" } span.mono { (group.id) } }
            (text_field(fields, "name", "Name", "Unique among the groups beside it."))
            (text_field(fields, "description", "Description", ""))
            div.actions { button.button type="submit" { "Save" } }
        }
        form.panel method="post" action=(group_url(console, realm, group, "/move")) {
            (console.csrf_input())
            h2 { "Move" }
            (select_field(move_fields, "parent", "Move under", "Its members then hold the roles of the groups above its new place instead.", &options))
            div.actions { button.button type="submit" { "Move" } }
        }
        form.panel method="post" action=(group_url(console, realm, group, "/delete")) {
            (console.csrf_input())
            h2 { "Delete" }
            p { "Deleting the group deletes its subgroups; their members lose the roles they held through them." }
            div.actions { button.button.danger type="submit" { "Delete group" } }
        }
    }
}

fn stored_fields(group: &Group) -> (Fields, Fields) {
    let mut fields = Fields::default();
    fields.set("name", group.name.clone());
    fields.set("description", group.description.clone().unwrap_or_default());
    let mut move_fields = Fields::default();
    move_fields.set("parent", group.parent_id.clone().unwrap_or_default());
    (fields, move_fields)
}

pub(crate) async fn get_settings(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    Path((_, id)): Path<(String, String)>,
    query: Query,
) -> Result<Response, ConsoleError> {
    let tree = groups::tree(&state, &realm).await?;
    let group = open_group(&tree, &id)?;
    let frame = Frame { console: &console, realm: &realm.realm.name, tree: &tree, group };
    let (fields, move_fields) = stored_fields(group);
    let content = settings_content(&frame, &fields, &move_fields);
    Ok(frame.render(GroupTab::Settings, notice(query.get("notice")), content, StatusCode::OK))
}

pub(crate) async fn post_settings(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    Path((_, id)): Path<(String, String)>,
    ConsoleForm(form): ConsoleForm,
) -> Result<Response, ConsoleError> {
    let name = &realm.realm.name;
    let tree = groups::tree(&state, &realm).await?;
    let group = open_group(&tree, &id)?;
    let mut fields = Fields::from_form(&form);
    let new_name = fields.text("name").unwrap_or_default();
    let mut status = StatusCode::BAD_REQUEST;
    if new_name.is_empty() {
        fields.add_error("name", "Enter a group name.");
    } else {
        let rep = GroupRepresentation {
            name: Some(new_name),
            description: fields.text("description").filter(|d| !d.is_empty()),
            attributes: Some(group.attributes.clone()),
            ..GroupRepresentation::default()
        };
        match groups::update(&state, &realm, &group.id, &rep).await {
            Ok(()) => {
                let url = group_url(&console, name, group, "/settings");
                return Ok(see_other(&format!("{url}?notice=saved")));
            }
            Err(error @ (ManageError::SiblingGroupTaken(_) | ManageError::Invalid { .. })) => {
                fields.add_error("name", refusal_text(&error));
                status = refusal_status(&error);
            }
            Err(other) => return Err(other.into()),
        }
    }
    let frame = Frame { console: &console, realm: name, tree: &tree, group };
    let content = settings_content(&frame, &fields, &stored_fields(group).1);
    Ok(frame.render(GroupTab::Settings, html! {}, content, status))
}

pub(crate) async fn post_move(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    Path((_, id)): Path<(String, String)>,
    ConsoleForm(form): ConsoleForm,
) -> Result<Response, ConsoleError> {
    let name = &realm.realm.name;
    let tree = groups::tree(&state, &realm).await?;
    let group = open_group(&tree, &id)?;
    let parent = form.get("parent").filter(|parent| *parent != TOP_LEVEL);
    let rep = GroupRepresentation {
        id: Some(group.id.clone()),
        name: Some(group.name.clone()),
        ..GroupRepresentation::default()
    };
    match groups::create_or_move(&state, &realm, parent, &rep).await {
        Ok(_) => {
            let url = group_url(&console, name, group, "/settings");
            Ok(see_other(&format!("{url}?notice=moved")))
        }
        Err(
            error @ (ManageError::TopLevelGroupTaken(_)
            | ManageError::SiblingGroupTaken(_)
            | ManageError::GroupCycle
            | ManageError::NotFound(_)),
        ) => {
            let mut move_fields = Fields::from_form(&form);
            move_fields.add_error("parent", refusal_text(&error));
            let frame = Frame { console: &console, realm: name, tree: &tree, group };
            let content = settings_content(&frame, &stored_fields(group).0, &move_fields);
            Ok(frame.render(GroupTab::Settings, html! {}, content, refusal_status(&error)))
        }
        Err(other) => Err(other.into()),
    }
}

pub(crate) async fn post_delete(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    Path((_, id)): Path<(String, String)>,
    ConsoleForm(form): ConsoleForm,
) -> Result<Response, ConsoleError> {
    let name = &realm.realm.name;
    let tree = groups::tree(&state, &realm).await?;
    let group = open_group(&tree, &id)?;
    if !is_confirmed(&form) {
        let path = tree.path(&group.id);
        let question = match tree.sub_group_count(&group.id) {
            0 => format!(
                "Group {path} will be deleted; its members lose the roles they held through it. This cannot be undone."
            ),
            below => format!(
                "Group {path} will be deleted with the groups below it ({below} directly below); their members lose the roles they held through them. This cannot be undone."
            ),
        };
        return Ok(Confirm {
            section: Section::Groups,
            title: "Delete group?",
            question,
            action: group_url(&console, name, group, "/delete"),
            button: "Delete",
            cancel: group_url(&console, name, group, "/settings"),
        }
        .render(&console, name));
    }
    groups::remove(&state, &realm, &group.id).await?;
    Ok(see_other(&format!("{}?notice=deleted", console.realm_url(name, "/groups"))))
}

// ---- A user's Groups tab ----

pub(crate) async fn get_user_groups(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    Path((_, id)): Path<(String, String)>,
    query: Query,
) -> Result<Response, ConsoleError> {
    let user = open_user(&state, &realm, &id).await?;
    let name = &realm.realm.name;
    let tree = groups::tree(&state, &realm).await?;
    let joined = groups::of_user(&state, &tree, &user).await?;
    let mut held: Vec<String> = Vec::new();
    for group in &joined {
        for above in tree.self_and_ancestors(&group.id).into_iter().skip(1) {
            let path = tree.path(&above.id);
            if !joined.iter().any(|g| g.id == above.id) && !held.contains(&path) {
                held.push(path);
            }
        }
    }
    let mut options: Vec<(String, String)> = tree
        .all_by_name()
        .into_iter()
        .filter(|group| !joined.iter().any(|g| g.id == group.id))
        .map(|group| (group.id.clone(), tree.path(&group.id)))
        .collect();
    options.sort_by(|a, b| a.1.cmp(&b.1));
    let choices: Vec<(&str, &str)> =
        options.iter().map(|(id, path)| (id.as_str(), path.as_str())).collect();
    let actions = user_url(&console, name, &user, "/groups");
    let content = html! {
        div.table-wrap {
            @if joined.is_empty() {
                p.empty { "Not a member of any group." }
            } @else {
                table {
                    thead { tr { th { "Group" } th.num { "" } } }
                    tbody {
                        @for group in &joined {
                            tr {
                                td { a href=(group_url(&console, name, group, "")) { (tree.path(&group.id)) } }
                                td.actions-cell {
                                    form.inline method="post" action={ (actions) "/leave" } {
                                        (console.csrf_input())
                                        input type="hidden" name="group" value=(group.id);
                                        button.button.danger.small type="submit" aria-label={ "Leave " (tree.path(&group.id)) } { "Leave" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if !held.is_empty() {
            p.lede { "Holds the roles of the groups above too: " (held.join(", ")) "." }
        }
        @if !choices.is_empty() {
            form.panel method="post" action={ (actions) "/join" } {
                (console.csrf_input())
                h2 { "Join group" }
                (select_field(&Fields::default(), "group", "Group", "The user holds its roles, and those of the groups above it, from the next login or refresh.", &choices))
                div.actions { button.button type="submit" { "Join" } }
            }
        }
    };
    Ok(user_frame(
        &console,
        name,
        &user,
        Tab::Groups,
        notice(query.get("notice")),
        content,
        StatusCode::OK,
    ))
}

async fn change_membership(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    id: String,
    form: crate::extract::Form,
    is_join: bool,
) -> Result<Response, ConsoleError> {
    let user = open_user(&state, &realm, &id).await?;
    let group = form.get("group").unwrap_or_default();
    let changed = if is_join {
        groups::join(&state, &realm, &user, group).await
    } else {
        groups::leave(&state, &realm, &user, group).await
    };
    match changed {
        Ok(()) => {}
        Err(ManageError::NotFound(_)) => return Err(ConsoleError::NotFound("This group")),
        Err(other) => return Err(other.into()),
    }
    let url = user_url(&console, &realm.realm.name, &user, "/groups");
    Ok(see_other(&format!("{url}?notice={}", if is_join { "joined" } else { "left" })))
}

pub(crate) async fn post_user_join(
    page: ConsoleRealm,
    Path((_, id)): Path<(String, String)>,
    ConsoleForm(form): ConsoleForm,
) -> Result<Response, ConsoleError> {
    change_membership(page, id, form, true).await
}

pub(crate) async fn post_user_leave(
    page: ConsoleRealm,
    Path((_, id)): Path<(String, String)>,
    ConsoleForm(form): ConsoleForm,
) -> Result<Response, ConsoleError> {
    change_membership(page, id, form, false).await
}
