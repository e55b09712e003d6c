//! The administrators' console (issue 3): sign-in lands on `/admin`, the queue of pending
//! accounts (oldest first, counts, late marks, filters), the detail page, and the scopes
//! (national, régional, structure) that decide what an administrator sees and may decide.

use crate::support::fixtures::SeedAccount;
use crate::support::{Form, TestApp, TestResponse, TestUser, db, html, spawn_app};

/// Emails of the queue's rows, top to bottom.
fn queue_emails(page: &TestResponse) -> Vec<String> {
    html::texts(&page.body, "table.data-table tbody tr td.email")
}

/// The three counts: pending, over 24 h, over 48 h.
fn queue_counts(page: &TestResponse) -> Vec<String> {
    html::texts(&page.body, "ul.counts .count-value")
}

/// `(label, value)` of every field shown on a detail page.
fn detail_fields(page: &TestResponse) -> Vec<(String, String)> {
    let labels = html::texts(&page.body, "dl.account-fields dt");
    let values = html::texts(&page.body, "dl.account-fields dd");
    labels.into_iter().zip(values).collect()
}

fn field<'a>(fields: &'a [(String, String)], label: &str) -> &'a str {
    fields
        .iter()
        .find(|(l, _)| l == label)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no field {label:?} in {fields:?}"))
}

/// `GET path` on the admin's browser; asserts 200 and returns the page.
async fn page(browser: &TestApp, path: &str) -> TestResponse {
    let page = browser.get(path).await;
    page.assert_status(200);
    page
}

#[tokio::test]
async fn a_national_administrator_signs_in_and_lands_on_the_validation_queue() {
    // Arrange
    let app = spawn_app().await;
    let admin = TestUser::generate();
    app.make_admin(&admin, "national").await;
    let browser = app.another_visitor();

    // Act
    let response = browser.login_user(&admin).await;

    // Assert
    response.assert_redirect_to("/admin");
    let queue = page(&browser, "/admin").await;
    assert!(queue.is_html());
    assert_eq!(
        html::text(&queue.body, "h1").as_deref(),
        Some("Comptes en attente de validation")
    );
    assert_eq!(
        html::text(&queue.body, "p.scope strong").as_deref(),
        Some("National")
    );
    assert!(
        queue
            .text()
            .contains("Aucun compte en attente de validation."),
        "{}",
        queue.body
    );
    assert_eq!(queue_counts(&queue), ["0", "0", "0"]);
    // Signed in, the sign-in page sends the administrator back to the console.
    browser.get("/connexion").await.assert_redirect_to("/admin");
}

#[tokio::test]
async fn the_queue_lists_pending_accounts_oldest_first_with_counts_and_late_marks() {
    // Arrange
    let app = spawn_app().await;
    let old = SeedAccount::pharmacist("Agathe", "Ancien").waiting_hours(50);
    let mid = SeedAccount::pharmacist("Bruno", "Moyen")
        .in_paris()
        .medecin()
        .waiting_hours(30);
    let fresh = SeedAccount::pharmacist("Chloe", "Recent")
        .med()
        .waiting_hours(2);
    let decided = SeedAccount::pharmacist("Denis", "Decide").waiting_hours(60);
    // Inserted out of order: the queue sorts by submission, not by id.
    let fresh_id = app.seed_pending(&fresh).await;
    let old_id = app.seed_pending(&old).await;
    let mid_id = app.seed_pending(&mid).await;
    let decided_id = app.seed_pending(&decided).await;
    let user = TestUser::generate();
    let _ = app.pending_user(&user, "oui", &user.profile_form()).await;
    let (admin, _) = app.national_admin().await;
    admin
        .reject_account(decided_id, "Doublon d'un compte existant.")
        .await
        .assert_redirect_to(&format!("/admin/comptes/{decided_id}"));

    // Act
    let queue = page(&admin, "/admin").await;

    // Assert
    assert_eq!(
        queue_emails(&queue),
        [
            old.email.as_str(),
            mid.email.as_str(),
            fresh.email.as_str(),
            user.email.as_str()
        ]
    );
    assert_eq!(queue_counts(&queue), ["4", "2", "1"]);
    assert_eq!(
        html::texts(&queue.body, "tbody tr td.age .late-mark"),
        ["plus de 48 h", "plus de 24 h"]
    );
    assert_eq!(
        html::texts(&queue.body, "tbody tr th[scope=row]"),
        ["Ancien", "Moyen", "Recent", user.nom.as_str()]
    );
    let links = html::attrs(&queue.body, "tbody tr a", "href");
    assert_eq!(
        links[..3],
        [
            format!("/admin/comptes/{old_id}"),
            format!("/admin/comptes/{mid_id}"),
            format!("/admin/comptes/{fresh_id}"),
        ]
    );
    let first_row = html::texts(&queue.body, "tbody tr:first-child td");
    assert!(first_row.iter().any(|c| c == "Pharmacien"), "{first_row:?}");
    assert!(first_row.iter().any(|c| c == "Occitanie"), "{first_row:?}");
    assert!(first_row.iter().any(|c| c == "PER"), "{first_row:?}");
    assert!(
        html::text(&queue.body, "caption")
            .unwrap_or_default()
            .starts_with("4 comptes en attente"),
        "{:?}",
        html::text(&queue.body, "caption")
    );
}

#[tokio::test]
async fn filters_by_region_profession_and_mailbox_type_narrow_the_queue() {
    // Arrange
    let app = spawn_app().await;
    let pharmacist_76 = SeedAccount::pharmacist("Agathe", "Ancien").waiting_hours(50);
    let medecin_11 = SeedAccount::pharmacist("Bruno", "Moyen")
        .in_paris()
        .medecin()
        .waiting_hours(30);
    let med_76 = SeedAccount::pharmacist("Chloe", "Recent")
        .med()
        .waiting_hours(2);
    for seed in [&pharmacist_76, &medecin_11, &med_76] {
        app.seed_pending(seed).await;
    }
    let (admin, _) = app.national_admin().await;

    // Act
    let by_region = page(&admin, "/admin?region=76").await;
    let by_profession = page(&admin, "/admin?profession=10").await;
    let by_bal_type = page(&admin, "/admin?bal_type=MED").await;
    let combined = page(&admin, "/admin?region=76&profession=21&bal_type=PER").await;
    let nothing = page(&admin, "/admin?region=11&bal_type=MED").await;
    let cleared = page(&admin, "/admin?region=&profession=&bal_type=").await;

    // Assert
    assert_eq!(
        queue_emails(&by_region),
        [pharmacist_76.email.as_str(), med_76.email.as_str()]
    );
    assert_eq!(queue_counts(&by_region)[0], "2");
    assert_eq!(by_region.field_value("region").as_deref(), Some("76"));
    assert_eq!(queue_emails(&by_profession), [medecin_11.email.as_str()]);
    assert_eq!(
        by_profession.field_value("profession").as_deref(),
        Some("10")
    );
    assert_eq!(queue_emails(&by_bal_type), [med_76.email.as_str()]);
    assert_eq!(by_bal_type.field_value("bal_type").as_deref(), Some("MED"));
    assert_eq!(queue_emails(&combined), [pharmacist_76.email.as_str()]);
    assert!(queue_emails(&nothing).is_empty());
    assert!(
        nothing
            .text()
            .contains("Aucun compte en attente de validation ne correspond à ces filtres."),
        "{}",
        nothing.body
    );
    assert_eq!(queue_emails(&cleared).len(), 3);
}

#[tokio::test]
async fn the_detail_page_shows_every_field_the_rpps_key_check_and_the_audit_history() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    let form = user
        .profile_form()
        .with("identifiant_structure", "010000016");
    let (_, id) = app.pending_user(&user, "oui", &form).await;
    let mut typo = SeedAccount::pharmacist("Eric", "Coquille");
    typo.rpps = Some("10000005478".into());
    let typo_id = app.seed_pending(&typo).await;
    let (admin, admin_id) = app.national_admin().await;

    // Act
    let detail = page(&admin, &format!("/admin/comptes/{id}")).await;
    let typo_detail = page(&admin, &format!("/admin/comptes/{typo_id}")).await;

    // Assert
    assert_eq!(
        html::text(&detail.body, "h1").as_deref(),
        Some(format!("Examen du compte n° {id}").as_str())
    );
    assert_eq!(
        html::text(&detail.body, ".status .badge").as_deref(),
        Some("En attente de validation")
    );
    let fields = detail_fields(&detail);
    assert_eq!(field(&fields, "Adresse mail"), user.email);
    assert_eq!(field(&fields, "Nom"), user.nom);
    assert_eq!(field(&fields, "Prénom"), user.prenom);
    assert_eq!(field(&fields, "Type de BAL"), "PER");
    assert_eq!(field(&fields, "Profession"), "Pharmacien (21)");
    assert_eq!(field(&fields, "Type d'identifiant national"), "RPPS");
    assert_eq!(field(&fields, "Numéro d'identifiant national"), user.rpps);
    assert_eq!(field(&fields, "Identifiant de structure"), "010000016");
    assert_eq!(field(&fields, "Raison sociale"), "Pharmacie du Centre");
    assert_eq!(field(&fields, "Code postal"), "31620");
    assert_eq!(field(&fields, "Ville"), "Fronton");
    assert_eq!(field(&fields, "Département"), "31");
    assert_eq!(field(&fields, "Région"), "Occitanie");
    assert_eq!(field(&fields, "Annuaire MSSanté"), "Oui");
    assert_eq!(field(&fields, "Annuaire Medimail"), "Oui");
    assert!(
        detail.text().contains("Clé RPPS valide"),
        "{:?}",
        html::texts(&detail.body, "ul.checks li")
    );
    assert!(
        detail
            .text()
            .contains("Identité non vérifiée par Pro Santé Connect"),
        "{}",
        detail.body
    );
    let actions = html::texts(&detail.body, "table.data-table tbody tr td:nth-child(3)");
    for expected in [
        "Compte créé",
        "Adresse mail confirmée",
        "CGU acceptées",
        "Profil envoyé",
    ] {
        assert!(
            actions.iter().any(|a| a == expected),
            "{expected:?} missing from the history {actions:?}"
        );
    }
    let actors = html::texts(&detail.body, "table.data-table tbody tr td:nth-child(2)");
    // The user's own steps, and this administrator's opening of the page.
    assert!(
        actors
            .iter()
            .all(|a| a == &format!("account:{id}") || a == &format!("admin:{admin_id}")),
        "{actors:?}"
    );
    assert!(
        typo_detail.text().contains("Clé RPPS invalide"),
        "{:?}",
        html::texts(&typo_detail.body, "ul.checks li")
    );
    // Once decided, the decision is in the history, with who took it and its detail.
    admin
        .validate_account(id)
        .await
        .assert_redirect_to(&format!("/admin/comptes/{id}"));
    let after = page(&admin, &format!("/admin/comptes/{id}")).await;
    let rows = html::texts(&after.body, "table.data-table tbody tr");
    let address = db::account_by_id(&app.db, id)
        .await
        .mailbox_address
        .expect("an address");
    assert!(
        rows.iter().any(|r| r.contains("Compte validé")
            && r.contains(&format!("admin:{admin_id}"))
            && r.contains(&address)),
        "{rows:?}"
    );
}

#[tokio::test]
async fn a_regional_administrator_sees_only_the_accounts_of_their_region() {
    // Arrange
    let app = spawn_app().await;
    let occitanie = SeedAccount::pharmacist("Agathe", "Occitane").waiting_hours(3);
    let paris = SeedAccount::pharmacist("Bruno", "Parisien")
        .in_paris()
        .waiting_hours(5);
    app.seed_pending(&occitanie).await;
    app.seed_pending(&paris).await;
    let (admin, _) = app.admin_with_scope("region:76").await;

    // Act
    let queue = page(&admin, "/admin").await;
    let other_region = page(&admin, "/admin?region=11").await;

    // Assert
    assert_eq!(queue_emails(&queue), [occitanie.email.as_str()]);
    assert_eq!(queue_counts(&queue)[0], "1");
    assert_eq!(
        html::text(&queue.body, "p.scope strong").as_deref(),
        Some("Région Occitanie")
    );
    assert!(!queue.body.contains(&paris.email));
    assert!(queue_emails(&other_region).is_empty());
}

#[tokio::test]
async fn a_regional_administrator_gets_403_on_an_account_of_another_region_and_nothing_changes() {
    // Arrange
    let app = spawn_app().await;
    let in_scope = app
        .seed_pending(&SeedAccount::pharmacist("Agathe", "Occitane"))
        .await;
    let out_of_scope = app
        .seed_pending(&SeedAccount::pharmacist("Bruno", "Parisien").in_paris())
        .await;
    let (admin, _) = app.admin_with_scope("region:76").await;
    // A valid CSRF token of this browser, from a page it may see.
    page(&admin, &format!("/admin/comptes/{in_scope}")).await;
    let token = admin
        .csrf_token_for(&format!("/admin/comptes/{in_scope}/valider"))
        .expect("a CSRF token on the detail page");
    let outbox_before = db::count_rows(&app.db, "outbox").await;

    // Act
    let detail = admin.get(&format!("/admin/comptes/{out_of_scope}")).await;
    let validate = admin
        .post_form_with_csrf(
            &format!("/admin/comptes/{out_of_scope}/valider"),
            &Form::new(),
            Some(&token),
        )
        .await;
    let reject = admin
        .post_form_with_csrf(
            &format!("/admin/comptes/{out_of_scope}/rejeter"),
            &[("motif", "Hors de ma région")],
            Some(&token),
        )
        .await;

    // Assert
    detail.assert_status(403);
    validate.assert_status(403);
    reject.assert_status(403);
    assert!(
        !detail.body.contains("Parisien"),
        "the 403 page must not show the account"
    );
    let account = db::account_by_id(&app.db, out_of_scope).await;
    assert!(account.validated_at.is_none());
    assert!(account.rejected_at.is_none());
    assert!(account.mailbox_address.is_none());
    assert!(db::audit_of(&app.db, out_of_scope).await.is_empty());
    assert_eq!(db::count_rows(&app.db, "outbox").await, outbox_before);
    // The same token works in scope: the 403s were about the scope, not the token.
    admin
        .post_form_with_csrf(
            &format!("/admin/comptes/{in_scope}/valider"),
            &Form::new(),
            Some(&token),
        )
        .await
        .assert_redirect_to(&format!("/admin/comptes/{in_scope}"));
}

#[tokio::test]
async fn a_structure_administrator_sees_the_accounts_whose_profile_names_their_structure() {
    // Arrange: the FINESS is the optional "identifiant de structure" of the profile form.
    let app = spawn_app().await;
    let member = TestUser::generate();
    let form = member
        .profile_form()
        .with("identifiant_structure", "010000016");
    let (_, member_id) = app.pending_user(&member, "oui", &form).await;
    let outsider = app
        .seed_pending(&SeedAccount::pharmacist("Bruno", "Ailleurs"))
        .await;
    let (admin, _) = app.admin_with_scope("structure:010000016").await;

    // Act
    let queue = page(&admin, "/admin").await;

    // Assert
    assert_eq!(queue_emails(&queue), [member.email.as_str()]);
    assert_eq!(
        html::text(&queue.body, "p.scope strong").as_deref(),
        Some("Structure 010000016")
    );
    page(&admin, &format!("/admin/comptes/{member_id}")).await;
    admin
        .get(&format!("/admin/comptes/{outsider}"))
        .await
        .assert_status(403);
    admin
        .validate_account(member_id)
        .await
        .assert_redirect_to(&format!("/admin/comptes/{member_id}"));
    assert!(
        db::account_by_id(&app.db, member_id)
            .await
            .mailbox_address
            .is_some()
    );
}

#[tokio::test]
async fn a_signed_in_user_who_is_not_an_administrator_gets_403_on_the_console() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    let (browser, id) = app.pending_user(&user, "oui", &user.profile_form()).await;

    // Act
    let queue = browser.get("/admin").await;
    let detail = browser.get(&format!("/admin/comptes/{id}")).await;
    // The token of the user's own page is valid: only the role is missing.
    browser.get("/compte").await.assert_status(200);
    let validate = browser
        .post_form(&format!("/admin/comptes/{id}/valider"), &Form::new())
        .await;

    // Assert
    queue.assert_status(403);
    detail.assert_status(403);
    validate.assert_status(403);
    let account = db::account_by_id(&app.db, id).await;
    assert!(account.validated_at.is_none());
    assert!(account.mailbox_address.is_none());
}

#[tokio::test]
async fn an_anonymous_visitor_of_the_console_is_sent_to_sign_in() {
    // Arrange
    let app = spawn_app().await;
    let id = app
        .seed_pending(&SeedAccount::pharmacist("Agathe", "Occitane"))
        .await;

    // Act
    let queue = app.get("/admin").await;
    let detail = app.get(&format!("/admin/comptes/{id}")).await;

    // Assert
    queue.assert_redirect_to("/connexion");
    detail.assert_redirect_to("/connexion");
    assert!(db::account_by_id(&app.db, id).await.validated_at.is_none());
}

#[tokio::test]
async fn the_admin_create_command_makes_an_administrator_who_signs_in_and_sees_their_queue() {
    // Arrange
    let app = spawn_app().await;
    let occitanie = SeedAccount::pharmacist("Agathe", "Occitane");
    let paris = SeedAccount::pharmacist("Bruno", "Parisien").in_paris();
    app.seed_pending(&occitanie).await;
    app.seed_pending(&paris).await;
    let admin = TestUser::named("Claire", "Martin");

    // Act
    let output = app
        .run_cli(
            &[
                "admin",
                "create",
                "--email",
                &admin.email,
                "--scope",
                "region:76",
                "--nom",
                &admin.nom,
                "--prenom",
                &admin.prenom,
            ],
            Some(&format!("{}\n", admin.password)),
        )
        .await;

    // Assert
    output.assert_success();
    assert!(
        output.stdout.contains(&admin.email) && output.stdout.contains("region:76"),
        "{}",
        output.stdout
    );
    let account = db::account(&app.db, &admin.email).await;
    assert_eq!(account.nom, "Martin");
    assert!(account.email_confirmed_at.is_some());
    assert_eq!(
        db::audit_actions(&app.db, account.id, "admin_granted")
            .await
            .len(),
        1
    );
    let browser = app.sign_in_as(&admin, "/admin").await;
    let queue = page(&browser, "/admin").await;
    assert_eq!(queue_emails(&queue), [occitanie.email.as_str()]);
    assert_eq!(
        html::text(&queue.body, "p.scope strong").as_deref(),
        Some("Région Occitanie")
    );
}

#[tokio::test]
async fn a_malformed_account_id_gets_the_html_bad_request_page() {
    // Arrange
    let app = spawn_app().await;
    let (admin, _) = app.national_admin().await;

    // Act
    let response = admin.get("/admin/comptes/abc").await;

    // Assert
    response.assert_status(400);
    assert!(response.is_html(), "{}", response.content_type());
    assert!(response.body.contains("Requête invalide"));
}

#[tokio::test]
async fn a_non_administrator_is_told_access_is_refused_not_that_a_form_expired() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.register_confirmed(&user).await;
    app.login_user(&user).await;

    // Act
    let response = app.get("/admin").await;

    // Assert
    response.assert_status(403);
    assert!(response.body.contains("Accès refusé"));
    assert!(!response.body.contains("formulaire a expiré"));
}

/// Runs `admin create` for `user` with a national scope.
async fn admin_create(app: &TestApp, user: &TestUser) -> crate::support::app::CliOutput {
    app.run_cli(
        &[
            "admin",
            "create",
            "--email",
            &user.email,
            "--scope",
            "national",
            "--nom",
            &user.nom,
            "--prenom",
            &user.prenom,
        ],
        Some(&format!("{}\n", user.password)),
    )
    .await
}

#[tokio::test]
async fn admin_create_refuses_an_account_whose_email_was_never_confirmed() {
    // Arrange: a squatter signs up first with the future administrator's address.
    let app = spawn_app().await;
    let squatter = TestUser::generate();
    app.signup(&squatter)
        .await
        .assert_redirect_to("/inscription/email-envoye");
    let id = db::account(&app.db, &squatter.email).await.id;

    // Act
    let output = admin_create(&app, &squatter).await;

    // Assert
    assert!(!output.success, "{}", output.stdout);
    assert!(
        output.stderr.contains("has not confirmed its email"),
        "{}",
        output.stderr
    );
    assert!(
        db::audit_actions(&app.db, id, "admin_granted")
            .await
            .is_empty()
    );
    assert_eq!(db::count_rows(&app.db, "admins").await, 0);
}

#[tokio::test]
async fn admin_create_refuses_a_disabled_account() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.register_confirmed(&user).await;
    app.run_cli(&["account", "disable", "--email", &user.email], None)
        .await
        .assert_success();

    // Act
    let output = admin_create(&app, &user).await;

    // Assert
    assert!(!output.success, "{}", output.stdout);
    assert!(output.stderr.contains("is disabled"), "{}", output.stderr);
    assert_eq!(db::count_rows(&app.db, "admins").await, 0);
}

#[tokio::test]
async fn the_console_refuses_an_administrator_whose_email_is_not_confirmed() {
    // Arrange: a scope granted before the check existed, on an unconfirmed account.
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.signup(&user).await;
    let id = db::account(&app.db, &user.email).await.id;
    app.grant_admin(id, "national").await;
    app.login_user(&user).await;

    // Act
    let response = app.get("/admin").await;

    // Assert
    response.assert_status(403);
    assert!(response.body.contains("Accès refusé"));
}

#[tokio::test]
async fn opening_an_account_is_recorded_and_its_failed_sign_ins_are_shown() {
    // Arrange: a pending account whose password someone got wrong once.
    let app = spawn_app().await;
    let user = TestUser::generate();
    let (_, id) = app.pending_user(&user, "oui", &user.profile_form()).await;
    app.another_visitor()
        .login(&user.email, "Pas-le-bon-mot-de-passe-2026!")
        .await
        .assert_status(422);
    let (admin, admin_id) = app.national_admin().await;

    // Act
    let detail = page(&admin, &format!("/admin/comptes/{id}")).await;

    // Assert: the failed sign-in is in the history the admin reads (never the password)…
    assert!(
        detail.text().contains("Échec de connexion"),
        "{}",
        detail.text()
    );
    assert!(!detail.body.contains("Pas-le-bon-mot-de-passe-2026!"));
    // …and the admin's reading is itself recorded, with who read.
    let viewed = db::audit_actions(&app.db, id, "profile_viewed").await;
    assert_eq!(viewed.len(), 1);
    assert_eq!(viewed[0].actor, format!("admin:{admin_id}"));
}
