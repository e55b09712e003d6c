//! Pages outside the journey, in Chromium: the accessibility statement reached from the footer,
//! the error pages, and the layout at 320 px and at 200 % zoom (WCAG 1.4.10 reflow, 1.4.4).

use crate::support::browser::{DESKTOP, scenario};
use crate::support::spawn_app;

#[tokio::test]
async fn the_accessibility_statement_is_linked_from_every_footer() {
    let app = spawn_app().await;
    scenario("accessibilite", move |b| async move {
        for path in ["/", "/inscription", "/connexion", "/mot-de-passe/oubli"] {
            b.goto(&app.url(path)).await;
            let link = b.find("footer a[href=\"/accessibilite\"]").await;
            assert_eq!(
                link.text().await.expect("link text"),
                "Accessibilité : partiellement conforme",
                "on {path}"
            );
        }
        b.click_to_load("footer a[href=\"/accessibilite\"]").await;
        b.wait_for_path("/accessibilite").await;
        b.check("declaration").await;
        let text = b.page_text().await;
        for part in [
            "Déclaration d'accessibilité",
            "État de conformité",
            "partiellement conforme",
            "RGAA",
            "Contenus non accessibles",
            "Retour d'information et contact",
            &app.settings.support.phone,
            "Voies de recours",
            "Défenseur des droits",
        ] {
            assert!(text.contains(part), "the statement lacks {part:?}:\n{text}");
        }
    })
    .await;
}

#[tokio::test]
async fn error_pages_are_accessible_french_pages() {
    let app = spawn_app().await;
    scenario("erreurs", move |b| async move {
        b.goto(&app.url("/cette-page-n-existe-pas")).await;
        b.check("erreur-404").await;
        assert!(
            b.page_text().await.contains("Page introuvable"),
            "{}",
            b.page_text().await
        );
        // A link that only takes POST.
        b.goto(&app.url("/deconnexion")).await;
        b.check("erreur-405").await;
        // An expired or unknown confirmation link.
        b.goto(&app.url("/confirmation/jeton-inconnu")).await;
        b.check("lien-invalide").await;
        b.assert_titles_are_unique();
    })
    .await;
}

#[tokio::test]
async fn pages_reflow_at_320_pixels_and_at_200_percent_zoom() {
    let app = spawn_app().await;
    scenario("largeurs", move |b| async move {
        // 320 CSS px is WCAG 1.4.10's width; 640 px is a 1280 px screen at 200 % zoom.
        for (width, label) in [(320, "320px"), (DESKTOP.0 / 2, "zoom-200")] {
            b.set_width(width).await;
            for (path, name) in [
                ("/", "accueil"),
                ("/inscription", "inscription"),
                ("/connexion", "connexion"),
                ("/accessibilite", "declaration"),
            ] {
                b.goto(&app.url(path)).await;
                b.check(&format!("{name}-{label}")).await;
                assert!(
                    b.fits_width().await,
                    "{path} scrolls sideways at {width} px"
                );
            }
            // The sign-up form's errors too.
            b.goto(&app.url("/inscription")).await;
            b.click_text("Créer mon compte Medimail").await;
            b.check(&format!("inscription-erreurs-{label}")).await;
            assert!(
                b.fits_width().await,
                "the error summary scrolls sideways at {width} px"
            );
        }
    })
    .await;
}
