//! A validated user's own pages in Chromium, each checked by axe-core: settings, profile edit,
//! email change, sessions, password change (with and without errors), closure, and a BAL ORG
//! request sent empty then filled, to its page.

use crate::support::browser::scenario;
use crate::support::{Form, TestUser, spawn_app};

/// The CHU de Montpellier's FINESS (valid key), as in the BAL ORG tests.
const FINESS: &str = "340780477";

#[tokio::test]
async fn a_validated_user_goes_through_the_account_pages_and_requests_a_bal_org() {
    let app = spawn_app().await;
    let user = TestUser::generate();
    let (_, id) = app.pending_user(&user, "oui", &user.profile_form()).await;
    let (admin, _) = app.national_admin().await;
    admin.validate_account(id).await.assert_status(303);

    scenario("compte", move |b| async move {
        super::sign_in(&b, &app, &user.email, &user.password).await;
        b.wait_for_path("/compte").await;
        b.check("compte-valide").await;

        for (path, step) in [
            ("/compte/parametres", "parametres"),
            ("/compte/profil", "modifier-profil"),
            ("/compte/email", "changer-email"),
            ("/compte/sessions", "sessions"),
            ("/compte/fermeture", "fermeture"),
            ("/compte/mot-de-passe", "mot-de-passe"),
        ] {
            b.goto(&app.url(path)).await;
            b.check(step).await;
        }
        // The password change, sent empty: errors next to the fields, the summary focused.
        b.click_text("Changer le mot de passe").await;
        b.check("mot-de-passe-erreurs").await;
        assert_eq!(b.focused().await, "error-summary");

        // A BAL ORG: the request sent empty, then filled.
        b.goto(&app.url("/compte")).await;
        b.click_text("Demander une BAL organisationnelle").await;
        b.wait_for_path("/bal-org/nouvelle").await;
        b.check("bal-org-demande").await;
        b.click_text("Envoyer la demande").await;
        b.check("bal-org-demande-erreurs").await;
        assert_eq!(b.focused().await, "error-summary");
        let request = Form::new()
            .with("libelle", "Secrétariat de cardiologie")
            .with("identifiant_local", "secretariat.cardiologie")
            .with("raison_sociale", "CHU de Montpellier")
            .with("type_identifiant_structure", "FINESS")
            .with("identifiant_structure", FINESS)
            .with("service", "Cardiologie")
            .with("adresse", "191 avenue du Doyen Gaston Giraud")
            .with("code_postal", "34295")
            .with("ville", "Montpellier")
            .with("telephone", "04 67 33 67 33");
        super::fill_form(&b, &request).await;
        b.click_text("Envoyer la demande").await;
        b.check("bal-org").await;
        let text = b.page_text().await;
        assert!(text.contains("Secrétariat de cardiologie"), "{text}");
        assert!(text.contains("En attente de validation"), "{text}");

        // An invitation: listed by its address, with a button to withdraw it.
        super::set_field(&b, "email", "secretariat.invite@exemple.fr").await;
        b.click_text("Inviter").await;
        b.check("bal-org-invitation").await;
        let text = b.page_text().await;
        assert!(text.contains("Invitations en attente de réponse"), "{text}");
        assert!(text.contains("secretariat.invite@exemple.fr"), "{text}");
    })
    .await;
}
