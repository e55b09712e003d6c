//! `/compte/profil` (issue 9): the profile after registration. Before validation it is edited
//! directly; after, contact and preferences apply at once and reach the directory through the
//! outbox, while identity changes wait for an administrator (`/admin/comptes/{id}/modification/
//! accepter` and `.../refuser`), the current values staying in force and published meanwhile.

use ldap3::{SearchEntry, ldap_escape};

use crate::support::ldap::{TestLdap, Who};
use crate::support::{
    DrainReportExt, Form, TestApp, TestUser, db, html, spawn_app, spawn_app_with,
};

/// A slapd from the shipped files, and an app publishing to it.
async fn app_with_directory() -> (TestApp, TestLdap) {
    let ldap = TestLdap::start().await;
    let settings = ldap.settings();
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

/// The account's entry in the operator branch (every validated box is there).
async fn operator_entry(ldap: &TestLdap, address: &str) -> SearchEntry {
    let filter = format!("(mail={})", ldap_escape(address));
    let mut found = ldap
        .search_with(Who::Reader, &ldap.operateur_dn(), &filter, &["*"])
        .await
        .expect("search the operator branch");
    assert_eq!(found.len(), 1, "{found:?}");
    found.remove(0)
}

/// The edit form as the page fills it.
async fn edit_form(browser: &TestApp) -> Form {
    let page = browser.get("/compte/profil").await;
    page.assert_status(200);
    crate::support::psc::form_as_submitted(&page.body, "/compte/profil")
}

/// A validated user (published) and a national administrator.
async fn validated_user(app: &TestApp, user: &TestUser) -> (TestApp, i32, TestApp, String) {
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
    (browser, id, admin, address)
}

#[tokio::test]
async fn a_pending_user_edits_the_profile_directly() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    let (browser, id) = app.pending_user(&user, "oui", &user.profile_form()).await;
    let account_page = browser.get("/compte").await;

    // Act
    let form = edit_form(&browser)
        .await
        .with("nom", "Durand")
        .with("telephone1", "05 61 00 00 01");
    let saved = browser.post_form("/compte/profil", &form).await;
    let after = browser.get("/compte/profil?enregistre=1").await;

    // Assert: saved as is, no request for an administrator.
    assert!(html::exists(
        &account_page.body,
        "a[href=\"/compte/profil\"]"
    ));
    saved.assert_redirect_to("/compte/profil?enregistre=1");
    assert_eq!(db::account_by_id(&app.db, id).await.nom, "Durand");
    let stored = db::profile(&app.db, &user.email).await;
    assert_eq!(stored.telephone1.as_deref(), Some("+33561000001"));
    assert_eq!(db::count_rows(&app.db, "profile_change_requests").await, 0);
    assert!(after.text().contains("Vos modifications sont enregistrées"));
    assert_eq!(after.field_value("nom").as_deref(), Some("Durand"));
    assert_eq!(
        db::audit_actions(&app.db, id, "profile_edited").await.len(),
        1
    );
}

#[tokio::test]
async fn a_validated_users_contact_and_visibility_apply_at_once_and_reach_the_directory() {
    // Arrange
    let (app, ldap) = app_with_directory().await;
    let user = TestUser::generate();
    let (browser, id, _, address) = validated_user(&app, &user).await;

    // Act: a new phone, a service, and off the national directory (liste rouge).
    let form = edit_form(&browser)
        .await
        .with("telephone1", "05 61 00 00 02")
        .with("service", "Préparatoire")
        .without("annuaire_mssante");
    let saved = browser.post_form("/compte/profil", &form).await;
    app.drain_outbox().await.assert_delivered();

    // Assert
    saved.assert_redirect_to("/compte/profil?enregistre=1");
    let entry = operator_entry(&ldap, &address).await;
    assert_eq!(one(&entry, "telephoneNumber"), Some("+33561000002"));
    assert_eq!(one(&entry, "mssService"), Some("Préparatoire"));
    assert_eq!(one(&entry, "mssListeRouge"), Some("O"));
    assert_eq!(db::count_rows(&app.db, "profile_change_requests").await, 0);
    assert_eq!(
        db::account_by_id(&app.db, id)
            .await
            .mailbox_address
            .as_deref(),
        Some(address.as_str())
    );
}

#[tokio::test]
async fn an_identity_change_waits_for_an_administrator_then_is_published_with_the_same_address() {
    // Arrange
    let (app, ldap) = app_with_directory().await;
    let user = TestUser::generate();
    let (browser, id, admin, address) = validated_user(&app, &user).await;

    // Act 1: the user changes the name (and the phone, which applies at once).
    let form = edit_form(&browser)
        .await
        .with("nom", "Nouveaunom")
        .with("telephone1", "05 61 00 00 03");
    let saved = browser.post_form("/compte/profil", &form).await;
    app.drain_outbox().await.assert_delivered();
    let page = browser.get("/compte/profil?demande=1").await;
    let queue = admin.get("/admin").await;
    let detail = admin.get(&format!("/admin/comptes/{id}")).await;

    // Assert 1: the phone is published, the name waits and stays published as it was.
    saved.assert_redirect_to("/compte/profil?demande=1");
    assert_eq!(db::account_by_id(&app.db, id).await.nom, user.nom);
    let entry = operator_entry(&ldap, &address).await;
    assert_eq!(one(&entry, "sn"), Some(user.nom.as_str()));
    assert_eq!(one(&entry, "telephoneNumber"), Some("+33561000003"));
    assert!(
        page.text()
            .contains("Modification en attente de validation")
    );
    assert!(page.text().contains("Nouveaunom"));
    let row = html::texts(&queue.body, "table.changes tbody tr").concat();
    assert!(row.contains("Modification à valider"), "{row}");
    assert!(row.contains(&user.email), "{row}");
    let side_by_side = html::texts(&detail.body, "table.change-request tbody tr");
    assert_eq!(side_by_side.len(), 1, "{side_by_side:?}");
    assert!(side_by_side[0].contains(&user.nom) && side_by_side[0].contains("Nouveaunom"));

    // Act 2: the administrator accepts.
    let accepted = admin
        .post_form(
            &format!("/admin/comptes/{id}/modification/accepter"),
            &Form::new(),
        )
        .await;
    app.drain_outbox().await.assert_delivered();

    // Assert 2: the new name is the account's and is published; the address never changes.
    accepted.assert_redirect_to(&format!("/admin/comptes/{id}"));
    let account = db::account_by_id(&app.db, id).await;
    assert_eq!(account.nom, "Nouveaunom");
    assert_eq!(account.mailbox_address.as_deref(), Some(address.as_str()));
    let entry = operator_entry(&ldap, &address).await;
    assert_eq!(one(&entry, "sn"), Some("Nouveaunom"));
    assert_eq!(db::count_rows(&app.db, "profile_change_requests").await, 0);
    assert_eq!(
        db::audit_actions(&app.db, id, "profile_change_accepted")
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn refusing_a_change_needs_a_reason_and_keeps_the_current_values() {
    // Arrange: a validated user asks for another profession.
    let app = spawn_app().await;
    let user = TestUser::generate();
    let (browser, id, admin, _) = validated_user(&app, &user).await;
    let form = edit_form(&browser).await.with("profession", "10");
    browser
        .post_form("/compte/profil", &form)
        .await
        .assert_redirect_to("/compte/profil?demande=1");
    admin.get(&format!("/admin/comptes/{id}")).await;
    let path = format!("/admin/comptes/{id}/modification/refuser");

    // Act
    let without_reason = admin
        .post_form(&path, &[("motif_modification", "  ")])
        .await;
    let refused = admin
        .post_form(
            &path,
            &[("motif_modification", "Justificatif de diplôme manquant")],
        )
        .await;

    // Assert
    without_reason.assert_status(422);
    without_reason.assert_field_error("motif_modification");
    refused.assert_redirect_to(&format!("/admin/comptes/{id}"));
    assert_eq!(db::profile(&app.db, &user.email).await.profession, "21");
    assert_eq!(db::count_rows(&app.db, "profile_change_requests").await, 0);
    let refusals = db::audit_actions(&app.db, id, "profile_change_refused").await;
    assert_eq!(refusals.len(), 1);
    assert_eq!(
        refusals[0].detail.as_deref(),
        Some("Justificatif de diplôme manquant")
    );
}

#[tokio::test]
async fn a_change_request_is_decided_only_within_scope_and_every_new_post_needs_csrf() {
    // Arrange: an Occitanie user asks for a new name; an Île-de-France admin looks.
    let app = spawn_app().await;
    let user = TestUser::generate();
    let (browser, id, _, _) = validated_user(&app, &user).await;
    let form = edit_form(&browser).await.with("prenom", "Autreprenom");
    browser
        .post_form("/compte/profil", &form)
        .await
        .assert_redirect_to("/compte/profil?demande=1");
    let (outsider, _) = app.admin_with_scope("region:11").await;
    let accept = format!("/admin/comptes/{id}/modification/accepter");
    let refuse = format!("/admin/comptes/{id}/modification/refuser");

    // Act
    let out_of_scope = outsider.post_form(&accept, &Form::new()).await;
    let forged = [
        browser
            .post_form_with_csrf("/compte/profil", &form, None)
            .await,
        outsider
            .post_form_with_csrf(&accept, &Form::new(), None)
            .await,
        outsider
            .post_form_with_csrf(&refuse, &[("motif_modification", "non")], None)
            .await,
    ];

    // Assert
    out_of_scope.assert_status(403);
    for response in &forged {
        response.assert_status(403);
    }
    assert_eq!(db::account_by_id(&app.db, id).await.prenom, user.prenom);
    assert_eq!(db::count_rows(&app.db, "profile_change_requests").await, 1);
}
