//! A Pro Santé Connect simulator per test: `node tests/psc/server.js`, a real certified OpenID
//! Connect provider (npm `oidc-provider`) configured like PSC (issuer path
//! `/auth/realms/esante-wallet`, metadata also at `wallet-openid-configuration`, authorization
//! endpoint advertised on `localhost` while everything else is on `127.0.0.1`, RS256, `acr`
//! `eidas1`, scopes `openid scope_all`, PKCE S256 required, `client_secret_basic`,
//! RP-initiated logout). It runs as a child process on a free port, killed when dropped.
//!
//! Its dev login form accepts any password; the login picks a test identity
//! (`tests/psc/identities.js`): `pharma:<rpps>`, `kit:<rpps>`, `edit:<EDIT id>`, optionally with
//! `?given_name=…&family_name=…&email=…` overrides. [`identity_claims`] gives the userinfo
//! claims the simulator sends for a login, for assertions.
//!
//! [`PscBrowser`] plays the user at the provider: given the app's authorization redirect (the
//! `Location` of `GET /psc/connexion`), it goes through the login and consent forms and returns
//! the redirect back to the app (`…/psc/retour?code=…&state=…`), which the test then GETs with
//! the app's own client.
//!
//! `tests/psc/node_modules` is installed by `.ci/run` (`npm ci`); when it is missing, the first
//! simulator of the run installs it.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::cookie::Jar;
use reqwest::header::{CONTENT_TYPE, LOCATION, SET_COOKIE};
use reqwest::{Client, Url};
use scraper::{Html, Selector};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tempfile::TempDir;
use uuid::Uuid;

/// PSC's realm path, under which the issuer and every endpoint live.
pub use crate::support::fixtures::unique_rpps;

pub const REALM_PATH: &str = "/auth/realms/esante-wallet";
/// The app's redirect path (issue 4).
pub const DEFAULT_REDIRECT_PATH: &str = "/psc/retour";
/// Client whose userinfo is plain JSON.
pub const JSON_CLIENT_ID: &str = "mss-json";
/// Client whose userinfo is a signed JWT (`application/jwt`, RS256).
pub const JWT_CLIENT_ID: &str = "mss-jwt";
/// What the simulator prints once it listens.
const READY_MARKER: &str = "PSC_SIMULATOR_READY ";
/// Generous: on a loaded two-core machine, dozens of simulators start at once with the suite.
const START_TIMEOUT: Duration = Duration::from_secs(90);
const HTTP_TIMEOUT: Duration = Duration::from_secs(30);

/// Values of the `pharma:<rpps>` identity (tests/psc/identities/pharma.json).
pub mod pharma {
    pub const GIVEN_NAME: &str = "CLAIRE";
    pub const FAMILY_NAME: &str = "MARTIN";
    pub const CODE_PROFESSION: &str = "21";
    pub const RAISON_SOCIALE: &str = "PHARMACIE DU CENTRE";
    pub const NUMERO_VOIE: &str = "12";
    pub const LIBELLE_VOIE: &str = "GRANDE RUE";
    pub const CODE_POSTAL: &str = "31620";
    pub const TELEPHONE: &str = "0561600203";
    pub const EMAIL: &str = "pharmacie.centre@example.fr";
    /// Luhn-valid test FINESS (département 31).
    pub const FINESS: &str = "310000005";
    pub const MODE_EXERCICE: &str = "L";
}

/// Values of the `kit:<rpps>` identity (tests/psc/identities/kit.json, domain.md §1.9).
pub mod kit {
    pub const GIVEN_NAME: &str = "KIT";
    /// `family_name` is this + RPPS digits 4 to 10 (99700427885 → DOC0042788).
    pub const FAMILY_NAME_PREFIX: &str = "DOC";
    pub const CODE_PROFESSION: &str = "10";
    pub const CODE_SAVOIR_FAIRE: &str = "SM26";
    /// First activity: libéral cabinet; its raison sociale is this + the name suffix.
    pub const CABINET_PREFIX: &str = "CABINET M DOC";
    pub const CABINET_CODE_POSTAL: &str = "75009";
    pub const CABINET_STRUCTURE_ID: &str = "R102671";
    /// Second activity: salarié at a hospital.
    pub const HOPITAL_RAISON_SOCIALE: &str = "HOPITAL GENERIQUE  FIN VARI";
    pub const HOPITAL_FINESS: &str = "0B0193488";
    pub const HOPITAL_CODE_POSTAL: &str = "75009";

    /// `family_name` (= `nomDexercice`) for `rpps`.
    pub fn family_name(rpps: &str) -> String {
        format!("{FAMILY_NAME_PREFIX}{}", &rpps[3..10])
    }
}

/// Values of the `edit:<id>` identity (tests/psc/identities/edit.json).
pub mod edit {
    /// An EDIT test identifier as ANS's EDIT tool generates them (not an RPPS).
    pub const SAMPLE_ID: &str = "ANS20231122132732";
    pub const GIVEN_NAME: &str = "Fistinien";
    pub const FAMILY_NAME: &str = "Grominoch";
    pub const CODE_PROFESSION: &str = "80";
    pub const CODE_POSTAL: &str = "75015";
}

/// A unique address for a new PSC user's email step.
pub fn unique_email() -> String {
    format!(
        "{}@exemple.fr",
        crate::support::fixtures::random_letters(12)
    )
}

/// The simulator login of a pharmacist test identity with this RPPS.
pub fn pharma_login(rpps: &str) -> String {
    format!("pharma:{rpps}")
}

/// A unique EDIT-like identifier (`ANS` + 14 digits).
pub fn unique_edit_id() -> String {
    format!("ANS{:014}", Uuid::new_v4().as_u128() % 100_000_000_000_000)
}

/// `idNatPs` of an RPPS: `8` + RPPS.
pub fn id_nat_ps(rpps: &str) -> String {
    format!("8{rpps}")
}

/// The PSC `sub` of an `idNatPs`: `f:<uuid derived from idNatPs>:<idNatPs>` (same derivation
/// as tests/psc/identities.js).
pub fn sub_for(id_nat_ps: &str) -> String {
    let hash: String = Sha256::digest(id_nat_ps.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!(
        "f:{}-{}-{}-{}-{}:{id_nat_ps}",
        &hash[0..8],
        &hash[8..12],
        &hash[12..16],
        &hash[16..20],
        &hash[20..32]
    )
}

fn psc_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/psc")
}

/// The userinfo claims the simulator sends for `login` (`pharma:<rpps>`, `kit:<rpps>`,
/// `edit:<id>`, optionally `?given_name=…&family_name=…&email=…`), `sub` included.
pub fn identity_claims(login: &str) -> Value {
    let (head, query) = login.split_once('?').unwrap_or((login, ""));
    let (template, id) = head
        .split_once(':')
        .unwrap_or_else(|| panic!("test identity {login:?}: expected <template>:<id>"));
    let id_nat_ps = match template {
        "kit" | "pharma" => {
            assert!(
                id.len() == 11 && id.bytes().all(|b| b.is_ascii_digit()),
                "test identity {login:?}: an RPPS has 11 digits"
            );
            id_nat_ps(id)
        }
        "edit" => id.to_owned(),
        other => panic!("unknown PSC test identity template {other:?}"),
    };
    let suffix = if id.len() == 11 && id.bytes().all(|b| b.is_ascii_digit()) {
        id[3..10].to_owned()
    } else {
        id.to_owned()
    };
    let path = psc_dir().join(format!("identities/{template}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
        .replace("@ID_NAT_PS@", &id_nat_ps)
        .replace("@SUB@", &sub_for(&id_nat_ps))
        .replace("@SUFFIX@", &suffix)
        .replace("@ID@", id);
    let mut claims: Value = serde_json::from_str(&text).expect("identity template is JSON");
    let overrides: Vec<(String, String)> =
        serde_urlencoded::from_str(query).expect("test identity overrides");
    for (key, value) in overrides {
        let exercices = claims["SubjectRefPro"]["exercices"]
            .as_array_mut()
            .expect("SubjectRefPro.exercices");
        let mut set_all = |field: &str, in_activities: bool| {
            for exercice in exercices.iter_mut() {
                if in_activities {
                    for activity in exercice["activities"].as_array_mut().expect("activities") {
                        activity[field] = Value::from(value.as_str());
                    }
                } else {
                    exercice[field] = Value::from(value.as_str());
                }
            }
        };
        match key.as_str() {
            "given_name" => set_all("prenomDexercice", false),
            "family_name" => set_all("nomDexercice", false),
            "email" => set_all("adresseEMail", true),
            other => panic!("unknown test identity override {other:?}"),
        }
        if matches!(key.as_str(), "given_name" | "family_name") {
            claims[key.as_str()] = Value::from(value.as_str());
        }
    }
    claims
}

/// One of the two registered clients.
#[derive(Debug, Clone)]
pub struct PscClient {
    pub client_id: String,
    pub client_secret: String,
}

/// How the simulator registers the clients' redirect URIs.
#[derive(Debug, Clone)]
pub struct PscOptions {
    /// `redirect_uris` of both clients.
    pub redirect_uris: Vec<String>,
    /// `post_logout_redirect_uris` of both clients.
    pub post_logout_redirect_uris: Vec<String>,
    /// A registered URI on a loopback host also matches on any port (so the simulator can
    /// start before the app whose port it does not know yet).
    pub any_loopback_port: bool,
}

impl Default for PscOptions {
    /// `http://127.0.0.1:<any port>/psc/retour`, post-logout `http://127.0.0.1:<any port>/`.
    fn default() -> Self {
        Self {
            redirect_uris: vec![format!("http://127.0.0.1{DEFAULT_REDIRECT_PATH}")],
            post_logout_redirect_uris: vec!["http://127.0.0.1/".into()],
            any_loopback_port: true,
        }
    }
}

/// One running simulator.
pub struct PscSimulator {
    pub port: u16,
    /// `http://127.0.0.1:{port}/auth/realms/esante-wallet`.
    pub issuer: String,
    /// PSC's metadata URL: `{issuer}/.well-known/wallet-openid-configuration` (what
    /// `psc.discovery_url` points to).
    pub discovery_url: String,
    /// `{issuer}/.well-known/openid-configuration` (same JSON).
    pub standard_discovery_url: String,
    /// As advertised: on `localhost`, not on the issuer's host.
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub userinfo_endpoint: String,
    pub jwks_uri: String,
    pub end_session_endpoint: String,
    /// `mss-json`: userinfo as JSON.
    pub json_client: PscClient,
    /// `mss-jwt`: userinfo as a signed JWT.
    pub jwt_client: PscClient,
    pub options: PscOptions,
    dir: TempDir,
    child: Mutex<Option<Child>>,
}

impl PscSimulator {
    /// Clients registered with exactly these URIs.
    pub async fn start(redirect_uris: &[&str], post_logout_redirect_uris: &[&str]) -> Self {
        Self::start_with(PscOptions {
            redirect_uris: redirect_uris.iter().map(|s| s.to_string()).collect(),
            post_logout_redirect_uris: post_logout_redirect_uris
                .iter()
                .map(|s| s.to_string())
                .collect(),
            any_loopback_port: false,
        })
        .await
    }

    /// Clients registered with these URIs, matched on any port when the host is a loopback one
    /// (write them without a port: `http://127.0.0.1/psc/retour`).
    pub async fn start_any_port(
        redirect_uris: &[&str],
        post_logout_redirect_uris: &[&str],
    ) -> Self {
        Self::start_with(PscOptions {
            redirect_uris: redirect_uris.iter().map(|s| s.to_string()).collect(),
            post_logout_redirect_uris: post_logout_redirect_uris
                .iter()
                .map(|s| s.to_string())
                .collect(),
            any_loopback_port: true,
        })
        .await
    }

    /// [`PscOptions::default`]: `/psc/retour` and `/` on 127.0.0.1, any port.
    pub async fn start_default() -> Self {
        Self::start_with(PscOptions::default()).await
    }

    pub async fn start_with(options: PscOptions) -> Self {
        ensure_node_modules();
        let dir = tempfile::Builder::new()
            .prefix("psc-simulator-")
            .tempdir()
            .expect("create the simulator folder");
        let json_client = PscClient {
            client_id: JSON_CLIENT_ID.into(),
            client_secret: format!("json-{}", Uuid::new_v4().simple()),
        };
        let jwt_client = PscClient {
            client_id: JWT_CLIENT_ID.into(),
            client_secret: format!("jwt-{}", Uuid::new_v4().simple()),
        };
        let log_path = dir.path().join("simulator.log");
        let log = std::fs::File::create(&log_path).expect("create the simulator log");
        let mut command = Command::new("node");
        command
            .current_dir(psc_dir())
            .arg("server.js")
            .args(["--port", "0", "--host", "127.0.0.1"])
            .arg("--redirect-uris")
            .arg(options.redirect_uris.join(","))
            .env("PSC_JSON_CLIENT_SECRET", &json_client.client_secret)
            .env("PSC_JWT_CLIENT_SECRET", &jwt_client.client_secret)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone the log handle"))
            .stderr(log);
        if !options.post_logout_redirect_uris.is_empty() {
            command
                .arg("--post-logout-redirect-uris")
                .arg(options.post_logout_redirect_uris.join(","));
        }
        if options.any_loopback_port {
            command.arg("--any-loopback-port");
        }
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run node (apt-get install nodejs npm): {e}"));
        let mut simulator = Self {
            port: 0,
            issuer: String::new(),
            discovery_url: String::new(),
            standard_discovery_url: String::new(),
            authorization_endpoint: String::new(),
            token_endpoint: String::new(),
            userinfo_endpoint: String::new(),
            jwks_uri: String::new(),
            end_session_endpoint: String::new(),
            json_client,
            jwt_client,
            options,
            dir,
            child: Mutex::new(Some(child)),
        };
        let ready = simulator.wait_until_ready().await;
        simulator.port = ready["port"].as_u64().expect("ready port") as u16;
        simulator.issuer = ready["issuer"].as_str().expect("ready issuer").to_owned();
        simulator.discovery_url = ready["discovery_url"]
            .as_str()
            .expect("ready discovery_url")
            .to_owned();
        simulator.standard_discovery_url =
            format!("{}/.well-known/openid-configuration", simulator.issuer);
        let metadata = simulator.metadata().await;
        let endpoint = |name: &str| {
            metadata[name]
                .as_str()
                .unwrap_or_else(|| panic!("metadata without {name}: {metadata}"))
                .to_owned()
        };
        simulator.authorization_endpoint = endpoint("authorization_endpoint");
        simulator.token_endpoint = endpoint("token_endpoint");
        simulator.userinfo_endpoint = endpoint("userinfo_endpoint");
        simulator.jwks_uri = endpoint("jwks_uri");
        simulator.end_session_endpoint = endpoint("end_session_endpoint");
        simulator
    }

    /// Waits for the ready line; panics with the log when node exits or takes too long.
    async fn wait_until_ready(&self) -> Value {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(line) = self
                .log()
                .lines()
                .find_map(|l| l.strip_prefix(READY_MARKER))
            {
                return serde_json::from_str(line).expect("ready line is JSON");
            }
            assert!(
                self.is_running(),
                "the PSC simulator exited:\n{}",
                self.log()
            );
            assert!(
                Instant::now() < deadline,
                "the PSC simulator did not start within {START_TIMEOUT:?}:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The client of `client_id`.
    pub fn client(&self, client_id: &str) -> &PscClient {
        match client_id {
            JSON_CLIENT_ID => &self.json_client,
            JWT_CLIENT_ID => &self.jwt_client,
            other => panic!("the simulator has no client {other:?}"),
        }
    }

    /// The metadata as served at PSC's `wallet-openid-configuration` path.
    pub async fn metadata(&self) -> Value {
        get_json(&self.discovery_url).await
    }

    /// `http://127.0.0.1:{port}` and `http://localhost:{port}`.
    pub fn origins(&self) -> Vec<String> {
        vec![
            format!("http://127.0.0.1:{}", self.port),
            format!("http://localhost:{}", self.port),
        ]
    }

    /// A fresh browser (own cookies) for this provider's pages.
    pub fn browser(&self) -> PscBrowser {
        PscBrowser::new(&self.origins())
    }

    /// What the simulator saw so far, oldest first: objects with a `type` among `login`,
    /// `login.refused`, `authorization`, `token`, `userinfo`, `end_session`,
    /// `end_session_confirm` and the provider's `*.error` / `server_error` events.
    pub async fn events(&self) -> Vec<Value> {
        let events = get_json(&format!("http://127.0.0.1:{}/_simulator/events", self.port)).await;
        events.as_array().cloned().unwrap_or_default()
    }

    /// The events of one `type`.
    pub async fn events_of(&self, kind: &str) -> Vec<Value> {
        self.events()
            .await
            .into_iter()
            .filter(|e| e["type"] == kind)
            .collect()
    }

    /// node's output so far (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("simulator.log")).unwrap_or_default()
    }

    pub fn is_running(&self) -> bool {
        self.child
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// Kills node ("PSC unreachable" from then on).
    pub fn stop(&self) {
        let child = self.child.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(mut child) = child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for PscSimulator {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `npm ci` in tests/psc when `.ci/run` has not done it (a developer's first run).
fn ensure_node_modules() {
    static INSTALL: Mutex<()> = Mutex::new(());
    let _guard = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = psc_dir();
    if dir.join("node_modules/oidc-provider/package.json").exists() {
        return;
    }
    let output = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run npm (apt-get install npm): {e}"));
    assert!(
        output.status.success(),
        "`npm ci` in tests/psc failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

async fn get_json(url: &str) -> Value {
    let response = Client::builder()
        .timeout(HTTP_TIMEOUT)
        .build()
        .expect("build the HTTP client")
        .get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    assert!(status.is_success(), "GET {url} answered {status}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {url}: not JSON ({e}): {body}"))
}

// ---- the user at the provider ---------------------------------------------------------------

/// A browser at the provider: its own cookie jar, never follows redirects by itself. Every URL
/// on one of `provider_origins` is followed; the first redirect elsewhere (the app) ends a
/// step and is returned, absolute. Keep one `PscBrowser` per simulated person: a second
/// sign-in with the same one finds the PSC session and skips the login form, as PSC does.
pub struct PscBrowser {
    pub client: Client,
    pub cookies: Arc<Jar>,
    provider_origins: Vec<String>,
    /// `METHOD url → status` of every request so far (for failure messages).
    trail: Mutex<Vec<String>>,
}

/// A page of the provider, read in full.
struct Page {
    url: Url,
    status: u16,
    location: Option<Url>,
    body: String,
}

/// A form of a page: absolute action, and the values of its hidden inputs.
#[derive(Debug)]
struct PageForm {
    action: Url,
    hidden: Vec<(String, String)>,
    has_login: bool,
}

impl PscBrowser {
    pub fn new(provider_origins: &[String]) -> Self {
        let cookies = Arc::new(Jar::default());
        let client = Client::builder()
            .cookie_provider(cookies.clone())
            .redirect(reqwest::redirect::Policy::none())
            .timeout(HTTP_TIMEOUT)
            .build()
            .expect("build the HTTP client");
        Self {
            client,
            cookies,
            provider_origins: provider_origins
                .iter()
                .map(|o| o.trim_end_matches('/').to_owned())
                .collect(),
            trail: Mutex::new(Vec::new()),
        }
    }

    /// Signs in at the provider from the app's authorization redirect: follows the provider's
    /// redirects, fills the login form with `login` (any password) and accepts the consent form
    /// when they appear. Returns the redirect back to the app (`…/psc/retour?code=…&state=…`).
    pub async fn sign_in(&self, authorization_url: &str, login: &str) -> String {
        let mut page = self.get(parse_url(authorization_url)).await;
        for _ in 0..20 {
            if let Some(next) = page.location.clone() {
                if !self.is_provider(&next) {
                    return next.to_string();
                }
                page = self.get(next).await;
                continue;
            }
            self.assert_ok(&page);
            let forms = forms_of(&page);
            if let Some(form) = forms.iter().find(|f| f.has_login) {
                let mut fields = form.hidden.clone();
                fields.push(("login".into(), login.into()));
                fields.push(("password".into(), "mot-de-passe-quelconque".into()));
                page = self.post(form.action.clone(), &fields).await;
            } else if let Some(form) = forms.iter().find(|f| {
                f.hidden
                    .iter()
                    .any(|(n, v)| n == "prompt" && v == "consent")
            }) {
                page = self.post(form.action.clone(), &form.hidden).await;
            } else {
                self.fail(&page, "neither a login nor a consent form");
            }
        }
        self.fail(&page, "too many steps at the provider");
    }

    /// Follows the authorization redirect up to the login form and cancels there (the
    /// "[ Cancel ]" link). Returns the redirect back to the app (`…?error=access_denied&…`).
    pub async fn cancel(&self, authorization_url: &str) -> String {
        let mut page = self.get(parse_url(authorization_url)).await;
        for _ in 0..10 {
            match page.location.clone() {
                Some(next) if !self.is_provider(&next) => return next.to_string(),
                Some(next) => page = self.get(next).await,
                None => {
                    self.assert_ok(&page);
                    let abort = attr_values(&page.body, "a[href]", "href")
                        .into_iter()
                        .find(|h| h.contains("/abort"))
                        .unwrap_or_else(|| self.fail(&page, "no cancel link"));
                    let abort = page.url.join(&abort).expect("abort URL");
                    page = self.get(abort).await;
                }
            }
        }
        self.fail(&page, "too many steps at the provider");
    }

    /// RP-initiated logout from the app's redirect to the `end_session_endpoint`: confirms on
    /// the logout page ("Oui, me déconnecter"). Returns the provider's redirect (the
    /// registered `post_logout_redirect_uri` with `state`), or the provider's own "déconnecté"
    /// page URL when the app sent no post-logout URI.
    pub async fn confirm_logout(&self, end_session_url: &str) -> String {
        let page = self.get(parse_url(end_session_url)).await;
        if let Some(next) = &page.location {
            return next.to_string();
        }
        self.assert_ok(&page);
        let forms = forms_of(&page);
        let form = forms
            .iter()
            .find(|f| f.hidden.iter().any(|(n, _)| n == "xsrf"))
            .unwrap_or_else(|| self.fail(&page, "no logout form"));
        let mut fields = form.hidden.clone();
        if !fields.iter().any(|(n, _)| n == "logout") {
            fields.push(("logout".into(), "yes".into()));
        }
        let page = self.post(form.action.clone(), &fields).await;
        match &page.location {
            Some(next) => next.to_string(),
            None => self.fail(&page, "the logout confirmation did not redirect"),
        }
    }

    fn is_provider(&self, url: &Url) -> bool {
        let origin = url.origin().ascii_serialization();
        self.provider_origins.contains(&origin)
    }

    async fn get(&self, url: Url) -> Page {
        let response = self
            .client
            .get(url.clone())
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        self.read("GET", url, response).await
    }

    async fn post(&self, url: Url, fields: &[(String, String)]) -> Page {
        let response = self
            .client
            .post(url.clone())
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(fields).expect("encode the form"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {url}: {e}"));
        self.read("POST", url, response).await
    }

    async fn read(&self, method: &str, url: Url, response: reqwest::Response) -> Page {
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .filter(|_| (300..400).contains(&status))
            .map(|l| {
                url.join(l)
                    .unwrap_or_else(|e| panic!("bad Location {l}: {e}"))
            });
        self.share_cookies(&url, &response);
        let body = response.text().await.unwrap_or_default();
        self.trail
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(format!("{method} {url} → {status}"));
        Page {
            url,
            status,
            location,
            body,
        }
    }

    /// PSC keeps one session across its `wallet.*` and `auth.*` hosts; here the two hosts are
    /// `localhost` and `127.0.0.1`, whose cookies a browser keeps apart. So a cookie the provider
    /// sets on one of its origins is also stored for the others: the sign-in session made on the
    /// authorization host is the one RP-initiated logout ends on the issuer host.
    fn share_cookies(&self, url: &Url, response: &reqwest::Response) {
        if !self.is_provider(url) {
            return;
        }
        for cookie in response.headers().get_all(SET_COOKIE) {
            let Ok(cookie) = cookie.to_str() else {
                continue;
            };
            for origin in &self.provider_origins {
                let other = parse_url(origin);
                if other.origin() != url.origin() {
                    self.cookies.add_cookie_str(cookie, &other);
                }
            }
        }
    }

    fn assert_ok(&self, page: &Page) {
        if page.status != 200 {
            self.fail(page, "unexpected status");
        }
    }

    fn fail(&self, page: &Page, what: &str) -> ! {
        let trail = self
            .trail
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .join("\n  ");
        let text = page_text(&page.body);
        panic!(
            "PSC browser: {what} at {} (status {}).\nRequests:\n  {trail}\nPage text: {text}",
            page.url, page.status
        );
    }
}

fn parse_url(url: &str) -> Url {
    Url::parse(url).unwrap_or_else(|e| panic!("not an absolute URL {url:?}: {e}"))
}

fn selector(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|e| panic!("bad CSS selector {css:?}: {e:?}"))
}

fn forms_of(page: &Page) -> Vec<PageForm> {
    let doc = Html::parse_document(&page.body);
    let hidden = selector("input[type=hidden][name]");
    let login = selector("input[name=login]");
    doc.select(&selector("form"))
        .map(|form| PageForm {
            action: page
                .url
                .join(form.value().attr("action").unwrap_or(""))
                .expect("form action"),
            hidden: form
                .select(&hidden)
                .map(|i| {
                    (
                        i.value().attr("name").unwrap_or_default().to_owned(),
                        i.value().attr("value").unwrap_or_default().to_owned(),
                    )
                })
                .collect(),
            has_login: form.select(&login).next().is_some(),
        })
        .collect()
}

fn attr_values(body: &str, css: &str, attr: &str) -> Vec<String> {
    let doc = Html::parse_document(body);
    doc.select(&selector(css))
        .filter_map(|e| e.value().attr(attr).map(str::to_owned))
        .collect()
}

fn page_text(body: &str) -> String {
    let doc = Html::parse_document(body);
    let text: Vec<&str> = doc
        .select(&selector("body"))
        .flat_map(|b| b.text())
        .collect();
    let text = text.join(" ");
    let collapsed: Vec<&str> = text.split_whitespace().collect();
    let collapsed = collapsed.join(" ");
    if collapsed.is_empty() {
        body.chars().take(2000).collect()
    } else {
        collapsed.chars().take(2000).collect()
    }
}

/// Path and query of an absolute URL (`/psc/retour?code=…&state=…`), for `TestApp::get`.
pub fn path_and_query(url: &str) -> String {
    let url = parse_url(url);
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    }
}

/// The value of query parameter `name` of an absolute URL.
pub fn query_param(url: &str, name: &str) -> Option<String> {
    parse_url(url)
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

// ---- the app with PSC -----------------------------------------------------------------------

/// Table of the identities linked to accounts.
pub const PSC_IDENTITIES: &str = "psc_identities";

impl PscSimulator {
    /// Points `settings.psc` at this simulator, signing in as `client_id` (`mss-json` or
    /// `mss-jwt`); redirect and post-logout URLs are left to their defaults (`{public_url}/…`).
    pub fn configure(&self, settings: &mut mss_onboarding::config::Settings, client_id: &str) {
        let client = self.client(client_id);
        settings.psc.enabled = true;
        settings.psc.discovery_url = self.discovery_url.parse().expect("discovery URL");
        settings.psc.client_id = client.client_id.clone();
        settings.psc.client_secret = secrecy::SecretString::from(client.client_secret.clone());
    }
}

/// An app signing in with `sim` as the `mss-json` client, then `customize` applied.
pub async fn spawn_app_with_psc(
    sim: &PscSimulator,
    customize: impl FnOnce(&mut mss_onboarding::config::Settings),
) -> crate::support::TestApp {
    crate::support::spawn_app_with(|settings| {
        sim.configure(settings, JSON_CLIENT_ID);
        customize(settings);
    })
    .await
}

impl crate::support::TestApp {
    /// `GET /psc/connexion`: asserts `303` and returns the authorization URL (absolute).
    pub async fn psc_authorization_url(&self) -> String {
        self.psc_start("/psc/connexion").await
    }

    /// `GET path` (`/psc/connexion`, `/psc/associer`): asserts `303` and returns `Location`.
    pub async fn psc_start(&self, path: &str) -> String {
        let response = self.get(path).await;
        response.assert_status(303);
        response
            .location()
            .unwrap_or_else(|| panic!("GET {path}: 303 without Location"))
    }

    /// The app's answer to PSC's redirect back (an absolute `…/psc/retour?…` URL).
    pub async fn psc_callback(&self, callback: &str) -> crate::support::TestResponse {
        assert!(
            callback.starts_with(&self.url("/psc/retour")),
            "PSC sent the browser elsewhere than the app's redirect URI: {callback}"
        );
        self.get(&path_and_query(callback)).await
    }

    /// A whole PSC sign-in from this browser: `GET /psc/connexion`, the provider's pages as
    /// `login` (skipped when `psc_browser` still has a PSC session), and the app's answer to the
    /// callback.
    pub async fn psc_sign_in(
        &self,
        psc_browser: &PscBrowser,
        login: &str,
    ) -> crate::support::TestResponse {
        let authorization = self.psc_authorization_url().await;
        let callback = psc_browser.sign_in(&authorization, login).await;
        self.psc_callback(&callback).await
    }

    /// A new PSC user signs up: callback → `/inscription/email`, gives `email` →
    /// `/inscription/email-envoye`, then follows the confirmation mail →
    /// `/connexion?confirme=1`. Returns the new account's id.
    pub async fn psc_register_confirmed(
        &self,
        psc_browser: &PscBrowser,
        login: &str,
        email: &str,
    ) -> i32 {
        self.psc_sign_in(psc_browser, login)
            .await
            .assert_redirect_to("/inscription/email");
        self.get("/inscription/email").await.assert_status(200);
        self.post_form("/inscription/email", &[("email", email)])
            .await
            .assert_redirect_to("/inscription/email-envoye");
        self.confirm_email_from_mail(email)
            .await
            .assert_redirect_to("/connexion?confirme=1");
        crate::support::db::account(&self.db, email).await.id
    }

    /// [`Self::psc_register_confirmed`], then signs in again with PSC and accepts the CGU: the
    /// user stands at `/profil`. Returns the account id.
    pub async fn psc_signed_in_at_profile(
        &self,
        psc_browser: &PscBrowser,
        login: &str,
        email: &str,
    ) -> i32 {
        let id = self.psc_register_confirmed(psc_browser, login, email).await;
        self.psc_sign_in(psc_browser, login)
            .await
            .assert_redirect_to("/cgu");
        self.accept_cgu().await.assert_redirect_to("/profil");
        id
    }

    /// Audit events `psc_refused`, whatever the account (most concern none), oldest first.
    pub async fn psc_refusals(&self) -> Vec<entities::audit_event::Model> {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        entities::audit_event::Entity::find()
            .filter(entities::audit_event::Column::Action.eq("psc_refused"))
            .order_by_asc(entities::audit_event::Column::Id)
            .all(&self.db)
            .await
            .expect("query audit_events")
    }

    /// The identity linked to account `id`, if any.
    pub async fn psc_identity_of(&self, id: i32) -> Option<entities::psc_identity::Model> {
        use sea_orm::EntityTrait;
        entities::psc_identity::Entity::find_by_id(id)
            .one(&self.db)
            .await
            .expect("query psc_identities")
    }

    /// The account a session cookie of this browser belongs to (`None` when signed out).
    pub async fn signed_in_account(&self) -> Option<i32> {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let raw = self
            .cookie_pairs()
            .into_iter()
            .find(|(name, _)| name == "mss_session")
            .map(|(_, value)| value)?;
        let hash: String = Sha256::digest(raw.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        entities::session::Entity::find()
            .filter(entities::session::Column::IdHash.eq(hash))
            .one(&self.db)
            .await
            .expect("query sessions")
            .map(|s| s.account_id)
    }
}

/// The fields a browser would submit with the `POST` form to `action` of the page: text-like
/// inputs, ticked checkboxes and radios, the selected option of each select (else its first),
/// textareas. The CSRF token is left out (`post_form` adds it).
pub fn form_as_submitted(body: &str, action: &str) -> crate::support::Form {
    let doc = Html::parse_document(body);
    let form = doc
        .select(&selector(&format!(
            "form[method=post][action=\"{action}\"]"
        )))
        .next()
        .unwrap_or_else(|| panic!("no POST form to {action} in the page:\n{body}"));
    let mut fields = crate::support::Form::new();
    let mut pairs: Vec<(String, String)> = Vec::new();
    for control in form.select(&selector("input[name], select[name], textarea[name]")) {
        let element = control.value();
        let name = element.attr("name").unwrap_or_default().to_owned();
        if name == "csrf_token" || element.attr("disabled").is_some() {
            continue;
        }
        match element.name() {
            "input" => {
                let kind = element.attr("type").unwrap_or("text");
                match kind {
                    "submit" | "button" | "reset" | "image" | "file" => {}
                    "checkbox" | "radio" => {
                        if element.attr("checked").is_some() {
                            pairs.push((name, element.attr("value").unwrap_or("on").to_owned()));
                        }
                    }
                    _ => pairs.push((name, element.attr("value").unwrap_or_default().to_owned())),
                }
            }
            "select" => {
                let options: Vec<_> = control.select(&selector("option")).collect();
                let chosen = options
                    .iter()
                    .find(|o| o.value().attr("selected").is_some())
                    .or(options.first());
                if let Some(option) = chosen {
                    let value = option.value().attr("value").map_or_else(
                        || option.text().collect::<String>().trim().to_owned(),
                        str::to_owned,
                    );
                    pairs.push((name, value));
                }
            }
            _ => pairs.push((name, control.text().collect())),
        }
    }
    for (name, value) in pairs {
        fields = fields.with(&name, value);
    }
    fields
}

/// The value shown read-only under `label` on `/profil` (what Pro Santé Connect asserts), or
/// `None` when that field is not read-only.
pub fn read_only(body: &str, label: &str) -> Option<String> {
    let labels = crate::support::html::texts(body, ".identifier-readonly dt");
    let values = crate::support::html::texts(body, ".identifier-readonly dd");
    labels
        .into_iter()
        .zip(values)
        .find(|(l, _)| l.trim() == label)
        .map(|(_, v)| v.trim().to_owned())
}
