//! The shipped `deploy/` files work as written: the OpenLDAP replication example replicates
//! (a real provider and a real replica, built from `config/ldap` plus `deploy/ldap`), and the
//! systemd unit is valid and as hardened as it claims.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use ldap3::Mod;

use crate::support::app::eventually;
use crate::support::ldap::{Extra, SLAPADD, SLAPMODIFY, TestLdap, password_hash};

#[tokio::test]
async fn the_replication_example_makes_a_read_only_replica_that_follows_the_provider() {
    // Arrange: the provider as the README builds it, plus replicator.ldif and the two provider
    // steps (offline, with slapmodify, as deploy/ldap/provider.ldif says);
    // the replica from slapd-config.ldif and consumer.ldif only (no base entries).
    let replicator_password = format!("repl-{}", uuid::Uuid::new_v4().simple());
    let provider = TestLdap::start_with(&Extra {
        without_base: false,
        files: vec![
            (SLAPADD, "1", PathBuf::from("deploy/ldap/replicator.ldif")),
            (
                SLAPMODIFY,
                "0",
                PathBuf::from("deploy/ldap/provider-module.ldif"),
            ),
            (SLAPMODIFY, "0", PathBuf::from("deploy/ldap/provider.ldif")),
        ],
        placeholders: vec![(
            "@REPLICATOR_PASSWORD_HASH@",
            password_hash(&replicator_password),
        )],
        passwords: None,
    })
    .await;
    // The replica starts once the service account, replicated with its password, can bind.
    let replica = TestLdap::start_with(&Extra {
        without_base: true,
        files: vec![(SLAPMODIFY, "0", PathBuf::from("deploy/ldap/consumer.ldif"))],
        placeholders: vec![
            ("@PROVIDER_URL@", provider.url.clone()),
            ("@REPLICATOR_PASSWORD@", replicator_password),
        ],
        passwords: Some((
            provider.service_password.clone(),
            provider.reader_password.clone(),
        )),
    })
    .await;
    let mail = format!("jeanne.{}@oc.mssante.fr", uuid::Uuid::new_v4().simple());
    let dn = format!("mail={mail},{}", provider.mssante_dn());

    // Act: the service account writes one mailbox on the provider.
    let mut writer = provider
        .connect(crate::support::ldap::Who::Service)
        .await
        .expect("bind on the provider");
    writer
        .add(
            &dn,
            vec![
                ("objectClass", ["inetOrgPerson"].into()),
                ("mail", [mail.as_str()].into()),
                ("cn", ["Jeanne Test"].into()),
                ("sn", ["Test"].into()),
            ],
        )
        .await
        .expect("add on the provider")
        .success()
        .expect("the provider accepts the service's write");

    // Assert: an anonymous consumer of the replica finds it within seconds…
    let filter = format!("(mail={mail})");
    eventually(
        "the entry on the replica",
        Duration::from_secs(10),
        || async {
            replica
                .search_anonymous(&replica.mssante_dn(), &filter)
                .await
                .ok()
                .filter(|entries| entries.len() == 1)
        },
    )
    .await;
    // …the read-only account works there too (its password was replicated)…
    assert_eq!(
        replica
            .search_as_reader(&replica.mssante_dn(), &filter)
            .await
            .expect("reader search on the replica")
            .len(),
        1
    );
    // …and the replica refuses writes, referring them to the provider (olcUpdateRef).
    let mut on_replica = replica
        .connect(crate::support::ldap::Who::Service)
        .await
        .expect("bind on the replica");
    let result = on_replica
        .modify(&dn, vec![Mod::Replace("cn", ["Autre Nom"].into())])
        .await
        .expect("a modify answer");
    assert_eq!(result.rc, 10, "expected a referral: {result:?}");
    assert!(
        result.refs.iter().any(|r| r.contains(&provider.url)),
        "the referral does not name the provider: {result:?}"
    );
}

#[test]
fn the_systemd_unit_is_valid_and_hardened() {
    let Ok(output) = Command::new("systemd-analyze").arg("--version").output() else {
        eprintln!("SKIPPED: no systemd-analyze on this machine");
        return;
    };
    assert!(output.status.success());
    // The unit as shipped, pointing at the binary just built (verify checks ExecStart).
    let dir = tempfile::tempdir().unwrap();
    let unit = dir.path().join("mss-onboarding.service");
    let shipped = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("deploy/systemd/mss-onboarding.service"),
    )
    .unwrap();
    std::fs::write(
        &unit,
        shipped.replace(
            "/usr/local/bin/mss-onboarding",
            env!("CARGO_BIN_EXE_mss-onboarding"),
        ),
    )
    .unwrap();

    let verify = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&unit)
        .output()
        .unwrap();
    let complaints = String::from_utf8_lossy(&verify.stderr).into_owned();
    assert!(
        verify.status.success() && complaints.trim().is_empty(),
        "systemd-analyze verify: {complaints}"
    );

    // systemd's own exposure score (0 = fully locked down, 10 = unprotected); the stock
    // hardening flags put it under 2 ("OK").
    let security = Command::new("systemd-analyze")
        .args(["security", "--offline=true"])
        .arg(&unit)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&security.stdout).into_owned();
    let score: f64 = report
        .lines()
        .find_map(|l| l.split("exposure level for mss-onboarding.service:").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no exposure level in:\n{report}"));
    assert!(score < 2.0, "exposure {score}:\n{report}");
}
