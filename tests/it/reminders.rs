//! Reminder digests to administrators (issue 11): once per threshold, once per day whatever the
//! number of instances, only for the administrator's scope; and the user's own page after 48 h.

use chrono::{Duration, Timelike};

use crate::support::fixtures::SeedAccount;
use crate::support::{TestApp, TestUser, db, spawn_app_with};

/// An app whose clock reads 09:00 UTC (past `reminders.hour` = 7) with reminders on.
async fn app_with_reminders() -> TestApp {
    app_with_reminders_and(|_| {}).await
}

/// [`app_with_reminders`], then `customize` applied to the settings.
async fn app_with_reminders_and(
    customize: impl FnOnce(&mut mss_onboarding::config::Settings),
) -> TestApp {
    let app = spawn_app_with(|s| {
        s.reminders.enabled = true;
        customize(s);
    })
    .await;
    let now = app.now();
    let to_nine = (33 - i64::from(now.hour())) % 24;
    app.advance_clock(Duration::hours(to_nine) - Duration::minutes(i64::from(now.minute())));
    app
}

async fn digests_to(app: &TestApp, email: &str) -> Vec<String> {
    app.drain_outbox().await;
    app.smtp
        .messages_to(email)
        .into_iter()
        .filter(|m| m.subject.contains("en attente de validation"))
        .map(|m| m.text().to_owned())
        .collect()
}

#[tokio::test]
async fn each_account_is_announced_once_per_threshold_to_the_admins_of_its_scope() {
    // Arrange: Occitanie accounts waiting 30 h and 50 h, one waiting 2 h, one in Paris at 30 h;
    // an Occitanie administrator and a national one.
    let app = app_with_reminders().await;
    app.seed_pending(&SeedAccount::pharmacist("Anne", "Trente").waiting_hours(30))
        .await;
    app.seed_pending(&SeedAccount::pharmacist("Bruno", "Cinquante").waiting_hours(50))
        .await;
    app.seed_pending(&SeedAccount::pharmacist("Chloe", "Recente").waiting_hours(2))
        .await;
    app.seed_pending(
        &SeedAccount::pharmacist("Denis", "Parisien")
            .in_paris()
            .waiting_hours(30),
    )
    .await;
    let regional = TestUser::generate();
    app.make_admin(&regional, "region:76").await;
    let national = TestUser::generate();
    app.make_admin(&national, "national").await;

    // Act 1: today's run.
    let report = app.run_reminders().await.expect("due");

    // Assert 1
    assert_eq!((report.announced, report.digests), (3, 2));
    let regional_digests = digests_to(&app, &regional.email).await;
    assert_eq!(regional_digests.len(), 1);
    let text = &regional_digests[0];
    assert!(text.contains("Plus de 48 h :\n- Bruno Cinquante"), "{text}");
    assert!(text.contains("Plus de 24 h :\n- Anne Trente"), "{text}");
    assert!(
        !text.contains("Parisien") && !text.contains("Recente"),
        "{text}"
    );
    assert!(text.contains("/admin/comptes/"), "{text}");
    let national_digests = digests_to(&app, &national.email).await;
    assert!(
        national_digests[0].contains("Denis Parisien"),
        "{national_digests:?}"
    );

    // Act 2: the same day again: nothing (the day is done).
    assert_eq!(app.run_reminders().await, None);

    // Act 3: the next day, Anne and Denis crossed 48 h, Chloe 24 h; Bruno was announced at
    // 48 h already.
    app.advance_clock(Duration::days(1));
    let report = app.run_reminders().await.expect("due the next day");

    // Assert 3
    assert_eq!((report.announced, report.digests), (3, 2));
    let regional_digests = digests_to(&app, &regional.email).await;
    assert_eq!(regional_digests.len(), 2, "{regional_digests:?}");
    assert!(
        !regional_digests[1].contains("Bruno"),
        "{regional_digests:?}"
    );
    let latest = regional_digests
        .iter()
        .find(|t| t.contains("Anne Trente") && t.contains("Plus de 48 h :\n- Anne"))
        .expect("Anne at 48 h");
    assert!(latest.contains("Chloe Recente"), "{latest}");

    // Act 4: the day after, Chloe crosses 48 h; the day after that, nothing is new, and no
    // digest goes out at all.
    app.advance_clock(Duration::days(1));
    let report = app.run_reminders().await.expect("due");
    assert_eq!((report.announced, report.digests), (1, 2));
    app.advance_clock(Duration::days(1));
    let report = app.run_reminders().await.expect("due");
    assert_eq!((report.announced, report.digests), (0, 0));
    assert_eq!(digests_to(&app, &regional.email).await.len(), 3);
}

#[tokio::test]
async fn an_account_no_administrator_covers_is_announced_once_one_is_appointed() {
    // Arrange: a Paris account past both thresholds; only Occitanie has an administrator.
    let app = app_with_reminders().await;
    app.seed_pending(
        &SeedAccount::pharmacist("Denis", "Parisien")
            .in_paris()
            .waiting_hours(50),
    )
    .await;
    let regional = TestUser::generate();
    app.make_admin(&regional, "region:76").await;

    // Act 1: nobody's digest carries it.
    let first = app.run_reminders().await.expect("due");

    // Act 2: the next day, after an Île-de-France administrator is appointed.
    let paris = TestUser::generate();
    app.make_admin(&paris, "region:11").await;
    app.advance_clock(Duration::days(1));
    let second = app.run_reminders().await.expect("due the next day");

    // Assert: not announced to nobody, then announced once there is someone to tell, under
    // the subject of the threshold it crossed (48 h, not a fixed 24 h).
    assert_eq!((first.announced, first.digests), (0, 0));
    assert_eq!((second.announced, second.digests), (1, 1));
    app.drain_outbox().await;
    let mails = app.smtp.messages_to(&paris.email);
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0]
            .subject
            .ends_with("1 compte(s) en attente de validation depuis plus de 48 h"),
        "{}",
        mails[0].subject
    );
    assert!(
        mails[0].text().contains("Plus de 48 h :\n- Denis Parisien"),
        "{}",
        mails[0].text()
    );
    assert!(digests_to(&app, &regional.email).await.is_empty());
}

#[tokio::test]
async fn the_digest_subject_names_the_configured_threshold() {
    // Arrange: thresholds of 6 h and 72 h; an account waiting 10 h.
    let app = app_with_reminders_and(|s| s.reminders.thresholds_hours = vec![6, 72]).await;
    app.seed_pending(&SeedAccount::pharmacist("Anne", "Dix").waiting_hours(10))
        .await;
    let admin = TestUser::generate();
    app.make_admin(&admin, "national").await;

    // Act
    let report = app.run_reminders().await.expect("due");

    // Assert
    assert_eq!((report.announced, report.digests), (1, 1));
    app.drain_outbox().await;
    let mails = app.smtp.messages_to(&admin.email);
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0].subject.ends_with("depuis plus de 6 h"),
        "{}",
        mails[0].subject
    );
    assert!(mails[0].text().contains("Plus de 6 h :\n- Anne Dix"));
}

#[tokio::test]
async fn with_two_instances_the_digest_goes_out_once() {
    // Arrange: two apps on one database (and one clock), an account waiting 30 h, an admin.
    let app = app_with_reminders().await;
    let sibling = app.spawn_sibling_with(|s| s.reminders.enabled = true).await;
    app.seed_pending(&SeedAccount::pharmacist("Anne", "Trente").waiting_hours(30))
        .await;
    let admin = TestUser::generate();
    app.make_admin(&admin, "national").await;

    // Act: both instances run at once.
    let (one, two) = tokio::join!(app.run_reminders(), sibling.run_reminders());

    // Assert: exactly one ran; one digest, one notice.
    assert_eq!(
        one.is_some() as u8 + two.is_some() as u8,
        1,
        "{one:?} {two:?}"
    );
    assert_eq!(digests_to(&app, &admin.email).await.len(), 1);
    assert_eq!(db::count_rows(&app.db, "reminder_runs").await, 1);
    assert_eq!(db::count_rows(&app.db, "reminder_notices").await, 1);
}

#[tokio::test]
async fn a_user_waiting_more_than_48_hours_sees_it_with_the_support_contact() {
    // Arrange
    let app = spawn_app_with(|_| {}).await;
    let user = TestUser::generate();
    let (browser, _) = app.pending_user(&user, "oui", &user.profile_form()).await;
    let before = browser.get("/compte").await.text();
    assert!(!before.contains("plus de 48 heures"), "{before}");

    // Act: two days and an hour later (signed in again: the session has expired).
    app.advance_clock(Duration::hours(49));
    let browser = app.sign_in_as(&user, "/compte").await;
    let page = browser.get("/compte").await.text();

    // Assert
    assert!(
        page.contains("Votre demande attend depuis plus de 48 heures."),
        "{page}"
    );
    assert!(page.contains("0 820 250 035"), "{page}");
}
