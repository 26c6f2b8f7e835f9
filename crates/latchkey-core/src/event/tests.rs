//! The event settings' rules and the query dates, against Keycloak 26.7.3's answers
//! (`facts-12.md` §4.1, §4.2).

use super::*;

#[test]
fn a_fresh_realm_shows_the_103_saved_by_default_types_and_stores_nothing() {
    let settings = EventSettings::default();
    let shown = RealmEventsConfigRepresentation::from_settings(&settings);
    assert_eq!(shown.events_enabled, Some(false));
    assert_eq!(shown.events_expiration, None);
    assert_eq!(shown.events_listeners, Some(vec!["jboss-logging".to_owned()]));
    assert_eq!(shown.enabled_event_types.as_ref().map(Vec::len), Some(103));
    assert!(!settings.stores("LOGIN"));
}

#[test]
fn an_empty_type_list_stores_the_default_types_only() {
    let put = RealmEventsConfigRepresentation {
        events_enabled: Some(true),
        enabled_event_types: Some(Vec::new()),
        ..Default::default()
    };
    let settings = put.apply(&EventSettings::default()).unwrap();
    assert!(settings.stores("LOGIN"));
    assert!(settings.stores("CLIENT_LOGIN_ERROR"));
    assert!(!settings.stores("REFRESH_TOKEN"));
    assert!(!settings.stores("USER_INFO_REQUEST"));
    assert!(!settings.stores("INTROSPECT_TOKEN_ERROR"));
}

#[test]
fn a_listed_type_is_stored_and_the_others_are_not() {
    let put = RealmEventsConfigRepresentation {
        events_enabled: Some(true),
        enabled_event_types: Some(vec!["LOGIN".into(), "LOGOUT".into(), "REFRESH_TOKEN".into()]),
        ..Default::default()
    };
    let settings = put.apply(&EventSettings::default()).unwrap();
    assert!(settings.stores("REFRESH_TOKEN"));
    assert!(!settings.stores("LOGIN_ERROR"));
    assert_eq!(settings.shown_event_types(), ["LOGIN", "LOGOUT", "REFRESH_TOKEN"]);
}

#[test]
fn a_put_resets_the_expiration_and_keeps_what_else_it_leaves_out() {
    let before = EventSettings {
        events_enabled: true,
        events_expiration: Some(3600),
        enabled_event_types: vec!["LOGIN".into()],
        admin_events_enabled: true,
        admin_events_details_enabled: true,
        ..EventSettings::default()
    };
    let put = RealmEventsConfigRepresentation { events_enabled: Some(true), ..Default::default() };
    let after = put.apply(&before).unwrap();
    assert!(after.events_enabled);
    assert_eq!(after.events_expiration, None);
    assert_eq!(after.enabled_event_types, ["LOGIN"]);
    assert!(after.admin_events_enabled);
    assert!(after.admin_events_details_enabled);
}

#[test]
fn unknown_listeners_are_refused_and_unknown_types_kept() {
    let put = RealmEventsConfigRepresentation {
        events_listeners: Some(vec!["no-such-listener".into()]),
        ..Default::default()
    };
    assert_eq!(put.apply(&EventSettings::default()), Err(EventsConfigError::UnknownListener));
    let put = RealmEventsConfigRepresentation {
        enabled_event_types: Some(vec!["NOPE".into()]),
        ..Default::default()
    };
    assert_eq!(put.apply(&EventSettings::default()).unwrap().enabled_event_types, ["NOPE"]);
}

#[test]
fn the_default_list_written_back_means_the_default() {
    let all = SAVED_BY_DEFAULT.iter().map(|t| (*t).to_owned()).collect();
    let put = RealmEventsConfigRepresentation {
        events_enabled: Some(true),
        enabled_event_types: Some(all),
        ..Default::default()
    };
    assert!(put.apply(&EventSettings::default()).unwrap().enabled_event_types.is_empty());
}

#[test]
fn dates_read_as_days_or_epoch_millis() {
    // 2026-12-07T00:00:00Z = 1796601600000 ms.
    assert_eq!(parse_date("2026-12-07", false), Some(1_796_601_600_000));
    assert_eq!(parse_date("2026-12-07", true), Some(1_796_601_600_000 + 86_400_000 - 1));
    assert_eq!(parse_date("1796633985019", true), Some(1_796_633_985_019));
    // Rolled over as Java's lenient parser does.
    assert_eq!(parse_date("2026-02-30", false), parse_date("2026-03-02", false));
    for bad in [
        "07-12-2026",
        "2026-13-45",
        "2026-12-00",
        "2026-00-10",
        "2026-1-01",
        "2026-01-01x",
        "",
        "today",
        "+2026-01-01",
    ] {
        assert_eq!(parse_date(bad, false), None, "{bad}");
    }
}

#[test]
fn keycloak_s_types_are_known_exactly() {
    assert!(is_event_type("LOGIN"));
    assert!(is_event_type("REFRESH_TOKEN_ERROR"));
    assert!(!is_event_type("login"));
    assert!(!is_event_type("NOPE"));
}
