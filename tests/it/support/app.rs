//! `spawn_app()`: the real app on a free port, with its own database and SMTP capture, and a
//! cookie-keeping HTTP client that does not follow redirects. `TestApp` drives the journey with
//! typed helpers.
//!
//! Sync assertion helpers carry `#[track_caller]`, so a failure points at the test's line.
//! Async helpers cannot (on an `async fn` the attribute is a no-op on stable Rust): they fail with a message
//! naming what was awaited, and where it matters they return the value and leave the assertion
//! to a sync helper (`app.drain_outbox().await.assert_delivered()`).

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use mss_onboarding::clock::{Clock, MockClock};
use mss_onboarding::config::{MailTransport, Settings};
use mss_onboarding::startup::App;
use mss_onboarding::worker::{DrainReport, Worker};
use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::{CONTENT_TYPE, COOKIE, HeaderMap, LOCATION, SET_COOKIE};
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set};
use tokio::task::AbortHandle;

use super::db::{self, TestDatabase};
use super::fixtures::{Form, FormFields, SeedAccount, TestUser};
use super::html;
use super::serve::ServeProcess;
use super::smtp::{CapturedMail, MAIL_TIMEOUT, SmtpCapture};

/// The second-factor pages.
pub const ENROL_PATH: &str = "/admin/double-authentification";
pub const CODE_PATH: &str = "/admin/double-authentification/code";

/// The TOTP code of `secret` (base32, as shown) at Unix time `time`, computed with totp-rs
/// (RFC 6238: SHA-1, 6 digits, 30 s) independently of the app's own code.
pub fn totp_code(secret: &str, time: i64) -> String {
    let bytes = totp_rs::Secret::Encoded(secret.replace(' ', ""))
        .to_bytes()
        .expect("a base32 secret");
    totp_rs::TOTP::new_unchecked(
        totp_rs::Algorithm::SHA1,
        6,
        0,
        30,
        bytes,
        None,
        String::new(),
    )
    .generate(u64::try_from(time).expect("a time after 1970"))
}

/// The secret an enrolment page shows as text (without the grouping spaces).
#[track_caller]
pub fn enrolment_secret(page: &TestResponse) -> String {
    html::text(&page.body, "code.totp-secret")
        .unwrap_or_else(|| panic!("no secret on the enrolment page:\n{}", page.body))
        .replace(' ', "")
}

/// `From` of every mail the test apps send.
pub const MAIL_FROM: &str = "Medimail <no-reply@medimail.test>";
pub const MAIL_FROM_ADDRESS: &str = "no-reply@medimail.test";

/// The generic sign-in error, identical for unknown emails and wrong passwords.
pub const LOGIN_ERROR: &str = "Adresse mail ou mot de passe incorrect.";

/// One running app and the client talking to it.
pub struct TestApp {
    /// `http://127.0.0.1:{port}`.
    pub address: String,
    pub port: u16,
    /// The `/metrics` listener's port, when `metrics.bind` was set.
    pub metrics_port: Option<u16>,
    /// The app's own connection pool.
    pub db: DatabaseConnection,
    /// Keeps cookies, never follows redirects.
    pub client: reqwest::Client,
    pub cookies: Arc<Jar>,
    pub smtp: Arc<SmtpCapture>,
    /// The settings the app was built with.
    pub settings: Settings,
    /// The app's clock: [`TestApp::advance_clock`] moves it forward.
    pub clock: Arc<MockClock>,
    /// The app's outbox worker: [`TestApp::drain_outbox`] delivers what is due.
    outbox: Arc<Worker>,
    database: Arc<TestDatabase>,
    csrf: Mutex<CsrfMemory>,
    server: Arc<ServerGuard>,
}

/// Stops the server task when the last visitor of the app is dropped.
struct ServerGuard(AbortHandle);

impl Drop for ServerGuard {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// CSRF tokens seen in the pages fetched so far.
#[derive(Default)]
struct CsrfMemory {
    /// Form action path → token of the last page that held that form.
    by_action: HashMap<String, String>,
    /// Token of the last page that held one.
    latest: Option<String>,
}

/// The app with `config/test.toml`.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// The app with `config/test.toml`, then `customize` applied to the settings.
pub async fn spawn_app_with(customize: impl FnOnce(&mut Settings)) -> TestApp {
    let smtp = Arc::new(SmtpCapture::start_new().await);
    let database = Arc::new(TestDatabase::create().await);
    build(database, smtp, Arc::default(), customize).await
}

/// Settings as every test app gets them, before the per-test customisation.
pub fn test_settings(database_url: &str, smtp_port: u16) -> Settings {
    let mut settings =
        Settings::load(Some(Path::new("config/test.toml"))).expect("load config/test.toml");
    settings.server.bind = "127.0.0.1:0".into();
    // Reminder digests are sent by the tests that ask for them (`TestApp::run_reminders`), never
    // by a background tick in the middle of another test.
    settings.reminders.enabled = false;
    settings.server.public_url = None;
    settings.database.url = database_url.to_owned();
    settings.mail.transport = MailTransport::Smtp;
    settings.mail.smtp_host = "127.0.0.1".into();
    settings.mail.smtp_port = smtp_port;
    settings.mail.from = MAIL_FROM.into();
    settings
}

async fn build(
    database: Arc<TestDatabase>,
    smtp: Arc<SmtpCapture>,
    clock: Arc<MockClock>,
    customize: impl FnOnce(&mut Settings),
) -> TestApp {
    init_test_tracing();
    let mut settings = test_settings(&database.url, smtp.port());
    customize(&mut settings);
    let app = App::build_with_clock(settings.clone(), clock.clone())
        .await
        .expect("App::build with the test settings");
    let port = app.port();
    let db = app.db();
    let outbox = app.outbox_worker();
    let metrics_port = app.metrics_port();
    let server = Arc::new(ServerGuard(
        tokio::spawn(app.run_until_stopped()).abort_handle(),
    ));
    let (client, cookies) = browser();
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        metrics_port,
        db,
        client,
        cookies,
        smtp,
        settings,
        clock,
        outbox,
        database,
        csrf: Mutex::new(CsrfMemory::default()),
        server,
    }
}

/// A cookie-keeping client that never follows redirects, and its cookie jar.
fn browser() -> (reqwest::Client, Arc<Jar>) {
    browser_as(None)
}

/// A browser sending `user_agent` (reqwest sends none by default).
fn browser_as(user_agent: Option<&str>) -> (reqwest::Client, Arc<Jar>) {
    let cookies = Arc::new(Jar::default());
    let mut builder = reqwest::Client::builder();
    if let Some(user_agent) = user_agent {
        builder = builder.user_agent(user_agent.to_owned());
    }
    let client = builder
        .cookie_provider(cookies.clone())
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("build the HTTP client");
    (client, cookies)
}

/// `TEST_LOG=debug cargo test …` prints the app's logs.
fn init_test_tracing() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        if let Ok(filter) = std::env::var("TEST_LOG") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
                .with_test_writer()
                .try_init();
        }
    });
}

/// A response, read in full.
#[derive(Debug, Clone)]
pub struct TestResponse {
    pub method: &'static str,
    pub path: String,
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
    base: String,
}

impl TestResponse {
    async fn read(method: &'static str, path: &str, base: &str, resp: reqwest::Response) -> Self {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.text().await.unwrap_or_default();
        Self {
            method,
            path: path.to_owned(),
            status,
            headers,
            body,
            base: base.to_owned(),
        }
    }

    /// A header's value (the first one), as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    }

    /// `Location`, with the server's own origin stripped (`/cgu` rather than `http://…/cgu`).
    pub fn location(&self) -> Option<String> {
        self.headers.get(LOCATION).map(|v| {
            let l = String::from_utf8_lossy(v.as_bytes()).into_owned();
            match l.strip_prefix(&self.base) {
                Some(path) if path.starts_with('/') => path.to_owned(),
                _ => l,
            }
        })
    }

    /// Every `Set-Cookie` header.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect()
    }

    pub fn content_type(&self) -> String {
        self.header("content-type").unwrap_or_default()
    }

    pub fn is_html(&self) -> bool {
        self.content_type().starts_with("text/html")
    }

    /// Panics with the request and (the start of) the body unless the status is `status`.
    #[track_caller]
    pub fn assert_status(&self, status: u16) -> &Self {
        assert_eq!(
            self.status,
            status,
            "{} {} answered {} (Location: {:?}); body:\n{}",
            self.method,
            self.path,
            self.status,
            self.location(),
            self.body_excerpt()
        );
        self
    }

    /// Panics unless this is `303 See Other` to `path`.
    #[track_caller]
    pub fn assert_redirect_to(&self, path: &str) -> &Self {
        self.assert_status(303);
        assert_eq!(
            self.location().as_deref(),
            Some(path),
            "{} {} redirected elsewhere",
            self.method,
            self.path
        );
        self
    }

    /// Panics unless this is `422` with an error on `field` (see [`html::assert_field_error`]).
    #[track_caller]
    pub fn assert_field_error(&self, field: &str) -> &Self {
        self.assert_status(422);
        html::assert_field_error(&self.body, field);
        self
    }

    /// Value of the form control `name` in the page.
    pub fn field_value(&self, name: &str) -> Option<String> {
        html::field_value(&self.body, name)
    }

    /// Visible text of the page, whitespace collapsed.
    pub fn text(&self) -> String {
        html::page_text(&self.body)
    }

    fn body_excerpt(&self) -> String {
        let mut excerpt: String = self.body.chars().take(4000).collect();
        if excerpt.len() < self.body.len() {
            excerpt.push_str("\n[…]");
        }
        excerpt
    }
}

impl TestApp {
    /// A second app on the same database, SMTP capture and clock (e.g. with a new CGU
    /// version), with its own client (no cookies).
    pub async fn spawn_sibling_with(&self, customize: impl FnOnce(&mut Settings)) -> TestApp {
        build(
            self.database.clone(),
            self.smtp.clone(),
            self.clock.clone(),
            customize,
        )
        .await
    }

    /// Another browser on the same app: its own cookies and CSRF tokens.
    pub fn another_visitor(&self) -> TestApp {
        self.visitor_with(browser())
    }

    /// Another browser on the same app that sends `user_agent` with each request.
    pub fn another_browser(&self, user_agent: &str) -> TestApp {
        self.visitor_with(browser_as(Some(user_agent)))
    }

    fn visitor_with(&self, (client, cookies): (reqwest::Client, Arc<Jar>)) -> TestApp {
        TestApp {
            address: self.address.clone(),
            port: self.port,
            metrics_port: self.metrics_port,
            db: self.db.clone(),
            client,
            cookies,
            smtp: self.smtp.clone(),
            settings: self.settings.clone(),
            clock: self.clock.clone(),
            outbox: self.outbox.clone(),
            database: self.database.clone(),
            csrf: Mutex::new(CsrfMemory::default()),
            server: self.server.clone(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    // ---- HTTP -----------------------------------------------------------------------------

    /// `GET path`; remembers the CSRF tokens of the page.
    pub async fn get(&self, path: &str) -> TestResponse {
        let resp = self
            .client
            .get(self.url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        let resp = TestResponse::read("GET", path, &self.address, resp).await;
        self.remember_csrf(&resp);
        resp
    }

    /// `GET path`, following redirects (at most 5) like a browser.
    pub async fn get_following(&self, path: &str) -> TestResponse {
        let mut resp = self.get(path).await;
        for _ in 0..5 {
            match (resp.status, resp.location()) {
                (301 | 302 | 303 | 307 | 308, Some(next)) => resp = self.get(&next).await,
                _ => break,
            }
        }
        resp
    }

    /// `GET path` from a client without cookie store, sending `cookie` as the `Cookie` header.
    pub async fn get_with_cookie(&self, path: &str, cookie: &str) -> TestResponse {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("build the HTTP client");
        let resp = client
            .get(self.url(path))
            .header(COOKIE, cookie)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        TestResponse::read("GET", path, &self.address, resp).await
    }

    /// `POST path` as a browser submits the form: the fields plus the CSRF token of the last
    /// page fetched that holds a form posting to `path` (else the last token seen).
    pub async fn post_form(&self, path: &str, fields: &(impl FormFields + ?Sized)) -> TestResponse {
        let token = self.csrf_token_for(path);
        self.post_form_with_csrf(path, fields, token.as_deref())
            .await
    }

    /// `POST path` with an explicit CSRF token, or none.
    pub async fn post_form_with_csrf(
        &self,
        path: &str,
        fields: &(impl FormFields + ?Sized),
        csrf_token: Option<&str>,
    ) -> TestResponse {
        let mut pairs = fields.pairs();
        if let Some(token) = csrf_token {
            pairs.push(("csrf_token".into(), token.into()));
        }
        let body = serde_urlencoded::to_string(&pairs).expect("encode the form");
        self.post_body(path, "application/x-www-form-urlencoded", body.into_bytes())
            .await
    }

    /// `POST path` with a raw body.
    pub async fn post_body(&self, path: &str, content_type: &str, body: Vec<u8>) -> TestResponse {
        let resp = self
            .client
            .post(self.url(path))
            .header(CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"));
        let resp = TestResponse::read("POST", path, &self.address, resp).await;
        self.remember_csrf(&resp);
        resp
    }

    // ---- CSRF and cookies -----------------------------------------------------------------

    fn remember_csrf(&self, resp: &TestResponse) {
        if !resp.is_html() {
            return;
        }
        let tokens = html::csrf_tokens(&resp.body);
        let mut memory = self.csrf.lock().expect("csrf lock");
        for (action, token) in tokens {
            let action = match action.as_deref() {
                None | Some("") => resp.path.clone(),
                Some(a) => a.strip_prefix(&self.address).unwrap_or(a).to_owned(),
            };
            memory.latest = Some(token.clone());
            if let Some((without_query, _)) = action.split_once('?') {
                memory
                    .by_action
                    .insert(without_query.to_owned(), token.clone());
            }
            memory.by_action.insert(action, token);
        }
    }

    /// The CSRF token a browser would send when posting to `path`.
    #[track_caller]
    pub fn csrf_token_for(&self, path: &str) -> Option<String> {
        let memory = self.csrf.lock().expect("csrf lock");
        let without_query = path.split('?').next().unwrap_or(path);
        memory
            .by_action
            .get(path)
            .or_else(|| memory.by_action.get(without_query))
            .or(memory.latest.as_ref())
            .cloned()
    }

    /// The `Cookie` header the client would send to the app.
    pub fn cookie_header(&self) -> String {
        let url = reqwest::Url::parse(&self.address).expect("app address");
        self.cookies
            .cookies(&url)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .unwrap_or_default()
    }

    /// Cookies the client holds for the app, as `(name, value)`.
    pub fn cookie_pairs(&self) -> Vec<(String, String)> {
        self.cookie_header()
            .split("; ")
            .filter_map(|c| c.split_once('='))
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect()
    }

    // ---- time and the outbox ---------------------------------------------------------------

    /// Moves the app's clock forward by `by`: tokens, sessions, sign-in attempts, the sign-in
    /// throttle and outbox backoff all see the later time at once. No sleep, no back-dating.
    pub fn advance_clock(&self, by: chrono::Duration) {
        self.clock.advance(by);
    }

    /// Now, on the app's clock (to seed rows the app will compare with its own "now").
    pub fn now(&self) -> chrono::DateTime<chrono::FixedOffset> {
        let clock: &dyn Clock = self.clock.as_ref();
        clock.now()
    }

    /// Delivers every due outbox row now (mail to this test's SMTP capture, directory rows to
    /// LDAP) and returns once none is due; rows whose target is down stay pending and are
    /// listed in the report. Use it instead of sleeping: after it, what the app will ever send
    /// for what happened so far has been sent (or is recorded as failed).
    pub async fn drain_outbox(&self) -> DrainReport {
        match self.outbox.drain().await {
            Ok(report) => report,
            Err(e) => panic!("draining the outbox: {e}"),
        }
    }

    // ---- mail -----------------------------------------------------------------------------

    /// Waits for a mail to `address` (the latest one) in this test's SMTP capture.
    pub async fn wait_for_mail_to(&self, address: &str) -> CapturedMail {
        self.smtp.wait_for_mail_to(address, MAIL_TIMEOUT).await
    }

    // ---- the journey, step by step ----------------------------------------------------------

    /// Step 1: `GET /inscription`, then posts the user's sign-up form.
    pub async fn signup(&self, user: &TestUser) -> TestResponse {
        self.signup_with(&user.signup_form()).await
    }

    /// Step 1 with an arbitrary form.
    pub async fn signup_with(&self, form: &Form) -> TestResponse {
        self.get("/inscription").await.assert_status(200);
        self.post_form("/inscription", form).await
    }

    /// Step 3: waits for the confirmation mail (by its subject: the address may have had other
    /// mail, e.g. a BAL ORG invitation), takes the link of its text part, opens it (`GET`, a
    /// page with a button) and presses the button (`POST`). Returns the POST answer.
    pub async fn confirm_email_from_mail(&self, email: &str) -> TestResponse {
        let mail = self
            .wait_for_mail_with_subject(email, "Confirmez votre adresse mail")
            .await;
        let path = self.confirmation_path(&mail);
        self.get(&path).await.assert_status(200);
        self.post_form(&path, &Form::new()).await
    }

    /// The path (`/confirmation/{token}`) of the confirmation link of a mail; checks the link
    /// is absolute and points at this app.
    #[track_caller]
    pub fn confirmation_path(&self, mail: &CapturedMail) -> String {
        let Some(link) = mail.confirmation_link() else {
            panic!(
                "no confirmation link in the text part of the mail:\n{}",
                mail.text()
            );
        };
        let Some(path) = link.strip_prefix(&self.address) else {
            panic!("link {link} does not start with {}", self.address);
        };
        path.to_owned()
    }

    /// Sign-up and email confirmation, asserting each answer.
    pub async fn register_confirmed(&self, user: &TestUser) {
        self.signup(user)
            .await
            .assert_redirect_to("/inscription/email-envoye");
        self.confirm_email_from_mail(&user.email)
            .await
            .assert_redirect_to("/connexion?confirme=1");
    }

    /// `GET /connexion`, then posts the credentials. An administrator (the sign-in lands on
    /// `/admin`) then passes the second factor as a person would (see
    /// [`TestApp::pass_second_factor`]), so that tests about other things get a working
    /// console; the sign-in's own answer is returned. [`TestApp::login_only`] stops before.
    pub async fn login(&self, email: &str, password: &str) -> TestResponse {
        let response = self.login_only(email, password).await;
        if response.status == 303 && response.location().as_deref() == Some("/admin") {
            self.pass_second_factor(email).await;
        }
        response
    }

    /// `GET /connexion`, then posts the credentials, and nothing more.
    pub async fn login_only(&self, email: &str, password: &str) -> TestResponse {
        self.get("/connexion").await.assert_status(200);
        self.post_form(
            "/connexion",
            &[("email", email), ("mot_de_passe", password)],
        )
        .await
    }

    /// Opens `/admin` and, when sent to the second factor, enrols one (a code computed from
    /// the secret shown on the page) or types the code of a step not used yet (the secret read
    /// back from the database with the test key). Returns the recovery codes of an enrolment.
    pub async fn pass_second_factor(&self, email: &str) -> Vec<String> {
        let console = self.get("/admin").await;
        match console.location().as_deref() {
            Some(ENROL_PATH) => self.enrol_second_factor().await,
            Some(CODE_PATH) => {
                let code = self.unused_totp_code(email).await;
                self.get(CODE_PATH).await.assert_status(200);
                self.post_form(CODE_PATH, &[("code", code.as_str())])
                    .await
                    .assert_redirect_to("/admin");
                Vec::new()
            }
            // Passed already (Pro Santé Connect), or not an administrator.
            _ => Vec::new(),
        }
    }

    /// `GET` the enrolment page, confirm with the current code of the secret it shows, and
    /// return the recovery codes of the answer.
    pub async fn enrol_second_factor(&self) -> Vec<String> {
        let page = self.get(ENROL_PATH).await;
        page.assert_status(200);
        let secret = enrolment_secret(&page);
        let code = totp_code(&secret, self.now().timestamp());
        let done = self.post_form(ENROL_PATH, &[("code", code.as_str())]).await;
        done.assert_status(200);
        let codes = html::texts(&done.body, "ul.recovery-codes code");
        assert_eq!(codes.len(), 10, "{}", done.body);
        codes
    }

    /// A code of this browser's administrator for a time step the app accepts now (one either
    /// side of the current one) and that is later than the last one used. When all three were
    /// used (a fourth sign-in within 30 s), the clock moves on by one step.
    pub async fn unused_totp_code(&self, email: &str) -> String {
        let account_id = db::account(&self.db, email).await.id;
        let row = entities::admin_totp::Entity::find_by_id(account_id)
            .one(&self.db)
            .await
            .expect("read admin_totp")
            .expect("the administrator has a TOTP secret");
        let key = self
            .settings
            .mfa
            .encryption_key
            .as_ref()
            .expect("mfa.encryption_key in the test settings");
        let secret = mss_onboarding::auth::mfa::decrypt(key, account_id, &row.secret_encrypted)
            .expect("the stored secret opens with the test key")
            .base32();
        let step = row.last_used_step.unwrap_or(-1);
        let mut now = self.now().timestamp();
        if now / 30 < step {
            self.advance_clock(chrono::Duration::seconds(30));
            now += 30;
        }
        let next = (now / 30 - 1).max(step + 1);
        totp_code(&secret, next * 30)
    }

    pub async fn login_user(&self, user: &TestUser) -> TestResponse {
        self.login(&user.email, &user.password).await
    }

    /// Opens a signed-in page (to get the sign-out form), then `POST /deconnexion`.
    pub async fn logout(&self) -> TestResponse {
        self.get_following("/compte").await;
        self.post_form("/deconnexion", &Form::new()).await
    }

    /// Step 4: `GET /cgu`, then `decision=accepter`.
    pub async fn accept_cgu(&self) -> TestResponse {
        self.get("/cgu").await.assert_status(200);
        self.post_form("/cgu", &[("decision", "accepter")]).await
    }

    /// Step 4: `GET /cgu`, then `decision=refuser`.
    pub async fn refuse_cgu(&self) -> TestResponse {
        self.get("/cgu").await.assert_status(200);
        self.post_form("/cgu", &[("decision", "refuser")]).await
    }

    /// Step 5a: `GET /identification`, then `identifiant_national=answer` (`oui` or `non`).
    pub async fn answer_identification(&self, answer: &str) -> TestResponse {
        self.get("/identification").await.assert_status(200);
        self.post_form("/identification", &[("identifiant_national", answer)])
            .await
    }

    /// Step 5b: `GET /profil`, then posts `form`.
    pub async fn submit_profile(&self, form: &Form) -> TestResponse {
        self.get("/profil").await.assert_status(200);
        self.post_form("/profil", form).await
    }

    /// Registered, confirmed and signed in: the user stands at the CGU step.
    pub async fn signed_in_at_cgu(&self, user: &TestUser) {
        self.register_confirmed(user).await;
        self.login_user(user).await.assert_redirect_to("/cgu");
    }

    /// Signed in with the CGU accepted: the user stands at the identifier question.
    pub async fn signed_in_at_identification(&self, user: &TestUser) {
        self.signed_in_at_cgu(user).await;
        self.accept_cgu()
            .await
            .assert_redirect_to("/identification");
    }

    /// Signed in, CGU accepted, identifier question answered: the user stands at the profile.
    pub async fn signed_in_at_profile(&self, user: &TestUser, answer: &str) {
        self.signed_in_at_identification(user).await;
        self.answer_identification(answer)
            .await
            .assert_redirect_to("/profil");
    }

    /// The whole journey with a valid profile; the user ends signed in on `/compte`.
    pub async fn complete_journey(&self, user: &TestUser) {
        self.signed_in_at_profile(user, "oui").await;
        self.submit_profile(&user.profile_form())
            .await
            .assert_redirect_to("/compte");
    }

    // ---- administrators and decisions (issue 3) ---------------------------------------------

    /// Seeds an administrator: a confirmed account with `user`'s names, email and password
    /// (hashed with the app's argon2 settings, so it signs in like anyone), granted `scope`
    /// (`national`, `region:76`, `structure:<id>`), as `admin create` does. Returns its id.
    pub async fn make_admin(&self, user: &TestUser, scope: &str) -> i32 {
        let hasher = mss_onboarding::auth::password::PasswordHasher::new(&self.settings.auth)
            .expect("password hasher");
        let hash = hasher
            .hash(secrecy::SecretString::from(user.password.clone()))
            .await
            .expect("hash the admin's password");
        let now = self.now();
        let account = entities::account::ActiveModel {
            email: Set(user.email.to_lowercase()),
            password_hash: Set(Some(hash)),
            nom: Set(user.nom.clone()),
            prenom: Set(user.prenom.clone()),
            email_confirmed_at: Set(Some(now)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&self.db)
        .await
        .expect("insert the admin's account");
        self.grant_admin(account.id, scope).await;
        account.id
    }

    /// Grants `scope` to an existing account.
    pub async fn grant_admin(&self, account_id: i32, scope: &str) {
        entities::admin::ActiveModel {
            account_id: Set(account_id),
            scope: Set(scope.to_owned()),
            created_at: Set(self.now()),
            ..Default::default()
        }
        .insert(&self.db)
        .await
        .expect("insert the admin row");
    }

    /// A new browser on this app, signed in as `user`; asserts the sign-in redirects to
    /// `landing` (`/admin` for administrators).
    pub async fn sign_in_as(&self, user: &TestUser, landing: &str) -> TestApp {
        let browser = self.another_visitor();
        browser.login_user(user).await.assert_redirect_to(landing);
        browser
    }

    /// A national administrator, signed in on a new browser: `(browser, admin account id)`.
    pub async fn national_admin(&self) -> (TestApp, i32) {
        self.admin_with_scope("national").await
    }

    /// An administrator of `scope`, signed in on a new browser: `(browser, admin account id)`.
    pub async fn admin_with_scope(&self, scope: &str) -> (TestApp, i32) {
        let admin = TestUser::generate();
        let id = self.make_admin(&admin, scope).await;
        (self.sign_in_as(&admin, "/admin").await, id)
    }

    /// A new browser that walks the whole journey as `user` (identifier answer `answer`,
    /// profile `profile`) and stays signed in on `/compte`: `(browser, account id)`.
    pub async fn pending_user(
        &self,
        user: &TestUser,
        answer: &str,
        profile: &Form,
    ) -> (TestApp, i32) {
        let browser = self.another_visitor();
        browser.signed_in_at_profile(user, answer).await;
        browser
            .submit_profile(profile)
            .await
            .assert_redirect_to("/compte");
        let id = db::account(&self.db, &user.email).await.id;
        (browser, id)
    }

    /// Inserts an account that finished the journey (confirmed, CGU not recorded, profile
    /// submitted `seed.waiting` ago), as an import would; returns its id. No password: it
    /// cannot sign in.
    pub async fn seed_pending(&self, seed: &SeedAccount) -> i32 {
        let now = self.now();
        let submitted = now - seed.waiting;
        let account = entities::account::ActiveModel {
            email: Set(seed.email.to_lowercase()),
            password_hash: Set(None),
            nom: Set(seed.nom.clone()),
            prenom: Set(seed.prenom.clone()),
            email_confirmed_at: Set(Some(submitted)),
            bal_type: Set(Some(seed.bal_type.clone())),
            profile_submitted_at: Set(Some(submitted)),
            created_at: Set(submitted),
            updated_at: Set(submitted),
            ..Default::default()
        }
        .insert(&self.db)
        .await
        .expect("insert the seeded account");
        entities::account_profile::ActiveModel {
            account_id: Set(account.id),
            telephone1: Set(Some("+33561600203".into())),
            telephone2: Set(None),
            activite_liberale: Set(false),
            profession: Set(seed.profession.clone()),
            specialite: Set(None),
            type_identifiant: Set(seed.rpps.as_ref().map(|_| "RPPS".to_owned())),
            identifiant: Set(seed.rpps.clone()),
            raison_sociale: Set(Some("Pharmacie du Centre".into())),
            service: Set(Some("Officine".into())),
            adresse: Set(Some("1 place de la Mairie".into())),
            code_postal: Set(seed.code_postal.clone()),
            ville: Set(seed.ville.clone()),
            departement: Set(seed.departement.clone()),
            region: Set(seed.region.clone()),
            annuaire_medimail: Set(seed.annuaire_medimail),
            annuaire_mssante: Set(seed.annuaire_mssante),
            dematerialisation: Set(true),
            notification_reception: Set(true),
            updated_at: Set(submitted),
            identifiant_structure: Set(seed.identifiant_structure.clone()),
            // Columns added later (new profile fields) stay NULL.
            ..Default::default()
        }
        .insert(&self.db)
        .await
        .expect("insert the seeded profile");
        account.id
    }

    /// Opens `/admin/comptes/{id}` (200, for its forms' CSRF token), then presses
    /// "Valider le compte". Returns the POST answer.
    pub async fn validate_account(&self, id: i32) -> TestResponse {
        self.get(&format!("/admin/comptes/{id}"))
            .await
            .assert_status(200);
        self.post_form(&format!("/admin/comptes/{id}/valider"), &Form::new())
            .await
    }

    /// Opens `/admin/comptes/{id}` (200), then posts the rejection form with `motif`.
    pub async fn reject_account(&self, id: i32, motif: &str) -> TestResponse {
        self.get(&format!("/admin/comptes/{id}"))
            .await
            .assert_status(200);
        self.post_form(&format!("/admin/comptes/{id}/rejeter"), &[("motif", motif)])
            .await
    }

    /// Runs the reminder job now, as the worker's daily tick would.
    pub async fn run_reminders(&self) -> Option<mss_onboarding::services::reminders::Report> {
        self.outbox.remind().await.expect("run the reminders")
    }

    /// Waits for a mail to `address` whose subject contains `subject`; returns the latest.
    pub async fn wait_for_mail_with_subject(&self, address: &str, subject: &str) -> CapturedMail {
        let deadline = std::time::Instant::now() + MAIL_TIMEOUT;
        loop {
            if let Some(mail) = self
                .smtp
                .messages_to(address)
                .into_iter()
                .rev()
                .find(|m| m.subject.contains(subject))
            {
                return mail;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no mail to {address} with a subject containing {subject:?} within {MAIL_TIMEOUT:?}; \
                 mails: {:#?}",
                self.smtp
                    .messages()
                    .iter()
                    .map(|m| (&m.to, &m.subject))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Assertions on what a drain did; `app.drain_outbox().await.assert_delivered()` fails at the
/// test's line.
pub trait DrainReportExt {
    /// Fails the test if any outbox row stayed pending (its target was down).
    fn assert_delivered(&self) -> &Self;
}

impl DrainReportExt for DrainReport {
    #[track_caller]
    fn assert_delivered(&self) -> &Self {
        assert!(
            self.pending.is_empty(),
            "outbox rows still pending after a drain: {:#?}",
            self.pending
        );
        self
    }
}

/// What a run of the `mss-onboarding` binary printed.
#[derive(Debug, Clone)]
pub struct CliOutput {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

impl CliOutput {
    /// Panics with both outputs unless the command succeeded.
    #[track_caller]
    pub fn assert_success(&self) -> &Self {
        assert!(
            self.success,
            "the command failed;\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

impl TestApp {
    /// Runs the real binary (`mss-onboarding {args}`) from the repository root, so it reads
    /// `config/default.toml`, with `MSS__…` variables pointing it at this app's database and
    /// directory settings (and the app's cheap argon2 costs). `stdin` is written to its standard
    /// input. Runs on the blocking pool: the app keeps serving meanwhile.
    pub async fn run_cli(&self, args: &[&str], stdin: Option<&str>) -> CliOutput {
        self.run_cli_with(args, stdin, &[]).await
    }

    /// [`TestApp::run_cli`] with `extra` `MSS__…` variables on top (e.g. another log level).
    pub async fn run_cli_with(
        &self,
        args: &[&str],
        stdin: Option<&str>,
        extra: &[(&str, &str)],
    ) -> CliOutput {
        use secrecy::ExposeSecret;
        use std::io::Write;
        use std::process::{Command, Stdio};

        let s = &self.settings;
        let mut env: Vec<(&str, String)> = vec![
            ("MSS__DATABASE__URL", s.database.url.clone()),
            ("MSS__DATABASE__MAX_CONNECTIONS", "2".into()),
            ("MSS__LOG__LEVEL", "warn".into()),
            (
                "MSS__AUTH__ARGON2_MEMORY_KIB",
                s.auth.argon2_memory_kib.to_string(),
            ),
            (
                "MSS__AUTH__ARGON2_ITERATIONS",
                s.auth.argon2_iterations.to_string(),
            ),
            (
                "MSS__AUTH__ARGON2_PARALLELISM",
                s.auth.argon2_parallelism.to_string(),
            ),
            ("MSS__DIRECTORY__ENABLED", s.directory.enabled.to_string()),
            ("MSS__DIRECTORY__URL", s.directory.url.to_string()),
            ("MSS__DIRECTORY__BIND_DN", s.directory.bind_dn.clone()),
            (
                "MSS__DIRECTORY__BIND_PASSWORD",
                s.directory.bind_password.expose_secret().to_owned(),
            ),
            ("MSS__DIRECTORY__BASE_DN", s.directory.base_dn.clone()),
            (
                "MSS__DIRECTORY__TIMEOUT_SECS",
                s.directory.timeout_secs.to_string(),
            ),
        ];
        env.retain(|(key, _)| !extra.iter().any(|(k, _)| k == key));
        env.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
        let mut command = Command::new(env!("CARGO_BIN_EXE_mss-onboarding"));
        command
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env_remove("RUST_LOG")
            .envs(env)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let stdin = stdin.map(str::to_owned);
        let label = format!("mss-onboarding {}", args.join(" "));
        let output = tokio::task::spawn_blocking(move || {
            let mut child = command
                .spawn()
                .unwrap_or_else(|e| panic!("cannot run {label}: {e}"));
            let mut pipe = child.stdin.take().expect("stdin pipe");
            if let Some(text) = stdin {
                pipe.write_all(text.as_bytes()).expect("write stdin");
            }
            drop(pipe);
            child.wait_with_output().expect("wait for the command")
        })
        .await
        .expect("the command's task");
        CliOutput {
            success: output.status.success(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl TestApp {
    /// Starts the real binary (`serve`, see [`ServeProcess`]) on this app's database and SMTP
    /// capture, with this app's argon2 costs, then `extra` `MSS__…` variables on top.
    pub async fn spawn_process(&self, extra: &[(&str, &str)]) -> ServeProcess {
        let s = &self.settings;
        let mut env: Vec<(String, String)> = vec![
            ("MSS__DATABASE__URL".into(), s.database.url.clone()),
            ("MSS__MAIL__SMTP_PORT".into(), s.mail.smtp_port.to_string()),
            ("MSS__MAIL__FROM".into(), s.mail.from.clone()),
            (
                "MSS__AUTH__ARGON2_MEMORY_KIB".into(),
                s.auth.argon2_memory_kib.to_string(),
            ),
            (
                "MSS__AUTH__ARGON2_ITERATIONS".into(),
                s.auth.argon2_iterations.to_string(),
            ),
        ];
        env.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        ServeProcess::start(&env).await
    }

    /// A new browser (own cookies) on `process`, with the journey helpers; database reads and
    /// the SMTP capture are this app's.
    pub fn browser_at(&self, process: &ServeProcess) -> TestApp {
        let mut browser = self.visitor_with(browser());
        browser.address.clone_from(&process.address);
        browser.port = process.port;
        browser
    }

    /// A new browser (own cookies) talking to `base` (e.g. a TLS proxy in front of processes),
    /// trusting any certificate: the proxy's is self-signed.
    pub fn browser_through(&self, base: &str) -> TestApp {
        let cookies = Arc::new(Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(cookies.clone())
            .redirect(reqwest::redirect::Policy::none())
            .danger_accept_invalid_certs(true)
            .timeout(Duration::from_secs(30))
            .build()
            .expect("build the HTTP client");
        let mut browser = self.visitor_with((client, cookies));
        base.clone_into(&mut browser.address);
        browser.port = base
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("a base URL with a port");
        browser
    }

    /// This browser (same cookies, so the same session) talking to `process` instead.
    pub fn same_browser_at(&self, process: &ServeProcess) -> TestApp {
        let mut browser = self.visitor_with((self.client.clone(), self.cookies.clone()));
        browser.address.clone_from(&process.address);
        browser.port = process.port;
        browser
    }
}

/// Polls `check` every 50 ms until it returns `Some`, failing the test with `what` after
/// `timeout`.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = std::time::Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
