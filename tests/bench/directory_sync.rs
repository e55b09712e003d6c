//! `directory sync` into an empty directory against `ldapadd` of the same LDIF, in one run.
//!
//! `cargo bench --bench directory_sync` (release build; a few minutes). Issue 8 asks the sync
//! to publish at least as many entries per second as `ldapadd` into the same kind of slapd.
//!
//! 1. Seeds `BENCH_ACCOUNTS` (default 20,000) validated accounts in a SQLite database, each
//!    with one MSSanté-branch entry (some names with accents, so the LDIF carries base64
//!    values as RFC 2849 requires).
//! 2. Writes the LDIF of exactly what the service would publish (`desired_entries`, the
//!    service's own mapping), and times `ldapadd -c` of it into a fresh slapd built from the
//!    shipped `config/ldap/` files (the integration tests' support), bound as the service.
//! 3. Times the service's `directory sync` (`publication::reconcile_all`: reads the database,
//!    lists the directory, writes) into another fresh slapd built the same way.
//! 4. Counts the entries each slapd holds, then prints both rates and their ratio.
//!
//! The two runs are sequential, so they never share the two cores.

#[allow(dead_code)]
#[path = "../it/support/ldap.rs"]
mod ldap;

use std::io::Write as _;
use std::process::Command;
use std::time::{Duration, Instant};

use base64::Engine as _;
use mss_onboarding::config::DatabaseSettings;
use mss_onboarding::config::Settings;
use mss_onboarding::directory::{
    Branch, LdapDirectory, MailboxEntry, attributes, entry_dn, object_classes,
};
use mss_onboarding::repo;
use mss_onboarding::services::publication::{desired_entries, reconcile_all};
use mss_onboarding::startup;
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait, TransactionTrait};

use ldap::{TestLdap, Who};

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run());
}

async fn run() {
    let accounts: usize = std::env::var("BENCH_ACCOUNTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let work = tempfile::tempdir().expect("tempdir");

    // 1. The database.
    let started = Instant::now();
    let mut database = Settings::load(None).expect("settings").database;
    database.url = format!("sqlite://{}/bench.db?mode=rwc", work.path().display());
    let db = open(&database).await;
    seed(&db, accounts).await;
    println!(
        "seeded {accounts} validated accounts in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let desired = desired(&db).await;
    assert_eq!(desired.len(), accounts, "one entry per account");
    println!(
        "reading them back as the sync does (part of its time): {:.1}s",
        started.elapsed().as_secs_f64()
    );

    // 2. ldapadd -c of the same LDIF into a fresh slapd.
    let ldif_path = work.path().join("entries.ldif");
    let baseline = {
        let slapd = TestLdap::start().await;
        write_ldif(&ldif_path, &slapd.base_dn, &desired);
        let started = Instant::now();
        let output = Command::new("ldapadd")
            .args(["-c", "-x", "-H", &slapd.url, "-D", &slapd.service_bind_dn])
            .args(["-w", &slapd.service_password, "-f"])
            .arg(&ldif_path)
            .output()
            .expect("run ldapadd (apt-get install ldap-utils)");
        let elapsed = started.elapsed();
        assert!(
            output.status.success(),
            "ldapadd failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let published = count(&slapd).await;
        assert_eq!(published, accounts, "ldapadd published every entry");
        Run::new("ldapadd -c", published, elapsed)
    };

    // 3. The service's directory sync into another fresh slapd.
    let sync = {
        let slapd = TestLdap::start().await;
        let directory = LdapDirectory::new(&slapd.settings());
        let started = Instant::now();
        let report = reconcile_all(&db, &directory)
            .await
            .expect("directory sync");
        let elapsed = started.elapsed();
        assert_eq!(report.added, accounts, "{report}");
        let published = count(&slapd).await;
        assert_eq!(published, accounts, "the sync published every entry");
        Run::new("directory sync", published, elapsed)
    };

    // 4. The figures.
    baseline.print();
    sync.print();
    println!(
        "ratio directory sync / ldapadd: {:.2} (target >= 1.00)",
        sync.rate / baseline.rate
    );
}

/// One timed publication.
struct Run {
    name: &'static str,
    entries: usize,
    elapsed: Duration,
    rate: f64,
}

impl Run {
    fn new(name: &'static str, entries: usize, elapsed: Duration) -> Self {
        let rate = entries as f64 / elapsed.as_secs_f64();
        Self {
            name,
            entries,
            elapsed,
            rate,
        }
    }

    fn print(&self) {
        println!(
            "{:<15} {} entries in {:.1}s: {:.0} entries/s",
            self.name,
            self.entries,
            self.elapsed.as_secs_f64(),
            self.rate
        );
    }
}

async fn open(settings: &DatabaseSettings) -> DatabaseConnection {
    let db = startup::connect(settings).await.expect("connect");
    startup::migrate(&db).await.expect("migrate");
    db
}

/// `n` validated BAL PER accounts, visible in the MSSanté annuaire only, with a valid RPPS.
async fn seed(db: &DatabaseConnection, n: usize) {
    let now = chrono::Utc::now().fixed_offset();
    let txn = db.begin().await.expect("begin");
    let ids: Vec<usize> = (1..=n).collect();
    for chunk in ids.chunks(500) {
        let accounts = chunk.iter().map(|&i| {
            let (prenom, nom) = name(i);
            let address = format!(
                "{}.{}.{i}@pharmacien.oc.mssante.fr",
                fold(&prenom),
                fold(&nom)
            );
            entities::account::ActiveModel {
                id: Set(i32::try_from(i).expect("id")),
                email: Set(format!("compte{i}@example.fr")),
                password_hash: Set(None),
                nom: Set(nom),
                prenom: Set(prenom),
                email_confirmed_at: Set(Some(now)),
                bal_type: Set(Some("PER".into())),
                profile_submitted_at: Set(Some(now)),
                created_at: Set(now),
                updated_at: Set(now),
                validated_at: Set(Some(now)),
                mailbox_address: Set(Some(address)),
                ..Default::default()
            }
        });
        entities::account::Entity::insert_many(accounts)
            .exec(&txn)
            .await
            .expect("insert accounts");
        let profiles = chunk.iter().map(|&i| {
            let body = format!("1{i:09}");
            let rpps = format!("{body}{}", luhn_key(&body));
            entities::account_profile::ActiveModel {
                account_id: Set(i32::try_from(i).expect("id")),
                telephone1: Set(Some(format!("+3356{:07}", i))),
                telephone2: Set(None),
                activite_liberale: Set(false),
                profession: Set("21".into()),
                specialite: Set(None),
                type_identifiant: Set(Some("RPPS".into())),
                identifiant: Set(Some(rpps)),
                raison_sociale: Set(Some(format!("Pharmacie n°{i}"))),
                service: Set(Some("Officine".into())),
                adresse: Set(Some(format!("{i} place de la Mairie"))),
                code_postal: Set(Some("31000".into())),
                ville: Set(Some("Toulouse".into())),
                departement: Set(Some("31".into())),
                region: Set("76".into()),
                annuaire_medimail: Set(false),
                annuaire_mssante: Set(true),
                dematerialisation: Set(true),
                notification_reception: Set(true),
                updated_at: Set(now),
                identifiant_structure: Set(None),
                ..Default::default()
            }
        });
        entities::account_profile::Entity::insert_many(profiles)
            .exec(&txn)
            .await
            .expect("insert profiles");
    }
    txn.commit().await.expect("commit");
}

/// What the service publishes for the seeded accounts (its own mapping).
async fn desired(db: &DatabaseConnection) -> Vec<MailboxEntry> {
    let mut profiles: std::collections::HashMap<i32, _> = repo::profiles::all(db)
        .await
        .expect("profiles")
        .into_iter()
        .map(|p| (p.account_id, p))
        .collect();
    let mut desired = Vec::new();
    for account in repo::accounts::all_validated(db).await.expect("accounts") {
        let profile = profiles
            .remove(&account.id)
            .expect("a seeded account has a profile");
        desired.extend(desired_entries(&account, &profile));
    }
    desired
}

/// Every fifth name carries accents.
fn name(i: usize) -> (String, String) {
    const PRENOMS: [&str; 5] = ["Jean", "Marie", "Paul", "Anne", "Élise"];
    const NOMS: [&str; 5] = ["Martin", "Bernard", "Durand", "Petit", "Lefèvre"];
    (PRENOMS[i % 5].to_owned(), NOMS[(i / 5) % 5].to_owned())
}

fn fold(s: &str) -> String {
    s.to_lowercase().replace(['é', 'è'], "e")
}

/// The Luhn key that makes `body` + key valid (the RPPS check digit).
fn luhn_key(body: &str) -> u32 {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let d = d * 2;
                if d > 9 { d - 9 } else { d }
            } else {
                d
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

/// The entries as LDIF (RFC 2849): objectClass and every non-empty managed attribute, as the
/// service writes them. Values that are not a SAFE-STRING go base64-encoded (`name:: …`).
fn write_ldif(path: &std::path::Path, base_dn: &str, entries: &[MailboxEntry]) {
    let file = std::fs::File::create(path).expect("create the LDIF");
    let mut out = std::io::BufWriter::new(file);
    for entry in entries {
        assert_eq!(entry.branch, Branch::Mssante);
        line(
            &mut out,
            "dn",
            &entry_dn(base_dn, entry.branch, &entry.mail),
        );
        for class in object_classes(&entry.holder) {
            line(&mut out, "objectClass", class);
        }
        for (name, values) in attributes(entry) {
            for value in values {
                line(&mut out, name, &value);
            }
        }
        writeln!(out).expect("write the LDIF");
    }
    out.flush().expect("write the LDIF");
}

fn line(out: &mut impl std::io::Write, name: &str, value: &str) {
    let safe = value
        .bytes()
        .all(|b| b.is_ascii() && b != 0 && b != b'\n' && b != b'\r')
        && !value.starts_with([' ', ':', '<'])
        && !value.ends_with(' ');
    if safe {
        writeln!(out, "{name}: {value}").expect("write the LDIF");
    } else {
        let encoded = base64::engine::general_purpose::STANDARD.encode(value);
        writeln!(out, "{name}:: {encoded}").expect("write the LDIF");
    }
}

/// Entries under `ou=mssante`, counted as the service (no size limit for it).
async fn count(slapd: &TestLdap) -> usize {
    slapd
        .search_with(Who::Service, &slapd.mssante_dn(), "(mail=*)", &["1.1"])
        .await
        .expect("count the published entries")
        .len()
}
