use super::*;

#[test]
fn events_are_read_as_name_and_data() {
    let (name, data) = parse_event("event: revoked\ndata: {\"a\":1}\n\n");
    assert_eq!(name.as_deref(), Some("revoked"));
    assert_eq!(data, "{\"a\":1}");
    let (name, data) = parse_event(": keep-alive\n\n");
    assert_eq!((name, data.as_str()), (None, ""));
}

#[test]
fn fail_closed_refuses_until_the_first_snapshot_and_keep_last_does_not() {
    let state = IssuerRevocations::default();
    let token = TokenFacts { sid: Some("s"), ..TokenFacts::default() };
    assert_eq!(state.check(&token, LinkLoss::FailClosed), Check::Unavailable);
    assert_eq!(state.check(&token, LinkLoss::KeepLast), Check::Accepted);
    state.add([Revocation::Session { sid: "s".into(), expires: 10 }], 0);
    state.set_up(true);
    assert_eq!(state.check(&token, LinkLoss::FailClosed), Check::Revoked);
    state.set_up(false);
    assert_eq!(state.check(&token, LinkLoss::KeepLast), Check::Revoked);
    state.add([], 11);
    assert_eq!(state.check(&token, LinkLoss::KeepLast), Check::Accepted, "expired entries go");
}
