//! Living with the account (issue 9): the settings hub, the data export, the closure by the
//! holder (directory entries removed through the outbox and slapd, signed out everywhere,
//! purged after `retention.closed_days` with its address still reserved), and the
//! administrators' disable / re-enable.

use ldap3::ldap_escape;

use crate::support::ldap::{TestLdap, Who};
use crate::support::{DrainReportExt, TestApp, TestUser, db, html, spawn_app, spawn_app_with};

/// A slapd from the shipped files, and an app publishing to it.
async fn app_with_directory() -> (TestApp, TestLdap) {
    let ldap = TestLdap::start().await;
    let settings = ldap.settings();
    let app = spawn_app_with(|s| s.directory = settings).await;
    (app, ldap)
}

/// How many entries carry `address`, in the MSSanté and operator branches.
async fn entries(ldap: &TestLdap, address: &str) -> (usize, usize) {
    let filter = format!("(mail={})", ldap_escape(address));
    let mut counts = [0; 2];
    for (count, branch) in counts
        .iter_mut()
        .zip([ldap.mssante_dn(), ldap.operateur_dn()])
    {
        *count = ldap
            .search_with(Who::Service, &branch, &filter, &["mail"])
            .await
            .unwrap_or_else(|e| panic!("search {address} in {branch}: {e}"))
            .len();
    }
    (counts[0], counts[1])
}

/// A user validated by a national administrator, signed in on `/compte`, its entries
/// published: `(browser, account id, mailbox address, admin browser)`.
async fn validated_user(app: &TestApp, user: &TestUser) -> (TestApp, i32, String, TestApp) {
    let (browser, id) = app.pending_user(user, "oui", &user.profile_form()).await;
    let (admin, _) = app.national_admin().await;
    admin
        .validate_account(id)
        .await
        .assert_redirect_to(&format!("/admin/comptes/{id}"));
    app.drain_outbox().await.assert_delivered();
    let address = db::account_by_id(&app.db, id)
        .await
        .mailbox_address
        .expect("validated");
    (browser, id, address, admin)
}

async fn signed_in(browser: &TestApp) -> bool {
    browser.get("/compte").await.status == 200
}

/// Opens the closure page (for its form's token), then posts it.
async fn close(browser: &TestApp, password: &str, motif: &str) -> crate::support::TestResponse {
    browser.get("/compte/fermeture").await.assert_status(200);
    browser
        .post_form(
            "/compte/fermeture",
            &[("mot_de_passe_actuel", password), ("motif", motif)],
        )
        .await
}

// ---- the settings hub ------------------------------------------------------------------

#[tokio::test]
async fn the_account_page_links_to_a_settings_hub_with_every_section() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    let (browser, _) = app.pending_user(&user, "oui", &user.profile_form()).await;

    // Act
    let account = browser.get("/compte").await;
    let hub = browser.get("/compte/parametres").await;

    // Assert
    assert!(
        html::attrs(&account.body, "a", "href").contains(&"/compte/parametres".to_owned()),
        "/compte does not link to the settings"
    );
    hub.assert_status(200);
    let headings = html::texts(&hub.body, "h2");
    for section in [
        "Profil",
        "Visibilité et dématérialisation",
        "Notifications",
        "Sécurité",
        "Adresse mail",
        "Mes données",
        "Fermer mon compte",
    ] {
        assert!(
            headings.iter().any(|h| h == section),
            "{section}: {headings:?}"
        );
    }
    let links = html::attrs(&hub.body, "a", "href");
    for link in [
        "/compte/mot-de-passe",
        "/compte/sessions",
        "/compte/export",
        "/compte/fermeture",
    ] {
        assert!(links.iter().any(|l| l == link), "{link}: {links:?}");
    }
    let text = html::page_text(&hub.body);
    assert!(text.contains(&user.email.to_lowercase()), "{text}");
    assert!(!text.to_lowercase().contains("bientôt"), "{text}");
}

#[tokio::test]
async fn the_settings_hub_waits_for_a_complete_profile() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.signed_in_at_cgu(&user).await;

    // Act
    let hub = app.get("/compte/parametres").await;

    // Assert
    hub.assert_redirect_to("/cgu");
}

// ---- the export ------------------------------------------------------------------------

#[tokio::test]
async fn the_export_holds_this_accounts_data_and_nothing_of_anybody_else() {
    // Arrange
    let app = spawn_app().await;
    let (alice, bob) = (TestUser::generate(), TestUser::generate());
    let (alice_browser, alice_id, address, _admin) = validated_user(&app, &alice).await;
    app.pending_user(&bob, "oui", &bob.profile_form()).await;
    let admin_email = db::audit_actions(&app.db, alice_id, "account_validated").await[0]
        .actor
        .clone();

    // Act
    let export = alice_browser.get("/compte/export").await;

    // Assert
    export.assert_status(200);
    assert!(
        export.content_type().starts_with("application/json"),
        "{}",
        export.content_type()
    );
    let disposition = export.header("content-disposition").unwrap_or_default();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    let data: serde_json::Value = serde_json::from_str(&export.body).expect("JSON");
    assert_eq!(data["compte"]["email"], alice.email.to_lowercase());
    assert_eq!(data["compte"]["nom"], alice.nom);
    assert_eq!(data["compte"]["adresse_messagerie"], address);
    assert_eq!(data["compte"]["mot_de_passe_defini"], true);
    assert_eq!(data["profil"]["identifiant"], alice.rpps);
    assert_eq!(data["profil"]["ville"], "Fronton");
    assert_eq!(data["cgu"][0]["version"], app.settings.cgu.current);
    assert!(data["pro_sante_connect"].is_null());
    assert!(!data["sessions"].as_array().expect("sessions").is_empty());
    let history = data["historique"].as_array().expect("history");
    let validated = history
        .iter()
        .find(|e| e["action"] == "account_validated")
        .expect("the validation in the history");
    assert_eq!(validated["acteur"], "administrateur");
    assert!(history.iter().any(|e| e["acteur"] == "titulaire"));
    // Nothing of Bob, nothing of the administrator, no secret.
    for foreign in [
        bob.email.to_lowercase().as_str(),
        bob.rpps.as_str(),
        bob.nom.as_str(),
        admin_email.as_str(),
        "$argon2",
        "password_hash",
        "id_hash",
    ] {
        assert!(!export.body.contains(foreign), "the export holds {foreign}");
    }
    assert_eq!(
        db::audit_actions(&app.db, alice_id, "data_exported")
            .await
            .len(),
        1
    );
}

// ---- closure ---------------------------------------------------------------------------

#[tokio::test]
async fn closing_the_account_removes_its_entries_signs_out_everywhere_and_mails_the_holder() {
    // Arrange
    let (app, ldap) = app_with_directory().await;
    let user = TestUser::generate();
    let (browser, id, address, _) = validated_user(&app, &user).await;
    let other_browser = app.sign_in_as(&user, "/compte").await;
    assert_eq!(entries(&ldap, &address).await, (1, 1));

    // Act
    let closed = close(&browser, &user.password, "Départ à la retraite").await;
    app.drain_outbox().await.assert_delivered();

    // Assert
    closed.assert_redirect_to("/connexion?ferme");
    assert_eq!(entries(&ldap, &address).await, (0, 0));
    assert!(!signed_in(&browser).await);
    assert!(!signed_in(&other_browser).await);
    assert!(db::sessions_of(&app.db, id).await.is_empty());
    let account = db::account_by_id(&app.db, id).await;
    assert!(account.closed_at.is_some() && account.disabled_at.is_some());
    let closure = db::audit_actions(&app.db, id, "account_closed").await;
    assert_eq!(closure[0].detail.as_deref(), Some("Départ à la retraite"));
    let mail = app
        .wait_for_mail_with_subject(&user.email.to_lowercase(), "Fermeture")
        .await;
    assert!(mail.text().contains(&address), "{}", mail.text());
    assert!(mail.text().contains("365 jours"), "{}", mail.text());
    app.another_visitor()
        .login_user(&user)
        .await
        .assert_status(422);
}

#[tokio::test]
async fn a_wrong_password_does_not_close_the_account() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    let (browser, id) = app.pending_user(&user, "oui", &user.profile_form()).await;

    // Act
    let refused = close(&browser, "pas le bon mot de passe", "Un motif").await;

    // Assert
    refused
        .assert_status(422)
        .assert_field_error("mot_de_passe_actuel");
    assert_eq!(refused.field_value("motif").as_deref(), Some("Un motif"));
    assert!(
        !refused.body.contains("pas le bon mot de passe"),
        "the password is shown again"
    );
    assert!(db::account_by_id(&app.db, id).await.closed_at.is_none());
    assert!(signed_in(&browser).await);
}

#[tokio::test]
async fn a_closed_account_is_purged_after_its_retention_and_its_address_is_never_reassigned() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::named("Pierre", "Dupont");
    let (browser, id, address, _) = validated_user(&app, &user).await;
    close(&browser, &user.password, "")
        .await
        .assert_redirect_to("/connexion?ferme");
    let retention = app.settings.retention.clone();
    let purge = || mss_onboarding::services::account::purge_closed(&app.db, &retention, app.now());

    // Act
    app.advance_clock(chrono::Duration::days(retention.closed_days - 1));
    let early = purge().await.expect("purge");
    app.advance_clock(chrono::Duration::days(2));
    let due = purge().await.expect("purge");
    let homonym = TestUser::named("Pierre", "Dupont");
    let (_, homonym_id) = app
        .pending_user(&homonym, "oui", &homonym.profile_form())
        .await;
    let (admin, _) = app.national_admin().await;
    admin
        .validate_account(homonym_id)
        .await
        .assert_redirect_to(&format!("/admin/comptes/{homonym_id}"));

    // Assert
    assert_eq!((early, due), (0, 1));
    assert!(db::find_account(&app.db, &user.email).await.is_none());
    assert_eq!(
        db::audit_actions(&app.db, id, "closed_account_purged")
            .await
            .len(),
        1,
        "the trail outlives the account"
    );
    let reassigned = db::account_by_id(&app.db, homonym_id)
        .await
        .mailbox_address
        .expect("validated");
    assert_ne!(reassigned, address);
    assert_eq!(address, "pierre.dupont@pharmacien.oc.mssante.fr");
    assert_eq!(reassigned, "pierre.dupont2@pharmacien.oc.mssante.fr");
}

#[tokio::test]
async fn closing_without_a_csrf_token_is_refused() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    let (browser, id) = app.pending_user(&user, "oui", &user.profile_form()).await;
    browser.get("/compte/fermeture").await.assert_status(200);
    let form = [("mot_de_passe_actuel", user.password.as_str())];

    // Act
    let without = browser
        .post_form_with_csrf("/compte/fermeture", &form, None)
        .await;
    let forged = browser
        .post_form_with_csrf("/compte/fermeture", &form, Some("forged"))
        .await;

    // Assert
    without.assert_status(403);
    forged.assert_status(403);
    assert!(db::account_by_id(&app.db, id).await.closed_at.is_none());
}

// ---- administrators --------------------------------------------------------------------

#[tokio::test]
async fn an_administrator_disables_with_a_reason_then_reenables_and_the_directory_follows() {
    // Arrange
    let (app, ldap) = app_with_directory().await;
    let user = TestUser::generate();
    let (browser, id, address, admin) = validated_user(&app, &user).await;
    let page = format!("/admin/comptes/{id}");
    admin.get(&page).await.assert_status(200);

    // Act
    let no_reason = admin
        .post_form(&format!("{page}/desactiver"), &[("motif", "  ")])
        .await;
    admin.get(&page).await;
    let disabled = admin
        .post_form(
            &format!("{page}/desactiver"),
            &[("motif", "Usurpation signalée")],
        )
        .await;
    app.drain_outbox().await.assert_delivered();
    let after_disable = entries(&ldap, &address).await;
    let user_signed_in = signed_in(&browser).await;
    let login_while_disabled = app.another_visitor().login_user(&user).await.status;
    let detail = admin.get(&page).await;
    let reenabled = admin
        .post_form(&format!("{page}/reactiver"), &[] as &[(&str, &str)])
        .await;
    app.drain_outbox().await.assert_delivered();

    // Assert
    no_reason.assert_status(422).assert_field_error("motif");
    disabled.assert_redirect_to(&page);
    assert_eq!(after_disable, (0, 0));
    assert!(!user_signed_in, "the disabled user is still signed in");
    assert_eq!(login_while_disabled, 422);
    assert!(html::page_text(&detail.body).contains("Usurpation signalée"));
    reenabled.assert_redirect_to(&page);
    assert_eq!(entries(&ldap, &address).await, (1, 1));
    app.another_visitor()
        .login_user(&user)
        .await
        .assert_redirect_to("/compte");
    let disable_events = db::audit_actions(&app.db, id, "account_disabled").await;
    assert_eq!(
        disable_events[0].detail.as_deref(),
        Some("Usurpation signalée")
    );
    assert!(disable_events[0].actor.starts_with("admin:"));
    assert_eq!(
        db::audit_actions(&app.db, id, "account_reactivated")
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn disabling_and_reenabling_outside_the_scope_is_forbidden() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    let (browser, id, _, national) = validated_user(&app, &user).await;
    // The user is in Occitanie (76); this administrator covers Île-de-France (11).
    let (elsewhere, _) = app.admin_with_scope("region:11").await;
    elsewhere.get("/admin").await.assert_status(200);
    let page = format!("/admin/comptes/{id}");

    // Act
    let disable = elsewhere
        .post_form(
            &format!("{page}/desactiver"),
            &[("motif", "Hors périmètre")],
        )
        .await;
    national.get(&page).await;
    national
        .post_form(&format!("{page}/desactiver"), &[("motif", "Test")])
        .await
        .assert_redirect_to(&page);
    let reenable = elsewhere
        .post_form(&format!("{page}/reactiver"), &[] as &[(&str, &str)])
        .await;

    // Assert
    disable.assert_status(403);
    reenable.assert_status(403);
    assert!(db::account_by_id(&app.db, id).await.disabled_at.is_some());
    assert_eq!(
        db::audit_actions(&app.db, id, "account_disabled")
            .await
            .len(),
        1
    );
    assert!(!signed_in(&browser).await);
}

#[tokio::test]
async fn disabling_and_reenabling_without_a_csrf_token_is_refused() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    let (_, id, _, admin) = validated_user(&app, &user).await;
    let page = format!("/admin/comptes/{id}");
    admin.get(&page).await.assert_status(200);

    // Act
    let disable = admin
        .post_form_with_csrf(&format!("{page}/desactiver"), &[("motif", "Test")], None)
        .await;
    let reenable = admin
        .post_form_with_csrf(
            &format!("{page}/reactiver"),
            &[] as &[(&str, &str)],
            Some("forged"),
        )
        .await;

    // Assert
    disable.assert_status(403);
    reenable.assert_status(403);
    assert!(db::account_by_id(&app.db, id).await.disabled_at.is_none());
}

#[tokio::test]
async fn an_account_without_a_password_closes_after_signing_in_again_with_psc() {
    // Arrange: a PSC-only account, signed in with PSC longer ago than `auth.reauth_minutes`.
    use crate::support::psc::{self, PscSimulator, pharma_login, spawn_app_with_psc, unique_email};
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |_| {}).await;
    let login = pharma_login(&psc::unique_rpps());
    let id = app
        .psc_register_confirmed(&sim.browser(), &login, &unique_email())
        .await;
    app.psc_sign_in(&sim.browser(), &login)
        .await
        .assert_redirect_to("/cgu");
    app.advance_clock(chrono::Duration::minutes(
        app.settings.auth.reauth_minutes + 1,
    ));

    // Act 1: a stale sign-in cannot close.
    let stale_page = app.get("/compte/fermeture").await;
    let stale_post = app.post_form("/compte/fermeture", &[("motif", "")]).await;
    // Act 2: signed in again with PSC, it can.
    app.psc_sign_in(&sim.browser(), &login).await;
    let fresh_page = app.get("/compte/fermeture").await;
    let closed = app
        .post_form("/compte/fermeture", &[("motif", "Départ à la retraite")])
        .await;

    // Assert
    stale_page.assert_status(200);
    assert!(!html::exists(
        &stale_page.body,
        "input[name=mot_de_passe_actuel]"
    ));
    assert!(html::exists(&stale_page.body, "a[href=\"/psc/connexion\"]"));
    stale_post.assert_status(422);
    assert!(html::page_text(&stale_post.body).contains("Reconnectez-vous avec Pro Santé Connect"));
    fresh_page.assert_status(200);
    assert!(!html::exists(
        &fresh_page.body,
        "input[name=mot_de_passe_actuel]"
    ));
    assert!(html::exists(
        &fresh_page.body,
        "form[action=\"/compte/fermeture\"]"
    ));
    closed.assert_redirect_to("/connexion?ferme");
    assert!(db::account_by_id(&app.db, id).await.closed_at.is_some());
}
