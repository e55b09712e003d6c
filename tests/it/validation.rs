//! Administrators' decisions (issue 3): validating an account gives it its mailbox address
//! (built from the names by the documented rule, homonyms numbered, unique under concurrency)
//! and mails it to the user; rejecting needs a reason, which is mailed and shown to the user.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::support::fixtures::SeedAccount;
use crate::support::{DrainReportExt, TestApp, TestUser, db, html, spawn_app};

#[tokio::test]
async fn validating_an_account_mails_the_user_their_mssante_address_and_shows_it_on_their_page() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::named("Pierre", "Dupont");
    let (user_browser, id) = app.pending_user(&user, "oui", &user.profile_form()).await;
    let (admin, admin_id) = app.national_admin().await;

    // Act
    let response = admin.validate_account(id).await;

    // Assert
    let address = "pierre.dupont@pharmacien.oc.mssante.fr";
    response.assert_redirect_to(&format!("/admin/comptes/{id}"));
    let detail = admin.get(&format!("/admin/comptes/{id}")).await;
    detail.assert_status(200);
    assert_eq!(
        html::text(&detail.body, ".status .badge").as_deref(),
        Some("Validé")
    );
    assert_eq!(
        html::text(&detail.body, ".mailbox-address-inline").as_deref(),
        Some(address)
    );
    assert!(
        !html::exists(&detail.body, "form[action$=\"/valider\"]"),
        "a decided account offers no decision any more"
    );
    let mail = app
        .wait_for_mail_with_subject(&user.email, "est validé")
        .await;
    assert!(mail.text().contains(address), "{}", mail.text());
    assert!(mail.html().contains(address));
    assert!(
        mail.text().contains(&format!("{}/connexion", app.address)),
        "{}",
        mail.text()
    );
    let page = user_browser.get("/compte").await;
    page.assert_status(200);
    assert!(
        page.text().contains("Votre compte est validé"),
        "{}",
        page.body
    );
    assert_eq!(
        html::text(&page.body, ".mailbox-address-value").as_deref(),
        Some(address)
    );
    let account = db::account_by_id(&app.db, id).await;
    assert_eq!(account.mailbox_address.as_deref(), Some(address));
    assert!(account.validated_at.is_some());
    let validated = db::audit_actions(&app.db, id, "account_validated").await;
    assert_eq!(validated.len(), 1, "{validated:?}");
    assert_eq!(validated[0].actor, format!("admin:{admin_id}"));
    assert_eq!(validated[0].detail.as_deref(), Some(address));
}

#[tokio::test]
async fn validating_an_account_twice_keeps_its_one_address() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::named("Pierre", "Dupont");
    let (_, id) = app.pending_user(&user, "oui", &user.profile_form()).await;
    let (admin, _) = app.national_admin().await;
    admin.get(&format!("/admin/comptes/{id}")).await;
    let path = format!("/admin/comptes/{id}/valider");
    admin
        .post_form(&path, &crate::support::Form::new())
        .await
        .assert_redirect_to(&format!("/admin/comptes/{id}"));

    // Act: a double submit of the same form (its token is still valid).
    let again = admin.post_form(&path, &crate::support::Form::new()).await;

    // Assert
    again.assert_redirect_to(&format!("/admin/comptes/{id}"));
    admin
        .get(&format!("/admin/comptes/{id}"))
        .await
        .assert_status(200);
    let account = db::account_by_id(&app.db, id).await;
    assert_eq!(
        account.mailbox_address.as_deref(),
        Some("pierre.dupont@pharmacien.oc.mssante.fr")
    );
    assert_eq!(
        db::audit_actions(&app.db, id, "account_validated")
            .await
            .len(),
        1
    );
    assert_eq!(db::outbox_of_kind(&app.db, "directory").await.len(), 1);
    assert_eq!(validation_mails_to(&app, &user.email).await, 1);
}

/// The validation mails `address` received (delivered payloads are emptied, so the captured
/// mail is what tells), once the outbox is drained: a duplicate would have been sent by then.
async fn validation_mails_to(app: &TestApp, address: &str) -> usize {
    app.drain_outbox().await.assert_delivered();
    app.smtp
        .messages_to(address)
        .iter()
        .filter(|m| m.subject.contains("validé"))
        .count()
}

#[tokio::test]
async fn a_compound_name_with_an_apostrophe_and_an_umlaut_gives_a_lower_case_ascii_address() {
    // Arrange: a médecin of région 76 who types his names with their accents and apostrophe.
    let app = spawn_app().await;
    let user = TestUser::named("Jean-Pierre", "D'Artagnan-Müller");
    let form = user.profile_form().with("profession", "10");
    let (_, id) = app.pending_user(&user, "oui", &form).await;
    let (admin, _) = app.national_admin().await;

    // Act
    let response = admin.validate_account(id).await;

    // Assert
    response.assert_redirect_to(&format!("/admin/comptes/{id}"));
    let address = "jean-pierre.dartagnan-muller@medecin.oc.mssante.fr";
    assert_eq!(
        db::account_by_id(&app.db, id)
            .await
            .mailbox_address
            .as_deref(),
        Some(address)
    );
    let mail = app
        .wait_for_mail_with_subject(&user.email, "est validé")
        .await;
    assert!(mail.text().contains(address), "{}", mail.text());
}

#[tokio::test]
async fn a_med_mailbox_gets_an_address_on_the_operator_domain_not_under_mssante() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::named("Lucie", "Martin");
    let (user_browser, id) = app
        .pending_user(&user, "non", &user.med_profile_form())
        .await;
    let (admin, _) = app.national_admin().await;

    // Act
    admin
        .validate_account(id)
        .await
        .assert_redirect_to(&format!("/admin/comptes/{id}"));

    // Assert
    let account = db::account_by_id(&app.db, id).await;
    assert_eq!(account.bal_type.as_deref(), Some("MED"));
    let address = account.mailbox_address.expect("an address");
    assert_eq!(address, "lucie.martin@medimail.fr");
    assert!(!address.contains("mssante.fr"));
    let mail = app
        .wait_for_mail_with_subject(&user.email, "est validé")
        .await;
    assert!(mail.text().contains(&address), "{}", mail.text());
    assert!(mail.text().contains("BAL MED"), "{}", mail.text());
    let page = user_browser.get("/compte").await;
    page.assert_status(200);
    assert_eq!(
        html::text(&page.body, ".mailbox-address-value").as_deref(),
        Some(address.as_str())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_submits_of_the_same_validation_validate_once_with_one_address() {
    // Arrange: a double (here fivefold) click on "Valider le compte".
    let app = spawn_app().await;
    let seed = SeedAccount::pharmacist("Pierre", "Dupont");
    let id = app.seed_pending(&seed).await;
    let (admin, _) = app.national_admin().await;
    admin
        .get(&format!("/admin/comptes/{id}"))
        .await
        .assert_status(200);
    let admin = Arc::new(admin);

    // Act
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..5 {
        let admin = admin.clone();
        tasks.spawn(async move {
            admin
                .post_form(
                    &format!("/admin/comptes/{id}/valider"),
                    &crate::support::Form::new(),
                )
                .await
        });
    }
    let responses = tasks.join_all().await;

    // Assert
    for response in &responses {
        response.assert_redirect_to(&format!("/admin/comptes/{id}"));
    }
    assert_eq!(
        db::account_by_id(&app.db, id)
            .await
            .mailbox_address
            .as_deref(),
        Some("pierre.dupont@pharmacien.oc.mssante.fr")
    );
    assert_eq!(
        db::audit_actions(&app.db, id, "account_validated")
            .await
            .len(),
        1
    );
    assert_eq!(db::outbox_of_kind(&app.db, "directory").await.len(), 1);
    assert_eq!(validation_mails_to(&app, &seed.email).await, 1);
}

#[tokio::test]
async fn a_name_that_gives_no_address_is_refused_with_a_message_and_the_account_stays_pending() {
    // Arrange: an imported account whose names are written in Greek only (rule step 5 leaves
    // nothing of them).
    let app = spawn_app().await;
    let id = app
        .seed_pending(&SeedAccount::pharmacist("Σωκράτης", "Παπαδόπουλος"))
        .await;
    let (admin, _) = app.national_admin().await;

    // Act
    let response = admin.validate_account(id).await;

    // Assert
    response.assert_status(422);
    assert!(
        response
            .text()
            .contains("Aucune adresse ne peut être construite"),
        "{}",
        response.body
    );
    let account = db::account_by_id(&app.db, id).await;
    assert!(account.validated_at.is_none());
    assert!(account.mailbox_address.is_none());
    assert!(
        db::audit_actions(&app.db, id, "account_validated")
            .await
            .is_empty()
    );
    assert!(db::outbox_of_kind(&app.db, "directory").await.is_empty());
    // Still decidable: the admin can reject it instead.
    admin
        .post_form(
            &format!("/admin/comptes/{id}/rejeter"),
            &[("motif", "Nom à saisir en caractères latins.")],
        )
        .await
        .assert_redirect_to(&format!("/admin/comptes/{id}"));
}

/// Twenty Jean Dupont, pharmacists of région 76, validated at the same time: the unique
/// constraint and the retry with the next suffix give each their own address.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_validations_of_homonyms_give_twenty_distinct_addresses() {
    // Arrange
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for _ in 0..20 {
        ids.push(
            app.seed_pending(&SeedAccount::pharmacist("Jean", "Dupont"))
                .await,
        );
    }
    let (admin, _) = app.national_admin().await;
    // Every detail page once, so the browser holds each form's CSRF token.
    for id in &ids {
        admin
            .get(&format!("/admin/comptes/{id}"))
            .await
            .assert_status(200);
    }
    let admin = Arc::new(admin);

    // Act
    let mut tasks = tokio::task::JoinSet::new();
    for id in ids.clone() {
        let admin = admin.clone();
        tasks.spawn(async move {
            let response = admin
                .post_form(
                    &format!("/admin/comptes/{id}/valider"),
                    &crate::support::Form::new(),
                )
                .await;
            (id, response)
        });
    }
    let responses = tasks.join_all().await;

    // Assert
    for (id, response) in &responses {
        response.assert_redirect_to(&format!("/admin/comptes/{id}"));
    }
    let mut addresses = BTreeSet::new();
    for id in &ids {
        let account = db::account_by_id(&app.db, *id).await;
        assert!(account.validated_at.is_some(), "account {id} not validated");
        let address = account
            .mailbox_address
            .unwrap_or_else(|| panic!("account {id} has no address"));
        assert_eq!(
            db::audit_actions(&app.db, *id, "account_validated")
                .await
                .len(),
            1,
            "account {id}"
        );
        addresses.insert(address);
    }
    let expected: BTreeSet<String> = (1..=20)
        .map(|n| match n {
            1 => "jean.dupont@pharmacien.oc.mssante.fr".to_owned(),
            n => format!("jean.dupont{n}@pharmacien.oc.mssante.fr"),
        })
        .collect();
    assert_eq!(addresses, expected);
    assert_eq!(db::outbox_of_kind(&app.db, "directory").await.len(), 20);
}

#[tokio::test]
async fn rejecting_without_a_reason_shows_the_error_next_to_the_field_and_changes_nothing() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    let (_, id) = app.pending_user(&user, "oui", &user.profile_form()).await;
    let (admin, _) = app.national_admin().await;
    let mails_before = db::outbox_of_kind(&app.db, "mail").await.len();

    // Act
    let blank = admin.reject_account(id, "   ").await;
    let too_long_reason = format!("Pièce manquante : {}", "x".repeat(2000));
    let too_long = admin
        .post_form(
            &format!("/admin/comptes/{id}/rejeter"),
            &[("motif", too_long_reason.as_str())],
        )
        .await;

    // Assert
    blank.assert_field_error("motif");
    assert!(blank.is_html());
    assert_eq!(
        blank.field_value("motif").as_deref(),
        Some("   "),
        "the admin's text is kept"
    );
    assert!(
        html::text(&blank.body, "#motif-error")
            .unwrap_or_default()
            .contains("motif"),
        "{:?}",
        html::field_errors(&blank.body)
    );
    too_long.assert_field_error("motif");
    assert_eq!(
        too_long.field_value("motif").as_deref(),
        Some(too_long_reason.as_str()),
        "the admin's text is kept"
    );
    let account = db::account_by_id(&app.db, id).await;
    assert!(account.rejected_at.is_none());
    assert!(account.rejection_reason.is_none());
    assert!(
        db::audit_actions(&app.db, id, "account_rejected")
            .await
            .is_empty()
    );
    assert_eq!(
        db::outbox_of_kind(&app.db, "mail").await.len(),
        mails_before
    );
}

#[tokio::test]
async fn rejecting_with_a_reason_mails_it_to_the_user_and_shows_it_on_their_page() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    let (user_browser, id) = app.pending_user(&user, "oui", &user.profile_form()).await;
    let (admin, admin_id) = app.national_admin().await;
    let motif =
        "Le numéro RPPS ne correspond pas à l'identité déclarée : joignez votre <carte CPS>.";

    // Act
    let response = admin.reject_account(id, motif).await;

    // Assert
    response.assert_redirect_to(&format!("/admin/comptes/{id}"));
    let detail = admin.get(&format!("/admin/comptes/{id}")).await;
    detail.assert_status(200);
    assert_eq!(
        html::text(&detail.body, ".status .badge").as_deref(),
        Some("Refusé")
    );
    assert_eq!(
        html::text(&detail.body, "blockquote.reason").as_deref(),
        Some(motif)
    );
    let mail = app
        .wait_for_mail_with_subject(&user.email, "demande d'inscription")
        .await;
    assert!(mail.text().contains(motif), "{}", mail.text());
    assert!(
        mail.html().contains("&lt;carte CPS&gt;") && !mail.html().contains("<carte CPS>"),
        "the reason is escaped in the HTML part:\n{}",
        mail.html()
    );
    let page = user_browser.get("/compte").await;
    page.assert_status(200);
    assert!(
        page.text()
            .contains("Votre demande d'inscription a été refusée"),
        "{}",
        page.body
    );
    assert_eq!(
        html::text(&page.body, "blockquote.reason").as_deref(),
        Some(motif)
    );
    assert!(!page.body.contains("<carte CPS>"), "unescaped reason");
    let account = db::account_by_id(&app.db, id).await;
    assert!(account.rejected_at.is_some());
    assert!(account.mailbox_address.is_none());
    let rejected = db::audit_actions(&app.db, id, "account_rejected").await;
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].actor, format!("admin:{admin_id}"));
    assert_eq!(rejected[0].detail.as_deref(), Some(motif));
    // A rejected account is no longer in the queue.
    let queue = admin.get("/admin").await;
    assert!(!queue.body.contains(&user.email), "{}", queue.body);
}
