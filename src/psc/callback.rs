//! The relying party's checks of the authorization response (the redirect to `/psc/retour`),
//! in the order they must run: an `error` first (the user may cancel before anything else is
//! known), then `state` (RFC 6749 §10.12), then `iss` (RFC 9207 §2.4), then the code, whose
//! exchange verifies the tokens and userinfo ([`PscClient::finish`]). Binding the attempt to
//! the browser and spending it once are the service's part (`services::psc`): they need the
//! database.

use serde::Deserialize;
use subtle::ConstantTimeEq;

use super::{PscClient, Verified, refusal::PscRefusal};

/// The authorization response's query (RFC 6749 §4.1.2 and §4.1.2.1, RFC 9207 `iss`).
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct CallbackParams {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub iss: Option<String>,
}

/// What the relying party kept when it started the attempt.
pub struct Pending<'a> {
    pub state: &'a str,
    pub nonce: &'a str,
    pub pkce_verifier: &'a str,
}

/// The longest provider `error` code kept in the audit trail.
const MAX_ERROR_CHARS: usize = 64;

impl PscClient {
    /// Checks an authorization response against its attempt, then exchanges the code and
    /// verifies the ID token and userinfo.
    ///
    /// # Errors
    /// The [`PscRefusal`] naming the first check that failed.
    pub async fn complete(
        &self,
        params: CallbackParams,
        pending: &Pending<'_>,
    ) -> Result<Verified, PscRefusal> {
        if let Some(error) = params.error {
            if error == "access_denied" {
                return Err(PscRefusal::Cancelled);
            }
            return Err(PscRefusal::ProviderError(
                error.chars().take(MAX_ERROR_CHARS).collect(),
            ));
        }
        // Constant time: the comparison must not tell an attacker how much of `state` is right.
        let presented = params.state.unwrap_or_default();
        if !bool::from(presented.as_bytes().ct_eq(pending.state.as_bytes())) {
            return Err(PscRefusal::ForgedState);
        }
        if let Some(iss) = &params.iss
            && !self.issuer_matches(iss).await?
        {
            return Err(PscRefusal::WrongIssuer);
        }
        let Some(code) = params.code.filter(|c| !c.is_empty()) else {
            return Err(PscRefusal::NoCode);
        };
        Ok(self
            .finish(&code, pending.pkce_verifier, pending.nonce)
            .await?)
    }
}
