//! Step 5b (`/profil`): the form's defaults, one test per rule, and what is stored.

use crate::support::html;
use crate::support::{Form, TestApp, TestResponse, TestUser, db, spawn_app};

/// A fresh app with a user standing at the profile step (answered `oui`: identifier required).
async fn at_profile_step() -> (TestApp, TestUser) {
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.signed_in_at_profile(&user, "oui").await;
    (app, user)
}

/// Posts `form` and asserts it is refused with an error on `field`, nothing stored.
async fn assert_profile_refused(
    app: &TestApp,
    user: &TestUser,
    form: &Form,
    field: &str,
) -> TestResponse {
    let response = app.submit_profile(form).await;
    response.assert_field_error(field);
    assert!(
        db::find_profile(&app.db, &user.email).await.is_none(),
        "a refused profile was stored"
    );
    app.get("/compte").await.assert_redirect_to("/profil");
    response
}

/// Submits `form`, expects `303 /compte`, returns the stored profile.
async fn submit_valid(
    app: &TestApp,
    user: &TestUser,
    form: &Form,
) -> entities::account_profile::Model {
    app.submit_profile(form).await.assert_redirect_to("/compte");
    db::profile(&app.db, &user.email).await
}

#[tokio::test]
async fn the_profile_form_is_prefilled_with_the_names_and_the_guide_defaults() {
    // Arrange
    let (app, user) = at_profile_step().await;

    // Act
    let page = app.get("/profil").await;

    // Assert
    page.assert_status(200);
    assert_eq!(page.field_value("nom").as_deref(), Some(user.nom.as_str()));
    assert_eq!(
        page.field_value("prenom").as_deref(),
        Some(user.prenom.as_str())
    );
    for checked in [
        "annuaire_medimail",
        "annuaire_mssante",
        "dematerialisation",
        "notification_reception",
    ] {
        assert!(
            html::is_checked(&page.body, checked),
            "{checked} is not checked by default"
        );
    }
    assert!(!html::is_checked(&page.body, "activite_liberale"));
    // Professions and specialties come from the nomenclature files.
    assert!(html::exists(
        &page.body,
        "select[name=profession] option[value=\"21\"]"
    ));
    assert!(html::exists(
        &page.body,
        "select[name=specialite] option[value=\"SM26\"]"
    ));
}

#[tokio::test]
async fn the_profession_is_required() {
    let (app, user) = at_profile_step().await;
    let form = user.profile_form().with("profession", "");
    assert_profile_refused(&app, &user, &form, "profession").await;
}

#[tokio::test]
async fn an_unknown_profession_code_is_refused() {
    let (app, user) = at_profile_step().await;
    let form = user.profile_form().with("profession", "99");
    assert_profile_refused(&app, &user, &form, "profession").await;
}

#[tokio::test]
async fn a_deprecated_profession_code_is_refused() {
    // 35 (Aide-soignant) was deprecated in TRE_G15 on 2024-12-13.
    let (app, user) = at_profile_step().await;
    let form = user.profile_form().with("profession", "35");
    assert_profile_refused(&app, &user, &form, "profession").await;
}

#[tokio::test]
async fn an_rpps_number_with_a_bad_check_digit_is_refused() {
    let (app, user) = at_profile_step().await;
    let form = user.profile_form().with("identifiant", "10000005478");
    assert_profile_refused(&app, &user, &form, "identifiant").await;
}

#[tokio::test]
async fn an_rpps_number_of_the_wrong_length_is_refused() {
    let (app, user) = at_profile_step().await;
    let form = user.profile_form().with("identifiant", "1000000547");
    assert_profile_refused(&app, &user, &form, "identifiant").await;
}

#[tokio::test]
async fn an_identifier_is_required_after_answering_oui() {
    // Arrange
    let (app, user) = at_profile_step().await;
    let form = user
        .profile_form()
        .with("type_identifiant", "")
        .with("identifiant", "");

    // Act
    let response = app.submit_profile(&form).await;

    // Assert
    response.assert_status(422);
    let fields: Vec<String> = html::field_errors(&response.body)
        .into_iter()
        .map(|(f, _)| f)
        .collect();
    assert!(
        fields
            .iter()
            .any(|f| f == "identifiant" || f == "type_identifiant"),
        "no error on the identifier: {fields:?}"
    );
}

#[tokio::test]
async fn an_adeli_number_is_still_accepted() {
    // Arrange
    let (app, user) = at_profile_step().await;
    let form = user
        .profile_form()
        .with("type_identifiant", "ADELI")
        .with("identifiant", "349102665");

    // Act
    let profile = submit_valid(&app, &user, &form).await;

    // Assert
    assert_eq!(profile.type_identifiant.as_deref(), Some("ADELI"));
    assert_eq!(profile.identifiant.as_deref(), Some("349102665"));
}

#[tokio::test]
async fn a_specialty_of_another_profession_is_refused() {
    let (app, user) = at_profile_step().await;
    let form = user
        .profile_form()
        .with("profession", "21")
        .with("specialite", "SM26");
    assert_profile_refused(&app, &user, &form, "specialite").await;
}

#[tokio::test]
async fn a_specialty_of_the_chosen_profession_is_accepted() {
    let (app, user) = at_profile_step().await;
    let form = user
        .profile_form()
        .with("profession", "10")
        .with("specialite", "SM26");
    let profile = submit_valid(&app, &user, &form).await;
    assert_eq!(profile.profession, "10");
    assert_eq!(profile.specialite.as_deref(), Some("SM26"));
}

#[tokio::test]
async fn a_region_that_contradicts_the_postal_code_is_refused() {
    let (app, user) = at_profile_step().await;
    let form = user
        .profile_form()
        .with("code_postal", "31620")
        .with("region", "11");
    assert_profile_refused(&app, &user, &form, "region").await;
}

#[tokio::test]
async fn the_departement_and_region_are_derived_from_the_postal_code() {
    let (app, user) = at_profile_step().await;
    let form = user
        .profile_form()
        .with("code_postal", "31620")
        .with("departement", "")
        .with("region", "");
    let profile = submit_valid(&app, &user, &form).await;
    assert_eq!(profile.departement.as_deref(), Some("31"));
    assert_eq!(profile.region, "76");
}

#[tokio::test]
async fn a_postal_code_in_corse_du_sud_gives_departement_2a() {
    let (app, user) = at_profile_step().await;
    let form = user
        .profile_form()
        .with("code_postal", "20000")
        .with("ville", "Ajaccio");
    let profile = submit_valid(&app, &user, &form).await;
    assert_eq!(profile.departement.as_deref(), Some("2A"));
    assert_eq!(profile.region, "94");
}

#[tokio::test]
async fn a_postal_code_in_haute_corse_gives_departement_2b() {
    let (app, user) = at_profile_step().await;
    let form = user
        .profile_form()
        .with("code_postal", "20200")
        .with("ville", "Bastia");
    let profile = submit_valid(&app, &user, &form).await;
    assert_eq!(profile.departement.as_deref(), Some("2B"));
    assert_eq!(profile.region, "94");
}

#[tokio::test]
async fn a_region_is_required_without_postal_code() {
    let (app, user) = at_profile_step().await;
    let form = user
        .profile_form()
        .with("code_postal", "")
        .with("departement", "")
        .with("region", "");
    assert_profile_refused(&app, &user, &form, "region").await;
}

#[tokio::test]
async fn phone_numbers_are_stored_normalised() {
    let (app, user) = at_profile_step().await;
    let form = user
        .profile_form()
        .with("telephone1", "05 61 60 02 03")
        .with("telephone2", "+33 6 12 34 56 78");
    let profile = submit_valid(&app, &user, &form).await;
    assert_eq!(profile.telephone1.as_deref(), Some("+33561600203"));
    assert_eq!(profile.telephone2.as_deref(), Some("+33612345678"));
}

#[tokio::test]
async fn a_phone_number_that_is_not_french_is_refused() {
    let (app, user) = at_profile_step().await;
    let form = user.profile_form().with("telephone1", "12345");
    assert_profile_refused(&app, &user, &form, "telephone1").await;
}

#[tokio::test]
async fn the_boxes_are_stored_as_ticked() {
    let (app, user) = at_profile_step().await;
    let form = user
        .profile_form()
        .with("activite_liberale", "on")
        .without("annuaire_mssante")
        .without("notification_reception");
    let profile = submit_valid(&app, &user, &form).await;
    assert!(profile.activite_liberale);
    assert!(profile.annuaire_medimail);
    assert!(!profile.annuaire_mssante);
    assert!(profile.dematerialisation);
    assert!(!profile.notification_reception);
}

#[tokio::test]
async fn the_values_typed_are_kept_after_an_error() {
    // Arrange
    let (app, user) = at_profile_step().await;
    let form = user
        .profile_form()
        .with("identifiant", "10000005478")
        .with("profession", "10")
        .with("specialite", "SM26")
        .with("telephone1", "05 61 60 02 03")
        .with("raison_sociale", "Cabinet des Tilleuls")
        .with("adresse", "3 rue des Tilleuls")
        .with("ville", "Fronton")
        .with("activite_liberale", "on")
        .without("annuaire_mssante");

    // Act
    let response = app.submit_profile(&form).await;

    // Assert
    response.assert_field_error("identifiant");
    for field in [
        "nom",
        "prenom",
        "identifiant",
        "raison_sociale",
        "adresse",
        "ville",
        "code_postal",
        "profession",
        "specialite",
    ] {
        assert_eq!(
            response.field_value(field).as_deref(),
            form.get(field),
            "{field} was not kept"
        );
    }
    assert!(
        response
            .field_value("telephone1")
            .is_some_and(|v| v == "05 61 60 02 03" || v == "+33561600203"),
        "telephone1 was not kept: {:?}",
        response.field_value("telephone1")
    );
    assert!(html::is_checked(&response.body, "activite_liberale"));
    assert!(!html::is_checked(&response.body, "annuaire_mssante"));
    assert!(html::is_checked(&response.body, "annuaire_medimail"));
}
