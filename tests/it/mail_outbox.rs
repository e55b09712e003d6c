//! Mail goes through the database outbox and a background worker: the format of the
//! confirmation mail, and an SMTP outage that delays mail without losing any. The tests drain
//! the outbox (`TestApp::drain_outbox`) rather than wait for the worker.

use crate::support::{DrainReportExt, MAIL_FROM_ADDRESS, TestUser, db, spawn_app};

#[tokio::test]
async fn the_confirmation_mail_has_a_text_and_an_html_part_and_the_full_link() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();

    // Act
    app.signup(&user)
        .await
        .assert_redirect_to("/inscription/email-envoye");
    let mail = app.wait_for_mail_to(&user.email).await;

    // Assert
    assert_eq!(mail.from_address, MAIL_FROM_ADDRESS);
    assert_eq!(mail.from_name.as_deref(), Some("Medimail"));
    assert_eq!(mail.to, std::slice::from_ref(&user.email));
    assert!(!mail.subject.is_empty());
    assert_eq!(mail.content_type, "multipart/alternative", "{}", mail.raw);
    let link = mail
        .confirmation_link()
        .unwrap_or_else(|| panic!("no link in the text part:\n{}", mail.text()));
    let prefix = format!("http://127.0.0.1:{}/confirmation/", app.port);
    assert!(link.starts_with(&prefix), "link: {link}");
    let token = &link[prefix.len()..];
    assert!(
        token.len() >= 43,
        "a 32-byte token is at least 43 characters: {token}"
    );
    assert!(
        mail.html().contains(&link),
        "the HTML part lacks the link:\n{}",
        mail.html()
    );
    assert!(
        !mail.text().contains("</"),
        "markup in the text part:\n{}",
        mail.text()
    );

    // Exactly one mail for one sign-up.
    app.drain_outbox().await.assert_delivered();
    assert_eq!(app.smtp.messages_to(&user.email).len(), 1);
    assert!(db::pending_outbox(&app.db).await.is_empty());
}

#[tokio::test]
async fn a_mail_written_while_smtp_is_down_is_delivered_once_it_is_back() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.smtp.stop();

    // Act: sign up while the relay refuses connections
    let response = app.signup(&user).await;

    // Assert: the user sees no difference, the mail waits in the outbox
    response.assert_redirect_to("/inscription/email-envoye");
    let report = app.drain_outbox().await;
    assert_eq!(report.pending.len(), 1, "{report:#?}");
    assert_eq!(report.delivered, 0, "{report:#?}");
    let pending = db::pending_outbox(&app.db).await;
    assert_eq!(pending.len(), 1, "{pending:#?}");
    assert!(pending[0].done_at.is_none());
    assert!(
        pending[0].attempts >= 1,
        "the worker did not try yet: {pending:#?}"
    );
    assert!(
        pending[0].last_error.is_some(),
        "no error recorded: {pending:#?}"
    );

    // Act: the relay comes back, and the backoff (at most `mail.retry_max_secs`) runs out
    app.smtp.start().await;
    app.advance_clock(chrono::Duration::seconds(
        i64::try_from(app.settings.mail.retry_max_secs).expect("small") + 1,
    ));
    app.drain_outbox().await.assert_delivered();

    // Assert: the mail arrived, exactly once, and its link works
    let mails = app.smtp.messages_to(&user.email);
    assert_eq!(mails.len(), 1);
    assert!(db::pending_outbox(&app.db).await.is_empty());
    let confirmation = app.confirmation_path(&mails[0]);
    app.get(&confirmation).await.assert_status(200);
    app.post_form(&confirmation, &crate::support::Form::new())
        .await
        .assert_redirect_to("/connexion?confirme=1");
}

#[tokio::test]
async fn the_outbox_row_is_written_with_the_account() {
    // Arrange: no SMTP server at all, so the row stays pending
    let app = spawn_app().await;
    app.smtp.stop();
    let user = TestUser::generate();

    // Act
    app.signup(&user)
        .await
        .assert_redirect_to("/inscription/email-envoye");

    // Assert
    assert!(db::find_account(&app.db, &user.email).await.is_some());
    let pending = db::pending_outbox(&app.db).await;
    assert_eq!(pending.len(), 1);
    assert!(
        pending[0].payload.contains(&user.email),
        "the outbox payload does not name the recipient"
    );
}
