//! Step 4: the terms of use (CGU), their versions, refusal and re-acceptance.

use crate::support::{TestUser, db, spawn_app};

const CURRENT_CGU: &str = "config/cgu/2026-01.txt";

#[tokio::test]
async fn accepting_the_cgu_stores_the_version_and_leads_to_the_identifier_question() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.signed_in_at_cgu(&user).await;

    // Act
    let response = app.accept_cgu().await;

    // Assert
    response.assert_redirect_to("/identification");
    app.get("/identification").await.assert_status(200);
    let acceptances = db::cgu_acceptances(&app.db, &user.email).await;
    assert_eq!(acceptances.len(), 1);
    assert_eq!(acceptances[0].version, "2026-01");
}

#[tokio::test]
async fn the_cgu_page_shows_the_current_text() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.signed_in_at_cgu(&user).await;
    let text = std::fs::read_to_string(CURRENT_CGU).expect("the shipped CGU");
    let first_line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .expect("a non-empty CGU");

    // Act
    let page = app.get("/cgu").await;

    // Assert
    page.assert_status(200);
    assert!(
        page.text().contains(first_line),
        "the CGU page does not show {first_line:?}"
    );
    assert!(
        crate::support::html::exists(&page.body, "a[href=\"/cgu/document\"]"),
        "no download link"
    );
}

#[tokio::test]
async fn the_current_cgu_can_be_downloaded_as_text() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.signed_in_at_cgu(&user).await;

    // Act
    let response = app.get("/cgu/document").await;

    // Assert
    response.assert_status(200);
    assert!(
        response.content_type().starts_with("text/plain"),
        "content-type: {}",
        response.content_type()
    );
    let disposition = response.header("content-disposition").unwrap_or_default();
    assert!(
        disposition.starts_with("attachment"),
        "content-disposition: {disposition:?}"
    );
    assert!(
        disposition.contains("2026-01"),
        "content-disposition: {disposition:?}"
    );
    let expected = std::fs::read_to_string(CURRENT_CGU).expect("the shipped CGU");
    assert_eq!(response.body, expected);
}

#[tokio::test]
async fn refusing_the_cgu_explains_why_and_signs_the_user_out() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.signed_in_at_cgu(&user).await;
    let signed_in_cookies = app.cookie_header();

    // Act
    let response = app.refuse_cgu().await;

    // Assert
    response.assert_status(200);
    let explanation = response.text().to_lowercase();
    assert!(
        explanation.contains("cgu") || explanation.contains("conditions générales"),
        "the refusal page does not talk about the CGU:\n{}",
        response.body
    );
    assert!(
        !response.set_cookies().is_empty(),
        "the refusal does not clear the session cookie"
    );
    app.get("/cgu").await.assert_redirect_to("/connexion");
    app.get_with_cookie("/cgu", &signed_in_cookies)
        .await
        .assert_redirect_to("/connexion");
    assert!(db::cgu_acceptances(&app.db, &user.email).await.is_empty());
    let actions: Vec<String> = db::audit_events(&app.db, &user.email)
        .await
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(actions.iter().any(|a| a == "cgu_refused"), "{actions:?}");
    // Signing in again comes back to the CGU.
    app.login_user(&user).await.assert_redirect_to("/cgu");
}

#[tokio::test]
async fn a_decision_other_than_accepter_or_refuser_is_refused() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.signed_in_at_cgu(&user).await;
    app.get("/cgu").await.assert_status(200);

    // Act
    let response = app.post_form("/cgu", &[("decision", "peut-etre")]).await;

    // Assert
    response.assert_status(422);
    app.get("/identification").await.assert_redirect_to("/cgu");
}

#[tokio::test]
async fn a_new_cgu_version_must_be_accepted_before_anything_else() {
    // Arrange: a user who finished the journey under 2026-01
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.complete_journey(&user).await;
    app.logout().await.assert_redirect_to("/");
    let cgu_dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(CURRENT_CGU, cgu_dir.path().join("2026-01.txt")).expect("copy the CGU");
    std::fs::write(
        cgu_dir.path().join("2027-01.txt"),
        "Conditions générales d'utilisation, version 2027-01.\n\nArticle 1 : nouveautés.\n",
    )
    .expect("write the new CGU");
    let dir = cgu_dir.path().to_owned();
    // The operator deploys the new version: another app on the same database.
    let updated = app
        .spawn_sibling_with(|s| {
            s.cgu.dir = dir;
            s.cgu.current = "2027-01".into();
        })
        .await;

    // Act
    let login = updated.login_user(&user).await;

    // Assert
    login.assert_redirect_to("/cgu");
    for elsewhere in ["/compte", "/profil", "/identification"] {
        updated.get(elsewhere).await.assert_redirect_to("/cgu");
    }
    let page = updated.get("/cgu").await;
    page.assert_status(200);
    assert!(
        page.text().contains("Article 1 : nouveautés."),
        "{}",
        page.body
    );
    let download = updated.get("/cgu/document").await;
    download.assert_status(200);
    assert!(download.body.contains("version 2027-01"));

    updated
        .post_form("/cgu", &[("decision", "accepter")])
        .await
        .assert_redirect_to("/compte");
    updated.get("/compte").await.assert_status(200);
    let versions: Vec<String> = db::cgu_acceptances(&updated.db, &user.email)
        .await
        .into_iter()
        .map(|a| a.version)
        .collect();
    assert_eq!(versions, ["2026-01", "2027-01"]);
}
