//! Publication of validated mailboxes to the LDAP annuaire (issue 3), end to end: the console
//! validates, the outbox worker publishes to a real slapd built from `config/ldap`, consumers
//! read it with `ldap3` searches; the directory going down loses nothing; the command line
//! (`directory status`, `directory sync`, `account disable`) runs the real binary.

use std::collections::HashSet;
use std::time::Duration;

use ldap3::{Mod, SearchEntry, ldap_escape};

use crate::support::fixtures::SeedAccount;
use crate::support::ldap::{TestLdap, Who};
use crate::support::{DrainReportExt, TestApp, TestUser, db, html, spawn_app, spawn_app_with};

const NO_SUCH_OBJECT: u32 = 32;

/// A slapd from the shipped files, and an app publishing to it (`directory.enabled = true`).
async fn app_with_directory() -> (TestApp, TestLdap) {
    let ldap = TestLdap::start().await;
    let settings = ldap.settings();
    assert!(settings.enabled);
    let app = spawn_app_with(|s| s.directory = settings).await;
    (app, ldap)
}

fn one<'a>(entry: &'a SearchEntry, attr: &str) -> Option<&'a str> {
    entry
        .attrs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(attr))
        .and_then(|(_, v)| v.first())
        .map(String::as_str)
}

fn mail_filter(address: &str) -> String {
    format!("(mail={})", ldap_escape(address))
}

/// Entries of `branch_dn` whose `mail` is `address`, searched as `who`.
async fn entries(ldap: &TestLdap, who: Who, branch_dn: &str, address: &str) -> Vec<SearchEntry> {
    ldap.search_with(who, branch_dn, &mail_filter(address), &["*"])
        .await
        .unwrap_or_else(|e| panic!("search {address} in {branch_dn} as {who:?}: {e}"))
}

/// Drains the outbox (every due row delivered, LDAP up), then checks the worker recorded
/// exactly `count` publications of the account.
async fn wait_published(app: &TestApp, id: i32, count: usize) {
    app.drain_outbox().await.assert_delivered();
    let published = db::audit_actions(&app.db, id, "directory_published").await;
    assert_eq!(
        published.len(),
        count,
        "directory_published audit events of account {id}: {published:#?}"
    );
}

/// The directory is down: drains `rows` times, skipping the backoff in between, so every
/// directory row is tried (a drain's pass stops at the first failure, and tries the row due
/// first: one never tried). Returns the directory rows.
async fn tried_while_down(app: &TestApp, rows: usize) -> Vec<entities::outbox::Model> {
    for _ in 0..rows {
        app.drain_outbox().await;
        skip_backoff(app);
    }
    db::outbox_of_kind(&app.db, "directory").await
}

/// The directory is back: moves the app's clock past the longest backoff, so the failed rows
/// are due again, without waiting for it.
fn skip_backoff(app: &TestApp) {
    app.advance_clock(chrono::Duration::seconds(
        i64::try_from(app.settings.mail.retry_max_secs).expect("small") + 1,
    ));
}

/// Validates account `id` through the console; returns its new address.
async fn validate(app: &TestApp, admin: &TestApp, id: i32) -> String {
    admin
        .validate_account(id)
        .await
        .assert_redirect_to(&format!("/admin/comptes/{id}"));
    db::account_by_id(&app.db, id)
        .await
        .mailbox_address
        .expect("a validated account has an address")
}

#[tokio::test]
async fn a_validated_per_mailbox_is_published_in_both_branches_and_consumers_find_it() {
    // Arrange
    let (app, ldap) = app_with_directory().await;
    let user = TestUser::named("Pierre", "Dupont");
    let (_, id) = app.pending_user(&user, "oui", &user.profile_form()).await;
    let (admin, _) = app.national_admin().await;

    // Act
    let address = validate(&app, &admin, id).await;

    // Assert
    assert_eq!(address, "pierre.dupont@pharmacien.oc.mssante.fr");
    wait_published(&app, id, 1).await;
    let public = entries(&ldap, Who::Anonymous, &ldap.mssante_dn(), &address).await;
    assert_eq!(public.len(), 1);
    let e = &public[0];
    assert_eq!(
        e.dn,
        format!("mail={address},{}", ldap.mssante_dn()),
        "{e:?}"
    );
    assert_eq!(one(e, "mail"), Some(address.as_str()));
    assert_eq!(one(e, "sn"), Some("Dupont"));
    assert_eq!(one(e, "givenName"), Some("Pierre"));
    assert_eq!(one(e, "cn"), Some("Pierre Dupont"));
    assert_eq!(one(e, "mssTypeBal"), Some("PER"));
    assert_eq!(one(e, "mssRpps"), Some(user.rpps.as_str()));
    assert_eq!(
        one(e, "mssIdNatPs"),
        Some(format!("8{}", user.rpps).as_str())
    );
    assert_eq!(one(e, "mssCodeProfession"), Some("21"));
    assert_eq!(one(e, "mssDepartement"), Some("31"));
    assert_eq!(one(e, "mssRegion"), Some("76"));
    assert_eq!(one(e, "mssListeRouge"), Some("N"));
    assert_eq!(one(e, "mssDematerialisation"), Some("O"));
    assert_eq!(one(e, "postalCode"), Some("31620"));
    assert_eq!(one(e, "l"), Some("Fronton"));
    // Consumers search by RPPS and by profession + département too.
    let by_rpps = ldap
        .search_anonymous(
            &ldap.mssante_dn(),
            &format!(
                "(&(mssRpps={})(mssCodeProfession=21)(mssDepartement=31))",
                user.rpps
            ),
        )
        .await
        .expect("anonymous search by RPPS");
    assert_eq!(by_rpps.len(), 1);
    let operator = entries(&ldap, Who::Reader, &ldap.operateur_dn(), &address).await;
    assert_eq!(operator.len(), 1, "{operator:?}");
    assert_eq!(one(&operator[0], "mssRpps"), Some(user.rpps.as_str()));
    match ldap
        .search_anonymous(&ldap.operateur_dn(), &mail_filter(&address))
        .await
    {
        Ok(seen) => assert!(seen.is_empty(), "anonymous read ou=operateur: {seen:?}"),
        Err(ldap3::LdapError::LdapResult { result }) => {
            assert_eq!(result.rc, NO_SUCH_OBJECT, "{result:?}");
        }
        Err(e) => panic!("anonymous search of ou=operateur: {e}"),
    }
    let published = db::audit_actions(&app.db, id, "directory_published").await;
    assert_eq!(published[0].actor, "system");
    // The detail page shows the publication in the history.
    let detail = admin.get(&format!("/admin/comptes/{id}")).await;
    assert!(
        html::texts(&detail.body, "table.data-table tbody tr td")
            .iter()
            .any(|c| c == "Publication dans l'annuaire"),
        "{}",
        detail.body
    );
}

#[tokio::test]
async fn a_per_mailbox_on_the_liste_rouge_is_only_in_the_operator_branch() {
    // Arrange
    let (app, ldap) = app_with_directory().await;
    let user = TestUser::named("Paul", "Discret");
    let form = user.profile_form().without("annuaire_mssante");
    let (_, id) = app.pending_user(&user, "oui", &form).await;
    let (admin, _) = app.national_admin().await;

    // Act
    let address = validate(&app, &admin, id).await;

    // Assert
    wait_published(&app, id, 1).await;
    let operator = entries(&ldap, Who::Reader, &ldap.operateur_dn(), &address).await;
    assert_eq!(operator.len(), 1, "{operator:?}");
    assert_eq!(one(&operator[0], "mssListeRouge"), Some("O"));
    assert_eq!(one(&operator[0], "mssTypeBal"), Some("PER"));
    assert!(
        entries(&ldap, Who::Service, &ldap.mssante_dn(), &address)
            .await
            .is_empty(),
        "a liste rouge mailbox must not be in ou=mssante"
    );
    assert!(
        entries(&ldap, Who::Anonymous, &ldap.base_dn, &address)
            .await
            .is_empty(),
        "anonymous consumers must not find a liste rouge mailbox"
    );
}

#[tokio::test]
async fn a_med_mailbox_is_only_ever_in_the_operator_branch() {
    // Arrange
    let (app, ldap) = app_with_directory().await;
    let user = TestUser::named("Lucie", "Martin");
    // Both boxes ticked: MSSanté visibility still never applies to a BAL MED.
    let (_, id) = app
        .pending_user(&user, "non", &user.med_profile_form())
        .await;
    let (admin, _) = app.national_admin().await;

    // Act
    let address = validate(&app, &admin, id).await;

    // Assert
    assert_eq!(address, "lucie.martin@medimail.fr");
    wait_published(&app, id, 1).await;
    let operator = entries(&ldap, Who::Reader, &ldap.operateur_dn(), &address).await;
    assert_eq!(operator.len(), 1, "{operator:?}");
    assert_eq!(one(&operator[0], "mssTypeBal"), Some("MED"));
    assert_eq!(one(&operator[0], "mssRpps"), None);
    assert_eq!(one(&operator[0], "mssCodeProfession"), Some("21"));
    assert!(
        entries(&ldap, Who::Service, &ldap.mssante_dn(), &address)
            .await
            .is_empty(),
        "a BAL MED must never be in ou=mssante"
    );
    let everything = ldap
        .search_as_service(&ldap.mssante_dn(), "(mssTypeBal=MED)")
        .await
        .expect("search");
    assert!(everything.is_empty(), "{everything:?}");
}

#[tokio::test]
async fn validations_while_the_directory_is_down_are_published_once_it_is_back_without_loss_or_duplicates()
 {
    // Arrange
    let (app, ldap) = app_with_directory().await;
    let seeds = [
        SeedAccount::pharmacist("Anne", "Durand"),
        SeedAccount::pharmacist("Paul", "Durand"),
        SeedAccount::pharmacist("Anne", "Durand"),
    ];
    let mut ids = Vec::new();
    for seed in &seeds {
        ids.push(app.seed_pending(seed).await);
    }
    let (admin, _) = app.national_admin().await;
    ldap.stop();

    // Act
    let mut addresses = Vec::new();
    for id in &ids {
        addresses.push(validate(&app, &admin, *id).await);
    }

    // Assert: decisions and mails go through; publications wait in the outbox, retried.
    assert_eq!(
        addresses,
        [
            "anne.durand@pharmacien.oc.mssante.fr",
            "paul.durand@pharmacien.oc.mssante.fr",
            "anne.durand2@pharmacien.oc.mssante.fr",
        ]
    );
    for (seed, address) in seeds.iter().zip(&addresses) {
        let mail = app
            .wait_for_mail_with_subject(&seed.email, "est validé")
            .await;
        assert!(mail.text().contains(address.as_str()), "{}", mail.text());
    }
    let failed = tried_while_down(&app, 3).await;
    assert_eq!(failed.len(), 3, "{failed:#?}");
    assert!(
        failed
            .iter()
            .all(|r| r.attempts >= 1 && r.last_error.is_some() && r.done_at.is_none()),
        "{failed:#?}"
    );
    for id in &ids {
        assert!(
            db::audit_actions(&app.db, *id, "directory_published")
                .await
                .is_empty()
        );
    }

    // Act: the directory comes back.
    ldap.restart().await;
    skip_backoff(&app);

    // Assert: every entry appears, once per branch, and the outbox is drained.
    for id in &ids {
        wait_published(&app, *id, 1).await;
    }
    let rows = db::outbox_of_kind(&app.db, "directory").await;
    assert!(rows.iter().all(|r| r.done_at.is_some()), "{rows:#?}");
    for address in &addresses {
        for branch in [ldap.mssante_dn(), ldap.operateur_dn()] {
            let found = entries(&ldap, Who::Service, &branch, address).await;
            assert_eq!(found.len(), 1, "{address} in {branch}: {found:?}");
        }
    }
    for branch in [ldap.mssante_dn(), ldap.operateur_dn()] {
        let all = ldap
            .search_as_service(&branch, "(mail=*)")
            .await
            .expect("search");
        let mails: HashSet<String> = all
            .iter()
            .filter_map(|e| one(e, "mail").map(str::to_owned))
            .collect();
        assert_eq!(all.len(), 3, "{branch}: {all:?}");
        assert_eq!(
            mails,
            addresses.iter().cloned().collect::<HashSet<_>>(),
            "{branch}"
        );
    }
    assert_eq!(db::outbox_of_kind(&app.db, "directory").await.len(), 3);
}

#[tokio::test]
async fn names_full_of_ldap_special_and_non_ascii_characters_are_published_and_found_by_consumers()
{
    // Arrange: names the web form refuses, as an import would bring them.
    let (app, ldap) = app_with_directory().await;
    let prenom = "Jean-Élie (dit \"Jo\")";
    let nom = r"D'Artagnan-Müller, Ñoño + Ærø \ <x> ; = * ( ) ç";
    let seed = SeedAccount::pharmacist(prenom, nom);
    let rpps = seed.rpps.clone().expect("a pharmacist has an RPPS");
    let id = app.seed_pending(&seed).await;
    let (admin, _) = app.national_admin().await;
    let detail = admin.get(&format!("/admin/comptes/{id}")).await;
    detail.assert_status(200);

    // Act
    let address = validate(&app, &admin, id).await;

    // Assert
    let fields: Vec<(String, String)> = html::texts(&detail.body, "dl.account-fields dt")
        .into_iter()
        .zip(html::texts(&detail.body, "dl.account-fields dd"))
        .collect();
    assert!(
        fields.contains(&("Nom".to_owned(), nom.to_owned())),
        "the console shows the name as text: {fields:?}"
    );
    assert!(!detail.body.contains("<x>"), "unescaped HTML in the page");
    assert_eq!(
        address,
        "jean-elie-dit-jo.dartagnan-muller-nono-aero-x-c@pharmacien.oc.mssante.fr"
    );
    wait_published(&app, id, 1).await;
    let by_sn = format!("(sn={})", ldap_escape(nom));
    let by_cn = format!(
        "(cn=*{}*)",
        ldap_escape(r"Müller, Ñoño + Ærø \ <x> ; = * ( )")
    );
    let by_given_name = format!("(&(givenName={})(mssRpps={rpps}))", ldap_escape(prenom));
    let by_accent = "(sn=*müller*)".to_owned();
    for filter in [&by_sn, &by_cn, &by_given_name, &by_accent] {
        let found = ldap
            .search_anonymous(&ldap.mssante_dn(), filter)
            .await
            .unwrap_or_else(|e| panic!("{filter}: {e}"));
        assert_eq!(found.len(), 1, "{filter}: {found:?}");
        assert_eq!(one(&found[0], "sn"), Some(nom));
        assert_eq!(one(&found[0], "givenName"), Some(prenom));
        assert_eq!(
            one(&found[0], "cn"),
            Some(format!("{prenom} {nom}").as_str())
        );
        assert_eq!(one(&found[0], "mail"), Some(address.as_str()));
    }
    // An unescaped `*` would match anything: escaped, it matches only itself.
    let literal_star = format!("(sn={})", ldap_escape("*"));
    assert!(
        ldap.search_anonymous(&ldap.mssante_dn(), &literal_star)
            .await
            .expect("search")
            .is_empty()
    );
}

#[tokio::test]
async fn the_directory_status_command_prints_the_pending_count_the_oldest_item_and_the_last_error()
{
    // Arrange: two validations while the directory is down.
    let (app, ldap) = app_with_directory().await;
    let first = app
        .seed_pending(&SeedAccount::pharmacist("Anne", "Durand"))
        .await;
    let second = app
        .seed_pending(&SeedAccount::pharmacist("Paul", "Durand"))
        .await;
    let (admin, _) = app.national_admin().await;
    ldap.stop();
    validate(&app, &admin, first).await;
    validate(&app, &admin, second).await;
    let tried = tried_while_down(&app, 2).await;
    assert!(tried.iter().all(|r| r.attempts >= 1), "{tried:#?}");

    // Act
    let down = app.run_cli(&["directory", "status"], None).await;
    ldap.restart().await;
    skip_backoff(&app);
    wait_published(&app, first, 1).await;
    wait_published(&app, second, 1).await;
    let up = app.run_cli(&["directory", "status"], None).await;

    // Assert
    down.assert_success();
    let lines: Vec<&str> = down.stdout.lines().collect();
    assert!(lines.contains(&"pending: 2"), "{}", down.stdout);
    let oldest = lines
        .iter()
        .find_map(|l| l.strip_prefix("oldest pending: "))
        .unwrap_or_else(|| panic!("no oldest pending line:\n{}", down.stdout));
    assert!(
        chrono::DateTime::parse_from_rfc3339(oldest).is_ok(),
        "{oldest}"
    );
    let last_error = lines
        .iter()
        .find_map(|l| l.strip_prefix("last error: "))
        .unwrap_or_else(|| panic!("no last error line:\n{}", down.stdout));
    assert_ne!(last_error, "-", "{}", down.stdout);
    assert!(
        !last_error.contains(&ldap.service_password),
        "the bind password leaks: {last_error}"
    );
    up.assert_success();
    let lines: Vec<&str> = up.stdout.lines().collect();
    assert!(lines.contains(&"pending: 0"), "{}", up.stdout);
    assert!(lines.contains(&"oldest pending: -"), "{}", up.stdout);
    assert!(lines.contains(&"last error: -"), "{}", up.stdout);
}

#[tokio::test]
async fn the_directory_status_command_counts_publications_waiting_while_the_directory_is_off() {
    // Arrange: `directory.enabled = false` (the test default): rows wait in the outbox.
    let app = spawn_app().await;
    assert!(!app.settings.directory.enabled);
    let (admin, _) = app.national_admin().await;
    for (prenom, nom) in [("Anne", "Durand"), ("Paul", "Durand"), ("Lea", "Roux")] {
        let id = app
            .seed_pending(&SeedAccount::pharmacist(prenom, nom))
            .await;
        validate(&app, &admin, id).await;
    }

    // Act
    let output = app.run_cli(&["directory", "status"], None).await;

    // Assert
    output.assert_success();
    assert!(
        output.stdout.lines().any(|l| l == "pending: 3"),
        "{}",
        output.stdout
    );
}

/// Every value of `attr` on `entry`, sorted.
fn all(entry: &SearchEntry, attr: &str) -> Vec<String> {
    let mut values: Vec<String> = entry
        .attrs
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case(attr))
        .flat_map(|(_, v)| v.iter().cloned())
        .collect();
    values.sort();
    values
}

#[tokio::test]
async fn the_directory_sync_command_repairs_names_changed_by_hand_and_drops_an_extra_phone() {
    // Arrange: one published PER mailbox (both branches), then hands in the directory: the
    // derived `cn` and `displayName` of one entry rewritten, and a second `telephoneNumber`
    // added to the other. A parsed entry hides all three, only the raw value sets show them.
    let (app, ldap) = app_with_directory().await;
    let (admin, _) = app.national_admin().await;
    let id = app
        .seed_pending(&SeedAccount::pharmacist("Anne", "Durand"))
        .await;
    let address = validate(&app, &admin, id).await;
    wait_published(&app, id, 1).await;
    let before = entries(&ldap, Who::Service, &ldap.operateur_dn(), &address).await;
    let phones = all(&before[0], "telephoneNumber");
    assert_eq!(phones.len(), 1, "the seeded account has one phone");
    let mut conn = ldap.connect(Who::Service).await.expect("bind as service");
    conn.modify(
        &format!("mail={address},{}", ldap.mssante_dn()),
        vec![
            Mod::Replace("cn", HashSet::from(["Quelqu'un d'autre"])),
            Mod::Replace("displayName", HashSet::from(["ANNE DURAND"])),
        ],
    )
    .await
    .expect("modify request")
    .success()
    .expect("rename by hand");
    conn.modify(
        &format!("mail={address},{}", ldap.operateur_dn()),
        vec![Mod::Add("telephoneNumber", HashSet::from(["+33600000000"]))],
    )
    .await
    .expect("modify request")
    .success()
    .expect("add a phone by hand");
    let _ = conn.unbind().await;

    // Act
    let first = app.run_cli(&["directory", "sync"], None).await;
    let second = app.run_cli(&["directory", "sync"], None).await;

    // Assert
    first.assert_success();
    assert!(
        first
            .stdout
            .lines()
            .any(|l| l == "added 0 updated 2 removed 0 unchanged 0"),
        "{}",
        first.stdout
    );
    second.assert_success();
    assert!(
        second
            .stdout
            .lines()
            .any(|l| l == "added 0 updated 0 removed 0 unchanged 2"),
        "{}",
        second.stdout
    );
    let renamed = entries(&ldap, Who::Anonymous, &ldap.mssante_dn(), &address).await;
    assert_eq!(all(&renamed[0], "cn"), ["Anne Durand"]);
    assert_eq!(all(&renamed[0], "displayName"), ["Anne Durand"]);
    let rephoned = entries(&ldap, Who::Reader, &ldap.operateur_dn(), &address).await;
    assert_eq!(all(&rephoned[0], "telephoneNumber"), phones);
}

#[tokio::test]
async fn the_directory_sync_command_restores_a_deleted_entry_fixes_drift_and_removes_an_orphan() {
    // Arrange: two published PER mailboxes (2 entries each), then hands in the directory.
    let (app, ldap) = app_with_directory().await;
    let (admin, _) = app.national_admin().await;
    let a = app
        .seed_pending(&SeedAccount::pharmacist("Anne", "Durand"))
        .await;
    let b = app
        .seed_pending(&SeedAccount::pharmacist("Paul", "Durand"))
        .await;
    let address_a = validate(&app, &admin, a).await;
    let address_b = validate(&app, &admin, b).await;
    wait_published(&app, a, 1).await;
    wait_published(&app, b, 1).await;
    let orphan = "orphelin.inconnu@pharmacien.oc.mssante.fr";
    let mut conn = ldap.connect(Who::Service).await.expect("bind as service");
    conn.delete(&format!("mail={address_a},{}", ldap.mssante_dn()))
        .await
        .expect("delete request")
        .success()
        .expect("delete by hand");
    conn.modify(
        &format!("mail={address_b},{}", ldap.operateur_dn()),
        vec![Mod::Replace("sn", HashSet::from(["Falsifie"]))],
    )
    .await
    .expect("modify request")
    .success()
    .expect("modify by hand");
    conn.add(
        &format!("mail={orphan},{}", ldap.mssante_dn()),
        vec![
            (
                "objectClass",
                HashSet::from(["inetOrgPerson", "mssanteBoiteLettre"]),
            ),
            ("mail", HashSet::from([orphan])),
            ("cn", HashSet::from(["Orphelin Inconnu"])),
            ("sn", HashSet::from(["Inconnu"])),
            ("givenName", HashSet::from(["Orphelin"])),
            ("mssTypeBal", HashSet::from(["PER"])),
            ("mssDematerialisation", HashSet::from(["O"])),
            ("mssListeRouge", HashSet::from(["N"])),
        ],
    )
    .await
    .expect("add request")
    .success()
    .expect("add by hand");
    let _ = conn.unbind().await;

    // Act
    let first = app.run_cli(&["directory", "sync"], None).await;
    let second = app.run_cli(&["directory", "sync"], None).await;

    // Assert
    first.assert_success();
    assert!(
        first
            .stdout
            .lines()
            .any(|l| l == "added 1 updated 1 removed 1 unchanged 2"),
        "{}",
        first.stdout
    );
    second.assert_success();
    assert!(
        second
            .stdout
            .lines()
            .any(|l| l == "added 0 updated 0 removed 0 unchanged 4"),
        "{}",
        second.stdout
    );
    let restored = entries(&ldap, Who::Anonymous, &ldap.mssante_dn(), &address_a).await;
    assert_eq!(restored.len(), 1);
    assert_eq!(one(&restored[0], "sn"), Some("Durand"));
    let fixed = entries(&ldap, Who::Reader, &ldap.operateur_dn(), &address_b).await;
    assert_eq!(one(&fixed[0], "sn"), Some("Durand"));
    assert!(
        entries(&ldap, Who::Service, &ldap.base_dn, orphan)
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn the_account_disable_command_removes_the_users_entries_once_the_worker_ran() {
    // Arrange
    let (app, ldap) = app_with_directory().await;
    let (admin, _) = app.national_admin().await;
    let seed = SeedAccount::pharmacist("Anne", "Durand");
    let id = app.seed_pending(&seed).await;
    let kept = app
        .seed_pending(&SeedAccount::pharmacist("Paul", "Durand"))
        .await;
    let address = validate(&app, &admin, id).await;
    let kept_address = validate(&app, &admin, kept).await;
    wait_published(&app, id, 1).await;
    wait_published(&app, kept, 1).await;
    assert_eq!(
        entries(&ldap, Who::Service, &ldap.base_dn, &address)
            .await
            .len(),
        2
    );

    // Act
    let output = app
        .run_cli(&["account", "disable", "--email", &seed.email], None)
        .await;

    // Assert
    output.assert_success();
    assert!(output.stdout.contains("disabled"), "{}", output.stdout);
    wait_published(&app, id, 2).await;
    assert!(
        entries(&ldap, Who::Service, &ldap.base_dn, &address)
            .await
            .is_empty(),
        "a disabled account's entries must be gone"
    );
    assert_eq!(
        entries(&ldap, Who::Service, &ldap.base_dn, &kept_address)
            .await
            .len(),
        2,
        "other accounts stay"
    );
    let account = db::account_by_id(&app.db, id).await;
    assert!(account.disabled_at.is_some());
    assert_eq!(
        account.mailbox_address.as_deref(),
        Some(address.as_str()),
        "an address never changes"
    );
    let disabled = db::audit_actions(&app.db, id, "account_disabled").await;
    assert_eq!(disabled.len(), 1);
    assert_eq!(disabled[0].actor, "system");
}

/// App bug (reported): the outbox worker handles mail and directory rows one after the other in
/// one loop, and each directory row waits for the full `directory.timeout_secs` when the server
/// hangs. With six pending publications and a 2 s timeout, the confirmation mail of a new user
/// left after about 8 s instead of at once; in production (timeout 5 s, batches of 20) mail
/// would wait about 100 s per pass for as long as the directory hangs.
#[tokio::test]
async fn a_directory_that_accepts_connections_but_never_answers_does_not_hold_back_the_mail() {
    // Arrange: a "directory" that completes the TCP handshake (the kernel's backlog) and never
    // says a word, as a hung slapd or a half-open firewall does. Each LDAP call then waits for
    // its whole timeout.
    let black_hole = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a black hole");
    let port = black_hole.local_addr().expect("its address").port();
    let app = spawn_app_with(|s| {
        s.directory.enabled = true;
        s.directory.url = format!("ldap://127.0.0.1:{port}").parse().expect("URL");
        s.directory.timeout_secs = 2;
    })
    .await;
    let (admin, _) = app.national_admin().await;
    let mut seeds = Vec::new();
    for nom in ["Arnaud", "Bernard", "Colin", "Dubois", "Etienne", "Fabre"] {
        let seed = SeedAccount::pharmacist("Anne", nom);
        let id = app.seed_pending(&seed).await;
        validate(&app, &admin, id).await;
        seeds.push(seed);
    }
    let user = TestUser::generate();

    // Act: someone signs up meanwhile.
    let started = std::time::Instant::now();
    app.another_visitor()
        .signup(&user)
        .await
        .assert_redirect_to("/inscription/email-envoye");

    // Assert: the confirmation mail does not wait for the directory's timeouts.
    app.smtp
        .wait_for_mail_to(&user.email, Duration::from_secs(4))
        .await;
    for seed in &seeds {
        app.smtp
            .wait_for_mail_to(&seed.email, Duration::from_secs(4))
            .await;
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        db::outbox_of_kind(&app.db, "directory")
            .await
            .iter()
            .all(|r| r.done_at.is_none()),
        "nothing can have been published"
    );
    drop(black_hole);
}

#[tokio::test]
async fn unticking_the_mssante_directory_puts_the_address_on_the_liste_rouge_and_back() {
    // Arrange
    let (app, ldap) = app_with_directory().await;
    let user = TestUser::named("Pierre", "Dupont");
    let (browser, id) = app.pending_user(&user, "oui", &user.profile_form()).await;
    let (admin, _) = app.national_admin().await;
    let address = validate(&app, &admin, id).await;
    wait_published(&app, id, 1).await;
    assert_eq!(
        entries(&ldap, Who::Anonymous, &ldap.mssante_dn(), &address)
            .await
            .len(),
        1
    );
    browser.get("/compte").await.assert_status(200);

    // Act: the user keeps the operator directory and leaves the MSSanté one.
    browser
        .post_form("/compte/annuaire", &[("annuaire_medimail", "on")])
        .await
        .assert_redirect_to("/compte");

    // Assert
    wait_published(&app, id, 2).await;
    assert!(
        entries(&ldap, Who::Anonymous, &ldap.mssante_dn(), &address)
            .await
            .is_empty()
    );
    let operator = entries(&ldap, Who::Reader, &ldap.operateur_dn(), &address).await;
    assert_eq!(one(&operator[0], "mssListeRouge"), Some("O"));
    assert_eq!(
        db::audit_actions(&app.db, id, "directory_preferences_changed")
            .await
            .len(),
        1
    );

    // Act: and back.
    browser.get("/compte").await.assert_status(200);
    browser
        .post_form(
            "/compte/annuaire",
            &[("annuaire_medimail", "on"), ("annuaire_mssante", "on")],
        )
        .await
        .assert_redirect_to("/compte");

    // Assert
    wait_published(&app, id, 3).await;
    let public = entries(&ldap, Who::Anonymous, &ldap.mssante_dn(), &address).await;
    assert_eq!(public.len(), 1);
    assert_eq!(one(&public[0], "mssListeRouge"), Some("N"));
}
