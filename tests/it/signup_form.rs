//! Step 1 (`/inscription`): one test per rule, each asserting the accessible error next to the
//! field, and enumeration resistance for registered emails.

use crate::support::fixtures::random_letters;
use crate::support::html;
use crate::support::{
    Form, TestApp, TestResponse, TestUser, db, spawn_app, spawn_app_with, strong_password,
};

/// Posts `form` on a fresh app and asserts it is refused with an error on `field` only, and
/// that no account was created.
async fn assert_signup_refused(form: Form, field: &str) -> (TestApp, TestResponse) {
    let app = spawn_app().await;
    let response = app.signup_with(&form).await;
    response.assert_field_error(field);
    for other in [
        "nom",
        "prenom",
        "email",
        "mot_de_passe",
        "confirmation_mot_de_passe",
    ] {
        if other != field {
            html::assert_no_field_error(&response.body, other);
        }
    }
    assert_eq!(
        db::count_rows(&app.db, "accounts").await,
        0,
        "an account was created"
    );
    (app, response)
}

#[tokio::test]
async fn a_password_shorter_than_8_characters_is_refused() {
    // Arrange
    let user = TestUser::generate();
    let form = user.signup_form_with_password("Vx9!qQ7");

    // Act + Assert
    assert_signup_refused(form, "mot_de_passe").await;
}

#[tokio::test]
async fn a_password_without_an_uppercase_letter_is_refused() {
    let user = TestUser::generate();
    let form = user.signup_form_with_password(&strong_password().to_lowercase());
    assert_signup_refused(form, "mot_de_passe").await;
}

#[tokio::test]
async fn a_password_without_a_lowercase_letter_is_refused() {
    let user = TestUser::generate();
    let form = user.signup_form_with_password(&strong_password().to_uppercase());
    assert_signup_refused(form, "mot_de_passe").await;
}

#[tokio::test]
async fn a_password_without_a_digit_is_refused() {
    let user = TestUser::generate();
    let password = format!("Vx!-{}-Qm", random_letters(20));
    let form = user.signup_form_with_password(&password);
    assert_signup_refused(form, "mot_de_passe").await;
}

#[tokio::test]
async fn a_password_without_a_special_character_is_refused() {
    let user = TestUser::generate();
    let password = format!("Vx9{}Qm", uuid::Uuid::new_v4().simple());
    let form = user.signup_form_with_password(&password);
    assert_signup_refused(form, "mot_de_passe").await;
}

#[tokio::test]
async fn a_password_containing_the_last_name_is_refused() {
    let user = TestUser::generate();
    let password = format!("{}9!Qm{}", user.nom, uuid::Uuid::new_v4().simple());
    let form = user.signup_form_with_password(&password);
    assert_signup_refused(form, "mot_de_passe").await;
}

#[tokio::test]
async fn a_password_containing_the_first_name_is_refused() {
    let user = TestUser::generate();
    let password = format!("{}9!Qm{}", user.prenom, uuid::Uuid::new_v4().simple());
    let form = user.signup_form_with_password(&password);
    assert_signup_refused(form, "mot_de_passe").await;
}

#[tokio::test]
async fn a_password_containing_the_email_address_is_refused() {
    // Arrange: an address whose local part shares nothing with the names
    let mut user = TestUser::generate();
    let local = format!("cabinet{}", random_letters(8));
    user.email = format!("{local}@exemple.fr");
    let password = format!(
        "Vx9!{local}-Q{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let form = user.signup_form_with_password(&password);

    // Act + Assert
    assert_signup_refused(form, "mot_de_passe").await;
}

#[tokio::test]
async fn a_very_common_password_is_refused_even_when_it_has_every_kind_of_character() {
    // Arrange
    let user = TestUser::generate();
    let common = "Password123!";
    assert!(
        u8::from(zxcvbn::zxcvbn(common, &[]).score()) < 3,
        "precondition: zxcvbn scores {common:?} below the default minimum"
    );
    let form = user.signup_form_with_password(common);

    // Act + Assert
    assert_signup_refused(form, "mot_de_passe").await;
}

#[tokio::test]
async fn a_confirmation_that_does_not_match_the_password_is_refused() {
    let user = TestUser::generate();
    let form = user
        .signup_form()
        .with("confirmation_mot_de_passe", strong_password());
    assert_signup_refused(form, "confirmation_mot_de_passe").await;
}

#[tokio::test]
async fn the_last_name_is_required() {
    let user = TestUser::generate();
    assert_signup_refused(user.signup_form().with("nom", "  "), "nom").await;
}

#[tokio::test]
async fn the_first_name_is_required() {
    let user = TestUser::generate();
    assert_signup_refused(user.signup_form().with("prenom", ""), "prenom").await;
}

#[tokio::test]
async fn a_last_name_with_digits_is_refused() {
    let user = TestUser::generate();
    assert_signup_refused(user.signup_form().with("nom", "Dupont3"), "nom").await;
}

#[tokio::test]
async fn a_first_name_with_markup_characters_is_refused() {
    let user = TestUser::generate();
    assert_signup_refused(user.signup_form().with("prenom", "<b>Jeanne</b>"), "prenom").await;
}

#[tokio::test]
async fn a_last_name_longer_than_100_characters_is_refused() {
    let user = TestUser::generate();
    let long = format!("D{}", random_letters(100));
    assert_signup_refused(user.signup_form().with("nom", long), "nom").await;
}

#[tokio::test]
async fn names_with_accents_hyphens_apostrophes_and_spaces_are_accepted() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    let form = user
        .signup_form()
        .with("nom", format!("Le Bihan-D'Arc{}", random_letters(3)))
        .with("prenom", "Élise-Anaïs");

    // Act
    let response = app.signup_with(&form).await;

    // Assert
    response.assert_redirect_to("/inscription/email-envoye");
    let account = crate::support::db::account(&app.db, &user.email).await;
    assert_eq!(account.prenom, "Élise-Anaïs");
}

#[tokio::test]
async fn an_email_without_domain_is_refused() {
    let user = TestUser::generate();
    assert_signup_refused(user.signup_form().with("email", "jeanne.dupont"), "email").await;
}

#[tokio::test]
async fn an_email_with_two_at_signs_is_refused() {
    let user = TestUser::generate();
    let form = user.signup_form().with("email", "jeanne@dupont@exemple.fr");
    assert_signup_refused(form, "email").await;
}

#[tokio::test]
async fn the_email_is_required() {
    let user = TestUser::generate();
    assert_signup_refused(user.signup_form().with("email", ""), "email").await;
}

#[tokio::test]
async fn an_empty_form_shows_an_error_for_every_required_field() {
    // Arrange
    let app = spawn_app().await;
    let form = Form::new()
        .with("nom", "")
        .with("prenom", "")
        .with("email", "")
        .with("mot_de_passe", "")
        .with("confirmation_mot_de_passe", "");

    // Act
    let response = app.signup_with(&form).await;

    // Assert
    for field in ["nom", "prenom", "email", "mot_de_passe"] {
        response.assert_field_error(field);
    }
    let summary_links = html::attrs(&response.body, "#error-summary a", "href");
    assert!(
        summary_links.iter().any(|href| href == "#nom"),
        "the error summary should link to the fields: {summary_links:?}"
    );
}

#[tokio::test]
async fn the_values_typed_are_kept_after_an_error() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    let form = user
        .signup_form()
        .with("confirmation_mot_de_passe", strong_password());

    // Act
    let response = app.signup_with(&form).await;

    // Assert
    response.assert_status(422);
    assert_eq!(
        response.field_value("nom").as_deref(),
        Some(user.nom.as_str())
    );
    assert_eq!(
        response.field_value("prenom").as_deref(),
        Some(user.prenom.as_str())
    );
    assert_eq!(
        response.field_value("email").as_deref(),
        Some(user.email.as_str())
    );
}

#[tokio::test]
async fn passwords_are_never_echoed_back() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    let other = strong_password();
    let form = user.signup_form().with("confirmation_mot_de_passe", &other);

    // Act
    let response = app.signup_with(&form).await;

    // Assert
    response.assert_status(422);
    assert!(
        !response.body.contains(&user.password),
        "the password is in the page"
    );
    assert!(
        !response.body.contains(&other),
        "the confirmation is in the page"
    );
    for value in html::attrs(&response.body, "input[type=password]", "value") {
        assert!(value.is_empty(), "a password input has a value: {value:?}");
    }
    assert_eq!(
        html::count(&response.body, "input[type=password]"),
        2,
        "both password inputs are rendered"
    );
}

#[tokio::test]
async fn signing_up_with_a_registered_email_answers_like_a_new_sign_up_and_mails_the_owner() {
    // Arrange: an existing account, and a second person typing the same address. No mail
    // interval, so the confirmation mail just sent cannot hold back the second one.
    let app = spawn_app_with(|s| s.auth.mail_interval_secs = 0).await;
    let owner = TestUser::generate();
    app.register_confirmed(&owner).await;
    let owner_mails_before = app.smtp.messages_to(&owner.email).len();
    let newcomer = TestUser::generate();
    let intruder = TestUser {
        email: owner.email.clone(),
        ..TestUser::generate()
    };

    // Act
    let new_answer = app.signup(&newcomer).await;
    let new_page = app.get("/inscription/email-envoye").await;
    let existing_answer = app.signup(&intruder).await;
    let existing_page = app.get("/inscription/email-envoye").await;

    // Assert: same status, same Location, same page
    new_answer.assert_redirect_to("/inscription/email-envoye");
    existing_answer.assert_redirect_to("/inscription/email-envoye");
    assert_eq!(new_answer.status, existing_answer.status);
    new_page.assert_status(200);
    existing_page.assert_status(200);
    let normalise = |page: &TestResponse, email: &str| {
        html::without_csrf_tokens(&page.body).replace(email, "EMAIL")
    };
    assert_eq!(
        normalise(&new_page, &newcomer.email),
        normalise(&existing_page, &owner.email),
        "the page after signing up reveals whether the address is registered"
    );

    // Assert: the owner is told an account exists, with a sign-in link and no confirmation link
    let mails = app
        .smtp
        .wait_for_mails_to(
            &owner.email,
            owner_mails_before + 1,
            crate::support::smtp::MAIL_TIMEOUT,
        )
        .await;
    let mail = mails.last().expect("the account-exists mail");
    let links = mail.text_links();
    assert!(
        links.iter().any(|l| l.starts_with(&app.url("/connexion"))),
        "no sign-in link in:\n{}",
        mail.text()
    );
    assert!(
        !mail.text().contains("/confirmation/") && !mail.html().contains("/confirmation/"),
        "the account-exists mail holds a confirmation link:\n{}",
        mail.text()
    );
    // The account keeps its owner's name and password.
    let account = crate::support::db::account(&app.db, &owner.email).await;
    assert_eq!(account.nom, owner.nom);
    app.login_user(&owner).await.assert_redirect_to("/cgu");
    app.logout().await;
    app.login(&owner.email, &intruder.password)
        .await
        .assert_status(422);
}
