//! Pro Santé Connect relying party: authorization code flow with PKCE (RFC 7636, S256), `state`
//! and `nonce`, ID token validation per OpenID Connect Core 1.0 §3.1.3.7, userinfo as JSON or
//! signed JWT (§5.3.2) whose `sub` must equal the ID token's, RP-initiated logout.
//!
//! The `openidconnect` crate performs the §3.1.3.7 checks (signature against the JWKS, `iss`,
//! `aud`, `exp`, `iat`, `nonce`, no `alg: none`, a key id required when the JWKS holds several
//! keys); this module adds PSC's particulars: the non-standard discovery path, the minimum
//! `acr`, and one JWKS re-fetch when a token names an unknown key (signing-key rotation).

pub mod callback;
pub mod claims;
pub mod refusal;

use std::{sync::Arc, time::Duration};

use anyhow::Context;
use openidconnect::{
    AuthenticationContextClass, AuthorizationCode, ClientId, ClientSecret, CsrfToken,
    EndSessionUrl, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier,
    PostLogoutRedirectUrl, ProviderMetadataWithLogout, RedirectUrl, Scope, UserInfoClaims,
    core::{
        CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreJsonWebKeySet,
        CoreProviderMetadata,
    },
};
use secrecy::ExposeSecret;
use tokio::sync::RwLock;

use self::claims::{PscClaims, PscIdentity};
pub use self::{
    callback::{CallbackParams, Pending},
    refusal::PscRefusal,
};
use crate::config::{PscSettings, TokenAuthMethod};

/// What goes wrong with a sign-in, as the user should hear it.
#[derive(Debug, thiserror::Error)]
pub enum PscError {
    /// PSC could not be reached or answered nonsense (network, 5xx, bad metadata).
    #[error("Pro Santé Connect unreachable: {0:#}")]
    Unavailable(anyhow::Error),
    /// The tokens or userinfo failed a check: refuse the sign-in.
    #[error("Pro Santé Connect response refused: {0}")]
    Rejected(String),
}

/// A new authorization request: where to send the browser, and the secrets to keep.
pub struct AuthStart {
    pub url: url::Url,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// A verified sign-in.
pub struct Verified {
    pub identity: PscIdentity,
    /// The raw ID token, kept for `id_token_hint` at logout.
    pub id_token: String,
}

/// Discovery metadata and keys, cached for `metadata_ttl_secs`.
struct Discovered {
    metadata: CoreProviderMetadata,
    end_session: Option<EndSessionUrl>,
    fetched: tokio::time::Instant,
}

pub struct PscClient {
    settings: PscSettings,
    redirect_url: RedirectUrl,
    post_logout_url: PostLogoutRedirectUrl,
    http: reqwest::Client,
    cache: RwLock<Option<Arc<Discovered>>>,
}

impl PscClient {
    /// # Errors
    /// Invalid URLs in the settings.
    pub fn new(settings: &PscSettings, public_url: &str) -> anyhow::Result<Self> {
        let redirect_url = match &settings.redirect_url {
            None => RedirectUrl::new(format!("{public_url}{}", urls::PSC_CALLBACK))
                .context("the default psc.redirect_url")?,
            Some(url) => url.clone(),
        };
        let post_logout_url = match &settings.post_logout_redirect_url {
            None => PostLogoutRedirectUrl::new(format!("{public_url}/"))
                .context("the default psc.post_logout_redirect_url")?,
            Some(url) => url.clone(),
        };
        let http = reqwest::Client::builder()
            // No redirects: the openidconnect crate's advice against SSRF.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(settings.timeout_secs))
            .build()
            .context("building the HTTP client for PSC")?;
        Ok(Self {
            settings: settings.clone(),
            redirect_url,
            post_logout_url,
            http,
            cache: RwLock::new(None),
        })
    }

    /// Builds the authorization request (PKCE S256, random `state` and `nonce`, `acr_values`).
    ///
    /// # Errors
    /// [`PscError::Unavailable`] when discovery fails.
    pub async fn start(&self) -> Result<AuthStart, PscError> {
        let discovered = self.discovered(false).await?;
        let client = self.client(&discovered);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client.authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        );
        for scope in self
            .settings
            .scopes
            .split_whitespace()
            .filter(|s| *s != "openid")
        {
            request = request.add_scope(Scope::new(scope.to_owned()));
        }
        if !self.settings.acr_values.is_empty() {
            request = request.add_extra_param("acr_values", self.settings.acr_values.clone());
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        Ok(AuthStart {
            url,
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Exchanges the code, verifies the ID token and fetches userinfo.
    ///
    /// # Errors
    /// [`PscError::Rejected`] for any failed check, [`PscError::Unavailable`] for transport.
    pub async fn finish(
        &self,
        code: &str,
        pkce_verifier: &str,
        nonce: &str,
    ) -> Result<Verified, PscError> {
        let discovered = self.discovered(false).await?;
        let client = self.client(&discovered);
        let token = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| PscError::Unavailable(e.into()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()))
            .request_async(&self.http)
            .await
            .map_err(|e| match e {
                // Transport: PSC is down or unreachable, not lying.
                openidconnect::RequestTokenError::Request(e) => {
                    PscError::Unavailable(anyhow::anyhow!("token request failed: {e}"))
                }
                e => PscError::Rejected(format!("token request failed: {e}")),
            })?;
        let id_token = token
            .extra_fields()
            .id_token()
            .ok_or_else(|| PscError::Rejected("no ID token".into()))?
            .clone();
        let nonce = Nonce::new(nonce.to_owned());
        let min_acr = self.settings.acr_values.clone();

        // A token signed with a key we do not know yet: PSC rotated its keys. Re-fetch the
        // JWKS once and verify again (OpenID Connect Core §10.1.1).
        let verified = verify(&client, &id_token, &nonce, &min_acr);
        let (claims, client) = match verified {
            Ok(claims) => (claims, client),
            Err(openidconnect::ClaimsVerificationError::SignatureVerification(
                openidconnect::SignatureVerificationError::NoMatchingKey,
            )) => {
                let refreshed = self.discovered(true).await?;
                let client = self.client(&refreshed);
                let claims = verify(&client, &id_token, &nonce, &min_acr)
                    .map_err(|e| PscError::Rejected(format!("ID token: {e}")))?;
                (claims, client)
            }
            Err(e) => return Err(PscError::Rejected(format!("ID token: {e}"))),
        };

        let userinfo: UserInfoClaims<PscClaims, CoreGenderClaim> = client
            .user_info(token.access_token().clone(), Some(claims.subject().clone()))
            .map_err(|e| PscError::Rejected(format!("userinfo: {e}")))?
            .request_async(&self.http)
            .await
            .map_err(|e| match e {
                openidconnect::UserInfoError::Request(e) => {
                    PscError::Unavailable(anyhow::anyhow!("userinfo request failed: {e}"))
                }
                e => PscError::Rejected(format!("userinfo: {e}")),
            })?;
        let identity = PscIdentity::from_userinfo(
            claims.subject().as_str(),
            userinfo.preferred_username().map(|u| u.as_str()),
            userinfo
                .family_name()
                .and_then(|n| n.get(None))
                .map(|n| n.as_str()),
            userinfo
                .given_name()
                .and_then(|n| n.get(None))
                .map(|n| n.as_str()),
            userinfo.additional_claims(),
        );
        Ok(Verified {
            identity,
            id_token: id_token.to_string(),
        })
    }

    /// RFC 9207 (authorization server issuer identification): when the callback carries
    /// `iss`, it must be PSC's issuer, or a mix-up attack is under way.
    ///
    /// # Errors
    /// [`PscError::Unavailable`] when discovery fails.
    pub async fn issuer_matches(&self, iss: &str) -> Result<bool, PscError> {
        let discovered = self.discovered(false).await?;
        Ok(discovered.metadata.issuer().as_str() == iss)
    }

    /// The RP-initiated logout URL (OpenID Connect RP-Initiated Logout 1.0 §2), when PSC
    /// advertises an `end_session_endpoint`.
    pub async fn logout_url(&self, id_token_hint: &str) -> Option<url::Url> {
        let discovered = self.discovered(false).await.ok()?;
        let endpoint = discovered.end_session.as_ref()?;
        let mut url = endpoint.url().clone();
        url.query_pairs_mut()
            .append_pair("id_token_hint", id_token_hint)
            .append_pair("post_logout_redirect_uri", self.post_logout_url.as_str())
            .append_pair("client_id", &self.settings.client_id);
        Some(url)
    }

    fn client(&self, discovered: &Discovered) -> Client {
        let auth_type = match self.settings.token_auth_method {
            TokenAuthMethod::ClientSecretBasic => openidconnect::AuthType::BasicAuth,
            TokenAuthMethod::ClientSecretPost => openidconnect::AuthType::RequestBody,
        };
        CoreClient::from_provider_metadata(
            discovered.metadata.clone(),
            ClientId::new(self.settings.client_id.clone()),
            Some(ClientSecret::new(
                self.settings.client_secret.expose_secret().to_owned(),
            )),
        )
        .set_redirect_uri(self.redirect_url.clone())
        .set_auth_type(auth_type)
    }

    /// The cached metadata and keys, fetched again after the TTL or when `refresh`.
    async fn discovered(&self, refresh: bool) -> Result<Arc<Discovered>, PscError> {
        let ttl = Duration::from_secs(self.settings.metadata_ttl_secs);
        if !refresh
            && let Some(cached) = self.cache.read().await.as_ref()
            && cached.fetched.elapsed() < ttl
        {
            return Ok(cached.clone());
        }
        let fresh = Arc::new(self.fetch().await.map_err(PscError::Unavailable)?);
        *self.cache.write().await = Some(fresh.clone());
        Ok(fresh)
    }

    async fn fetch(&self) -> anyhow::Result<Discovered> {
        let url = &self.settings.discovery_url;
        let body = self
            .http
            .get(url.as_str())
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .with_context(|| format!("fetching {url}"))?
            .bytes()
            .await?;
        let with_logout: ProviderMetadataWithLogout =
            serde_json::from_slice(&body).context("PSC metadata does not parse")?;
        // OpenID Connect Discovery 1.0 §4.3: the issuer in the metadata must be the one the
        // metadata was fetched for (PSC's document sits under `{issuer}/.well-known/…`).
        let expected = url
            .as_str()
            .split("/.well-known/")
            .next()
            .unwrap_or_default()
            .to_owned();
        anyhow::ensure!(
            with_logout.issuer() == &IssuerUrl::new(expected.clone())?,
            "metadata issuer {} does not match {expected}",
            with_logout.issuer().as_str()
        );
        let end_session = with_logout
            .additional_metadata()
            .end_session_endpoint
            .clone();
        let jwks: CoreJsonWebKeySet = self
            .http
            .get(with_logout.jwks_uri().url().clone())
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .context("fetching the JWKS")?
            .json()
            .await
            .context("JWKS does not parse")?;
        let metadata: CoreProviderMetadata =
            serde_json::from_slice(&body).context("PSC metadata does not parse")?;
        Ok(Discovered {
            metadata: metadata.set_jwks(jwks),
            end_session,
            fetched: tokio::time::Instant::now(),
        })
    }
}

/// The client with discovery's endpoints: authorization set, token and userinfo maybe.
type Client = openidconnect::core::CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

type IdTokenClaims =
    openidconnect::IdTokenClaims<openidconnect::EmptyAdditionalClaims, CoreGenderClaim>;

/// OpenID Connect Core §3.1.3.7 through the crate, plus the minimum `acr` (PSC requires
/// `eidas1`; the ANS connector refuses lower or unknown levels).
fn verify(
    client: &Client,
    id_token: &openidconnect::core::CoreIdToken,
    nonce: &Nonce,
    min_acr: &str,
) -> Result<IdTokenClaims, openidconnect::ClaimsVerificationError> {
    let min_acr = min_acr.to_owned();
    let verifier = client.id_token_verifier().set_auth_context_verifier_fn(
        move |acr: Option<&AuthenticationContextClass>| {
            acr_at_least(acr.map(|a| a.as_str()), &min_acr)
        },
    );
    id_token.claims(&verifier, nonce).cloned()
}

/// eIDAS levels as PSC names them, lowest first.
const ACR_LEVELS: [&str; 3] = ["eidas1", "eidas2", "eidas3"];

fn acr_at_least(acr: Option<&str>, min: &str) -> Result<(), String> {
    if min.is_empty() {
        return Ok(());
    }
    let rank = |level: &str| ACR_LEVELS.iter().position(|l| *l == level);
    match (acr.and_then(rank), rank(min)) {
        (Some(got), Some(wanted)) if got >= wanted => Ok(()),
        _ => Err(format!("acr {acr:?} is below {min}")),
    }
}

#[cfg(test)]
mod tests {
    use super::acr_at_least;

    #[test]
    fn acr_levels_below_the_minimum_are_refused() {
        assert!(acr_at_least(Some("eidas1"), "eidas1").is_ok());
        assert!(acr_at_least(Some("eidas2"), "eidas1").is_ok());
        assert!(acr_at_least(Some("eidas0"), "eidas1").is_err());
        assert!(acr_at_least(None, "eidas1").is_err());
        assert!(acr_at_least(Some("eidas1"), "eidas2").is_err());
    }
}
