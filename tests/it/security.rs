//! CSRF, session cookie, security headers, request limits, error pages, and what anonymous
//! visitors may (not) cause.

use crate::support::html;
use crate::support::{DrainReportExt, Form, TestResponse, TestUser, db, spawn_app, spawn_app_with};

/// Asserts a refused POST: 403, an HTML page, nothing else.
fn assert_forbidden(response: &TestResponse) {
    response.assert_status(403);
    assert!(
        response.is_html(),
        "the 403 answer is not a page: {}",
        response.content_type()
    );
}

/// Name and value of the session cookie set by a sign-in answer.
fn session_cookie(login: &TestResponse) -> (String, String) {
    let cookies: Vec<(String, String)> = login
        .set_cookies()
        .iter()
        .filter_map(|c| {
            let pair = c.split(';').next()?;
            let (name, value) = pair.split_once('=')?;
            Some((name.trim().to_owned(), value.trim().to_owned()))
        })
        .filter(|(_, value)| !value.is_empty())
        .collect();
    cookies
        .iter()
        .find(|(name, _)| {
            let name = name.to_lowercase();
            name.contains("session") || name.contains("sid")
        })
        .or(cookies.first())
        .cloned()
        .unwrap_or_else(|| panic!("the sign-in answer sets no cookie: {:?}", login.headers))
}

/// The `Set-Cookie` header of the session cookie.
fn session_set_cookie(login: &TestResponse) -> String {
    let (name, _) = session_cookie(login);
    login
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .expect("the session Set-Cookie")
}

// ---- CSRF --------------------------------------------------------------------------------

#[tokio::test]
async fn anonymous_forms_posted_without_a_csrf_token_are_forbidden() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.signup(&user)
        .await
        .assert_redirect_to("/inscription/email-envoye");
    let mail = app.wait_for_mail_to(&user.email).await;
    let confirmation = app.confirmation_path(&mail);
    let newcomer = TestUser::generate();

    // Act
    let signup = app
        .post_form_with_csrf("/inscription", &newcomer.signup_form(), None)
        .await;
    let login = app
        .post_form_with_csrf(
            "/connexion",
            &[
                ("email", user.email.as_str()),
                ("mot_de_passe", user.password.as_str()),
            ],
            None,
        )
        .await;
    let resend = app
        .post_form_with_csrf(
            "/inscription/renvoyer",
            &[("email", user.email.as_str())],
            None,
        )
        .await;
    let confirm = app
        .post_form_with_csrf(&confirmation, &Form::new(), None)
        .await;

    // Assert
    for response in [&signup, &login, &resend, &confirm] {
        assert_forbidden(response);
    }
    assert!(db::find_account(&app.db, &newcomer.email).await.is_none());
    assert!(
        db::account(&app.db, &user.email)
            .await
            .email_confirmed_at
            .is_none()
    );
    assert_eq!(db::count_rows(&app.db, "sessions").await, 0);
}

#[tokio::test]
async fn anonymous_forms_posted_with_a_forged_csrf_token_are_forbidden() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.register_confirmed(&user).await;
    app.get("/inscription").await.assert_status(200);
    let real = app
        .csrf_token_for("/inscription")
        .expect("a token in the sign-up page");
    let forged = format!("{real}x");
    let newcomer = TestUser::generate();

    // Act
    let signup = app
        .post_form_with_csrf("/inscription", &newcomer.signup_form(), Some(&forged))
        .await;
    let login = app
        .post_form_with_csrf(
            "/connexion",
            &[
                ("email", user.email.as_str()),
                ("mot_de_passe", user.password.as_str()),
            ],
            Some("forged-token"),
        )
        .await;
    let resend = app
        .post_form_with_csrf(
            "/inscription/renvoyer",
            &[("email", user.email.as_str())],
            Some(""),
        )
        .await;

    // Assert
    for response in [&signup, &login, &resend] {
        assert_forbidden(response);
    }
    assert!(db::find_account(&app.db, &newcomer.email).await.is_none());
    assert_eq!(db::count_rows(&app.db, "sessions").await, 0);
}

#[tokio::test]
async fn signed_in_forms_posted_without_a_valid_csrf_token_are_forbidden_and_change_nothing() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.signed_in_at_cgu(&user).await;
    app.get("/cgu").await.assert_status(200);

    // Act
    let cgu = app
        .post_form_with_csrf("/cgu", &[("decision", "accepter")], None)
        .await;
    let cgu_forged = app
        .post_form_with_csrf("/cgu", &[("decision", "accepter")], Some("forged"))
        .await;
    let identification = app
        .post_form_with_csrf("/identification", &[("identifiant_national", "oui")], None)
        .await;
    let profile = app
        .post_form_with_csrf("/profil", &user.profile_form(), None)
        .await;
    let logout = app
        .post_form_with_csrf("/deconnexion", &Form::new(), Some("forged"))
        .await;

    // Assert
    for response in [&cgu, &cgu_forged, &identification, &profile, &logout] {
        assert_forbidden(response);
    }
    assert!(db::cgu_acceptances(&app.db, &user.email).await.is_empty());
    // Still signed in, still at the CGU.
    app.get("/identification").await.assert_redirect_to("/cgu");
}

#[tokio::test]
async fn a_csrf_token_taken_from_another_visitors_page_is_refused() {
    // Arrange: two users at the CGU step in two browsers
    let app = spawn_app().await;
    let alice = TestUser::generate();
    app.signed_in_at_cgu(&alice).await;
    app.get("/cgu").await.assert_status(200);
    let alice_token = app.csrf_token_for("/cgu").expect("a token in the CGU page");
    let bob_browser = app.another_visitor();
    let bob = TestUser::generate();
    bob_browser.signed_in_at_cgu(&bob).await;

    // Act: Bob's browser posts with Alice's token
    let response = bob_browser
        .post_form_with_csrf("/cgu", &[("decision", "accepter")], Some(&alice_token))
        .await;

    // Assert
    assert_forbidden(&response);
    assert!(db::cgu_acceptances(&app.db, &bob.email).await.is_empty());
}

// ---- session cookie ----------------------------------------------------------------------

#[tokio::test]
async fn the_session_cookie_is_http_only_and_same_site_lax() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.register_confirmed(&user).await;

    // Act
    let login = app.login_user(&user).await;

    // Assert
    login.assert_redirect_to("/cgu");
    let set_cookie = session_set_cookie(&login);
    let attributes: Vec<String> = set_cookie
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_lowercase())
        .collect();
    assert!(attributes.iter().any(|a| a == "httponly"), "{set_cookie}");
    assert!(
        attributes.iter().any(|a| a == "samesite=lax"),
        "{set_cookie}"
    );
    assert!(attributes.iter().any(|a| a == "path=/"), "{set_cookie}");
    // Served over plain http here: a `__Host-`/Secure cookie would never come back.
    assert!(!attributes.iter().any(|a| a == "secure"), "{set_cookie}");
}

#[tokio::test]
async fn behind_https_the_session_cookie_is_secure_with_the_host_prefix() {
    // Arrange: the public URL says https (a TLS proxy in front)
    let app = spawn_app_with(|s| {
        s.server.public_url = Some("https://medimail.test".parse().expect("URL"))
    })
    .await;
    let user = TestUser::generate();
    app.signup(&user)
        .await
        .assert_redirect_to("/inscription/email-envoye");
    let mail = app.wait_for_mail_to(&user.email).await;
    let link = mail.confirmation_link().expect("a confirmation link");
    let confirmation = link
        .strip_prefix("https://medimail.test")
        .unwrap_or_else(|| panic!("the link does not use the public URL: {link}"))
        .to_owned();
    app.get(&confirmation).await.assert_status(200);
    app.post_form(&confirmation, &Form::new())
        .await
        .assert_redirect_to("/connexion?confirme=1");

    // Act
    let login = app.login_user(&user).await;

    // Assert
    login.assert_status(303);
    let set_cookie = session_set_cookie(&login);
    assert!(set_cookie.starts_with("__Host-"), "{set_cookie}");
    let attributes: Vec<String> = set_cookie
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_lowercase())
        .collect();
    assert!(attributes.iter().any(|a| a == "secure"), "{set_cookie}");
    assert!(attributes.iter().any(|a| a == "httponly"), "{set_cookie}");
    assert!(attributes.iter().any(|a| a == "path=/"), "{set_cookie}");
    assert!(
        !attributes.iter().any(|a| a.starts_with("domain=")),
        "{set_cookie}"
    );
}

#[tokio::test]
async fn the_session_id_changes_at_every_sign_in() {
    // Arrange: an attacker planted a session cookie value in the victim's browser
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.register_confirmed(&user).await;
    let first = app.login_user(&user).await;
    first.assert_redirect_to("/cgu");
    let (name, first_value) = session_cookie(&first);
    app.logout().await.assert_redirect_to("/");
    let url = reqwest::Url::parse(&app.address).expect("app URL");
    app.cookies
        .add_cookie_str(&format!("{name}=planted-by-an-attacker; Path=/"), &url);

    // Act
    let second = app.login_user(&user).await;

    // Assert
    second.assert_redirect_to("/cgu");
    let (second_name, second_value) = session_cookie(&second);
    assert_eq!(second_name, name);
    assert_ne!(second_value, "planted-by-an-attacker");
    assert_ne!(second_value, first_value);
    app.get("/cgu").await.assert_status(200);
    // The first session is over.
    app.get_with_cookie("/cgu", &format!("{name}={first_value}"))
        .await
        .assert_redirect_to("/connexion");
    // The session id is stored hashed.
    let stored = db::session_id_hashes(&app.db).await;
    assert!(!stored.iter().any(|id| id == &second_value));
}

// ---- headers, limits and error pages -----------------------------------------------------

/// Asserts the security headers of one response.
fn assert_security_headers(response: &TestResponse) {
    let what = format!(
        "{} {} ({})",
        response.method, response.path, response.status
    );
    let csp = response
        .header("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no Content-Security-Policy"));
    let directives: Vec<&str> = csp.split(';').map(str::trim).collect();
    assert!(
        directives.contains(&"frame-ancestors 'none'"),
        "{what}: CSP without frame-ancestors 'none': {csp}"
    );
    let scripts = directives
        .iter()
        .find(|d| d.starts_with("script-src "))
        .or_else(|| directives.iter().find(|d| d.starts_with("default-src ")))
        .unwrap_or_else(|| panic!("{what}: the CSP does not restrict scripts: {csp}"));
    assert!(
        !scripts.contains("'unsafe-inline'"),
        "{what}: the CSP allows inline scripts: {csp}"
    );
    assert_eq!(
        response.header("x-content-type-options").as_deref(),
        Some("nosniff"),
        "{what}"
    );
    let referrer = response
        .header("referrer-policy")
        .unwrap_or_else(|| panic!("{what}: no Referrer-Policy"));
    assert!(
        [
            "no-referrer",
            "same-origin",
            "strict-origin",
            "strict-origin-when-cross-origin"
        ]
        .contains(&referrer.as_str()),
        "{what}: Referrer-Policy {referrer}"
    );
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();

    // Act
    let mut responses = Vec::new();
    for path in [
        "/",
        "/inscription",
        "/connexion",
        "/inscription/email-envoye",
        "/healthz",
        "/static/style.css",
        "/cgu",
        "/page-qui-n-existe-pas",
    ] {
        responses.push(app.get(path).await);
    }
    responses.push(app.login(&user.email, &user.password).await);
    responses.push(
        app.post_form_with_csrf("/connexion", &Form::new(), None)
            .await,
    );
    responses.push(app.signup(&user).await);

    // Assert
    for response in &responses {
        assert_ne!(
            response.status, 500,
            "{} {}",
            response.method, response.path
        );
        assert_security_headers(response);
    }
}

#[tokio::test]
async fn pages_hold_no_inline_script() {
    // Arrange: an anonymous visitor, and a signed-in user at the profile step
    let app = spawn_app().await;
    let anonymous = app.another_visitor();
    let user = TestUser::generate();
    app.signed_in_at_profile(&user, "oui").await;

    // Act
    let mut pages = Vec::new();
    for path in ["/", "/inscription", "/connexion", "/page-qui-n-existe-pas"] {
        pages.push(anonymous.get(path).await);
    }
    pages.push(app.get("/profil").await);

    // Assert
    for page in &pages {
        assert!(page.is_html(), "{} is not a page", page.path);
        assert_eq!(
            html::count(&page.body, "script:not([src])"),
            0,
            "inline script in {}",
            page.path
        );
        assert!(
            !page.body.contains(" onclick="),
            "inline handler in {}",
            page.path
        );
    }
}

#[tokio::test]
async fn a_body_larger_than_the_limit_is_refused_with_413() {
    // Arrange
    let app = spawn_app().await;
    app.get("/inscription").await.assert_status(200);
    let limit = app.settings.server.body_limit_bytes;
    let user = TestUser::generate();
    let form = user.signup_form().with("nom", "a".repeat(limit + 1));

    // Act
    let response = app.post_form("/inscription", &form).await;

    // Assert
    response.assert_status(413);
    assert_eq!(db::count_rows(&app.db, "accounts").await, 0);
}

#[tokio::test]
async fn a_form_body_with_invalid_percent_encoding_is_refused_with_400() {
    // Arrange
    let app = spawn_app().await;
    app.get("/connexion").await.assert_status(200);
    let token = app.csrf_token_for("/connexion").expect("a token");
    let body = format!(
        "csrf_token={}&email=jeanne%ZZ%40exemple.fr&mot_de_passe=%",
        urlencode(&token)
    );

    // Act
    let response = app
        .post_body(
            "/connexion",
            "application/x-www-form-urlencoded",
            body.into_bytes(),
        )
        .await;

    // Assert
    response.assert_status(400);
}

#[tokio::test]
async fn a_form_body_with_invalid_utf8_is_refused_with_400() {
    // Arrange
    let app = spawn_app().await;
    app.get("/inscription").await.assert_status(200);
    let token = app.csrf_token_for("/inscription").expect("a token");
    let mut body =
        format!("csrf_token={}&nom=Dupont%FF%FE&prenom=", urlencode(&token)).into_bytes();
    body.extend_from_slice(&[0xC3, 0x28, 0xFF]);

    // Act
    let response = app
        .post_body("/inscription", "application/x-www-form-urlencoded", body)
        .await;

    // Assert
    response.assert_status(400);
    assert_eq!(db::count_rows(&app.db, "accounts").await, 0);
}

#[tokio::test]
async fn a_post_that_is_not_a_form_is_refused_without_a_server_error() {
    // Arrange
    let app = spawn_app().await;
    app.get("/connexion").await.assert_status(200);

    // Act
    let json = app
        .post_body(
            "/connexion",
            "application/json",
            br#"{"email":"a@b.fr"}"#.to_vec(),
        )
        .await;
    let empty = app
        .post_body(
            "/connexion",
            "application/x-www-form-urlencoded",
            Vec::new(),
        )
        .await;

    // Assert
    for response in [&json, &empty] {
        assert!(
            (400..500).contains(&response.status),
            "{} {} answered {}",
            response.method,
            response.path,
            response.status
        );
    }
}

#[tokio::test]
async fn an_unknown_path_gets_a_404_page() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let response = app.get("/cette-page-n-existe-pas").await;

    // Assert
    response.assert_status(404);
    assert!(
        response.is_html(),
        "content-type: {}",
        response.content_type()
    );
    assert!(html::exists(&response.body, "html head title"));
    assert!(
        html::exists(&response.body, "a[href=\"/\"]"),
        "no way back home"
    );
}

#[tokio::test]
async fn every_page_shows_the_support_footer() {
    // Arrange
    let app = spawn_app().await;
    let phone = app.settings.support.phone.clone();

    // Act + Assert
    for path in [
        "/",
        "/inscription",
        "/connexion",
        "/cette-page-n-existe-pas",
    ] {
        let page = app.get(path).await;
        assert!(
            page.text().contains(&phone),
            "no support phone {phone:?} on {path}"
        );
        assert!(
            page.body.contains(
                app.settings
                    .support
                    .form_url
                    .as_ref()
                    .expect("form_url")
                    .as_str()
            ),
            "no support form link on {path}"
        );
    }
}

#[tokio::test]
async fn the_health_check_answers_200() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let response = app.get("/healthz").await;

    // Assert
    response.assert_status(200);
}

#[tokio::test]
async fn anonymous_visits_write_nothing_to_the_database() {
    // Arrange: some data already there, written by another visitor
    let app = spawn_app().await;
    let user = TestUser::generate();
    let registered = app.another_visitor();
    registered.register_confirmed(&user).await;
    app.drain_outbox().await.assert_delivered();
    let before = db::table_counts(&app.db).await;

    // Act
    for path in [
        "/",
        "/inscription",
        "/connexion",
        "/connexion?confirme=1",
        "/inscription/email-envoye",
        "/cgu",
        "/compte",
        "/healthz",
        "/page-qui-n-existe-pas",
    ] {
        let response = app.get(path).await;
        assert!(response.status < 500, "GET {path}: {}", response.status);
    }

    // Assert
    let after = db::table_counts(&app.db).await;
    assert_eq!(before, after);
}

fn urlencode(value: &str) -> String {
    serde_urlencoded::to_string([("v", value)])
        .expect("encode")
        .trim_start_matches("v=")
        .to_owned()
}
