//! The civilité d'exercice (TRE_R11): the field added through the profile field table alone.
//! Optional on `/profil`, pre-filled from Pro Santé Connect's `codeCiviliteDexercice`, refused
//! with a French message next to it when unknown, stored, shown to admins, published in LDAP.

use std::time::Duration;

use ldap3::ldap_escape;

use crate::support::app::eventually;
use crate::support::fixtures::random_letters;
use crate::support::ldap::{TestLdap, Who};
use crate::support::psc::{self, PscSimulator, spawn_app_with_psc};
use crate::support::{TestUser, db, html, spawn_app, spawn_app_with};

#[tokio::test]
async fn the_civilite_d_exercice_is_prefilled_from_pro_sante_connect() {
    // Arrange: the `kit` identity's exercice sends codeCiviliteDexercice "DR" (domain.md §1.9).
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |_| {}).await;
    let login = format!("kit:{}", psc::unique_rpps());
    let email = format!("{}@exemple.fr", random_letters(12));
    app.psc_signed_in_at_profile(&sim.browser(), &login, &email)
        .await;

    // Act
    let profile = app.get("/profil").await;

    // Assert
    profile.assert_status(200);
    assert_eq!(
        profile.field_value("civilite_exercice").as_deref(),
        Some("DR")
    );
    assert!(html::exists(
        &profile.body,
        "select[name=civilite_exercice] option[value=\"PR\"]"
    ));
}

#[tokio::test]
async fn the_civilite_d_exercice_is_optional_and_empty_by_default() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.signed_in_at_profile(&user, "oui").await;

    // Act
    let page = app.get("/profil").await;
    let submitted = app.submit_profile(&user.profile_form()).await;

    // Assert
    assert_eq!(page.field_value("civilite_exercice").as_deref(), Some(""));
    submitted.assert_redirect_to("/compte");
    assert_eq!(
        db::profile(&app.db, &user.email).await.civilite_exercice,
        None
    );
}

#[tokio::test]
async fn an_unknown_civilite_d_exercice_gets_a_422_with_a_french_message_next_to_the_field() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.signed_in_at_profile(&user, "oui").await;
    let form = user.profile_form().with("civilite_exercice", "XX");

    // Act
    let response = app.submit_profile(&form).await;

    // Assert: the error sits with the field, the other values are kept.
    response.assert_field_error("civilite_exercice");
    assert_eq!(
        html::texts(&response.body, "#civilite_exercice-error"),
        vec!["Valeur inconnue : choisissez-la dans la liste.".to_owned()]
    );
    assert_eq!(
        response.field_value("raison_sociale").as_deref(),
        Some("Pharmacie du Centre")
    );
    assert!(db::find_profile(&app.db, &user.email).await.is_none());
}

#[tokio::test]
async fn a_chosen_civilite_d_exercice_is_stored_and_shown_to_administrators() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    let form = user.profile_form().with("civilite_exercice", "PR");
    let (_, id) = app.pending_user(&user, "oui", &form).await;
    let (admin, _) = app.national_admin().await;

    // Act
    let detail = admin.get(&format!("/admin/comptes/{id}")).await;

    // Assert
    assert_eq!(
        db::profile(&app.db, &user.email)
            .await
            .civilite_exercice
            .as_deref(),
        Some("PR")
    );
    detail.assert_status(200);
    let labels = html::texts(&detail.body, "dl.account-fields dt");
    let values = html::texts(&detail.body, "dl.account-fields dd");
    let shown = labels
        .iter()
        .position(|l| l == "Civilité d'exercice")
        .map(|i| values[i].as_str());
    assert_eq!(shown, Some("Professeur (PR)"));
}

#[tokio::test]
async fn the_civilite_d_exercice_is_published_as_mss_civilite_exercice() {
    // Arrange: a slapd from the shipped schema, and a validated BAL PER that chose "DR".
    let ldap = TestLdap::start().await;
    let settings = ldap.settings();
    let app = spawn_app_with(|s| s.directory = settings).await;
    let user = TestUser::generate();
    let form = user.profile_form().with("civilite_exercice", "DR");
    let (_, id) = app.pending_user(&user, "oui", &form).await;
    let (admin, _) = app.national_admin().await;

    // Act
    admin
        .validate_account(id)
        .await
        .assert_redirect_to(&format!("/admin/comptes/{id}"));

    // Assert: consumers read it and can filter on it.
    let address = db::account_by_id(&app.db, id)
        .await
        .mailbox_address
        .expect("a validated account has an address");
    let filter = format!(
        "(&(mail={})(mssCiviliteExercice=DR))",
        ldap_escape(&address)
    );
    let found = eventually(
        "the entry with its civilité",
        Duration::from_secs(15),
        || async {
            let found = ldap
                .search_with(Who::Anonymous, &ldap.mssante_dn(), &filter, &["*"])
                .await
                .ok()?;
            (!found.is_empty()).then_some(found)
        },
    )
    .await;
    assert_eq!(found.len(), 1);
}
