//! Two `serve` processes of the real binary on one PostgreSQL database (issue 11): every
//! shared state (sessions, CSRF key, rate limits, outbox leases) lives in the database or the
//! configuration, so a visitor may hop between instances, each mail leaves once, and an
//! instance that dies does not take its mail with it.
//!
//! PostgreSQL only: that is the multi-instance deployment (`deploy/`). With SQLite the tests
//! say so and pass.

use std::collections::HashSet;
use std::time::Duration;

use crate::support::app::eventually;
use crate::support::proxy::TestNginx;
use crate::support::serve::{SilentSmtp, one_at_a_time};
use crate::support::{Form, TestApp, TestUser, db, spawn_app_with};

/// The bench app (once no other process test runs): its database and SMTP capture serve the processes, and its own worker stays
/// out of the way (it polls once an hour; nothing is pushed through it).
async fn bench() -> Option<(tokio::sync::MutexGuard<'static, ()>, TestApp)> {
    let postgres = std::env::var("TEST_DATABASE_URL")
        .is_ok_and(|url| url.starts_with("postgres://") || url.starts_with("postgresql://"));
    if !postgres {
        eprintln!(
            "SKIPPED: the multi-instance tests need PostgreSQL \
             (TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres)"
        );
        return None;
    }
    let serial = one_at_a_time().await;
    Some((
        serial,
        spawn_app_with(|s| s.mail.worker_poll_ms = 3_600_000).await,
    ))
}

#[tokio::test]
async fn a_visitor_signs_up_on_one_instance_confirms_on_the_other_and_is_signed_in_on_both() {
    let Some((_serial, app)) = bench().await else {
        return;
    };
    let (one, two) = (app.spawn_process(&[]).await, app.spawn_process(&[]).await);
    let user = TestUser::generate();
    let on_one = app.browser_at(&one);
    let on_two = on_one.same_browser_at(&two);

    // Act: sign up on one; the mailed link is opened on the other.
    on_one
        .signup(&user)
        .await
        .assert_redirect_to("/inscription/email-envoye");
    let mail = app.wait_for_mail_to(&user.email).await;
    let path = on_one.confirmation_path(&mail);
    on_two.get(&path).await.assert_status(200);
    on_two
        .post_form(&path, &Form::new())
        .await
        .assert_redirect_to("/connexion?confirme=1");
    on_two.login_user(&user).await.assert_redirect_to("/cgu");

    // Assert: the session opened on two is good on both (and a form from one posts on two:
    // same CSRF key).
    on_one.get("/cgu").await.assert_status(200);
    on_two
        .post_form("/cgu", &[("decision", "accepter")])
        .await
        .assert_redirect_to("/identification");
    on_one.get("/identification").await.assert_status(200);
}

#[tokio::test]
async fn with_both_workers_running_each_mail_is_delivered_exactly_once() {
    let Some((_serial, app)) = bench().await else {
        return;
    };
    let instances = [app.spawn_process(&[]).await, app.spawn_process(&[]).await];
    let users: Vec<TestUser> = (0..16).map(|_| TestUser::generate()).collect();

    // Act: sign-ups alternate between the instances, all at once.
    let mut signups = tokio::task::JoinSet::new();
    for (i, user) in users.iter().enumerate() {
        let browser = app.browser_at(&instances[i % 2]);
        let form = user.signup_form();
        signups.spawn(async move { browser.signup_with(&form).await.status });
    }
    while let Some(status) = signups.join_next().await {
        assert_eq!(status.expect("sign-up task"), 303);
    }

    // Assert: every mail arrives; once the outbox is empty, both instances are stopped
    // (SIGTERM: a delivery in flight finishes before the process exits), so no mail can still
    // be on its way, and none arrived twice.
    for user in &users {
        app.wait_for_mail_to(&user.email).await;
    }
    eventually("an empty outbox", Duration::from_secs(10), || async {
        db::pending_outbox(&app.db).await.is_empty().then_some(())
    })
    .await;
    for instance in &instances {
        instance.signal("TERM");
    }
    for instance in &instances {
        assert!(
            instance.wait_exit(Duration::from_secs(30)).await.is_some(),
            "an instance did not stop on SIGTERM"
        );
    }
    for user in &users {
        assert_eq!(
            app.smtp.messages_to(&user.email).len(),
            1,
            "{} got its mail more than once",
            user.email
        );
    }
}

#[tokio::test]
async fn an_instance_killed_during_a_burst_of_sign_ups_loses_no_mail() {
    let Some((_serial, app)) = bench().await else {
        return;
    };
    // Arrange: the doomed instance's relay never answers, so whenever it dies its worker is
    // in a delivery, holding a lease (10 × its 1 s SMTP timeout + 5 s = 15 s). The survivor
    // talks to the capture; its own leases are longer (55 s), which tells them apart.
    let silent = SilentSmtp::start();
    let silent_port = silent.port.to_string();
    let doomed = app
        .spawn_process(&[
            ("MSS__MAIL__SMTP_PORT", silent_port.as_str()),
            ("MSS__MAIL__SMTP_TIMEOUT_SECS", "1"),
        ])
        .await;
    let survivor = app.spawn_process(&[]).await;
    let users: Vec<TestUser> = (0..20).map(|_| TestUser::generate()).collect();

    // Act: a burst of sign-ups on both; the doomed one is killed (SIGKILL: no shutdown, no
    // lease handed back) once it holds a lease.
    let mut signups = tokio::task::JoinSet::new();
    for (i, user) in users.iter().enumerate() {
        let target = if i % 2 == 0 { &doomed } else { &survivor };
        let browser = app.browser_at(target);
        let form = user.signup_form();
        signups.spawn(async move {
            tokio::time::sleep(Duration::from_millis(50 * i as u64)).await;
            browser.signup_with(&form).await.status
        });
    }
    let held_by_doomed = || async {
        let now = chrono::Utc::now();
        db::pending_outbox(&app.db).await.into_iter().any(|row| {
            row.next_attempt_at > now + chrono::Duration::seconds(3)
                && row.next_attempt_at <= now + chrono::Duration::seconds(16)
        })
    };
    eventually(
        "the doomed instance to hold a lease",
        Duration::from_secs(10),
        || async { held_by_doomed().await.then_some(()) },
    )
    .await;
    doomed.signal("KILL");
    doomed
        .wait_exit(Duration::from_secs(5))
        .await
        .expect("killed");
    assert!(
        held_by_doomed().await,
        "the doomed instance held no lease when it died; the test proves nothing"
    );
    // Sign-ups sent to the dead instance fail (connection refused): those accounts do not exist.
    while signups.join_next().await.is_some() {}

    // Assert: every account that exists gets its confirmation mail, the dead instance's
    // leased row included once its lease runs out.
    let emails: HashSet<String> = users.iter().map(|u| u.email.to_lowercase()).collect();
    let mut existing = Vec::new();
    for email in &emails {
        if db::find_account(&app.db, email).await.is_some() {
            existing.push(email.clone());
        }
    }
    assert!(
        existing.len() >= 10,
        "only {} sign-ups went through",
        existing.len()
    );
    for email in &existing {
        app.smtp
            .wait_for_mail_to(email, Duration::from_secs(40))
            .await;
    }
}

/// The shipped proxy example (`deploy/two-instances/nginx.conf`) in front of two instances: it
/// passes `nginx -t`, terminates TLS, sends plain HTTP to HTTPS, keeps the probes private, and a
/// visitor's journey goes on through it when one instance is killed.
#[tokio::test]
async fn behind_the_shipped_tls_proxy_a_visitor_goes_on_when_one_instance_dies() {
    let Some((_serial, app)) = bench().await else {
        return;
    };
    // As deployed: the instances know their public address, the proxy's.
    let ports = TestNginx::ports();
    let public = format!("https://127.0.0.1:{}", ports.1);
    let env = [("MSS__SERVER__PUBLIC_URL", public.as_str())];
    let (one, two) = (app.spawn_process(&env).await, app.spawn_process(&env).await);
    let Some(nginx) = TestNginx::start([one.port, two.port], ports).await else {
        eprintln!("SKIPPED: nginx or openssl is not installed (.ci/run installs them)");
        return;
    };
    let visitor = app.browser_through(&nginx.https);
    let user = TestUser::generate();

    // Plain HTTP is sent to HTTPS; the probes are not public.
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}/inscription", nginx.http))
        .send()
        .await
        .expect("nginx answers on HTTP");
    assert_eq!(plain.status(), 301);
    let to = plain.headers()["location"].to_str().unwrap();
    assert!(to.starts_with("https://"), "{to}");
    visitor.get("/healthz").await.assert_status(403);
    visitor.get("/readyz").await.assert_status(403);

    // Act: the visitor signs up through the proxy, then one instance is killed.
    visitor
        .signup(&user)
        .await
        .assert_redirect_to("/inscription/email-envoye");
    let mail = app.wait_for_mail_to(&user.email).await;
    one.signal("KILL");
    assert!(one.wait_exit(Duration::from_secs(5)).await.is_some());

    // Assert: every next request, GET and POST, is served (nginx moves on to the live one).
    let path = visitor.confirmation_path(&mail);
    for _ in 0..4 {
        visitor.get(&path).await.assert_status(200);
    }
    visitor
        .post_form(&path, &Form::new())
        .await
        .assert_redirect_to("/connexion?confirme=1");
    visitor.login_user(&user).await.assert_redirect_to("/cgu");
    visitor.get("/cgu").await.assert_status(200);
    assert!(
        nginx.error_log().contains("connect() failed"),
        "the killed instance was never tried: {}",
        nginx.error_log()
    );
}
