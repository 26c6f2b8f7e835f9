//! `/admin/realms/{realm}/users…` (`UsersResource.java`, `UserResource.java`; spec §5.4):
//! search, count, create, read, update, delete and reset-password. The changes are
//! `manage::users`'.

use axum::Json;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use latchkey_core::group::parse_attribute_query;
use latchkey_core::representation::{
    CredentialRepresentation, UserRepresentation, user_to_representation,
};
use latchkey_core::store::{Store, TextMatch, UserQuery};
use latchkey_core::user::User;

use super::auth::{AdminRealm, ManageUsers, QueryUsers, ViewUsers};
use super::request::{
    Body, DEFAULT_MAX_RESULTS, Page, Query, TextBody, created, no_content, path_segment, realm_url,
};
use crate::cache::RealmSnapshot;
use crate::error::ApiError;
use crate::manage::{credentials, users};
use crate::state::AppState;

/// What `GET /users` and `GET /users/count` look for.
enum UserFilter {
    /// `search=id:<id>`: one user by id.
    Id(String),
    Query(UserQuery),
}

impl UserFilter {
    fn from_query(query: &Query) -> Result<Self, ApiError> {
        let text = |name: &str| query.get(name).map(str::trim).filter(|v| !v.is_empty());
        let search = text("search");
        if let Some(id) = search.and_then(|search| search.strip_prefix("id:")) {
            return Ok(UserFilter::Id(id.trim().to_owned()));
        }
        let is_exact = query.boolean("exact").unwrap_or(false);
        let field = |name: &str| {
            text(name).map(|value| {
                let value = value.to_lowercase();
                if is_exact { TextMatch::Exact(value) } else { TextMatch::Contains(value) }
            })
        };
        Ok(UserFilter::Query(UserQuery {
            search: search.map(users::search_match),
            username: field("username"),
            email: field("email"),
            first_name: field("firstName"),
            last_name: field("lastName"),
            enabled: query.boolean("enabled"),
            email_verified: query.boolean("emailVerified"),
            // Only the first `q` counts, as in 26.7.3 (`facts-12.md` §3.7).
            attributes: query.get("q").map(parse_attribute_query).unwrap_or_default(),
        }))
    }
}

/// `ModelToRepresentation.toBriefRepresentation(user)`: identity and switches only.
pub(crate) fn brief(user: &User) -> UserRepresentation {
    let full = user_to_representation(user);
    UserRepresentation {
        attributes: None,
        required_actions: None,
        not_before: None,
        service_account_client_id: None,
        ..full
    }
}

/// The users the filter finds, by username, within `page`.
async fn filtered_users(
    state: &AppState,
    realm: &RealmSnapshot,
    filter: &UserFilter,
    page: Page,
) -> Result<Vec<User>, ApiError> {
    match filter {
        UserFilter::Id(id) => {
            let user = state.store.find_user_by_id(&realm.realm.id, id).await?;
            Ok(page.apply(user.filter(|user| !user.is_service_account())))
        }
        UserFilter::Query(query) => {
            Ok(state.store.search_users(&realm.realm.id, query, page.first, page.max).await?)
        }
    }
}

/// Users by username, filtered in the database, then `first`/`max` (default 100).
pub(crate) async fn list_users(
    AdminRealm { state, realm, .. }: AdminRealm<QueryUsers>,
    query: Query,
) -> Result<Response, ApiError> {
    let page = query.page(DEFAULT_MAX_RESULTS)?;
    let is_brief = query.boolean("briefRepresentation").unwrap_or(false);
    let filter = UserFilter::from_query(&query)?;
    let users = filtered_users(&state, &realm, &filter, page).await?;
    let reps: Vec<UserRepresentation> = users
        .iter()
        .map(|user| if is_brief { brief(user) } else { user_to_representation(user) })
        .collect();
    Ok(Json(reps).into_response())
}

/// The number of users the same filters find, as a bare JSON number.
pub(crate) async fn count_users(
    AdminRealm { state, realm, .. }: AdminRealm<QueryUsers>,
    query: Query,
) -> Result<Response, ApiError> {
    let count = match UserFilter::from_query(&query)? {
        UserFilter::Id(id) => {
            let page = Page { first: 0, max: 1 };
            filtered_users(&state, &realm, &UserFilter::Id(id), page).await?.len() as i64
        }
        UserFilter::Query(query) => {
            state.store.count_users_matching(&realm.realm.id, &query).await?
        }
    };
    Ok(Json(count).into_response())
}

/// `UsersResource.createUser`: 201 with `Location: …/users/{id}`.
#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn post_user(
    AdminRealm { state, realm, caller, .. }: AdminRealm<ManageUsers>,
    body: Body,
) -> Result<Response, ApiError> {
    let rep: UserRepresentation = body.representation()?;
    let user = users::create(&state, &realm, &rep).await?;
    let location = format!(
        "{}/users/{}",
        realm_url(&caller.base_url, &realm.realm.name),
        path_segment(&user.id)
    );
    Ok(created(&location))
}

pub(crate) async fn get_user(
    AdminRealm { state, realm, .. }: AdminRealm<ViewUsers>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let user = users::find(&state, &realm, &id).await?;
    Ok(Json(user_to_representation(&user)).into_response())
}

/// `UserResource.updateUser`: 204.
#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn put_user(
    AdminRealm { state, realm, .. }: AdminRealm<ManageUsers>,
    Path((_, id)): Path<(String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    let rep: UserRepresentation = body.representation()?;
    users::update(&state, &realm, &id, &rep).await?;
    Ok(no_content())
}

#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn delete_user(
    AdminRealm { state, realm, .. }: AdminRealm<ManageUsers>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    users::remove(&state, &realm, &id).await?;
    Ok(no_content())
}

/// `UserResource.resetPassword`: a `CredentialRepresentation` with the new `value`;
/// `temporary` true makes the user change it (`UPDATE_PASSWORD`), false or absent does not.
#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn put_reset_password(
    AdminRealm { state, realm, .. }: AdminRealm<ManageUsers>,
    Path((_, id)): Path<(String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    let rep: CredentialRepresentation = body.representation()?;
    users::reset_password(&state, &realm, &id, rep).await?;
    Ok(no_content())
}

/// `UserResource.credentials`: every stored credential, the user's order, without secret
/// data; `credentialData` keeps the hash's algorithm and iterations, an OTP's digits…
pub(crate) async fn list_credentials(
    AdminRealm { state, realm, .. }: AdminRealm<ViewUsers>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let user = users::find(&state, &realm, &id).await?;
    let reps: Vec<CredentialRepresentation> = credentials::list(&state, &user)
        .await?
        .into_iter()
        .map(|credential| CredentialRepresentation {
            id: Some(credential.id),
            credential_type: Some(credential.credential_type),
            user_label: credential.user_label,
            created_date: Some(credential.created_date),
            credential_data: Some(credential.credential_data),
            ..CredentialRepresentation::default()
        })
        .collect();
    Ok(Json(reps).into_response())
}

/// `DELETE …/credentials/{credential}`: 204; 404 `Credential not found`.
#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn delete_credential(
    AdminRealm { state, realm, .. }: AdminRealm<ManageUsers>,
    Path((_, id, credential)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let user = users::find(&state, &realm, &id).await?;
    credentials::remove(&state, &user, &credential).await?;
    Ok(no_content())
}

/// `PUT …/credentials/{credential}/userLabel`: the body is the label as plain text
/// (`@Consumes(TEXT_PLAIN)`): another content type is 415, as in 26.7.3.
#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn put_credential_label(
    AdminRealm { state, realm, .. }: AdminRealm<ManageUsers>,
    Path((_, id, credential)): Path<(String, String, String)>,
    body: TextBody,
) -> Result<Response, ApiError> {
    let label = body.text()?;
    let user = users::find(&state, &realm, &id).await?;
    credentials::set_label(&state, &user, &credential, &label).await?;
    Ok(no_content())
}

/// `POST …/credentials/{credential}/moveToFirst`: 204.
#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn post_credential_first(
    AdminRealm { state, realm, .. }: AdminRealm<ManageUsers>,
    Path((_, id, credential)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let user = users::find(&state, &realm, &id).await?;
    credentials::move_to(&state, &user, &credential, None).await?;
    Ok(no_content())
}

/// `POST …/credentials/{credential}/moveAfter/{after}`: 204, also when `after` is not
/// the user's (nothing moves then).
#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn post_credential_after(
    AdminRealm { state, realm, .. }: AdminRealm<ManageUsers>,
    Path((_, id, credential, after)): Path<(String, String, String, String)>,
) -> Result<Response, ApiError> {
    let user = users::find(&state, &realm, &id).await?;
    credentials::move_to(&state, &user, &credential, Some(&after)).await?;
    Ok(no_content())
}

/// `GET …/configured-user-storage-credential-types`: latchkey has no user federation,
/// so none (`[]`, as 26.7.3 answers for a local user).
pub(crate) async fn list_storage_credential_types(
    AdminRealm { state, realm, .. }: AdminRealm<ViewUsers>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    users::find(&state, &realm, &id).await?;
    Ok(Json(Vec::<String>::new()).into_response())
}
