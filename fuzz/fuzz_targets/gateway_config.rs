//! Fuzz target: the gateway's configuration file (`latchkey_gateway::config`, TOML), as
//! `latchkey gateway --config` and a `[gateway]` table of the server's config file reach
//! it. Arbitrary text is parsed; a configuration that parses builds its route table, its
//! limits and its expectations. Nothing may panic; every route of a table that builds has
//! a normalised prefix.
#![no_main]

use latchkey_gateway::config::GatewayConfig;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(config) = GatewayConfig::from_toml(text) else { return };
    let _ = config.expectations();
    let _ = config.connection_limits();
    let _ = config.upstream_timeout();
    let _ = config.jwks_refresh_floor();
    let _ = config.routes_open_to_any_client();
    if let Ok(table) = config.route_table() {
        for route in table.routes() {
            assert!(route.prefix.starts_with('/'), "{:?}", route.prefix);
            assert!(route.prefix == "/" || !route.prefix.ends_with('/'), "{:?}", route.prefix);
        }
    }
});
