//! What Pro Santé Connect verified stays verified (issue 8, defects 3 and 4): PSC-asserted
//! fields cannot be changed by a form and are refreshed at each PSC sign-in, an e-CPS is never
//! linked to an account declaring another identifier, a self-declared RPPS never stands between
//! its holder and the service, and two validated accounts never carry one identifier.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};

use crate::support::psc::{self, PscSimulator, pharma_login, spawn_app_with_psc, unique_email};
use crate::support::{TestUser, db, html};

const CONTESTED: &str = "Identifiant revendiqué par plusieurs comptes";

#[tokio::test]
async fn a_tampered_profile_post_cannot_change_what_psc_asserts() {
    // Arrange: a PSC user at `/profil`.
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |_| {}).await;
    let rpps = psc::unique_rpps();
    let email = unique_email();
    let id = app
        .psc_signed_in_at_profile(&sim.browser(), &pharma_login(&rpps), &email)
        .await;
    let profile = app.get("/profil").await;

    // Act: the page's own form, plus the locked fields a forged request adds.
    let forged = psc::form_as_submitted(&profile.body, "/profil")
        .with("nom", "FAUSSAIRE")
        .with("prenom", "Paul")
        .with("profession", "10")
        .with("specialite", "SM26")
        .with("type_identifiant", "RPPS")
        .with("identifiant", psc::unique_rpps())
        .with("raison_sociale", "PHARMACIE CHOISIE");
    let submitted = app.post_form("/profil", &forged).await;

    // Assert: saved, with PSC's values for every locked field and the user's for the others.
    submitted.assert_redirect_to("/compte");
    let account = db::account_by_id(&app.db, id).await;
    assert_eq!(account.nom, psc::pharma::FAMILY_NAME);
    assert_eq!(account.prenom, psc::pharma::GIVEN_NAME);
    let stored = db::profile(&app.db, &email).await;
    assert_eq!(stored.profession, psc::pharma::CODE_PROFESSION);
    assert_eq!(stored.specialite.as_deref().unwrap_or_default(), "");
    assert_eq!(stored.type_identifiant.as_deref(), Some("RPPS"));
    assert_eq!(stored.identifiant.as_deref(), Some(rpps.as_str()));
    assert_eq!(stored.raison_sociale.as_deref(), Some("PHARMACIE CHOISIE"));
}

#[tokio::test]
async fn each_psc_sign_in_puts_back_what_psc_asserts() {
    // Arrange: a PSC account whose stored names and profession drifted from PSC's (an import,
    // a support edit, or PSC's own data changed since).
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |_| {}).await;
    let rpps = psc::unique_rpps();
    let login = pharma_login(&rpps);
    let email = unique_email();
    let id = app
        .psc_signed_in_at_profile(&sim.browser(), &login, &email)
        .await;
    let profile = app.get("/profil").await;
    app.post_form("/profil", &psc::form_as_submitted(&profile.body, "/profil"))
        .await
        .assert_redirect_to("/compte");
    let mut account = db::account_by_id(&app.db, id).await.into_active_model();
    account.nom = Set("ANCIEN".into());
    account.update(&app.db).await.unwrap();
    let mut stored = db::profile(&app.db, &email).await.into_active_model();
    stored.profession = Set("10".into());
    stored.update(&app.db).await.unwrap();

    // Act
    let again = app
        .another_visitor()
        .psc_sign_in(&sim.browser(), &login)
        .await;

    // Assert
    again.assert_redirect_to("/compte");
    assert_eq!(
        db::account_by_id(&app.db, id).await.nom,
        psc::pharma::FAMILY_NAME
    );
    assert_eq!(
        db::profile(&app.db, &email).await.profession,
        psc::pharma::CODE_PROFESSION
    );
}

#[tokio::test]
async fn linking_an_ecps_whose_rpps_differs_from_the_declared_one_is_refused() {
    // Arrange: a password user who declared one RPPS, and an e-CPS carrying another.
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |_| {}).await;
    let user = TestUser::generate();
    let declared = psc::unique_rpps();
    let form = user.profile_form().with("identifiant", &declared);
    let (browser, id) = app.pending_user(&user, "oui", &form).await;

    // Act
    let authorization = browser.psc_start("/psc/associer").await;
    let callback = sim
        .browser()
        .sign_in(&authorization, &pharma_login(&psc::unique_rpps()))
        .await;
    let response = browser.psc_callback(&callback).await;

    // Assert: a page that says why; nothing linked, nothing overwritten.
    response.assert_status(409);
    let text = response.text();
    assert!(text.contains("Identifiant national différent"), "{text}");
    assert!(text.contains("n'est pas celui que"), "{text}");
    assert!(app.psc_identity_of(id).await.is_none());
    let stored = db::profile(&app.db, &user.email).await;
    assert_eq!(stored.identifiant.as_deref(), Some(declared.as_str()));
    assert_eq!(app.psc_refusals().await.len(), 1, "audited");
    assert_eq!(
        browser.signed_in_account().await,
        Some(id),
        "still signed in"
    );
}

#[tokio::test]
async fn a_squatted_rpps_leaves_its_holder_their_own_account_and_the_conflict_is_flagged() {
    // Arrange: someone signed up with a password and typed the holder's RPPS; pending.
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |_| {}).await;
    let rpps = psc::unique_rpps();
    let squatter = TestUser::generate();
    let form = squatter.profile_form().with("identifiant", &rpps);
    let (squatter_browser, squatter_id) = app.pending_user(&squatter, "oui", &form).await;
    let holder = app.another_visitor();
    let login = pharma_login(&rpps);
    let holder_email = unique_email();

    // Act: the holder signs in with their e-CPS.
    let first = holder.psc_sign_in(&sim.browser(), &login).await;
    let holder_id = holder
        .psc_signed_in_at_profile(&sim.browser(), &login, &holder_email)
        .await;
    let profile = holder.get("/profil").await;
    let submitted = holder
        .post_form("/profil", &psc::form_as_submitted(&profile.body, "/profil"))
        .await;
    let (admin, _) = app.national_admin().await;
    let queue = admin.get("/admin").await;
    let squatter_detail = admin.get(&format!("/admin/comptes/{squatter_id}")).await;
    let holder_detail = admin.get(&format!("/admin/comptes/{holder_id}")).await;
    let holder_validated = admin.validate_account(holder_id).await;
    let squatter_validated = admin.validate_account(squatter_id).await;

    // Assert: the holder got their own path, never the squatter's password prompt.
    first.assert_redirect_to("/inscription/email");
    assert_ne!(holder_id, squatter_id);
    submitted.assert_redirect_to("/compte");
    assert!(app.psc_identity_of(holder_id).await.is_some());
    assert!(app.psc_identity_of(squatter_id).await.is_none());
    // The queue flags both claimants.
    queue.assert_status(200);
    for email in [&squatter.email, &holder_email] {
        let row = html::texts(&queue.body, "tbody tr")
            .into_iter()
            .find(|row| row.contains(email.as_str()))
            .unwrap_or_else(|| panic!("no row for {email}"));
        assert!(row.contains(CONTESTED), "{row}");
    }
    // Each detail page names the other claimant.
    let contested = html::texts(&squatter_detail.body, "li.contested").concat();
    assert!(contested.contains(CONTESTED), "{contested}");
    assert!(html::exists(
        &squatter_detail.body,
        &format!("li.contested a[href=\"/admin/comptes/{holder_id}\"]")
    ));
    // The holder's page says which fields PSC verified, and only those.
    let verified = html::texts(&holder_detail.body, "li.psc-verified-fields").concat();
    for label in [
        "Nom",
        "Prénom",
        "Profession",
        "Numéro d'identifiant national",
    ] {
        assert!(verified.contains(label), "{label} missing from: {verified}");
    }
    assert!(!verified.contains("Raison sociale"), "{verified}");
    assert!(html::texts(&squatter_detail.body, "li.psc-verified-fields").is_empty());
    // Once the holder is validated, the squatter cannot be: one identifier, one account.
    holder_validated.assert_redirect_to(&format!("/admin/comptes/{holder_id}"));
    squatter_validated.assert_status(422);
    assert!(
        squatter_validated
            .text()
            .contains("un autre compte déjà validé porte ce même identifiant"),
        "{}",
        squatter_validated.text()
    );
    assert!(
        db::account_by_id(&app.db, squatter_id)
            .await
            .validated_at
            .is_none()
    );
    assert_eq!(
        squatter_browser.signed_in_account().await,
        Some(squatter_id)
    );
}
