//! The password journey with the keyboard alone (Tab, Shift+Tab, Space, Enter and typing), the
//! focus visible at every stop (WCAG 2.1.1 and 2.4.7; RGAA 12.7, 10.7).

use fantoccini::key::Key;

use super::confirmation_link;
use crate::support::browser::scenario;
use crate::support::{TestUser, spawn_app};

#[tokio::test]
async fn the_whole_journey_can_be_done_with_the_keyboard_only() {
    let app = spawn_app().await;
    scenario("clavier", move |b| async move {
        let user = TestUser::generate();
        b.goto(&app.url("/")).await;
        b.check("accueil").await;
        // The first Tab reaches the skip link, shown when focused; Enter moves to <main>.
        b.press(Key::Tab).await;
        assert_eq!(b.focused().await, "Aller au contenu");
        assert!(
            b.focus_is_visible().await,
            "the skip link's focus is visible"
        );
        b.save_screenshot("lien-d-evitement").await;
        b.tab_to("Créer mon compte").await;
        b.press(Key::Enter).await;
        b.wait_for_path("/inscription").await;
        b.check("inscription").await;

        for (name, value) in [
            ("nom", user.nom.as_str()),
            ("prenom", user.prenom.as_str()),
            ("email", user.email.as_str()),
            ("mot_de_passe", user.password.as_str()),
            ("confirmation_mot_de_passe", user.password.as_str()),
        ] {
            b.tab_to(name).await;
            b.type_keys(value).await;
        }
        // Shift+Tab goes back one field, Tab forward again.
        b.shift_tab().await;
        assert_eq!(b.focused().await, "mot_de_passe");
        assert!(b.focus_is_visible().await);
        b.press(Key::Tab).await;
        assert_eq!(b.focused().await, "confirmation_mot_de_passe");
        b.tab_to("Créer mon compte Medimail").await;
        b.save_screenshot("inscription-bouton").await;
        b.press(Key::Enter).await;
        b.wait_for_path("/inscription/email-envoye").await;
        b.check("email-envoye").await;

        // The link from the mail (the address bar is not part of the page), then Enter.
        let link = confirmation_link(&app, &user.email).await;
        b.goto(&app.url(&link)).await;
        b.check("confirmation").await;
        b.tab_to("Confirmer mon adresse").await;
        b.press(Key::Enter).await;
        b.wait_for_path("/connexion?confirme=1").await;
        b.tab_to("email").await;
        b.type_keys(&user.email).await;
        b.tab_to("mot_de_passe").await;
        b.type_keys(&user.password).await;
        // Enter in a field submits its form.
        b.press(Key::Enter).await;

        // CGU: the text is reachable (a focusable region), then "Accepter".
        b.wait_for_path("/cgu").await;
        b.check("cgu").await;
        b.tab_to("decision").await;
        assert_eq!(
            b.script_text("return document.activeElement.value").await,
            "accepter"
        );
        b.press(Key::Space).await;

        // Identification: Space picks "Oui", Enter on the button.
        b.wait_for_path("/identification").await;
        b.check("identification").await;
        b.tab_to("identifiant_national").await;
        b.press(Key::Space).await;
        assert_eq!(
            b.script_text(
                "return document.querySelector('input[name=identifiant_national]:checked').value"
            )
            .await,
            "oui"
        );
        b.tab_to("Enregistrer").await;
        b.press(Key::Enter).await;

        // The profile: text typed, options chosen by typing their first letters.
        b.wait_for_path("/profil").await;
        b.check("profil").await;
        b.tab_to("telephone1").await;
        b.type_keys("05 61 60 02 03").await;
        b.tab_to("profession").await;
        b.type_keys("Pharmacien").await;
        assert_eq!(b.value_of("profession").await, "21");
        b.tab_to("type_identifiant").await;
        b.type_keys("RPPS").await;
        assert_eq!(b.value_of("type_identifiant").await, "RPPS");
        for (name, value) in [
            ("identifiant", user.rpps.as_str()),
            ("raison_sociale", "Pharmacie du Centre"),
            ("adresse", "1 place de la Mairie"),
            ("code_postal", "31620"),
            ("ville", "Fronton"),
        ] {
            b.tab_to(name).await;
            b.type_keys(value).await;
        }
        b.tab_to("Enregistrer").await;
        b.press(Key::Enter).await;
        b.wait_for_path("/compte").await;
        b.check("en-attente").await;
        b.assert_titles_are_unique();
    })
    .await;
}
