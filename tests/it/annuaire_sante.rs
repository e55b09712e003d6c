//! The Annuaire Santé cross-check (issue 13), end to end against the FHIR simulator
//! (`support::fhir`): a profile declaring an RPPS queues a lookup in its own transaction, the
//! outbox worker asks the simulator and stores the answer, the admin detail page shows it beside
//! what the user typed, and the queue marks risky accounts. Outages (timeout, 5xx, refused key)
//! leave "Vérification indisponible" and a retry button, never an error page.

use crate::support::fhir::{Behaviour, FhirSimulator, SimPractitioner};
use crate::support::{DrainReportExt, TestApp, TestResponse, TestUser, db, html, spawn_app_with};

/// The simulator and an app looking identifiers up in it.
async fn app_with_annuaire() -> (TestApp, FhirSimulator) {
    let sim = FhirSimulator::start().await;
    let settings = sim.settings();
    let app = spawn_app_with(|s| s.annuaire_sante = settings).await;
    (app, sim)
}

/// The practitioner the directory holds for `user` as their profile form describes them: a
/// pharmacist (21) in Fronton (31620, région 76), names in capitals as the ANS writes them.
fn as_registered(user: &TestUser) -> SimPractitioner {
    SimPractitioner::new(
        &user.rpps,
        &user.nom.to_uppercase(),
        &user.prenom.to_uppercase(),
        "21",
        "31620",
    )
}

/// `user` walks the journey (profile with their RPPS); returns their account id.
async fn registered(app: &TestApp, user: &TestUser) -> i32 {
    let (_, id) = app.pending_user(user, "oui", &user.profile_form()).await;
    id
}

/// `user` registers, the worker runs the lookup, and a national administrator opens the account:
/// `(admin, account id, detail page)`.
async fn looked_up(app: &TestApp, user: &TestUser) -> (TestApp, i32, TestResponse) {
    let id = registered(app, user).await;
    app.drain_outbox().await.assert_delivered();
    let (admin, _) = app.national_admin().await;
    let page = admin.get(&format!("/admin/comptes/{id}")).await;
    (admin, id, page)
}

/// The detail page's Annuaire Santé section, as text.
fn section(page: &str) -> String {
    html::text(page, "section.annuaire-sante")
        .unwrap_or_else(|| panic!("no Annuaire Santé section on the page:\n{page}"))
}

/// The comparison rows: (label, agreement text).
fn agreements(page: &str) -> Vec<(String, String)> {
    let labels = html::texts(page, "table.annuaire-comparison tbody th");
    let marks = html::texts(page, "table.annuaire-comparison tbody td.agreement");
    labels.into_iter().zip(marks).collect()
}

/// The queue row of account `id` (the row linking to its page), as text.
async fn queue_row(admin: &TestApp, id: i32) -> String {
    let queue = admin.get("/admin").await;
    queue.assert_status(200);
    let doc = scraper::Html::parse_document(&queue.body);
    let rows = scraper::Selector::parse("tbody tr").expect("selector");
    let link =
        scraper::Selector::parse(&format!("a[href=\"/admin/comptes/{id}\"]")).expect("selector");
    doc.select(&rows)
        .find(|row| row.select(&link).next().is_some())
        .map(|row| row.text().collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| panic!("account {id} not in the queue:\n{}", queue.body))
}

#[tokio::test]
async fn a_matching_practitioner_is_shown_beside_what_the_user_typed() {
    // Arrange
    let (app, sim) = app_with_annuaire().await;
    let user = TestUser::generate();
    sim.add(as_registered(&user));
    let id = registered(&app, &user).await;

    // The lookup was queued with the profile, in its transaction.
    let check = db::scalar_text(
        &app.db,
        &format!("SELECT identifier FROM annuaire_sante_checks WHERE account_id = {id}"),
    )
    .await;
    assert_eq!(check, Some(format!("RPPS:{}", user.rpps)));
    assert_eq!(db::outbox_of_kind(&app.db, "annuaire_sante").await.len(), 1);

    // Act
    app.drain_outbox().await.assert_delivered();
    let (admin, _) = app.national_admin().await;
    let before = sim.requests();
    let page = admin.get(&format!("/admin/comptes/{id}")).await;

    // Assert
    page.assert_status(200);
    assert_eq!(
        sim.requests(),
        before,
        "the admin's page never calls the API"
    );
    let text = section(&page.body);
    assert!(text.contains("Professionnel trouvé"), "{text}");
    assert!(text.contains(&format!("RPPS {}", user.rpps)), "{text}");
    assert!(
        text.contains("Pharmacien (21)"),
        "profession with its label: {text}"
    );
    assert!(text.contains("Occitanie"), "région of the exercise: {text}");
    assert!(text.contains("Actif"), "{text}");
    assert_eq!(
        agreements(&page.body),
        [
            ("Nom".to_owned(), "Concorde".to_owned()),
            ("Prénom".to_owned(), "Concorde".to_owned()),
            ("Profession".to_owned(), "Concorde".to_owned()),
            ("Région".to_owned(), "Concorde".to_owned()),
        ]
    );
    let row = queue_row(&admin, id).await;
    assert!(!row.contains("Annuaire Santé"), "no mark on a match: {row}");
}

#[tokio::test]
async fn a_name_mismatch_is_marked_in_words_on_the_page_and_in_the_queue() {
    // Arrange
    let (app, sim) = app_with_annuaire().await;
    let user = TestUser::generate();
    sim.add(SimPractitioner {
        family: "QUELQUAUTRE".into(),
        ..as_registered(&user)
    });

    // Act
    let (admin, id, page) = looked_up(&app, &user).await;

    // Assert
    page.assert_status(200);
    let rows = agreements(&page.body);
    assert_eq!(rows[0], ("Nom".to_owned(), "Écart".to_owned()), "{rows:?}");
    assert_eq!(rows[1].1, "Concorde");
    assert_eq!(
        html::count(&page.body, "table.annuaire-comparison tr.mismatch"),
        1,
        "the row is also highlighted"
    );
    assert!(section(&page.body).contains("QUELQUAUTRE"));
    let row = queue_row(&admin, id).await;
    assert!(row.contains("Écart avec l'Annuaire Santé"), "{row}");
}

#[tokio::test]
async fn an_identifier_unknown_to_the_directory_is_flagged() {
    // Arrange: the simulator knows nobody.
    let (app, _sim) = app_with_annuaire().await;
    let user = TestUser::generate();

    // Act
    let (admin, id, page) = looked_up(&app, &user).await;

    // Assert
    page.assert_status(200);
    assert!(section(&page.body).contains("Identifiant inconnu de l'Annuaire Santé"));
    assert!(agreements(&page.body).is_empty(), "nothing to compare with");
    let row = queue_row(&admin, id).await;
    assert!(
        row.contains("Identifiant inconnu de l'Annuaire Santé"),
        "{row}"
    );
}

#[tokio::test]
async fn an_inactive_practitioner_is_said_inactive() {
    // Arrange
    let (app, sim) = app_with_annuaire().await;
    let user = TestUser::generate();
    let mut practitioner = as_registered(&user);
    practitioner.active = false;
    practitioner.roles[0].active = false;
    sim.add(practitioner);

    // Act
    let (admin, id, page) = looked_up(&app, &user).await;

    // Assert
    page.assert_status(200);
    assert!(section(&page.body).contains("Inactif dans l'Annuaire Santé"));
    let row = queue_row(&admin, id).await;
    assert!(row.contains("Inactif dans l'Annuaire Santé"), "{row}");
}

#[tokio::test]
async fn a_refused_key_reads_unavailable_with_a_retry_and_is_not_retried_alone() {
    // Arrange: the app sends a key the gateway does not know.
    let sim = FhirSimulator::start().await;
    let mut settings = sim.settings();
    settings.api_key = "not-the-key".to_owned().into();
    let app = spawn_app_with(|s| s.annuaire_sante = settings).await;
    let user = TestUser::generate();
    sim.add(as_registered(&user));
    let id = registered(&app, &user).await;

    // Act
    app.drain_outbox().await;
    let (admin, _) = app.national_admin().await;
    let page = admin.get(&format!("/admin/comptes/{id}")).await;

    // Assert: the row is abandoned (done, with its reason), not left to retry.
    let rows = db::outbox_of_kind(&app.db, "annuaire_sante").await;
    assert_eq!(rows.len(), 1);
    assert!(
        rows[0].done_at.is_some(),
        "a refused key is not retried: {rows:?}"
    );
    assert!(
        rows[0]
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("401"),
        "{rows:?}"
    );
    page.assert_status(200);
    let text = section(&page.body);
    assert!(text.contains("Vérification indisponible"), "{text}");
    assert!(text.contains("Réessayer la vérification"), "{text}");
    assert!(sim.requests() >= 1, "the simulator answered 401");
}

#[tokio::test]
async fn a_timeout_reads_unavailable_then_a_retry_gets_the_answer() {
    // Arrange: the directory is slower than the 1 s timeout.
    let (app, sim) = app_with_annuaire().await;
    let user = TestUser::generate();
    sim.add(as_registered(&user));
    sim.set_behaviour(Behaviour::Timeout);
    let id = registered(&app, &user).await;

    // Act: the lookup times out.
    let report = app.drain_outbox().await;
    let (admin, _) = app.national_admin().await;
    let page = admin.get(&format!("/admin/comptes/{id}")).await;

    // Assert: the page says so, the row waits for its retry.
    assert_eq!(
        report
            .pending
            .iter()
            .filter(|r| r.kind == "annuaire_sante")
            .count(),
        1,
        "an outage is retried: {report:?}"
    );
    page.assert_status(200);
    let text = section(&page.body);
    assert!(text.contains("Vérification indisponible"), "{text}");

    // Act: the directory is back; the administrator retries (a POST with its CSRF token).
    sim.set_behaviour(Behaviour::Answer);
    let refresh = format!("/admin/comptes/{id}/annuaire-sante");
    admin
        .post_form(&refresh, &[] as &[(&str, &str)])
        .await
        .assert_redirect_to(&format!("/admin/comptes/{id}"));
    // The background loop may have started one more attempt before the directory came back
    // (it then fails once more): skip the backoff and drain until nothing is left, a few times
    // at most.
    for _ in 0..3 {
        app.advance_clock(chrono::Duration::seconds(
            i64::try_from(app.settings.mail.retry_max_secs).expect("small") + 1,
        ));
        if app.drain_outbox().await.pending.is_empty() {
            break;
        }
    }
    app.drain_outbox().await.assert_delivered();
    let page = admin.get(&format!("/admin/comptes/{id}")).await;

    // Assert
    let text = section(&page.body);
    assert!(text.contains("Professionnel trouvé"), "{text}");
}

#[tokio::test]
async fn a_server_error_reads_unavailable_never_an_error_page() {
    // Arrange
    let (app, sim) = app_with_annuaire().await;
    let user = TestUser::generate();
    sim.add(as_registered(&user));
    sim.set_behaviour(Behaviour::ServerError);
    let id = registered(&app, &user).await;

    // Act
    app.drain_outbox().await;
    let (admin, _) = app.national_admin().await;
    let page = admin.get(&format!("/admin/comptes/{id}")).await;

    // Assert
    page.assert_status(200);
    let text = section(&page.body);
    assert!(text.contains("Vérification indisponible"), "{text}");
    assert!(text.contains("Réessayer la vérification"), "{text}");
}

#[tokio::test]
async fn a_refresh_needs_the_csrf_token_and_the_admins_scope() {
    // Arrange
    let (app, sim) = app_with_annuaire().await;
    let user = TestUser::generate();
    sim.add(as_registered(&user));
    let id = registered(&app, &user).await;
    app.drain_outbox().await.assert_delivered();
    let refresh = format!("/admin/comptes/{id}/annuaire-sante");
    let queued = || async { db::outbox_of_kind(&app.db, "annuaire_sante").await.len() };
    let before = queued().await;

    // Act / Assert: no token, no refresh.
    let (admin, _) = app.national_admin().await;
    admin
        .get(&format!("/admin/comptes/{id}"))
        .await
        .assert_status(200);
    admin
        .post_form_with_csrf(&refresh, &[] as &[(&str, &str)], None)
        .await
        .assert_status(403);
    // Another région's administrator may not either.
    let (elsewhere, _) = app.admin_with_scope("region:11").await;
    elsewhere.get("/admin").await.assert_status(200);
    elsewhere
        .post_form(&refresh, &[] as &[(&str, &str)])
        .await
        .assert_status(403);
    assert_eq!(queued().await, before, "nothing queued");

    // The national administrator with the token: queued, and the page says it is in progress
    // until the worker answers.
    admin
        .post_form(&refresh, &[] as &[(&str, &str)])
        .await
        .assert_redirect_to(&format!("/admin/comptes/{id}"));
    assert_eq!(queued().await, before + 1);
}

#[tokio::test]
async fn without_the_setting_nothing_is_looked_up_and_the_page_says_so() {
    // Arrange: the default configuration (annuaire_sante.enabled = false).
    let sim = FhirSimulator::start().await;
    let app = spawn_app_with(|_| {}).await;
    assert!(!app.settings.annuaire_sante.enabled);
    let user = TestUser::generate();

    // Act
    let (_admin, _id, page) = looked_up(&app, &user).await;

    // Assert
    page.assert_status(200);
    assert!(
        db::outbox_of_kind(&app.db, "annuaire_sante")
            .await
            .is_empty()
    );
    assert!(section(&page.body).contains("n'est pas activée"));
    assert_eq!(sim.requests(), 0);
}

#[tokio::test]
async fn an_identifier_psc_vouches_for_is_not_looked_up_but_an_administrator_may_ask() {
    // Arrange: a PSC user completes the profile with the RPPS PSC sent.
    use crate::support::psc::{self, PscSimulator, pharma_login, spawn_app_with_psc, unique_email};
    let psc_sim = PscSimulator::start_default().await;
    let fhir = FhirSimulator::start().await;
    let settings = fhir.settings();
    let app = spawn_app_with_psc(&psc_sim, |s| s.annuaire_sante = settings).await;
    let rpps = psc::unique_rpps();
    let email = unique_email();
    let id = app
        .psc_signed_in_at_profile(&psc_sim.browser(), &pharma_login(&rpps), &email)
        .await;
    let profile = app.get("/profil").await;
    app.post_form("/profil", &psc::form_as_submitted(&profile.body, "/profil"))
        .await
        .assert_redirect_to("/compte");
    fhir.add(SimPractitioner::new(
        &rpps,
        psc::pharma::FAMILY_NAME,
        psc::pharma::GIVEN_NAME,
        psc::pharma::CODE_PROFESSION,
        psc::pharma::CODE_POSTAL,
    ));

    // Act
    app.drain_outbox().await.assert_delivered();
    let (admin, _) = app.national_admin().await;
    let page = admin.get(&format!("/admin/comptes/{id}")).await;

    // Assert: nothing was asked; the page says why and offers to check anyway.
    assert!(
        db::outbox_of_kind(&app.db, "annuaire_sante")
            .await
            .is_empty()
    );
    assert_eq!(fhir.requests(), 0);
    let text = section(&page.body);
    assert!(
        text.contains("Identité vérifiée par Pro Santé Connect"),
        "{text}"
    );
    assert!(text.contains("Aucune vérification demandée"), "{text}");

    // Act: the administrator asks all the same.
    admin
        .post_form(
            &format!("/admin/comptes/{id}/annuaire-sante"),
            &[] as &[(&str, &str)],
        )
        .await
        .assert_redirect_to(&format!("/admin/comptes/{id}"));
    app.drain_outbox().await.assert_delivered();
    let page = admin.get(&format!("/admin/comptes/{id}")).await;

    // Assert
    let text = section(&page.body);
    assert!(text.contains("Professionnel trouvé"), "{text}");
    assert!(
        agreements(&page.body)
            .iter()
            .all(|(_, mark)| mark == "Concorde"),
        "{:?}",
        agreements(&page.body)
    );
}

/// Pushes a lookup job for account `id` (as a profile save or a refresh does) and drains it.
async fn lookup_again(app: &TestApp, id: i32, force: bool) {
    use mss_onboarding::outbox::{self, Job, Lookup};
    let job = Job::AnnuaireSante(Lookup {
        account_id: id,
        force,
    });
    outbox::push(&app.db, &job, app.now())
        .await
        .expect("push a lookup");
    app.drain_outbox().await.assert_delivered();
}

#[tokio::test]
async fn a_recent_answer_is_reused_for_cache_hours_unless_an_administrator_asks() {
    // Arrange: an answered lookup.
    let (app, sim) = app_with_annuaire().await;
    let user = TestUser::generate();
    sim.add(as_registered(&user));
    let id = registered(&app, &user).await;
    app.drain_outbox().await.assert_delivered();
    let answered = sim.requests();
    assert_eq!(answered, 2, "the practitioner, then their exercises");

    // Act / Assert: the same identifier again within cache_hours: no call.
    lookup_again(&app, id, false).await;
    assert_eq!(sim.requests(), answered);
    // Forced (an administrator's refresh): asked.
    lookup_again(&app, id, true).await;
    assert_eq!(sim.requests(), answered + 2);
    // Past cache_hours: asked again.
    app.advance_clock(chrono::Duration::hours(
        app.settings.annuaire_sante.cache_hours + 1,
    ));
    lookup_again(&app, id, false).await;
    assert_eq!(sim.requests(), answered + 4);
}
