use super::*;

fn rsa(kid: &str, priority: i64, created_at: i64) -> StoredKey {
    StoredKey {
        kid: kid.into(),
        realm_id: "r".into(),
        kind: KeyKind::Rsa,
        secret: Vec::new(),
        priority,
        enabled: true,
        created_at,
    }
}

fn kids(stored: &[StoredKey]) -> Vec<&str> {
    stored.iter().map(|key| key.kid.as_str()).collect()
}

#[test]
fn a_superseded_key_stays_until_its_tokens_have_expired() {
    let keys = vec![rsa("old", 100, 1_000), rsa("new", 200, 50_000)];
    let mut stored = keys.clone();
    assert_eq!(drop_retired(&mut stored, 50_000, 300_000), Some(350_000));
    assert_eq!(kids(&stored), ["old", "new"]);
    let mut stored = keys.clone();
    assert_eq!(drop_retired(&mut stored, 349_999, 300_000), Some(350_000));
    assert_eq!(kids(&stored), ["old", "new"]);
    let mut stored = keys;
    assert_eq!(drop_retired(&mut stored, 350_000, 300_000), None);
    assert_eq!(kids(&stored), ["new"]);
}

#[test]
fn the_same_priority_newer_key_supersedes_and_spares_stay() {
    let mut stored = vec![rsa("old", 100, 1_000), rsa("same", 100, 2_000)];
    drop_retired(&mut stored, 1_000_000, 10);
    assert_eq!(kids(&stored), ["same"]);
    // Created in the same millisecond: the higher priority is the one that signs.
    let mut stored = vec![rsa("imported", 100, 1_000), rsa("added", 200, 1_000)];
    assert_eq!(drop_retired(&mut stored, 1_000, 10), Some(1_010));
    drop_retired(&mut stored, 1_010, 10);
    assert_eq!(kids(&stored), ["added"]);
    // A newer key of lower priority never signs: nothing is superseded, and it stays.
    let mut stored = vec![rsa("active", 100, 1_000), rsa("spare", 0, 2_000)];
    assert_eq!(drop_retired(&mut stored, 1_000_000, 10), None);
    assert_eq!(kids(&stored), ["active", "spare"]);
}

#[test]
fn hmac_and_disabled_keys_are_left_alone() {
    let mut hmac = rsa("hmac", 100, 1_000);
    hmac.kind = KeyKind::Hmac(crate::realm::HmacAlgorithm::HS256);
    let mut disabled = rsa("disabled", 300, 3_000);
    disabled.enabled = false;
    let mut stored = vec![hmac, rsa("rsa", 100, 2_000), disabled];
    assert_eq!(drop_retired(&mut stored, 1_000_000, 10), None);
    assert_eq!(kids(&stored), ["hmac", "rsa", "disabled"]);
}
