//! Mail goes through the database outbox and a background worker: the format of the
//! confirmation mail, and an SMTP outage that delays mail without losing any. The tests drain
//! the outbox (`TestApp::drain_outbox`) rather than wait for the worker.

use crate::support::{DrainReportExt, MAIL_FROM_ADDRESS, TestUser, db, spawn_app, spawn_app_with};

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
    // The Message-ID was drawn when the mail was queued, not at each attempt.
    let payload: serde_json::Value =
        serde_json::from_str(&pending[0].payload).expect("a JSON payload");
    let id_left = payload["id_left"]
        .as_str()
        .unwrap_or_else(|| panic!("no id_left in {payload}"))
        .to_owned();

    // Act: the relay comes back, and the backoff (at most `mail.retry_max_secs`) runs out
    app.smtp.start().await;
    app.advance_clock(chrono::Duration::seconds(
        i64::try_from(app.settings.mail.retry_max_secs).expect("small") + 1,
    ));
    app.drain_outbox().await.assert_delivered();

    // Assert: the mail arrived, exactly once, with the id of its first attempt, and its link
    // works
    let mails = app.smtp.messages_to(&user.email);
    assert_eq!(mails.len(), 1);
    let domain = MAIL_FROM_ADDRESS.split_once('@').expect("an address").1;
    assert_eq!(
        mails[0].header("Message-ID"),
        Some(format!("<{id_left}@{domain}>"))
    );
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

// ---- mail that arrives (issue 11) -----------------------------------------------------------

#[tokio::test]
async fn every_mail_has_a_message_id_on_the_operators_domain_and_is_marked_automatic() {
    // Arrange
    let app = spawn_app().await;
    let (first, second) = (TestUser::generate(), TestUser::generate());

    // Act
    app.signup(&first).await.assert_status(303);
    app.signup(&second).await.assert_status(303);
    let mails = [
        app.wait_for_mail_to(&first.email).await,
        app.wait_for_mail_to(&second.email).await,
    ];

    // Assert: RFC 5322 §3.6.4 ids on the domain of `mail.from`, unique per message; RFC 3834.
    let domain = MAIL_FROM_ADDRESS.split_once('@').expect("an address").1;
    let ids: Vec<String> = mails
        .iter()
        .map(|mail| {
            assert_eq!(
                mail.header("Auto-Submitted").as_deref(),
                Some("auto-generated"),
                "{}",
                mail.raw
            );
            let id = mail
                .header("Message-ID")
                .unwrap_or_else(|| panic!("no Message-ID:\n{}", mail.raw));
            assert!(
                id.starts_with('<') && id.ends_with(&format!("@{domain}>")),
                "Message-ID {id} is not on {domain}"
            );
            id
        })
        .collect();
    assert_ne!(ids[0], ids[1]);
    // Without DKIM configured, nothing is signed.
    assert!(mails[0].header("DKIM-Signature").is_none());
}

/// A fresh RSA key for one test: the PEM file (PKCS#8, as `openssl genrsa` writes it since
/// OpenSSL 3) and the TXT record an operator publishes for it (RFC 6376 §3.6.1).
fn dkim_test_key(dir: &std::path::Path) -> (std::path::PathBuf, String) {
    use base64::Engine as _;
    use std::process::Command;

    let key = dir.join("dkim.pem");
    let status = Command::new("openssl")
        .args(["genrsa", "-out"])
        .arg(&key)
        .arg("2048")
        .output()
        .expect("run openssl genrsa (apt-get install openssl)");
    assert!(status.status.success(), "openssl genrsa: {status:?}");
    let public = Command::new("openssl")
        .args(["rsa", "-pubout", "-outform", "DER", "-in"])
        .arg(&key)
        .output()
        .expect("run openssl rsa -pubout");
    assert!(public.status.success(), "openssl rsa -pubout: {public:?}");
    let p = base64::engine::general_purpose::STANDARD.encode(public.stdout);
    (key, format!("v=DKIM1; k=rsa; p={p}"))
}

#[tokio::test]
async fn with_dkim_on_the_signature_verifies_against_the_published_key() {
    // Arrange
    let dir = tempfile::tempdir().expect("a folder for the key");
    let (key, txt) = dkim_test_key(dir.path());
    let app = spawn_app_with(|s| {
        s.mail.dkim_selector = "mss2026".into();
        s.mail.dkim_private_key_file = key;
    })
    .await;
    let user = TestUser::generate();

    // Act
    app.signup(&user).await.assert_status(303);
    let mail = app.wait_for_mail_to(&user.email).await;

    // Assert: signed for the domain of `mail.from` (DMARC alignment), and dkimpy verifies it.
    let signature = mail
        .header("DKIM-Signature")
        .unwrap_or_else(|| panic!("no DKIM-Signature:\n{}", mail.raw));
    assert!(signature.contains("d=medimail.test;"), "{signature}");
    assert!(signature.contains("s=mss2026;"), "{signature}");
    assert!(signature.contains("a=rsa-sha256;"), "{signature}");
    if let Err(log) = mail.verify_dkim("mss2026", "medimail.test", &txt) {
        panic!("the DKIM signature does not verify:\n{log}\n{}", mail.raw);
    }
    // A verifier holding another key refuses it (the check is not vacuous).
    let (_, other_txt) = dkim_test_key(tempfile::tempdir().unwrap().path());
    assert!(
        mail.verify_dkim("mss2026", "medimail.test", &other_txt)
            .is_err()
    );
}

#[tokio::test]
async fn a_dkim_key_file_that_is_not_a_key_stops_the_start_up() {
    // Arrange
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("dkim.pem");
    std::fs::write(&key, "not a key\n").unwrap();
    let mut settings = crate::support::app::test_settings("sqlite::memory:", 25);
    settings.mail.dkim_selector = "mss2026".into();
    settings.mail.dkim_private_key_file = key.clone();

    // Act
    let error = match mss_onboarding::startup::App::build(settings).await {
        Ok(_) => panic!("the app started with a broken DKIM key"),
        Err(error) => format!("{error:#}"),
    };

    // Assert: the message names the key and the file.
    assert!(error.contains("mail.dkim_private_key_file"), "{error}");
    assert!(error.contains(&key.display().to_string()), "{error}");
}
