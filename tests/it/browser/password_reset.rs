//! Password reset in Chromium: "Mot de passe oublié ?" from the sign-in page, the mailed link,
//! a mismatch refused, the new password, and a sign-in with it.

use super::{path_of, sign_in};
use crate::support::browser::scenario;
use crate::support::{TestUser, spawn_app, strong_password};

#[tokio::test]
async fn a_user_resets_a_forgotten_password_in_the_browser() {
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.another_visitor().complete_journey(&user).await;

    scenario("mot-de-passe-oublie", move |b| async move {
        let new_password = strong_password();
        b.goto(&app.url("/connexion")).await;
        b.check("connexion").await;
        // A wrong password first: one generic message, the summary has the focus.
        sign_in(&b, &app, &user.email, "Pas-le-bon-1!").await;
        b.check("connexion-erreur").await;
        assert_eq!(b.focused().await, "error-summary");
        b.click_text("Mot de passe oublié ?").await;
        b.wait_for_path("/mot-de-passe/oubli").await;
        b.check("oubli").await;
        b.fill("email", &user.email).await;
        b.click_text("Recevoir un lien").await;
        b.check("oubli-envoye").await;

        let mail = app
            .wait_for_mail_with_subject(&user.email, "Réinitialisation de votre mot de passe")
            .await;
        let link = mail
            .text_links()
            .into_iter()
            .find(|l| l.contains("/mot-de-passe/reinitialisation/"))
            .expect("a reset link in the text part");
        assert!(
            mail.html().contains(&link),
            "the HTML part has the same link"
        );
        b.open_mail(&mail, "mail-reinitialisation").await;

        b.goto(&app.url(&path_of(&link))).await;
        b.check("reinitialisation").await;
        b.fill("mot_de_passe", &new_password).await;
        b.fill("confirmation_mot_de_passe", &format!("{new_password}x"))
            .await;
        b.click_text("Enregistrer le mot de passe").await;
        b.check("reinitialisation-erreur").await;
        assert_eq!(b.focused().await, "error-summary");
        b.fill("mot_de_passe", &new_password).await;
        b.fill("confirmation_mot_de_passe", &new_password).await;
        b.click_text("Enregistrer le mot de passe").await;
        b.wait_for_path("/connexion?reinitialise=1").await;
        b.check("connexion-nouveau-mot-de-passe").await;
        b.fill("email", &user.email).await;
        b.fill("mot_de_passe", &new_password).await;
        b.click_text("Se connecter").await;
        b.wait_for_path("/compte").await;
        b.check("compte").await;
    })
    .await;
}
