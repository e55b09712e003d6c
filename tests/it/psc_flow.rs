//! Pro Santé Connect (issue 4), driven over HTTP against the oidc-provider simulator
//! (`support::psc`): the button, the authorization request, sign-up through PSC's login page to
//! the pending page with a pre-filled profile, returning users, several activities, EDIT
//! identities, automatic validation, signed userinfo, client authentication, linking both ways,
//! sign-out at PSC, cancelling and PSC being down.

use std::time::Duration;

use crate::support::app::eventually;
use crate::support::fixtures::random_letters;
use crate::support::ldap::TestLdap;
use crate::support::psc::{
    self, JSON_CLIENT_ID, JWT_CLIENT_ID, PSC_IDENTITIES, PscSimulator, REALM_PATH,
    spawn_app_with_psc,
};
use crate::support::{TestApp, TestResponse, TestUser, db, html, spawn_app, spawn_app_with};

/// The retry button of the PSC error page.
const RETRY: &str = "Réessayer avec Pro Santé Connect";

fn unique_email() -> String {
    format!("{}@exemple.fr", random_letters(12))
}

fn pharma_login(rpps: &str) -> String {
    format!("pharma:{rpps}")
}

/// A French page (`lang="fr"`) offering to start a PSC sign-in again.
fn assert_french_retry_page(response: &TestResponse) {
    assert!(response.is_html(), "{response:?}");
    assert_eq!(
        html::attr(&response.body, "html", "lang").as_deref(),
        Some("fr")
    );
    let retry = html::attrs(&response.body, "a", "href");
    assert!(
        retry.iter().any(|href| href == "/psc/connexion"),
        "no link to /psc/connexion: {}",
        response.text()
    );
    assert!(response.text().contains(RETRY), "{}", response.text());
}

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

// ---- the button -----------------------------------------------------------------------------

#[tokio::test]
async fn the_landing_page_connexion_and_inscription_offer_pro_sante_connect_when_enabled() {
    // Arrange
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |_| {}).await;

    for path in ["/", "/connexion", "/inscription"] {
        // Act
        let page = app.get(path).await;

        // Assert
        page.assert_status(200);
        assert!(
            html::attrs(&page.body, "a.psc-button", "href").contains(&"/psc/connexion".to_owned()),
            "{path} has no PSC button"
        );
        assert!(
            page.text().contains("Pro Santé Connect"),
            "{path}: {}",
            page.text()
        );
    }
}

#[tokio::test]
async fn the_pro_sante_connect_button_and_routes_are_absent_when_disabled() {
    // Arrange
    let app = spawn_app().await;

    for path in ["/", "/connexion", "/inscription"] {
        // Act
        let page = app.get(path).await;

        // Assert
        page.assert_status(200);
        assert!(
            !html::exists(&page.body, "a[href^=\"/psc/\"]"),
            "{path} links to PSC while it is disabled"
        );
        assert!(!page.text().contains("Pro Santé Connect"), "{path}");
    }
    app.get("/psc/connexion").await.assert_status(404);
}

// ---- the authorization request ---------------------------------------------------------------

#[tokio::test]
async fn psc_connexion_redirects_to_the_authorization_endpoint_with_pkce_state_nonce_and_eidas1() {
    // Arrange
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |_| {}).await;

    // Act
    let first = app.get("/psc/connexion").await;
    let second = app.another_visitor().get("/psc/connexion").await;

    // Assert
    first.assert_status(303);
    let location = first.location().expect("Location");
    let url = reqwest::Url::parse(&location).expect("absolute Location");
    assert_eq!(url.host_str(), Some("localhost"), "{location}");
    assert_eq!(url.port(), Some(sim.port));
    assert_eq!(
        url.path(),
        format!("{REALM_PATH}/protocol/openid-connect/auth")
    );
    assert_eq!(
        location.split('?').next(),
        Some(sim.authorization_endpoint.as_str())
    );
    let param = |name: &str| psc::query_param(&location, name);
    assert_eq!(param("response_type").as_deref(), Some("code"));
    assert_eq!(param("client_id").as_deref(), Some(JSON_CLIENT_ID));
    assert_eq!(
        param("redirect_uri"),
        Some(app.url("/psc/retour")),
        "redirect_url defaults to {{public_url}}/psc/retour"
    );
    assert_eq!(param("code_challenge_method").as_deref(), Some("S256"));
    let challenge = param("code_challenge").expect("code_challenge");
    assert_eq!(challenge.len(), 43, "base64url SHA-256: {challenge}");
    let scope = param("scope").expect("scope");
    let scopes: Vec<&str> = scope.split(' ').collect();
    assert!(scopes.contains(&"openid"), "{scope}");
    assert!(scopes.contains(&"scope_all"), "{scope}");
    assert_eq!(param("acr_values").as_deref(), Some("eidas1"));
    let state = param("state").expect("state");
    let nonce = param("nonce").expect("nonce");
    assert!(state.len() >= 16 && nonce.len() >= 16, "{state} {nonce}");
    assert!(
        first
            .set_cookies()
            .iter()
            .any(|c| c.starts_with("mss_psc=") && c.contains("HttpOnly")),
        "the attempt is bound to the browser: {:?}",
        first.set_cookies()
    );
    let other = second.location().expect("Location");
    assert_ne!(psc::query_param(&other, "state"), Some(state));
    assert_ne!(psc::query_param(&other, "nonce"), Some(nonce));
    assert_ne!(psc::query_param(&other, "code_challenge"), Some(challenge));
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
    assert_eq!(
        html::texts(&profile.body, ".identifier-readonly dd"),
        vec!["RPPS".to_owned(), rpps.clone()]
    );
    assert!(!html::exists(&profile.body, "input[name=\"identifiant\"]"));
    assert!(!html::exists(&profile.body, "[name=\"type_identifiant\"]"));
    let field = |name: &str| profile.field_value(name).unwrap_or_default();
    assert_eq!(field("nom"), psc::pharma::FAMILY_NAME);
    assert_eq!(field("prenom"), psc::pharma::GIVEN_NAME);
    assert_eq!(field("profession"), psc::pharma::CODE_PROFESSION);
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
    assert_eq!(app.count_rows("accounts").await, 1);
    assert_eq!(app.count_rows(PSC_IDENTITIES).await, 1);
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
    assert_eq!(field(&default, "nom"), psc::kit::family_name(&rpps));
    assert_eq!(field(&default, "prenom"), psc::kit::GIVEN_NAME);
    assert_eq!(field(&default, "profession"), psc::kit::CODE_PROFESSION);
    assert_eq!(field(&default, "specialite"), psc::kit::CODE_SAVOIR_FAIRE);
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
    assert_eq!(field(&hospital, "specialite"), psc::kit::CODE_SAVOIR_FAIRE);
    assert_eq!(
        html::texts(&hospital.body, ".identifier-readonly dd"),
        vec!["RPPS".to_owned(), rpps.clone()]
    );
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
    assert_eq!(
        html::texts(&profile.body, ".identifier-readonly dd"),
        vec![
            "Non transmis par Pro Santé Connect".to_owned(),
            "Non transmis par Pro Santé Connect".to_owned()
        ]
    );
    assert_eq!(
        profile.field_value("nom").as_deref(),
        Some(psc::edit::FAMILY_NAME)
    );
    assert_eq!(
        profile.field_value("profession").as_deref(),
        Some(psc::edit::CODE_PROFESSION)
    );
    submitted.assert_redirect_to("/compte");
    validated.assert_redirect_to(&format!("/admin/comptes/{id}"));
    let account = app.account_by_id(id).await;
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
            (!app
                .audit_actions(id, "directory_published")
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
    let account = app.account_by_id(id).await;
    assert!(account.validated_at.is_some());
    assert_eq!(account.mailbox_address.as_deref(), Some(address));
    let mail = app.wait_for_mail_with_subject(&email, "est validé").await;
    assert!(mail.text().contains(address), "{}", mail.text());
    let validated = app.audit_actions(id, "account_validated").await;
    assert_eq!(validated.len(), 1, "{validated:?}");
    assert_eq!(validated[0].actor, "system");
    let detail = validated[0].detail.clone().unwrap_or_default();
    assert!(
        detail.contains(address) && detail.contains("validation automatique"),
        "{detail}"
    );
    assert_eq!(app.outbox_of_kind("directory").await.len(), 1);
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
    let account = app.account_by_id(id).await;
    assert!(account.validated_at.is_none());
    assert!(account.mailbox_address.is_none());
    assert!(app.audit_actions(id, "account_validated").await.is_empty());
}

// ---- userinfo and client authentication ------------------------------------------------------

#[tokio::test]
async fn userinfo_as_a_signed_jwt_is_accepted() {
    // Arrange
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with(|s| sim.configure(s, JWT_CLIENT_ID)).await;

    // Act
    let response = app
        .psc_sign_in(&sim.browser(), &pharma_login(&psc::unique_rpps()))
        .await;

    // Assert
    response.assert_redirect_to("/inscription/email");
    let page = app.get("/inscription/email").await;
    assert_eq!(
        page.field_value("email").as_deref(),
        Some(psc::pharma::EMAIL)
    );
    assert!(page.text().contains("CLAIRE MARTIN"), "{}", page.text());
    let userinfo = sim.events_of("userinfo").await;
    assert_eq!(userinfo.len(), 1, "{userinfo:?}");
    assert_eq!(userinfo[0]["client_id"], JWT_CLIENT_ID);
    assert_eq!(userinfo[0]["status"], 200);
    assert!(
        userinfo[0]["content_type"]
            .as_str()
            .is_some_and(|t| t.starts_with("application/jwt")),
        "{userinfo:?}"
    );
}

#[tokio::test]
async fn the_code_is_exchanged_with_client_secret_basic_by_default() {
    // Arrange
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |_| {}).await;

    // Act
    let response = app
        .psc_sign_in(&sim.browser(), &pharma_login(&psc::unique_rpps()))
        .await;

    // Assert
    response.assert_redirect_to("/inscription/email");
    let tokens = sim.events_of("token").await;
    assert_eq!(tokens.len(), 1, "{tokens:?}");
    assert_eq!(tokens[0]["basic_auth"], true);
    assert_eq!(tokens[0]["client_id"], JSON_CLIENT_ID);
    assert_eq!(tokens[0]["grant_type"], "authorization_code");
    assert_eq!(tokens[0]["status"], 200);
}

#[tokio::test]
async fn with_client_secret_post_the_secret_goes_in_the_request_body() {
    // Arrange: oidc-provider accepts client_secret_post from a client registered for
    // client_secret_basic (it treats the two alike), so the option signs in.
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |s| {
        s.psc.token_auth_method = mss_onboarding::config::TokenAuthMethod::ClientSecretPost;
    })
    .await;

    // Act
    let response = app
        .psc_sign_in(&sim.browser(), &pharma_login(&psc::unique_rpps()))
        .await;

    // Assert
    response.assert_redirect_to("/inscription/email");
    let tokens = sim.events_of("token").await;
    assert_eq!(tokens.len(), 1, "{tokens:?}");
    assert_eq!(tokens[0]["basic_auth"], false, "no Authorization: Basic");
    assert_eq!(tokens[0]["client_id"], JSON_CLIENT_ID);
    assert_eq!(tokens[0]["status"], 200);
}

// ---- linking ----------------------------------------------------------------------------------

#[tokio::test]
async fn a_signed_in_password_user_links_their_ecps_from_compte_and_then_signs_in_either_way() {
    // Arrange
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |_| {}).await;
    let user = TestUser::generate();
    let (browser, id) = app.pending_user(&user, "oui", &user.profile_form()).await;
    let login = pharma_login(&psc::unique_rpps());
    let account_page = browser.get("/compte").await;

    // Act
    let authorization = browser.psc_start("/psc/associer").await;
    let callback = sim.browser().sign_in(&authorization, &login).await;
    let linked = browser.psc_callback(&callback).await;
    let after = browser.get("/compte").await;
    browser.logout().await;
    let with_psc = app.another_visitor();
    let psc_sign_in = with_psc.psc_sign_in(&sim.browser(), &login).await;
    let with_password = app.another_visitor();
    let password_sign_in = with_password.login_user(&user).await;

    // Assert
    assert!(
        html::attrs(&account_page.body, "a", "href").contains(&"/psc/associer".to_owned()),
        "/compte offers to link an e-CPS"
    );
    assert!(authorization.starts_with(&sim.authorization_endpoint));
    linked.assert_redirect_to("/compte");
    assert!(
        after
            .text()
            .contains("Votre compte est associé à Pro Santé Connect"),
        "{}",
        after.text()
    );
    assert!(!html::exists(&after.body, "a[href=\"/psc/associer\"]"));
    assert!(app.psc_identity_of(id).await.is_some());
    assert_eq!(app.audit_actions(id, "psc_linked").await.len(), 1);
    psc_sign_in.assert_redirect_to("/compte");
    assert_eq!(with_psc.signed_in_account().await, Some(id));
    password_sign_in.assert_redirect_to("/compte");
    assert_eq!(with_password.signed_in_account().await, Some(id));
    assert_eq!(app.count_rows("accounts").await, 1);
}

#[tokio::test]
async fn a_psc_sign_in_matching_a_password_account_by_rpps_asks_its_password_before_linking() {
    // Arrange: a password user who typed their RPPS in the profile.
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |_| {}).await;
    let rpps = psc::unique_rpps();
    let user = TestUser::generate();
    let form = user.profile_form().with("identifiant", &rpps);
    let (_, id) = app.pending_user(&user, "oui", &form).await;
    let visitor = app.another_visitor();

    // Act
    let callback = visitor
        .psc_sign_in(&sim.browser(), &pharma_login(&rpps))
        .await;
    let link_page = visitor.get("/psc/lier").await;
    let wrong = visitor
        .post_form(
            "/psc/lier",
            &[("mot_de_passe", "Pas-le-bon-mot-de-passe-2026!")],
        )
        .await;
    let linked_after_wrong = app.count_rows(PSC_IDENTITIES).await;
    let right = visitor
        .post_form("/psc/lier", &[("mot_de_passe", user.password.as_str())])
        .await;

    // Assert
    callback.assert_redirect_to("/psc/lier");
    link_page.assert_status(200);
    let text = link_page.text();
    assert!(text.contains("RPPS"), "{text}");
    assert!(!text.contains(&user.email), "the address is masked: {text}");
    assert!(html::exists(
        &link_page.body,
        "input[name=\"mot_de_passe\"]"
    ));
    wrong.assert_field_error("mot_de_passe");
    assert_eq!(linked_after_wrong, 0, "no link on a wrong password");
    right.assert_redirect_to("/compte");
    assert_eq!(visitor.signed_in_account().await, Some(id));
    let identity = app.psc_identity_of(id).await.expect("linked");
    assert_eq!(identity.rpps.as_deref(), Some(rpps.as_str()));
    assert_eq!(app.count_rows("accounts").await, 1);
    // From now on, PSC signs this account straight in.
    let later = app.another_visitor();
    later
        .psc_sign_in(&sim.browser(), &pharma_login(&rpps))
        .await
        .assert_redirect_to("/compte");
    assert_eq!(later.signed_in_account().await, Some(id));
}

#[tokio::test]
async fn a_psc_sign_in_matching_a_password_account_by_email_asks_its_password_before_linking() {
    // Arrange: PSC knows the address of a password account (the activity's adresseEMail).
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |_| {}).await;
    let user = TestUser::generate();
    let (_, id) = app.pending_user(&user, "oui", &user.profile_form()).await;
    let login = format!("pharma:{}?email={}", psc::unique_rpps(), user.email);
    let visitor = app.another_visitor();

    // Act
    let callback = visitor.psc_sign_in(&sim.browser(), &login).await;
    let link_page = visitor.get("/psc/lier").await;
    let right = visitor
        .post_form("/psc/lier", &[("mot_de_passe", user.password.as_str())])
        .await;

    // Assert
    callback.assert_redirect_to("/psc/lier");
    assert!(
        link_page.text().contains("adresse mail"),
        "{}",
        link_page.text()
    );
    right.assert_redirect_to("/compte");
    assert_eq!(visitor.signed_in_account().await, Some(id));
    assert!(app.psc_identity_of(id).await.is_some());
    assert_eq!(app.count_rows("accounts").await, 1);
}

#[tokio::test]
async fn a_new_psc_user_giving_the_email_of_a_password_account_is_asked_its_password() {
    // Arrange
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |_| {}).await;
    let user = TestUser::generate();
    let (_, id) = app.pending_user(&user, "oui", &user.profile_form()).await;
    let visitor = app.another_visitor();
    visitor
        .psc_sign_in(&sim.browser(), &pharma_login(&psc::unique_rpps()))
        .await
        .assert_redirect_to("/inscription/email");
    visitor.get("/inscription/email").await.assert_status(200);

    // Act
    let given = visitor
        .post_form("/inscription/email", &[("email", user.email.as_str())])
        .await;
    let wrong = visitor
        .post_form(
            "/psc/lier",
            &[("mot_de_passe", "Pas-le-bon-mot-de-passe-2026!")],
        )
        .await;

    // Assert
    given.assert_redirect_to("/psc/lier");
    wrong.assert_field_error("mot_de_passe");
    assert_eq!(app.count_rows("accounts").await, 1, "no second account");
    assert!(
        app.psc_identity_of(id).await.is_none(),
        "never a silent merge"
    );
    assert_eq!(visitor.signed_in_account().await, None);
}

#[tokio::test]
async fn an_rpps_already_linked_cannot_be_linked_to_a_second_account() {
    // Arrange: the RPPS belongs to a PSC account; a password user tries to link it too.
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |_| {}).await;
    let rpps = psc::unique_rpps();
    let login = pharma_login(&rpps);
    let owner = app
        .another_visitor()
        .psc_register_confirmed(&sim.browser(), &login, &unique_email())
        .await;
    let user = TestUser::generate();
    let (browser, other) = app.pending_user(&user, "oui", &user.profile_form()).await;

    // Act
    let authorization = browser.psc_start("/psc/associer").await;
    let callback = sim.browser().sign_in(&authorization, &login).await;
    let response = browser.psc_callback(&callback).await;

    // Assert
    response.assert_status(409);
    assert!(
        response.text().contains("e-CPS déjà associée"),
        "{}",
        response.text()
    );
    assert_eq!(app.count_rows(PSC_IDENTITIES).await, 1);
    assert!(app.psc_identity_of(other).await.is_none());
    let identity = app.psc_identity_of(owner).await.expect("still linked");
    assert_eq!(identity.rpps.as_deref(), Some(rpps.as_str()));
    assert_eq!(app.psc_refusals().await.len(), 1);
    assert_eq!(browser.signed_in_account().await, Some(other));
}

// ---- sign-out -----------------------------------------------------------------------------------

#[tokio::test]
async fn signing_out_of_a_psc_session_also_ends_the_psc_session() {
    // Arrange
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |_| {}).await;
    let psc_browser = sim.browser();
    let rpps = psc::unique_rpps();
    let login = pharma_login(&rpps);
    app.psc_register_confirmed(&psc_browser, &login, &unique_email())
        .await;
    app.psc_sign_in(&psc_browser, &login)
        .await
        .assert_redirect_to("/cgu");
    let logins_before = sim.events_of("login").await.len();

    // Act
    let logout = app.logout().await;
    let end_session = logout.location().unwrap_or_default();
    let back = psc_browser.confirm_logout(&end_session).await;
    let next = app.psc_sign_in(&psc_browser, &login).await;

    // Assert
    logout.assert_status(303);
    assert!(
        end_session.starts_with(&format!("{}?", sim.end_session_endpoint)),
        "{end_session}"
    );
    let hint = psc::query_param(&end_session, "id_token_hint").expect("id_token_hint");
    let (_, claims) = crate::support::faulty_oidc::decode_jwt(&hint);
    assert_eq!(claims["sub"], psc::sub_for(&psc::id_nat_ps(&rpps)));
    assert_eq!(
        psc::query_param(&end_session, "post_logout_redirect_uri"),
        Some(app.url("/"))
    );
    assert!(back.starts_with(&app.url("/")), "{back}");
    let ends = sim.events_of("end_session").await;
    assert_eq!(ends.len(), 1, "{ends:?}");
    assert_eq!(ends[0]["id_token_hint_sub"], claims["sub"]);
    assert_eq!(logins_before, 1);
    next.assert_redirect_to("/cgu");
    assert_eq!(
        sim.events_of("login").await.len(),
        2,
        "the login form was shown again"
    );
}

#[tokio::test]
async fn signing_out_of_a_password_session_stays_in_the_app() {
    // Arrange
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |_| {}).await;
    let user = TestUser::generate();
    app.signed_in_at_cgu(&user).await;

    // Act
    let logout = app.logout().await;

    // Assert
    logout.assert_redirect_to("/");
    assert!(sim.events_of("end_session").await.is_empty());
}

// ---- failures -----------------------------------------------------------------------------------

#[tokio::test]
async fn cancelling_at_psc_shows_a_french_page_with_a_retry_and_creates_no_account() {
    // Arrange
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |_| {}).await;
    let authorization = app.psc_authorization_url().await;

    // Act
    let callback = sim.browser().cancel(&authorization).await;
    let response = app.psc_callback(&callback).await;

    // Assert
    assert_eq!(
        psc::query_param(&callback, "error").as_deref(),
        Some("access_denied")
    );
    assert_ne!(response.status, 500);
    assert_french_retry_page(&response);
    assert!(
        response.text().contains("Connexion annulée"),
        "{}",
        response.text()
    );
    let refusals = app.psc_refusals().await;
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    assert_eq!(refusals[0].account_id, None);
    assert!(
        refusals[0]
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("access_denied")),
        "{refusals:?}"
    );
    assert_eq!(app.count_rows("accounts").await, 0);
    assert_eq!(app.count_rows(PSC_IDENTITIES).await, 0);
    assert_eq!(app.count_rows("sessions").await, 0);
    assert!(sim.events_of("token").await.is_empty());
}

/// An app whose `psc.discovery_url` points at a closed port.
async fn app_with_psc_down() -> TestApp {
    let port = crate::support::smtp::free_port();
    spawn_app_with(|s| {
        s.psc.enabled = true;
        s.psc.discovery_url =
            format!("http://127.0.0.1:{port}{REALM_PATH}/.well-known/wallet-openid-configuration")
                .parse()
                .expect("URL");
        s.psc.client_id = JSON_CLIENT_ID.into();
        s.psc.client_secret = secrecy::SecretString::from("secret".to_owned());
    })
    .await
}

#[tokio::test]
async fn psc_unreachable_gives_a_502_french_page_with_a_retry() {
    // Arrange
    let app = app_with_psc_down().await;

    // Act
    let response = app.get("/psc/connexion").await;

    // Assert
    response.assert_status(502);
    assert_french_retry_page(&response);
    assert!(
        response
            .text()
            .contains("Pro Santé Connect est indisponible"),
        "{}",
        response.text()
    );
    assert_eq!(app.count_rows("accounts").await, 0);
}

#[tokio::test]
async fn psc_unreachable_is_recorded_in_the_audit_trail() {
    // Arrange
    let app = app_with_psc_down().await;

    // Act
    let response = app.get("/psc/connexion").await;

    // Assert
    response.assert_status(502);
    let refusals = app.psc_refusals().await;
    assert_eq!(
        refusals.len(),
        1,
        "issue 4: PSC unreachable → an audit record; got {refusals:?}"
    );
}

#[tokio::test]
async fn psc_going_down_during_the_sign_in_gives_a_french_page_and_no_account() {
    // Arrange: the sign-in starts, then PSC stops before the code is exchanged.
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |_| {}).await;
    let authorization = app.psc_authorization_url().await;
    let callback = sim
        .browser()
        .sign_in(&authorization, &pharma_login(&psc::unique_rpps()))
        .await;
    sim.stop();

    // Act
    let response = app.psc_callback(&callback).await;

    // Assert
    // PSC down is "unavailable" (502), not a refused token.
    response.assert_status(502);
    assert_french_retry_page(&response);
    assert_eq!(app.psc_refusals().await.len(), 1);
    assert_eq!(app.count_rows("accounts").await, 0);
    assert_eq!(app.count_rows(PSC_IDENTITIES).await, 0);
    assert_eq!(app.count_rows("sessions").await, 0);
}
