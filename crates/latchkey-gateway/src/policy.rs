//! Route policy: which path prefix (and methods) goes to which upstream, and what a
//! token must carry to get there. Pure: no I/O, no clock.

use std::collections::HashMap;

use http::Method;

/// A role a token can carry: a realm role (`realm_access.roles`) or a client role
/// (`resource_access.{client}.roles`), written `client:role` in the configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoleRef {
    Realm(String),
    Client { client: String, role: String },
}

impl RoleRef {
    /// `adminRole` is a realm role, `crm_client:viewer` a role of client `crm_client`.
    pub fn parse(text: &str) -> Option<RoleRef> {
        match text.split_once(':') {
            None if !text.is_empty() => Some(RoleRef::Realm(text.to_owned())),
            Some((client, role)) if !client.is_empty() && !role.is_empty() => {
                Some(RoleRef::Client { client: client.to_owned(), role: role.to_owned() })
            }
            _ => None,
        }
    }
}

/// The roles a verified token carries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Roles {
    pub realm: Vec<String>,
    pub clients: HashMap<String, Vec<String>>,
}

impl Roles {
    pub fn has(&self, role: &RoleRef) -> bool {
        match role {
            RoleRef::Realm(name) => self.realm.iter().any(|r| r == name),
            RoleRef::Client { client, role } => {
                self.clients.get(client).is_some_and(|roles| roles.iter().any(|r| r == role))
            }
        }
    }
}

/// What a request needs to pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rule {
    /// No token needed; the request passes untouched (apart from header hygiene).
    Public,
    /// A valid token with at least one of these roles.
    AnyOf(Vec<RoleRef>),
    /// A valid token with every one of these roles.
    AllOf(Vec<RoleRef>),
}

impl Rule {
    pub fn is_public(&self) -> bool {
        matches!(self, Rule::Public)
    }

    /// Whether a verified token's roles satisfy the rule.
    pub fn allows(&self, roles: &Roles) -> bool {
        match self {
            Rule::Public => true,
            Rule::AnyOf(wanted) => wanted.iter().any(|role| roles.has(role)),
            Rule::AllOf(wanted) => wanted.iter().all(|role| roles.has(role)),
        }
    }
}

/// One configured route.
#[derive(Clone, Debug)]
pub struct Route {
    /// Normalised: starts with `/`, no trailing `/` (except the root route `/`).
    pub prefix: String,
    /// `None`: every method.
    pub methods: Option<Vec<Method>>,
    /// `scheme://authority[/base-path]`, no trailing `/`.
    pub upstream: String,
    /// Remove the prefix before appending the path to the upstream URL.
    pub strip_prefix: bool,
    pub rule: Rule,
}

impl Route {
    /// Whether `path` lies under this route's prefix, segment-wise: `/admin` matches
    /// `/admin` and `/admin/x`, never `/administrator`.
    pub fn matches_path(&self, path: &str) -> bool {
        if self.prefix == "/" {
            return path.starts_with('/');
        }
        match path.strip_prefix(self.prefix.as_str()) {
            Some(rest) => rest.is_empty() || rest.starts_with('/'),
            None => false,
        }
    }

    fn matches_method(&self, method: &Method) -> bool {
        self.methods.as_ref().is_none_or(|methods| methods.contains(method))
    }

    /// The upstream URL for a request's path and query.
    pub fn upstream_url(&self, path: &str, query: Option<&str>) -> String {
        let path = match (self.strip_prefix, self.prefix.as_str()) {
            (true, prefix) if prefix != "/" => path.strip_prefix(prefix).unwrap_or(path),
            _ => path,
        };
        let mut url = format!("{}{}", self.upstream, if path.is_empty() { "/" } else { path });
        if let Some(query) = query {
            url.push('?');
            url.push_str(query);
        }
        url
    }
}

/// Normalises a configured prefix: leading `/`, no trailing `/`.
pub fn normalise_prefix(prefix: &str) -> Option<String> {
    if !prefix.starts_with('/') || !is_safe_path(prefix) {
        return None;
    }
    let trimmed = prefix.trim_end_matches('/');
    Some(if trimmed.is_empty() { "/".to_owned() } else { trimmed.to_owned() })
}

/// Routes, longest prefix first; the first whose prefix and method match wins.
#[derive(Clone, Debug, Default)]
pub struct RouteTable {
    routes: Vec<Route>,
}

impl RouteTable {
    pub fn new(mut routes: Vec<Route>) -> Self {
        // Stable: among equal prefixes the configuration's order decides.
        routes.sort_by_key(|route| std::cmp::Reverse(route.prefix.len()));
        RouteTable { routes }
    }

    pub fn find(&self, method: &Method, path: &str) -> Option<&Route> {
        self.routes.iter().find(|route| route.matches_path(path) && route.matches_method(method))
    }

    pub fn routes(&self) -> &[Route] {
        &self.routes
    }
}

/// Whether a request path can be matched by prefix without the upstream reading it as
/// another path: no `.`/`..` segments, no empty segments, no backslash and no encoded
/// `/`, `\` or `.` (which an upstream might decode into one of those). A path that fails
/// is refused (400) rather than normalised, so the gateway and the upstream never disagree
/// about which route a request belongs to.
pub fn is_safe_path(path: &str) -> bool {
    if !path.starts_with('/') || path.contains('\\') || path.contains("//") {
        return false;
    }
    let lower = path.to_ascii_lowercase();
    if ["%2f", "%5c", "%2e", "%00"].iter().any(|encoded| lower.contains(encoded)) {
        return false;
    }
    path.split('/').all(|segment| segment != "." && segment != "..")
}

#[cfg(test)]
mod tests;
