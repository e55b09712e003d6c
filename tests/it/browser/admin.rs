//! An administrator in Chromium: sign-in, second factor enrolment (TOTP from the secret shown
//! as text), the queue with its late marks, a rejection without a reason refused, validation,
//! the dashboard; then the user's `/compte` shows the address, prints it, and the entry is in
//! the directory. Also the 403 page a user gets on `/admin`.

use ldap3::ldap_escape;

use super::{printed_text, sign_in};
use crate::support::app::totp_code;
use crate::support::browser::scenario;
use crate::support::fhir::{FhirSimulator, SimPractitioner};
use crate::support::fixtures::SeedAccount;
use crate::support::ldap::TestLdap;
use crate::support::{TestUser, db, spawn_app_with};

#[tokio::test]
async fn an_administrator_validates_an_account_in_the_browser_and_the_user_sees_the_address() {
    let ldap = TestLdap::start().await;
    let directory = ldap.settings();
    // The Annuaire Santé knows the RPPS under another family name: the cross-check shows the
    // mismatch on the detail page and marks the queue row.
    let fhir = FhirSimulator::start().await;
    let annuaire = fhir.settings();
    let app = spawn_app_with(|s| {
        s.directory = directory;
        s.annuaire_sante = annuaire;
    })
    .await;
    let user = TestUser::generate();
    fhir.add(SimPractitioner::new(
        &user.rpps,
        "MARTIN",
        &user.prenom.to_uppercase(),
        "21",
        "31620",
    ));
    let (_, id) = app.pending_user(&user, "oui", &user.profile_form()).await;
    app.drain_outbox().await;
    // Another account, waiting for 50 h: the queue marks it in words, not only in colour.
    app.seed_pending(&SeedAccount::pharmacist("Paul", "Ancien").waiting_hours(50))
        .await;
    let admin = TestUser::generate();
    app.make_admin(&admin, "national").await;

    scenario("administration", move |b| async move {
        let _fhir = &fhir;
        // Sign-in, then the second factor's enrolment.
        sign_in(&b, &app, &admin.email, &admin.password).await;
        b.wait_for_path("/admin/double-authentification").await;
        b.check("double-authentification").await;
        let secret = b.text_of("code.totp-secret").await.replace(' ', "");
        b.fill("code", "12345").await;
        b.click_text("Activer").await;
        b.check("double-authentification-erreur").await;
        assert_eq!(b.focused().await, "error-summary");
        let code = totp_code(&secret, app.now().timestamp());
        b.fill("code", &code).await;
        b.click_text("Activer").await;
        b.check("codes-de-secours").await;
        b.click_text("J'ai noté mes codes, continuer vers la console")
            .await;

        // The queue: the 50 h account carries "plus de 48 h" in words.
        b.wait_for_path("/admin").await;
        b.check("file-d-attente").await;
        let queue = b.page_text().await;
        assert!(queue.contains("plus de 48 h"), "{queue}");
        assert!(queue.contains(&user.nom), "{queue}");
        let mark = b.text_of("span.annuaire-mark").await;
        assert!(!mark.is_empty(), "the risky account is marked in words");

        // The account: a rejection without a reason is refused, then the validation.
        b.click_to_load(&format!("a[href=\"/admin/comptes/{id}\"]"))
            .await;
        b.wait_for_path(&format!("/admin/comptes/{id}")).await;
        b.check("compte-a-examiner").await;
        let cross_check = b.text_of("section.annuaire-sante").await;
        assert!(cross_check.contains("Écart"), "{cross_check}");
        assert!(cross_check.contains("MARTIN"), "{cross_check}");
        b.click_text("Refuser le compte").await;
        b.check("refus-sans-motif").await;
        assert_eq!(b.focused().await, "error-summary");
        b.goto(&app.url(&format!("/admin/comptes/{id}"))).await;
        b.click_text("Valider le compte").await;
        b.check("apres-validation").await;
        b.goto(&app.url("/admin/tableau-de-bord")).await;
        b.check("tableau-de-bord").await;
        // On paper too, each chart comes with its table (the per-day one included).
        let printed = printed_text(&b, "tableau-de-bord").await;
        for caption in [
            "Comptes en attente, par région et par ancienneté",
            "Décisions par jour, comptes validés et refusés",
            "Délai entre l'envoi du profil et la décision, par semaine",
        ] {
            assert!(
                printed.contains(caption),
                "{caption} not printed:\n{printed}"
            );
        }

        // The user's mail, as a page; its text part carries the same address.
        app.drain_outbox().await;
        let address = db::account(&app.db, &user.email)
            .await
            .mailbox_address
            .expect("an address on validation");
        let mail = app
            .wait_for_mail_with_subject(&user.email, "Votre compte Medimail est validé")
            .await;
        assert!(mail.text().contains(&address), "{}", mail.text());
        assert!(mail.html().contains(&address));
        b.open_mail(&mail, "mail-validation").await;

        // The user signs in on the same browser: /compte shows the address, and prints it.
        b.goto(&app.url("/admin")).await;
        b.click_text("Se déconnecter").await;
        b.wait_for_path("/").await;
        sign_in(&b, &app, &user.email, &user.password).await;
        b.wait_for_path("/compte").await;
        b.check("compte-valide").await;
        assert_eq!(b.text_of(".mailbox-address-value").await, address);
        let printed = printed_text(&b, "administration-compte-valide").await;
        // A long address may still wrap on paper: compare without the line breaks.
        let unwrapped: String = printed.split_whitespace().collect();
        assert!(unwrapped.contains(&address), "{printed}");
        assert!(printed.contains("Compte validé le"), "{printed}");
        assert!(printed.contains(&app.settings.support.phone), "{printed}");
        assert!(!printed.contains("Se déconnecter"), "{printed}");
        assert!(!printed.contains("Changer mon mot de passe"), "{printed}");

        // A user on /admin gets the 403 page.
        b.goto(&app.url("/admin")).await;
        b.check("erreur-403").await;
        assert!(
            b.page_text().await.contains("Accès refusé"),
            "{}",
            b.page_text().await
        );

        // The entry is in the directory, found anonymously by its address.
        let found = ldap
            .search_anonymous(
                &ldap.mssante_dn(),
                &format!("(mail={})", ldap_escape(address.as_str())),
            )
            .await
            .expect("anonymous search");
        assert_eq!(found.len(), 1, "{found:?}");
    })
    .await;
}
