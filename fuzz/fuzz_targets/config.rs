//! Fuzz target: the server's config file (`latchkey start --config`, TOML), read by the
//! `latchkey` command's own `config.rs`, included here by path (the command is a binary
//! crate). Arbitrary text is parsed as the file; options that parse are resolved as
//! `start` resolves them (the database, the listener, limits, TLS, hostname), and a
//! `[gateway]` table is written back out and read as the gateway's configuration.
//! Nothing may panic; an error is fine.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

#[path = "../../crates/latchkey/src/config.rs"]
#[allow(dead_code, unused_imports)]
mod config;

use config::{Config, DatabaseConfig, Options, parse_file, start_config};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok((file, gateway)) = parse_file(text, Path::new("fuzz.toml")) else { return };
    let options = Options::default().or(file);
    let _ = DatabaseConfig::from_options(&options);
    let _ = start_config(&options, false);
    let _ = start_config(&options, true);
    let config = Config { options, gateway };
    if let Ok(Some(gateway)) = config.gateway_toml() {
        let _ = latchkey_gateway::config::GatewayConfig::from_toml(&gateway);
    }
});
