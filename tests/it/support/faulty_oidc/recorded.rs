//! What the relying party sent, as the tests read it.

use super::server::param;

/// How the client authenticated at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// `Authorization: Basic …` (`client_secret_basic`).
    Basic,
    /// `client_id` + `client_secret` in the form (`client_secret_post`).
    Post,
    None,
}

/// A request to the authorization endpoint.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    /// `Host` header (the advertised endpoint is on `localhost`).
    pub host: Option<String>,
    pub params: Vec<(String, String)>,
}

impl AuthorizationRequest {
    pub fn param(&self, name: &str) -> Option<&str> {
        param(&self.params, name)
    }
}

/// A request to the token endpoint and the answer.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    pub client_auth: ClientAuth,
    /// The client id the request authenticated as (or claimed).
    pub client_id: Option<String>,
    /// The form fields (`client_secret` included when posted).
    pub params: Vec<(String, String)>,
    /// Whether `code_verifier` matched the authorization request's `code_challenge`.
    pub pkce_verified: bool,
    pub status: u16,
    /// OAuth error code when refused.
    pub error: Option<String>,
    /// The ID token minted, when the request succeeded.
    pub id_token: Option<String>,
}

impl TokenRequest {
    pub fn param(&self, name: &str) -> Option<&str> {
        param(&self.params, name)
    }
}

/// A call to the userinfo endpoint.
#[derive(Debug, Clone)]
pub struct UserinfoCall {
    pub method: String,
    /// The bearer token sent, if any.
    pub access_token: Option<String>,
    pub status: u16,
}

/// Everything the relying party sent so far.
#[derive(Debug, Clone, Default)]
pub struct Recorded {
    pub discovery_fetches: usize,
    pub jwks_fetches: usize,
    pub authorization_requests: Vec<AuthorizationRequest>,
    pub token_requests: Vec<TokenRequest>,
    pub userinfo_calls: Vec<UserinfoCall>,
    /// Query parameters of each request to the end-session endpoint.
    pub end_session_requests: Vec<Vec<(String, String)>>,
}
