//! Signing up with Pro Santé Connect (issue 4), driven over HTTP against the oidc-provider
//! simulator (`support::psc`): sign-up through PSC's login page to the pending page with a
//! pre-filled profile, returning users, several activities, EDIT identities, and automatic
//! validation.

use std::time::Duration;

use crate::support::app::eventually;
use crate::support::ldap::TestLdap;
use crate::support::psc::{
    self, PSC_IDENTITIES, PscSimulator, pharma_login, spawn_app_with_psc, unique_email,
};
use crate::support::{TestResponse, TestUser, db, html};

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The admin queue's row of `email`, as text.
fn queue_row(body: &str, email: &str) -> String {
    html::texts(body, "tbody tr")
        .into_iter()
        .find(|row| row.contains(email))
        .unwrap_or_else(|| panic!("no row for {email} in the queue:\n{body}"))
}

// ---- sign-up --------------------------------------------------------------------------------

#[tokio::test]
async fn a_new_professional_signs_up_with_psc_to_the_pending_page_with_a_prefilled_profile() {
    // Arrange
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |_| {}).await;
    let psc_browser = sim.browser();
    let rpps = psc::unique_rpps();
    let login = pharma_login(&rpps);
    let email = unique_email();

    // Act: through PSC's login page, then the email the user gives and its confirmation mail.
    let first = app.psc_sign_in(&psc_browser, &login).await;
    let email_page = app.get("/inscription/email").await;
    let given = app
        .post_form("/inscription/email", &[("email", email.as_str())])
        .await;
    let confirmed = app.confirm_email_from_mail(&email).await;
    // Signs in with PSC again, accepts the CGU, and opens the profile.
    let again = app.psc_sign_in(&psc_browser, &login).await;
    let cgu = app.accept_cgu().await;
    let identification = app.get("/identification").await;
    let profile = app.get("/profil").await;
    // Submits the pre-filled form; an identifier typed in by hand is not taken.
    let form = psc::form_as_submitted(&profile.body, "/profil")
        .with("type_identifiant", "RPPS")
        .with("identifiant", "10000005479");
    let submitted = app.post_form("/profil", &form).await;
    let pending = app.get("/compte").await;

    // Assert: the journey.
    first.assert_redirect_to("/inscription/email");
    email_page.assert_status(200);
    assert_eq!(
        email_page.field_value("email").as_deref(),
        Some(psc::pharma::EMAIL),
        "pre-filled from the activity's adresseEMail"
    );
    assert!(email_page.text().contains("CLAIRE MARTIN"));
    given.assert_redirect_to("/inscription/email-envoye");
    confirmed.assert_redirect_to("/connexion?confirme=1");
    again.assert_redirect_to("/cgu");
    cgu.assert_redirect_to("/profil");
    identification.assert_redirect_to("/profil");
    // The profile, pre-filled from PSC, the identifier read-only.
    profile.assert_status(200);
    assert!(
        profile
            .text()
            .contains("Identité vérifiée par Pro Santé Connect")
    );
    let shown = |label: &str| psc::read_only(&profile.body, label).unwrap_or_default();
    assert_eq!(shown("Type d'identifiant national"), "RPPS");
    assert_eq!(shown("Numéro d'identifiant national"), rpps);
    assert!(!html::exists(&profile.body, "input[name=\"identifiant\"]"));
    assert!(!html::exists(&profile.body, "[name=\"type_identifiant\"]"));
    let field = |name: &str| profile.field_value(name).unwrap_or_default();
    // Names and profession come from PSC: shown read-only, not inputs.
    assert_eq!(shown("Nom"), psc::pharma::FAMILY_NAME);
    assert_eq!(shown("Prénom"), psc::pharma::GIVEN_NAME);
    assert!(
        shown("Profession").ends_with(&format!("({})", psc::pharma::CODE_PROFESSION)),
        "{}",
        shown("Profession")
    );
    assert!(!html::exists(&profile.body, "[name=\"nom\"]"));
    assert!(!html::exists(&profile.body, "[name=\"profession\"]"));
    assert_eq!(field("raison_sociale"), psc::pharma::RAISON_SOCIALE);
    assert_eq!(field("code_postal"), psc::pharma::CODE_POSTAL);
    assert_eq!(field("telephone1"), psc::pharma::TELEPHONE);
    assert_eq!(field("identifiant_structure"), psc::pharma::FINESS);
    assert_eq!(
        field("adresse"),
        format!("{} {}", psc::pharma::NUMERO_VOIE, psc::pharma::LIBELLE_VOIE)
    );
    assert_eq!(field("ville"), "FRONTON");
    assert!(html::is_checked(&profile.body, "activite_liberale"));
    // The pending page.
    submitted.assert_redirect_to("/compte");
    pending.assert_status(200);
    assert!(
        pending.text().contains("Compte en attente de validation"),
        "{}",
        pending.text()
    );
    // What was stored.
    let account = db::account(&app.db, &email).await;
    assert_eq!(account.bal_type.as_deref(), Some("PER"));
    assert!(account.password_hash.is_none(), "no password is required");
    assert!(account.email_confirmed_at.is_some());
    assert!(account.profile_submitted_at.is_some());
    assert!(account.validated_at.is_none(), "waits for an administrator");
    let stored = db::profile(&app.db, &email).await;
    assert_eq!(stored.type_identifiant.as_deref(), Some("RPPS"));
    assert_eq!(stored.identifiant.as_deref(), Some(rpps.as_str()));
    assert_eq!(stored.profession, "21");
    assert_eq!(
        stored.raison_sociale.as_deref(),
        Some(psc::pharma::RAISON_SOCIALE)
    );
    assert!(stored.activite_liberale);
    assert_eq!(stored.region, "76");
    let identity = app.psc_identity_of(account.id).await.expect("linked");
    assert_eq!(identity.rpps.as_deref(), Some(rpps.as_str()));
    assert_eq!(identity.sub, psc::sub_for(&psc::id_nat_ps(&rpps)));
    assert_eq!(sim.events_of("login").await.len(), 1, "one login at PSC");
}

#[tokio::test]
async fn the_admin_queue_marks_a_psc_account_as_identity_verified() {
    // Arrange: one PSC user and one password user, both pending.
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |_| {}).await;
    let email = unique_email();
    let psc_user = app.another_visitor();
    let psc_browser = sim.browser();
    psc_user
        .psc_signed_in_at_profile(&psc_browser, &pharma_login(&psc::unique_rpps()), &email)
        .await;
    let profile = psc_user.get("/profil").await;
    psc_user
        .post_form("/profil", &psc::form_as_submitted(&profile.body, "/profil"))
        .await
        .assert_redirect_to("/compte");
    let password_user = TestUser::generate();
    app.pending_user(&password_user, "oui", &password_user.profile_form())
        .await;
    let (admin, _) = app.national_admin().await;

    // Act
    let queue = admin.get("/admin").await;

    // Assert
    queue.assert_status(200);
    let verified = queue_row(&queue.body, &email);
    assert!(
        verified.contains("Identité vérifiée par Pro Santé Connect"),
        "{verified}"
    );
    let unverified = queue_row(&queue.body, &password_user.email);
    assert!(
        !unverified.contains("Identité vérifiée par Pro Santé Connect"),
        "{unverified}"
    );
}

#[tokio::test]
async fn a_returning_psc_user_is_signed_straight_in_and_resumes_at_their_step() {
    // Arrange: a PSC user who stopped at the profile step, back later on another computer.
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |_| {}).await;
    let login = pharma_login(&psc::unique_rpps());
    let id = app
        .psc_signed_in_at_profile(&sim.browser(), &login, &unique_email())
        .await;
    let elsewhere = app.another_visitor();

    // Act
    let response = elsewhere.psc_sign_in(&sim.browser(), &login).await;

    // Assert
    response.assert_redirect_to("/profil");
    assert_eq!(elsewhere.signed_in_account().await, Some(id));
    elsewhere.get("/profil").await.assert_status(200);
    assert_eq!(db::count_rows(&app.db, "accounts").await, 1);
    assert_eq!(db::count_rows(&app.db, PSC_IDENTITIES).await, 1);
    assert_eq!(sim.events_of("login").await.len(), 2, "a new PSC session");
}

#[tokio::test]
async fn a_professional_with_two_activities_chooses_the_one_the_profile_is_prefilled_from() {
    // Arrange
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |_| {}).await;
    let rpps = psc::unique_rpps();
    let email = unique_email();
    app.psc_signed_in_at_profile(&sim.browser(), &format!("kit:{rpps}"), &email)
        .await;

    // Act
    let default = app.get("/profil").await;
    let hospital = app.get("/profil?activite=1").await;
    let form = psc::form_as_submitted(&hospital.body, "/profil").with("ville", "PARIS");
    let submitted = app.post_form("/profil", &form).await;

    // Assert: the chooser, the first activity by default.
    default.assert_status(200);
    assert_eq!(
        html::attrs(
            &default.body,
            "form.activity-choice input[name=\"activite\"]",
            "value"
        ),
        vec!["0".to_owned(), "1".to_owned()]
    );
    assert_eq!(
        html::attr(&default.body, "input[name=\"activite\"][checked]", "value").as_deref(),
        Some("0")
    );
    let field = |page: &TestResponse, name: &str| page.field_value(name).unwrap_or_default();
    assert_eq!(
        field(&default, "raison_sociale"),
        format!("{}{}", psc::kit::CABINET_PREFIX, &rpps[3..10])
    );
    assert!(html::is_checked(&default.body, "activite_liberale"));
    let shown =
        |page: &TestResponse, label: &str| psc::read_only(&page.body, label).unwrap_or_default();
    assert_eq!(shown(&default, "Nom"), psc::kit::family_name(&rpps));
    assert_eq!(shown(&default, "Prénom"), psc::kit::GIVEN_NAME);
    assert!(shown(&default, "Profession").ends_with(&format!("({})", psc::kit::CODE_PROFESSION)));
    assert!(shown(&default, "Spécialité").ends_with(&format!("({})", psc::kit::CODE_SAVOIR_FAIRE)));
    assert_eq!(
        field(&default, "code_postal"),
        psc::kit::CABINET_CODE_POSTAL
    );
    // The hospital activity.
    hospital.assert_status(200);
    assert_eq!(
        html::attr(&hospital.body, "input[name=\"activite\"][checked]", "value").as_deref(),
        Some("1")
    );
    assert_eq!(
        field(&hospital, "raison_sociale"),
        psc::kit::HOPITAL_RAISON_SOCIALE
    );
    assert!(!html::is_checked(&hospital.body, "activite_liberale"));
    assert_eq!(
        field(&hospital, "code_postal"),
        psc::kit::HOPITAL_CODE_POSTAL
    );
    assert!(
        shown(&hospital, "Spécialité").ends_with(&format!("({})", psc::kit::CODE_SAVOIR_FAIRE))
    );
    assert_eq!(shown(&hospital, "Type d'identifiant national"), "RPPS");
    assert_eq!(shown(&hospital, "Numéro d'identifiant national"), rpps);
    // The chosen activity is the one stored.
    submitted.assert_redirect_to("/compte");
    let stored = db::profile(&app.db, &email).await;
    assert_eq!(
        collapse(stored.raison_sociale.as_deref().unwrap_or_default()),
        collapse(psc::kit::HOPITAL_RAISON_SOCIALE),
        "stored with its spaces collapsed"
    );
    assert!(!stored.activite_liberale);
    assert_eq!(
        stored.specialite.as_deref(),
        Some(psc::kit::CODE_SAVOIR_FAIRE)
    );
    assert_eq!(stored.identifiant.as_deref(), Some(rpps.as_str()));
}

#[tokio::test]
async fn an_edit_test_identity_gets_no_identifier_and_a_bal_med_never_published_as_rpps() {
    // Arrange: the app publishes to a real annuaire.
    let sim = PscSimulator::start_default().await;
    let ldap = TestLdap::start().await;
    let directory = ldap.settings();
    let app = spawn_app_with_psc(&sim, |s| s.directory = directory).await;
    let edit_id = psc::unique_edit_id();
    let email = unique_email();
    let id = app
        .psc_signed_in_at_profile(&sim.browser(), &format!("edit:{edit_id}"), &email)
        .await;

    // Act: the profile (with an identifier typed in by hand), then an administrator validates.
    let profile = app.get("/profil").await;
    let form = psc::form_as_submitted(&profile.body, "/profil")
        .with("type_identifiant", "RPPS")
        .with("identifiant", "10000005479");
    let submitted = app.post_form("/profil", &form).await;
    let (admin, _) = app.national_admin().await;
    let validated = admin.validate_account(id).await;

    // Assert: no identifier shown, none stored.
    profile.assert_status(200);
    let shown = |label: &str| psc::read_only(&profile.body, label);
    let none = Some("Non transmis par Pro Santé Connect".to_owned());
    assert_eq!(shown("Type d'identifiant national"), none);
    assert_eq!(shown("Numéro d'identifiant national"), none);
    assert_eq!(shown("Nom").as_deref(), Some(psc::edit::FAMILY_NAME));
    assert!(
        shown("Profession")
            .unwrap_or_default()
            .ends_with(&format!("({})", psc::edit::CODE_PROFESSION))
    );
    submitted.assert_redirect_to("/compte");
    validated.assert_redirect_to(&format!("/admin/comptes/{id}"));
    let account = db::account_by_id(&app.db, id).await;
    assert_eq!(account.bal_type.as_deref(), Some("MED"));
    let address = account.mailbox_address.expect("validated");
    assert!(
        address.ends_with("@medimail.fr") && !address.contains("mssante"),
        "{address}"
    );
    let stored = db::profile(&app.db, &email).await;
    assert_eq!(stored.type_identifiant, None);
    assert_eq!(stored.identifiant, None);
    let identity = app.psc_identity_of(id).await.expect("linked");
    assert_eq!(identity.rpps, None);
    assert_eq!(identity.id_nat_ps, edit_id);
    // Published as a BAL MED, in the operator's branch only, without any national identifier.
    eventually(
        "the directory publication",
        Duration::from_secs(15),
        || async {
            (!db::audit_actions(&app.db, id, "directory_published")
                .await
                .is_empty())
            .then_some(())
        },
    )
    .await;
    let filter = format!("(mail={})", ldap3::ldap_escape(&address));
    let published = ldap
        .search_as_service(&ldap.base_dn, &filter)
        .await
        .expect("search the annuaire");
    assert_eq!(published.len(), 1, "{published:?}");
    assert!(
        published[0].dn.ends_with(&ldap.operateur_dn()),
        "{}",
        published[0].dn
    );
    for attribute in ["mssRpps", "mssIdNatPs"] {
        assert!(
            !published[0]
                .attrs
                .keys()
                .any(|k| k.eq_ignore_ascii_case(attribute)),
            "{attribute} published: {:?}",
            published[0].attrs
        );
    }
    let as_rpps = ldap
        .search_as_service(&ldap.base_dn, "(mssRpps=*)")
        .await
        .expect("search the annuaire");
    assert!(as_rpps.is_empty(), "{as_rpps:?}");
}

#[tokio::test]
async fn with_auto_approve_psc_the_account_is_validated_right_after_the_profile() {
    // Arrange
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |s| s.validation.auto_approve_psc = true).await;
    let email = unique_email();
    let id = app
        .psc_signed_in_at_profile(&sim.browser(), &pharma_login(&psc::unique_rpps()), &email)
        .await;
    let profile = app.get("/profil").await;

    // Act
    let submitted = app
        .post_form("/profil", &psc::form_as_submitted(&profile.body, "/profil"))
        .await;

    // Assert
    submitted.assert_redirect_to("/compte");
    let address = "claire.martin@pharmacien.oc.mssante.fr";
    let account = db::account_by_id(&app.db, id).await;
    assert!(account.validated_at.is_some());
    assert_eq!(account.mailbox_address.as_deref(), Some(address));
    let mail = app.wait_for_mail_with_subject(&email, "est validé").await;
    assert!(mail.text().contains(address), "{}", mail.text());
    let validated = db::audit_actions(&app.db, id, "account_validated").await;
    assert_eq!(validated.len(), 1, "{validated:?}");
    assert_eq!(validated[0].actor, "system");
    let detail = validated[0].detail.clone().unwrap_or_default();
    assert!(
        detail.contains(address) && detail.contains("validation automatique"),
        "{detail}"
    );
    assert_eq!(db::outbox_of_kind(&app.db, "directory").await.len(), 1);
    let page = app.get("/compte").await;
    assert!(
        page.text().contains("Votre compte est validé"),
        "{}",
        page.text()
    );
}

#[tokio::test]
async fn without_auto_approve_a_psc_account_waits_for_an_administrator() {
    // Arrange
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |_| {}).await;
    let id = app
        .psc_signed_in_at_profile(
            &sim.browser(),
            &pharma_login(&psc::unique_rpps()),
            &unique_email(),
        )
        .await;
    let profile = app.get("/profil").await;

    // Act
    let submitted = app
        .post_form("/profil", &psc::form_as_submitted(&profile.body, "/profil"))
        .await;

    // Assert
    submitted.assert_redirect_to("/compte");
    let account = db::account_by_id(&app.db, id).await;
    assert!(account.validated_at.is_none());
    assert!(account.mailbox_address.is_none());
    assert!(
        db::audit_actions(&app.db, id, "account_validated")
            .await
            .is_empty()
    );
}
