//! Fuzz target: realm-file import (`latchkey_core::representation`), as `--import-realm`,
//! `latchkey import` and `POST /admin/realms` reach it. Arbitrary bytes are read as a
//! Keycloak realm file; one that parses is imported. Nothing may panic, and an imported
//! realm must survive the promise of ARCHITECTURE.md: exported, imported and exported
//! again, it gives the same file.
//!
//! Two slow steps are taken out so that the fuzzer spends its time on parsing and
//! validation: plain-text passwords are dropped (hashing them is argon2 over opaque
//! bytes), and a file without key providers gets one fixed set (generating RSA keys costs
//! tens of milliseconds per input).
#![no_main]

use std::sync::LazyLock;

use latchkey_core::representation::{RealmRepresentation, export_realm, import_realm, new_realm};
use latchkey_core::time::UnixMillis;
use libfuzzer_sys::fuzz_target;

const NOW: UnixMillis = UnixMillis(1_765_000_000_000);

/// The key providers of a new realm, exported once.
static KEY_PROVIDERS: LazyLock<RealmRepresentation> = LazyLock::new(|| {
    let bundle = new_realm("fuzz", NOW).expect("a new realm");
    let exported = export_realm(&bundle);
    RealmRepresentation { components: exported.components, ..RealmRepresentation::default() }
});

fuzz_target!(|data: &[u8]| {
    let Ok(mut rep) = serde_json::from_slice::<RealmRepresentation>(data) else { return };
    for user in rep.users.iter_mut().flatten() {
        for credential in user.credentials.iter_mut().flatten() {
            credential.value = None;
        }
    }
    if rep.components.as_ref().is_none_or(|components| components.is_empty()) {
        rep.components = KEY_PROVIDERS.components.clone();
    }
    let Ok(bundle) = import_realm(rep, NOW) else { return };
    let first = export_realm(&bundle);
    let again = import_realm(first.clone(), NOW).expect("an exported realm imports again");
    let second = export_realm(&again);
    assert_eq!(
        serde_json::to_value(&first).expect("JSON"),
        serde_json::to_value(&second).expect("JSON"),
        "export → import → export changed the realm file"
    );
});
