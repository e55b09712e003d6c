//! The guide's password journey, in Chromium: landing → sign-up with a typo corrected after the
//! error summary → the confirmation link opened from the captured mail → CGU → identification →
//! profile (the postal code derives département and région) → pending page, printed.

use super::{fill_form, path_of, printed_text, set_field};
use crate::support::browser::scenario;
use crate::support::{TestUser, db, spawn_app};

#[tokio::test]
async fn a_person_registers_in_the_browser_from_the_landing_page_to_the_pending_page() {
    let app = spawn_app().await;
    scenario("inscription", move |b| async move {
        let user = TestUser::generate();

        // Landing page → "Créer mon compte".
        b.goto(&app.url("/")).await;
        b.check("accueil").await;
        b.click_text("Créer mon compte").await;
        b.wait_for_path("/inscription").await;
        b.check("inscription").await;
        assert!(
            b.title().await.contains("Étape 1 sur 6"),
            "{}",
            b.title().await
        );
        // The step indicator is announced: a sentence first in <main>, and the list it names
        // marks the current step.
        assert_eq!(
            b.text_of("main > .step-status").await,
            "Étape 1 sur 6 : Inscription"
        );
        assert_eq!(
            b.attr_of("ol.steps", "aria-labelledby").await.as_deref(),
            Some("etape-courante")
        );
        assert_eq!(
            b.text_of("ol.steps [aria-current=\"step\"] .step-label")
                .await,
            "Inscription"
        );
        // Required fields are marked for assistive technology, not only by the asterisk.
        for name in ["nom", "prenom", "email", "mot_de_passe"] {
            let required = b.attr_of(&format!("[name=\"{name}\"]"), "required").await;
            assert!(required.is_some(), "{name} is not marked required");
        }

        // A typo in the confirmation: the error summary takes the focus and links to the field.
        b.fill("nom", &user.nom).await;
        b.fill("prenom", &user.prenom).await;
        b.fill("email", &user.email).await;
        b.fill("mot_de_passe", &user.password).await;
        b.fill("confirmation_mot_de_passe", &format!("{}x", user.password))
            .await;
        b.click_text("Créer mon compte Medimail").await;
        b.wait_for_path("/inscription").await;
        b.check("inscription-erreur").await;
        assert!(
            b.title().await.starts_with("Erreur : "),
            "{}",
            b.title().await
        );
        assert_eq!(
            b.focused().await,
            "error-summary",
            "the summary has the focus"
        );
        let link = b.attr_of("#error-summary a", "href").await;
        assert_eq!(link.as_deref(), Some("#confirmation_mot_de_passe"));
        let described = b
            .attr_of("#confirmation_mot_de_passe", "aria-describedby")
            .await
            .unwrap_or_default();
        assert!(
            described
                .split(' ')
                .any(|id| id == "confirmation_mot_de_passe-error"),
            "the error is tied to its field: {described:?}"
        );
        assert_eq!(
            b.attr_of("#confirmation_mot_de_passe", "aria-invalid")
                .await
                .as_deref(),
            Some("true")
        );
        // The values are kept, never the passwords.
        assert_eq!(b.value_of("nom").await, user.nom);
        assert_eq!(b.value_of("email").await, user.email);
        assert_eq!(b.value_of("mot_de_passe").await, "");
        // The summary's link lands on the field.
        b.click("#error-summary a").await;
        assert_eq!(b.focused().await, "confirmation_mot_de_passe");
        b.fill("mot_de_passe", &user.password).await;
        b.fill("confirmation_mot_de_passe", &user.password).await;
        b.click_text("Créer mon compte Medimail").await;
        b.wait_for_path("/inscription/email-envoye").await;
        b.check("email-envoye").await;

        // The mail, opened as a page; its text part carries the same link.
        let mail = app.wait_for_mail_to(&user.email).await;
        let link = mail.confirmation_link().expect("a confirmation link");
        assert!(
            mail.html().contains(&link),
            "the HTML part has the text part's link"
        );
        b.open_mail(&mail, "mail-confirmation").await;
        b.goto(&app.url(&path_of(&link))).await;
        b.check("confirmation").await;
        assert!(
            b.title().await.contains("Étape 2 sur 6"),
            "{}",
            b.title().await
        );
        b.click_text("Confirmer mon adresse").await;
        b.wait_for_path("/connexion?confirme=1").await;
        b.check("connexion").await;
        b.fill("email", &user.email).await;
        b.fill("mot_de_passe", &user.password).await;
        b.click_text("Se connecter").await;

        // The CGU are readable in the page itself.
        b.wait_for_path("/cgu").await;
        b.check("cgu").await;
        let terms = b.text_of("section.cgu-text").await;
        assert!(terms.len() > 500, "the CGU text is in the page: {terms:?}");
        b.click_text("Accepter").await;

        // Identification: submitted without an answer first, then "Oui".
        b.wait_for_path("/identification").await;
        b.check("identification").await;
        b.click_text("Enregistrer").await;
        b.wait_for_path("/identification").await;
        b.check("identification-erreur").await;
        assert_eq!(b.focused().await, "error-summary");
        set_field(&b, "identifiant_national", "oui").await;
        b.click_text("Enregistrer").await;

        // The profile: a wrong postal code first, then the right one; département and région
        // are left empty for the server to derive.
        b.wait_for_path("/profil").await;
        b.check("profil").await;
        fill_form(&b, &user.profile_form().with("code_postal", "3162")).await;
        b.click_text("Enregistrer").await;
        b.wait_for_path("/profil").await;
        b.check("profil-erreur").await;
        assert_eq!(b.focused().await, "error-summary");
        assert_eq!(b.value_of("raison_sociale").await, "Pharmacie du Centre");
        set_field(&b, "code_postal", "31620").await;
        b.click_text("Enregistrer").await;
        b.wait_for_path("/compte").await;
        b.check("en-attente").await;
        assert!(b.page_text().await.contains("en attente de validation"));
        let profile = db::profile(&app.db, &user.email).await;
        assert_eq!(
            (
                profile.departement.as_deref(),
                Some(profile.region.as_str())
            ),
            (Some("31"), Some("76")),
            "derived from 31620: Haute-Garonne, Occitanie"
        );

        // The pending page prints the date of the request and the support contact.
        let printed = printed_text(&b, "inscription-en-attente").await;
        assert!(printed.contains("Demande envoyée le"), "{printed}");
        assert!(printed.contains(&app.settings.support.phone), "{printed}");
        assert!(!printed.contains("Se déconnecter"), "{printed}");

        // Every step had its own title (RGAA 8.6).
        b.assert_titles_are_unique();
    })
    .await;
}
