//! Fuzz target: the server's `application/x-www-form-urlencoded` parser
//! (`latchkey_server::extract::Form`), as every token, revoke and introspect request
//! reaches it. Nothing may panic, and every lookup answers. Built only with
//! `--features server` (the server's build is long).
#![no_main]

use latchkey_server::extract::Form;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let form = Form::parse(data);
    for name in ["grant_type", "client_id", "token", "", "\u{fffd}"] {
        let _ = form.get(name);
        let _ = form.count(name);
    }
    let _ = form.has_duplicates();
    let _ = form.pairs().count();
});
