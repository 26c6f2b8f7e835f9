//! Expiry arithmetic (`TokenManager.getTokenExpiration`, `SessionExpirationUtils`,
//! `AuthenticationManager.isSessionValid`), `spec/keycloak-protocol.md` §3.2-3.3.

use crate::client::Client;
use crate::realm::Realm;
use crate::session::Session;

/// The effective lifetimes for one client of one realm, in seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lifetimes {
    pub access_token: i64,
    pub sso_idle: i64,
    pub sso_max: i64,
    pub client_idle: i64,
    pub client_max: i64,
    /// Whether refresh tokens carry an `exp`: always online; offline only when the realm
    /// gives offline sessions a maximum age (`offlineSessionMaxLifespanEnabled`).
    pub refresh_has_expiry: bool,
}

/// A client value applies only when set and shorter than the SSO value.
fn capped(client_value: Option<i64>, realm_value: i64, sso_value: i64) -> i64 {
    match client_value.filter(|v| *v > 0).or(Some(realm_value).filter(|v| *v > 0)) {
        Some(value) if value < sso_value => value,
        _ => sso_value,
    }
}

impl Lifetimes {
    /// The lifetimes of a session: offline sessions use the realm's offline idle
    /// timeout and, when enabled, its offline max lifespan instead of the SSO ones
    /// (`SessionExpirationUtils` with `offline` true).
    pub fn for_session(realm: &Realm, client: &Client, offline: bool) -> Self {
        let online = Lifetimes::new(realm, client);
        if !offline {
            return online;
        }
        let tokens = &realm.settings.tokens;
        let idle = tokens.offline_session_idle_timeout;
        let max = if tokens.offline_session_max_lifespan_enabled {
            tokens.offline_session_max_lifespan
        } else {
            i64::MAX
        };
        Lifetimes {
            sso_idle: idle,
            sso_max: max,
            client_idle: idle,
            client_max: max,
            refresh_has_expiry: tokens.offline_session_max_lifespan_enabled,
            ..online
        }
    }

    pub fn new(realm: &Realm, client: &Client) -> Self {
        let tokens = &realm.settings.tokens;
        Lifetimes {
            refresh_has_expiry: true,
            access_token: client.access_token_lifespan().unwrap_or(tokens.access_token_lifespan),
            sso_idle: tokens.sso_session_idle_timeout,
            sso_max: tokens.sso_session_max_lifespan,
            client_idle: capped(
                client.client_session_idle(),
                tokens.client_session_idle_timeout,
                tokens.sso_session_idle_timeout,
            ),
            client_max: capped(
                client.client_session_max(),
                tokens.client_session_max_lifespan,
                tokens.sso_session_max_lifespan,
            ),
        }
    }

    pub fn is_user_session_active(&self, session: &Session, now: i64) -> bool {
        session.is_active(self.sso_idle, self.sso_max, now)
    }

    pub fn is_client_session_active(&self, session: &Session, now: i64) -> bool {
        session.is_active(self.client_idle, self.client_max, now)
    }

    /// When the client session ends at the latest.
    pub fn max_deadline(&self, session: &Session) -> i64 {
        session.max_deadline(self.client_max).min(session.max_deadline(self.sso_max))
    }

    /// Refresh token `exp` for a refresh token issued at `now` (which becomes the
    /// session's last refresh); `None` for an offline token without a max lifespan.
    pub fn refresh_expiry(&self, session: &Session, now: i64) -> Option<i64> {
        self.refresh_has_expiry
            .then(|| now.saturating_add(self.client_idle).min(self.max_deadline(session)))
    }

    /// Access token `exp`: now + lifespan, never past the session's max (`-1`: until max).
    pub fn access_expiry(&self, session: Option<&Session>, now: i64) -> i64 {
        let wanted =
            if self.access_token < 0 { i64::MAX } else { now.saturating_add(self.access_token) };
        match session {
            Some(session) => wanted.min(self.max_deadline(session)),
            None => wanted,
        }
    }
}

/// The longest an access (or ID) token of the realm can live, in seconds: the realm's
/// lifespan or a client's override, whichever is longest; `-1` ("until the session's
/// max") counts as the longest session lifetime. Revocation entries are kept this long.
pub fn longest_access_lifespan<'a>(
    realm: &Realm,
    clients: impl IntoIterator<Item = &'a Client>,
) -> i64 {
    let tokens = &realm.settings.tokens;
    let session_max = tokens.sso_session_max_lifespan.max(tokens.offline_session_max_lifespan);
    let lifespan = |seconds: i64| if seconds < 0 { session_max } else { seconds };
    clients
        .into_iter()
        .filter_map(Client::access_token_lifespan)
        .map(lifespan)
        .fold(lifespan(tokens.access_token_lifespan), i64::max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::ClientSettings;
    use crate::session::RefreshReuse;

    fn fixtures() -> (Realm, Client, Session) {
        let realm = Realm::new("r".into(), "demo".into());
        let client = Client {
            id: "c".into(),
            realm_id: "r".into(),
            client_id: "app".into(),
            enabled: true,
            public_client: true,
            secret: None,
            settings: ClientSettings::default(),
            claims: Default::default(),
        };
        let session = Session {
            id: "s".into(),
            realm_id: "r".into(),
            user_id: "u".into(),
            client_uuid: "c".into(),
            started: 1000,
            last_refresh: 1000,
            scope: String::new(),
            offline: false,
            reuse: RefreshReuse::default(),
            ip_address: String::new(),
        };
        (realm, client, session)
    }

    #[test]
    fn fresh_login_gets_300_and_1800() {
        let (realm, client, session) = fixtures();
        let lifetimes = Lifetimes::new(&realm, &client);
        assert_eq!(lifetimes.access_expiry(Some(&session), 1000) - 1000, 300);
        assert_eq!(lifetimes.refresh_expiry(&session, 1000), Some(1000 + 1800));
    }

    #[test]
    fn near_sso_max_both_shrink_to_the_remaining_time() {
        let (realm, client, session) = fixtures();
        let lifetimes = Lifetimes::new(&realm, &client);
        let now = 1000 + 36000 - 100;
        assert_eq!(lifetimes.access_expiry(Some(&session), now) - now, 100);
        assert_eq!(lifetimes.refresh_expiry(&session, now), Some(now + 100));
    }

    #[test]
    fn client_attribute_overrides_access_lifespan() {
        let (realm, mut client, session) = fixtures();
        client.settings.attributes.insert("access.token.lifespan".into(), "60".into());
        let lifetimes = Lifetimes::new(&realm, &client);
        assert_eq!(lifetimes.access_expiry(Some(&session), 1000) - 1000, 60);
    }

    #[test]
    fn idle_session_is_inactive_exactly_at_the_deadline() {
        let (realm, client, session) = fixtures();
        let lifetimes = Lifetimes::new(&realm, &client);
        assert!(lifetimes.is_user_session_active(&session, 1000 + 1799));
        assert!(!lifetimes.is_user_session_active(&session, 1000 + 1800));
    }
}
