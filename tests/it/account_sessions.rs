//! `/compte/sessions` (issue 9): the account's live sessions with their browser and address,
//! the current one marked; ending one of them, or all the others.

use crate::support::{TestApp, TestUser, db, html, spawn_app};

const FIREFOX_WINDOWS: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
const CHROME_ANDROID: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 \
                              (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";

/// A user who finished the journey, then signed in from a Firefox on Windows and a Chrome on
/// Android: `(firefox, chrome, account id)`.
async fn user_on_two_browsers(app: &TestApp, user: &TestUser) -> (TestApp, TestApp, i32) {
    let (_, id) = app.pending_user(user, "oui", &user.profile_form()).await;
    let firefox = app.another_browser(FIREFOX_WINDOWS);
    firefox.login_user(user).await.assert_redirect_to("/compte");
    let chrome = app.another_browser(CHROME_ANDROID);
    chrome.login_user(user).await.assert_redirect_to("/compte");
    (firefox, chrome, id)
}

/// The public id of the account's session opened with `user_agent`.
async fn public_id_of(app: &TestApp, id: i32, user_agent: &str) -> String {
    db::sessions_of(&app.db, id)
        .await
        .into_iter()
        .find(|s| s.user_agent.as_deref() == Some(user_agent))
        .map(|s| s.public_id)
        .unwrap_or_else(|| panic!("no session opened with {user_agent}"))
}

async fn signed_in(browser: &TestApp) -> bool {
    browser.get("/compte").await.status == 200
}

#[tokio::test]
async fn the_sessions_page_lists_each_browser_with_its_address_and_marks_the_current_one() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    let (firefox, _chrome, id) = user_on_two_browsers(&app, &user).await;

    // Act
    let page = firefox.get("/compte/sessions").await;

    // Assert
    page.assert_status(200);
    let rows = html::texts(&page.body, "tr.session");
    // The journey's own browser (no User-Agent) is still signed in too.
    assert_eq!(rows.len(), 3, "{rows:#?}");
    let current: Vec<_> = rows
        .iter()
        .filter(|r| r.contains("cette session"))
        .collect();
    assert_eq!(current.len(), 1, "{rows:#?}");
    assert!(current[0].contains("Firefox sur Windows"), "{rows:#?}");
    assert!(
        rows.iter().any(|r| r.contains("Chrome sur Android")),
        "{rows:#?}"
    );
    assert!(
        rows.iter().any(|r| r.contains("Navigateur inconnu")),
        "{rows:#?}"
    );
    assert_eq!(
        html::texts(&page.body, "td.client-ip"),
        vec!["127.0.0.1"; 3],
        "the client address recorded at sign-in"
    );
    // Two close forms (not for the current session), naming sessions by their public id.
    let ids = html::attrs(&page.body, "tr.session input[name=session]", "value");
    assert_eq!(ids.len(), 2);
    let rows_db = db::sessions_of(&app.db, id).await;
    for session in &rows_db {
        assert!(
            !page.body.contains(&session.id_hash),
            "the page shows a stored session hash"
        );
    }
    for (_, cookie) in firefox
        .cookie_pairs()
        .iter()
        .filter(|(name, _)| name.contains("session"))
    {
        assert!(
            !page.body.contains(cookie.as_str()),
            "the page shows the session cookie"
        );
    }
    assert!(
        ids.iter()
            .all(|i| rows_db.iter().any(|s| &s.public_id == i))
    );
}

#[tokio::test]
async fn closing_one_session_signs_that_browser_out_only() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    let (firefox, chrome, id) = user_on_two_browsers(&app, &user).await;
    let page = firefox.get("/compte/sessions").await;
    let chrome_session = public_id_of(&app, id, CHROME_ANDROID).await;
    assert!(
        html::attrs(&page.body, "input[name=session]", "value").contains(&chrome_session),
        "the page offers to close the Chrome session"
    );

    // Act
    let closed = firefox
        .post_form(
            "/compte/sessions/fermer",
            &[("session", chrome_session.as_str())],
        )
        .await;

    // Assert
    closed.assert_redirect_to("/compte/sessions");
    assert!(
        !signed_in(&chrome).await,
        "the closed browser is still signed in"
    );
    chrome.get("/compte").await.assert_redirect_to("/connexion");
    assert!(signed_in(&firefox).await);
    assert_eq!(db::sessions_of(&app.db, id).await.len(), 2);
    assert_eq!(
        db::audit_actions(&app.db, id, "sessions_closed")
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn closing_all_other_sessions_keeps_only_the_current_one() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    let (firefox, chrome, id) = user_on_two_browsers(&app, &user).await;
    firefox.get("/compte/sessions").await.assert_status(200);

    // Act
    let closed = firefox
        .post_form("/compte/sessions/fermer", &[("session", "toutes")])
        .await;

    // Assert
    closed.assert_redirect_to("/compte/sessions");
    assert!(!signed_in(&chrome).await);
    assert!(signed_in(&firefox).await);
    let left = db::sessions_of(&app.db, id).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].user_agent.as_deref(), Some(FIREFOX_WINDOWS));
    let page = firefox.get("/compte/sessions").await;
    assert_eq!(html::count(&page.body, "tr.session"), 1);
}

#[tokio::test]
async fn another_accounts_session_id_closes_nothing() {
    // Arrange
    let app = spawn_app().await;
    let (alice, bob) = (TestUser::generate(), TestUser::generate());
    let (alice_browser, _, _) = user_on_two_browsers(&app, &alice).await;
    let (bob_browser, _, bob_id) = user_on_two_browsers(&app, &bob).await;
    let bob_sessions = db::sessions_of(&app.db, bob_id).await;
    alice_browser
        .get("/compte/sessions")
        .await
        .assert_status(200);

    // Act
    for session in &bob_sessions {
        alice_browser
            .post_form(
                "/compte/sessions/fermer",
                &[("session", session.public_id.as_str())],
            )
            .await
            .assert_redirect_to("/compte/sessions");
    }

    // Assert
    assert_eq!(
        db::sessions_of(&app.db, bob_id).await.len(),
        bob_sessions.len()
    );
    assert!(signed_in(&bob_browser).await);
}

#[tokio::test]
async fn closing_sessions_without_a_csrf_token_is_refused() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    let (firefox, chrome, id) = user_on_two_browsers(&app, &user).await;
    firefox.get("/compte/sessions").await.assert_status(200);

    // Act
    let without = firefox
        .post_form_with_csrf("/compte/sessions/fermer", &[("session", "toutes")], None)
        .await;
    let forged = firefox
        .post_form_with_csrf(
            "/compte/sessions/fermer",
            &[("session", "toutes")],
            Some("forged"),
        )
        .await;

    // Assert
    without.assert_status(403);
    forged.assert_status(403);
    assert!(signed_in(&chrome).await);
    assert_eq!(db::sessions_of(&app.db, id).await.len(), 3);
}
