//! The config file against the options it fills: names, types, layering.

use std::path::PathBuf;

use super::{Config, Options};

/// Writes `text` as a config file and layers `flags` over it.
#[track_caller]
fn load(flags: Options, text: &str) -> anyhow::Result<Config> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latchkey.toml");
    std::fs::write(&path, text).unwrap();
    Config::load(flags, Some(&path))
}

/// The error for `text`, with the temporary file's path replaced by `FILE`.
#[track_caller]
fn check_error(text: &str, expect: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latchkey.toml");
    std::fs::write(&path, text).unwrap();
    let error = Config::load(Options::default(), Some(&path)).unwrap_err();
    let message = format!("{error:#}").replace(&path.display().to_string(), "FILE");
    assert_eq!(message, expect);
}

#[test]
fn every_key_fills_its_option_with_dashes_or_underscores() {
    let config = load(
        Options::default(),
        "db = \"sqlite\"\ndb_url = \"sqlite:///x.db\"\ndata-dir = \"d\"\nhttp-host = \"0.0.0.0\"\n\
         http-port = 8081\nhttp-relative-path = \"/auth\"\nhttp-enabled = true\n\
         hostname = \"sso.example.com\"\nhttps-certificate-file = \"c.pem\"\n\
         https-certificate-key-file = \"k.pem\"\nimport-realm = true\nimport-dir = \"i\"\n\
         bootstrap-admin-username = \"admin\"\nbootstrap_admin_password = \"secret\"\n\
         http-max-body-size = 1024\nlog-level = \"debug\"\n",
    )
    .unwrap();
    let options = config.options;
    assert_eq!(options.db.as_deref(), Some("sqlite"));
    assert_eq!(options.db_url.as_deref(), Some("sqlite:///x.db"));
    assert_eq!(options.data_dir, Some(PathBuf::from("d")));
    assert_eq!(options.http_host.as_deref(), Some("0.0.0.0"));
    assert_eq!(options.http_port, Some(8081));
    assert_eq!(options.http_relative_path.as_deref(), Some("/auth"));
    assert_eq!(options.http_enabled, Some(true));
    assert_eq!(options.hostname.as_deref(), Some("sso.example.com"));
    assert_eq!(options.https_certificate_file, Some(PathBuf::from("c.pem")));
    assert_eq!(options.https_certificate_key_file, Some(PathBuf::from("k.pem")));
    assert_eq!(options.import_realm, Some(true));
    assert_eq!(options.import_dir, Some(PathBuf::from("i")));
    assert_eq!(options.bootstrap_admin_username.as_deref(), Some("admin"));
    assert_eq!(options.bootstrap_admin_password.as_deref(), Some("secret"));
    assert_eq!(options.http_max_body_size, Some(1024));
    assert_eq!(options.log_level.as_deref(), Some("debug"));
    assert!(config.gateway.is_none());
}

#[test]
fn flags_win_over_the_file_which_fills_the_rest() {
    let flags = Options { http_port: Some(9000), ..Options::default() };
    let config = load(flags, "http-port = 8081\nlog-level = \"warn\"\n").unwrap();
    assert_eq!(config.options.http_port, Some(9000));
    assert_eq!(config.options.log_level.as_deref(), Some("warn"));
    assert_eq!(config.options.hostname, None);
}

#[test]
fn the_gateway_table_is_kept_for_the_gateway() {
    let config =
        load(Options::default(), "http-port = 8081\n[gateway]\nlisten = \"127.0.0.1:0\"\n")
            .unwrap();
    assert_eq!(config.gateway_toml().unwrap().as_deref(), Some("listen = \"127.0.0.1:0\"\n"));
}

#[test]
fn an_unknown_key_is_named_with_the_file() {
    check_error("http-prot = 9000\n", "unknown option `http-prot` in config file FILE");
    check_error("config-file = \"x.toml\"\n", "unknown option `config-file` in config file FILE");
}

#[test]
fn a_value_of_the_wrong_type_is_named_with_the_file() {
    check_error(
        "http-port = \"8081\"\n",
        "option `http-port` in config file FILE: invalid type: string \"8081\", expected u16",
    );
    check_error(
        "import_realm = 1\n",
        "option `import-realm` in config file FILE: invalid type: integer `1`, expected a boolean",
    );
    check_error(
        "http-port = 70000\n",
        "option `http-port` in config file FILE: invalid value: integer `70000`, expected u16",
    );
    check_error("gateway = 1\n", "`gateway` in config file FILE must be a table");
}

#[test]
fn a_file_that_is_not_toml_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latchkey.toml");
    std::fs::write(&path, "http-port = \n").unwrap();
    let error = Config::load(Options::default(), Some(&path)).unwrap_err();
    assert!(error.to_string().starts_with("config file "), "{error}");
    assert!(error.to_string().ends_with("latchkey.toml is not valid TOML"), "{error}");
}
