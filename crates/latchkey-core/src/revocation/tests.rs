use super::*;

fn facts<'a>(sid: Option<&'a str>, sub: Option<&'a str>, iat: i64) -> TokenFacts<'a> {
    TokenFacts { sid, sub, jti: None, iat: Some(iat) }
}

#[test]
fn a_session_entry_covers_that_session_only() {
    let mut list = RevocationList::default();
    list.insert(Revocation::Session { sid: "s1".into(), expires: 100 });
    assert!(list.covers(&facts(Some("s1"), Some("u"), 10)));
    assert!(!list.covers(&facts(Some("s2"), Some("u"), 10)));
    assert!(!list.covers(&facts(None, Some("u"), 10)));
}

#[test]
fn a_user_entry_covers_tokens_issued_before_the_cut_off() {
    let mut list = RevocationList::default();
    list.insert(Revocation::User { sub: "u".into(), issued_before: 50, expires: 400 });
    assert!(list.covers(&facts(None, Some("u"), 49)));
    assert!(!list.covers(&facts(None, Some("u"), 50)), "a token issued at the cut-off is new");
    assert!(!list.covers(&facts(None, Some("other"), 10)));
    // A later cut-off widens the entry; an earlier one does not narrow it.
    list.insert(Revocation::User { sub: "u".into(), issued_before: 60, expires: 300 });
    list.insert(Revocation::User { sub: "u".into(), issued_before: 55, expires: 300 });
    assert!(list.covers(&facts(None, Some("u"), 59)));
}

#[test]
fn realm_and_token_entries() {
    let mut list = RevocationList::default();
    list.insert(Revocation::Token { jti: "j".into(), expires: 100 });
    list.insert(Revocation::Realm { issued_before: 20, expires: 100 });
    let token = TokenFacts { sid: None, sub: None, jti: Some("j"), iat: Some(30) };
    assert!(list.covers(&token));
    assert!(list.covers(&facts(None, None, 19)));
    assert!(!list.covers(&facts(None, None, 20)));
}

#[test]
fn prune_forgets_entries_whose_tokens_have_all_expired() {
    let mut list = RevocationList::default();
    list.insert(Revocation::Session { sid: "old".into(), expires: 100 });
    list.insert(Revocation::Session { sid: "new".into(), expires: 200 });
    list.insert(Revocation::Realm { issued_before: 10, expires: 100 });
    list.prune(100);
    assert_eq!(list.len(), 3, "an entry lives through its last second");
    list.prune(101);
    assert_eq!(list.entries(), vec![Revocation::Session { sid: "new".into(), expires: 200 }]);
}

#[test]
fn the_wire_format_is_tagged_by_type() {
    let entry = Revocation::User { sub: "u".into(), issued_before: 5, expires: 9 };
    let text = serde_json::to_string(&entry).unwrap();
    assert_eq!(text, r#"{"type":"user","sub":"u","issued_before":5,"expires":9}"#);
    assert_eq!(serde_json::from_str::<Revocation>(&text).unwrap(), entry);
}
