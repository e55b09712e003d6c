//! Configuration loading: layering, `MSS__` variables, and the start-up errors for unknown keys
//! and bad values.
//!
//! Its own test binary, not a module of `tests/it`: `figment::Jail` changes the process's
//! working directory and environment, which would leak into the integration tests running in
//! parallel (and into the commands they spawn).

// `Jail::expect_with` takes closures returning `figment::Result`, whose error is large; the
// signature is figment's, not ours.
#![allow(clippy::result_large_err)]

use std::{
    path::Path,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use figment::Jail;
use mss_onboarding::config::{LogFormat, MailTransport, Settings, SmtpSecurity, TokenAuthMethod};
use secrecy::ExposeSecret;

/// The loader's error as the operator reads it.
#[track_caller]
fn load_error(extra_file: Option<&str>) -> String {
    match Settings::load(extra_file.map(Path::new)) {
        Ok(_) => panic!("the settings loaded, an error was expected"),
        Err(e) => e.to_string(),
    }
}

#[track_caller]
fn assert_mentions(message: &str, parts: &[&str]) {
    for part in parts {
        assert!(message.contains(part), "{part:?} is not in: {message}");
    }
}

#[test]
fn the_built_in_defaults_load_alone_from_any_directory() {
    Jail::expect_with(|jail| {
        // The jail's directory has no config/ folder: only the copy built into the binary.
        jail.clear_env();
        let s = Settings::load(None).expect("defaults");
        assert_eq!(s.service_name, "Medimail");
        assert_eq!(s.mail.transport, MailTransport::File);
        assert_eq!(s.mail.smtp_security, SmtpSecurity::None);
        assert_eq!(s.log.format, LogFormat::Text);
        assert_eq!(s.psc.token_auth_method, TokenAuthMethod::ClientSecretBasic);
        assert_eq!(
            s.server.public_url.as_ref().map(url::Url::as_str),
            Some("http://127.0.0.1:8080/")
        );
        assert_eq!(s.directory.url.as_str(), "ldap://127.0.0.1:389");
        assert!(s.psc.redirect_url.is_none());
        assert_eq!(
            s.addresses.regions.get("76").map(String::as_str),
            Some("oc")
        );
        Ok(())
    });
}

#[test]
fn later_layers_win_defaults_then_file_then_config_then_env() {
    Jail::expect_with(|jail| {
        jail.clear_env();
        jail.create_dir("config")?;
        jail.create_file(
            "config/default.toml",
            r#"
            service_name = "from the file"
            [cgu]
            current = "from the file"
            [support]
            phone = "from the file"
            "#,
        )?;
        jail.create_file(
            "extra.toml",
            r#"
            [cgu]
            current = "from --config"
            [support]
            phone = "from --config"
            "#,
        )?;
        jail.set_env("MSS__SUPPORT__PHONE", "from the environment");
        let s = Settings::load(Some(Path::new("extra.toml"))).expect("layered settings");
        assert_eq!(s.log.level, "info", "built-in default");
        assert_eq!(s.service_name, "from the file");
        assert_eq!(s.cgu.current, "from --config");
        assert_eq!(s.support.phone, "from the environment");
        Ok(())
    });
}

#[test]
fn mss_variables_set_nested_keys_and_secrets() {
    Jail::expect_with(|jail| {
        jail.clear_env();
        jail.set_env("MSS__MAIL__SMTP_PORT", "587");
        jail.set_env("MSS__MAIL__SMTP_SECURITY", "starttls");
        // A key three levels down: one entry of a table.
        jail.set_env("MSS__ADDRESSES__REGIONS__76", "occitanie");
        jail.set_env("MSS__PSC__CLIENT_SECRET", "s3cret-from-env");
        // All digits: figment reads it as a number, and it must still become the secret string.
        jail.set_env("MSS__DIRECTORY__BIND_PASSWORD", "12345678");
        jail.set_env("MSS__SERVER__PUBLIC_URL", "https://inscription.example.fr");
        // Values that are not strings arrive as strings too.
        jail.set_env("MSS__DIRECTORY__ENABLED", "true");
        jail.set_env("MSS__SERVER__SECRET_KEY", "[not-an-array]");
        let s = Settings::load(None).expect("settings from MSS__ variables");
        assert_eq!(s.mail.smtp_port, 587);
        assert_eq!(s.mail.smtp_security, SmtpSecurity::Starttls);
        assert_eq!(s.addresses.regions["76"], "occitanie");
        assert_eq!(
            s.addresses.regions["11"], "idf",
            "the rest of the table is kept"
        );
        assert_eq!(s.psc.client_secret.expose_secret(), "s3cret-from-env");
        assert_eq!(s.directory.bind_password.expose_secret(), "12345678");
        assert!(s.directory.enabled);
        assert_eq!(s.server.secret_key.expose_secret(), "[not-an-array]");
        assert_eq!(
            s.server.public_url.as_ref().map(url::Url::as_str),
            Some("https://inscription.example.fr/")
        );
        Ok(())
    });
}

#[test]
fn an_unknown_key_in_a_file_is_rejected_and_named() {
    Jail::expect_with(|jail| {
        jail.clear_env();
        jail.create_file("extra.toml", "[mail]\nsmtp_securty = \"tls\"\n")?;
        let message = load_error(Some("extra.toml"));
        assert_mentions(&message, &["smtp_securty", "extra.toml", "smtp_security"]);
        Ok(())
    });
}

#[test]
fn an_unknown_section_in_the_config_default_file_is_rejected() {
    Jail::expect_with(|jail| {
        jail.clear_env();
        jail.create_dir("config")?;
        jail.create_file("config/default.toml", "[sever]\nbind = \"0.0.0.0:80\"\n")?;
        let message = load_error(None);
        assert_mentions(&message, &["sever", "default.toml"]);
        Ok(())
    });
}

#[test]
fn an_unknown_key_in_an_mss_variable_is_rejected_and_named() {
    Jail::expect_with(|jail| {
        jail.clear_env();
        jail.set_env("MSS__DIRECTORY__BIND_PASWORD", "secret");
        let message = load_error(None);
        assert_mentions(&message, &["bind_pasword", "MSS__", "bind_password"]);
        Ok(())
    });
}

#[test]
fn every_section_rejects_unknown_keys() {
    for section in [
        "SERVER",
        "DATABASE",
        "MAIL",
        "AUTH",
        "CGU",
        "NOMENCLATURES",
        "SUPPORT",
        "LOG",
        "DIRECTORY",
        "ADDRESSES",
        "PSC",
        "VALIDATION",
        "ANNUAIRE_SANTE",
    ] {
        Jail::expect_with(|jail| {
            jail.clear_env();
            jail.set_env(format!("MSS__{section}__NOT_A_KEY"), "1");
            assert_mentions(&load_error(None), &["not_a_key", section]);
            Ok(())
        });
    }
}

#[test]
fn a_bad_enum_value_is_rejected_naming_the_valid_ones() {
    Jail::expect_with(|jail| {
        jail.clear_env();
        jail.create_file("extra.toml", "[log]\nformat = \"xml\"\n")?;
        assert_mentions(
            &load_error(Some("extra.toml")),
            &["xml", "`text`", "`json`"],
        );

        jail.create_file("extra.toml", "")?;
        jail.set_env("MSS__PSC__TOKEN_AUTH_METHOD", "client_secret_jwt");
        assert_mentions(
            &load_error(Some("extra.toml")),
            &[
                "client_secret_jwt",
                "`client_secret_basic`",
                "`client_secret_post`",
            ],
        );
        Ok(())
    });
}

#[test]
fn a_url_of_the_wrong_kind_is_rejected() {
    Jail::expect_with(|jail| {
        jail.clear_env();
        jail.set_env("MSS__DIRECTORY__URL", "https://annuaire.example.fr");
        assert_mentions(&load_error(None), &["ldap://", "DIRECTORY.URL"]);
        Ok(())
    });
    Jail::expect_with(|jail| {
        jail.clear_env();
        jail.create_file(
            "extra.toml",
            "[psc]\ndiscovery_url = \"auth.psc.fr/.well-known\"\n",
        )?;
        assert_mentions(
            &load_error(Some("extra.toml")),
            &["discovery_url", "not a URL"],
        );
        Ok(())
    });
    Jail::expect_with(|jail| {
        jail.clear_env();
        jail.create_file(
            "extra.toml",
            "[support]\nform_url = \"javascript:alert(1)\"\n",
        )?;
        assert_mentions(&load_error(Some("extra.toml")), &["form_url", "https://"]);
        Ok(())
    });
}

#[test]
fn reminder_hours_and_thresholds_out_of_range_are_rejected_and_named() {
    Jail::expect_with(|jail| {
        jail.clear_env();
        jail.set_env("MSS__REMINDERS__HOUR", "24");
        assert_mentions(&load_error(None), &["REMINDERS.HOUR", "0 to 23"]);
        jail.set_env("MSS__REMINDERS__HOUR", "23");
        assert_eq!(Settings::load(None).expect("hour 23").reminders.hour, 23);
        Ok(())
    });
    for (thresholds, reason) in [
        ("[48, 24]", "strictly increasing"),
        ("[24, 24]", "strictly increasing"),
        ("[0, 48]", "positive"),
        ("[-24]", "positive"),
    ] {
        Jail::expect_with(|jail| {
            jail.clear_env();
            jail.create_file(
                "extra.toml",
                &format!("[reminders]\nthresholds_hours = {thresholds}\n"),
            )?;
            assert_mentions(
                &load_error(Some("extra.toml")),
                &["thresholds_hours", reason],
            );
            Ok(())
        });
    }
}

#[test]
fn the_shipped_files_load() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    Jail::expect_with(|jail| {
        jail.clear_env();
        for file in [
            "config/default.toml",
            "config/test.toml",
            "config/production.example.toml",
            "deploy/two-instances/instance-a.toml",
            "deploy/two-instances/instance-b.toml",
        ] {
            if let Err(e) = Settings::load(Some(&root.join(file))) {
                panic!("{file}: {e}");
            }
        }
        let production = Settings::load(Some(&root.join("config/production.example.toml")))
            .expect("the production example");
        // Redirect URIs stay exactly as registered at the provider.
        assert_eq!(
            production.psc.redirect_url.as_ref().map(|u| u.as_str()),
            Some("https://inscription.example.fr/psc/retour")
        );
        assert_eq!(production.directory.url.scheme(), "ldaps");
        Ok(())
    });
}

/// Runs the real binary with only `env` in its environment, from a folder without `config/`.
/// A settings error must stop it at once; if it starts serving instead, it is killed after 30 s
/// and the test fails.
fn run_binary(args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let mut child = Command::new(env!("CARGO_BIN_EXE_mss-onboarding"))
        .args(args)
        .current_dir(dir.path())
        .env_clear()
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run mss-onboarding");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if child.try_wait().expect("poll the command").is_some() {
            break;
        }
        if Instant::now() > deadline {
            child.kill().expect("kill the command");
            panic!("`mss-onboarding {}` did not stop", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().expect("the command's output");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn serve_refuses_to_start_on_an_unknown_key_in_the_environment() {
    let (success, stderr) = run_binary(&["serve"], &[("MSS__SERVER__BINDD", "0.0.0.0:80")]);
    assert!(!success, "{stderr}");
    assert_mentions(&stderr, &["loading configuration", "bindd", "MSS__"]);
}

#[test]
fn every_command_refuses_an_unknown_key_in_its_config_file() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let file = dir.path().join("prod.toml");
    std::fs::write(&file, "[database]\nmigrate_on_strat = false\n").expect("write the file");
    let file = file.to_str().expect("UTF-8 path");
    for command in [&["serve"][..], &["migrate"], &["directory", "status"]] {
        let args: Vec<&str> = ["--config", file].iter().chain(command).copied().collect();
        let (success, stderr) = run_binary(&args, &[]);
        assert!(!success, "{command:?}: {stderr}");
        assert_mentions(&stderr, &["migrate_on_strat", "prod.toml"]);
    }
}

#[test]
fn trusted_proxies_come_as_a_toml_list_or_a_comma_separated_variable() {
    Jail::expect_with(|jail| {
        jail.clear_env();
        jail.create_file(
            "proxies.toml",
            "[server]\ntrusted_proxies = [\"10.0.0.0/8\", \"192.0.2.7\"]\n",
        )?;
        let from_file = Settings::load(Some(Path::new("proxies.toml"))).expect("settings");
        let expected: Vec<ipnet::IpNet> = vec![
            "10.0.0.0/8".parse().expect("net"),
            "192.0.2.7/32".parse().expect("net"),
        ];
        assert_eq!(from_file.server.trusted_proxies, expected);

        jail.set_env("MSS__SERVER__TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7");
        let from_env = Settings::load(None).expect("settings");
        assert_eq!(from_env.server.trusted_proxies, expected);

        jail.set_env("MSS__SERVER__TRUSTED_PROXIES", "10.0.0.0/8, nope");
        assert_mentions(&load_error(None), &["\"nope\"", "TRUSTED_PROXIES"]);
        Ok(())
    });
}
