//! A deliberately faulty OpenID Connect provider, in process (axum on a free port of
//! 127.0.0.1), for the relying-party checks of issue 4: a certified provider will not mint
//! broken tokens, this one does, one [`Fault`] at a time.
//!
//! It has PSC's shape: issuer `http://127.0.0.1:{port}/auth/realms/esante-wallet`, metadata at
//! `{issuer}/.well-known/wallet-openid-configuration` (and the standard path), the
//! authorization endpoint advertised on `localhost`, Keycloak-like endpoint paths, RS256 with
//! the test keys of `keys/`, `client_secret_basic` (`client_secret_post` also accepted, and
//! recorded as such), PKCE S256 required. `authorize` has no UI: it redirects straight back
//! with a code and the given `state`. Userinfo is JSON: the `pharma:<rpps>` identity of the PSC
//! simulator ([`super::psc::identity_claims`]).
//!
//! Everything the relying party sends is recorded ([`FaultyProvider::recorded`]).
//!
//! ```ignore
//! let op = FaultyProvider::start(Fault::WrongIss, &psc::unique_rpps()).await;
//! // app configured with op.discovery_url, op.client_id, op.client_secret …
//! let location = app.get("/psc/connexion").await.header("location").unwrap();
//! let callback = op.authorize(&location).await;            // …/psc/retour?code=…&state=…
//! app.get(&psc::path_and_query(&callback)).await;           // must be refused
//! ```
//!
//! The parts: [`faults`] (the scenarios), [`server`] (the HTTP endpoints and what they record),
//! [`forging`] (the ID tokens and JWKS each fault yields, and the RS256 test keys), [`recorded`]
//! (the requests as the tests read them).

mod faults;
mod forging;
mod recorded;
mod server;

pub use self::faults::Fault;
pub use self::forging::{decode_jwt, verify_rs256};
pub use self::recorded::{AuthorizationRequest, ClientAuth, Recorded, TokenRequest, UserinfoCall};

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::header::LOCATION;
use serde_json::Value;
use tokio::task::AbortHandle;
use uuid::Uuid;

use self::server::{OIDC, ProviderState, Shared};
use crate::support::psc::{self, REALM_PATH};

/// The one registered client.
pub const CLIENT_ID: &str = "mss-faulty";

/// One running faulty provider; the server task stops when it is dropped.
pub struct FaultyProvider {
    pub port: u16,
    /// `http://127.0.0.1:{port}/auth/realms/esante-wallet`.
    pub issuer: String,
    /// `{issuer}/.well-known/wallet-openid-configuration`.
    pub discovery_url: String,
    /// `{issuer}/.well-known/openid-configuration`.
    pub standard_discovery_url: String,
    /// On `localhost`, as advertised.
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub userinfo_endpoint: String,
    pub jwks_uri: String,
    pub end_session_endpoint: String,
    pub client_id: String,
    pub client_secret: String,
    /// The RPPS of the identity it signs in.
    pub rpps: String,
    /// The `sub` of that identity (`f:<uuid>:8<rpps>`).
    pub sub: String,
    shared: Arc<Shared>,
    server: AbortHandle,
}

impl FaultyProvider {
    /// Starts the provider with `fault`, signing in the `pharma:<rpps>` identity.
    pub async fn start(fault: Fault, rpps: &str) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the faulty provider");
        let port = listener.local_addr().expect("local address").port();
        let issuer = format!("http://127.0.0.1:{port}{REALM_PATH}");
        let shared = Arc::new(Shared {
            issuer: issuer.clone(),
            port,
            client_id: CLIENT_ID.into(),
            client_secret: format!("faulty-{}", Uuid::new_v4().simple()),
            rpps: rpps.to_owned(),
            sub: psc::sub_for(&psc::id_nat_ps(rpps)),
            state: Mutex::new(ProviderState {
                fault,
                codes: HashMap::new(),
                access_tokens: HashMap::new(),
                rotated: false,
                served_old_jwks: false,
                recorded: Recorded::default(),
            }),
        });
        let app = server::router(shared.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        })
        .abort_handle();
        Self {
            port,
            discovery_url: format!("{issuer}/.well-known/wallet-openid-configuration"),
            standard_discovery_url: format!("{issuer}/.well-known/openid-configuration"),
            authorization_endpoint: format!("http://localhost:{port}{REALM_PATH}{OIDC}/auth"),
            token_endpoint: format!("{issuer}{OIDC}/token"),
            userinfo_endpoint: format!("{issuer}{OIDC}/userinfo"),
            jwks_uri: format!("{issuer}{OIDC}/certs"),
            end_session_endpoint: format!("{issuer}{OIDC}/logout"),
            client_id: shared.client_id.clone(),
            client_secret: shared.client_secret.clone(),
            rpps: rpps.to_owned(),
            sub: shared.sub.clone(),
            issuer,
            shared,
            server,
        }
    }

    /// The fault of the next tokens and userinfo answers.
    pub fn set_fault(&self, fault: Fault) {
        self.shared.lock().fault = fault;
    }

    pub fn fault(&self) -> Fault {
        self.shared.lock().fault
    }

    /// Everything the RP sent so far.
    pub fn recorded(&self) -> Recorded {
        self.shared.lock().recorded.clone()
    }

    pub fn token_requests(&self) -> Vec<TokenRequest> {
        self.recorded().token_requests
    }

    pub fn userinfo_calls(&self) -> Vec<UserinfoCall> {
        self.recorded().userinfo_calls
    }

    pub fn authorization_requests(&self) -> Vec<AuthorizationRequest> {
        self.recorded().authorization_requests
    }

    pub fn jwks_fetches(&self) -> usize {
        self.recorded().jwks_fetches
    }

    /// Every ID token minted so far, oldest first.
    pub fn issued_id_tokens(&self) -> Vec<String> {
        self.recorded()
            .token_requests
            .into_iter()
            .filter_map(|t| t.id_token)
            .collect()
    }

    /// The userinfo claims of the identity (with the right `sub`).
    pub fn userinfo_claims(&self) -> Value {
        self.shared.userinfo_claims(Fault::None)
    }

    /// `http://127.0.0.1:{port}` and `http://localhost:{port}`.
    pub fn origins(&self) -> Vec<String> {
        vec![
            format!("http://127.0.0.1:{}", self.port),
            format!("http://localhost:{}", self.port),
        ]
    }

    /// What a browser does with the app's authorization redirect here: GET it and return the
    /// provider's redirect back to the app (`…/psc/retour?code=…&state=…`, or `?error=…`).
    pub async fn authorize(&self, authorization_url: &str) -> String {
        let response = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("build the HTTP client")
            .get(authorization_url)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {authorization_url}: {e}"));
        let status = response.status();
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        match location {
            Some(location) if status.is_redirection() => location,
            _ => panic!(
                "the faulty provider did not redirect ({status}): {}",
                response.text().await.unwrap_or_default()
            ),
        }
    }
}

impl Drop for FaultyProvider {
    fn drop(&mut self) {
        self.server.abort();
    }
}
