//! Token forging: the ID token, userinfo and JWKS each [`Fault`] yields, and the RS256 test
//! keys of `keys/` that sign (and check) them.

use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use rsa::traits::PublicKeyParts;
use rsa::{BigUint, RsaPrivateKey, RsaPublicKey};
use serde_json::{Value, json};
use sha2::Sha256;
use uuid::Uuid;

use super::Fault;
use super::server::{PendingCode, ProviderState, Shared, unix_now};
use crate::support::psc;

impl Shared {
    pub(super) fn userinfo_claims(&self, fault: Fault) -> Value {
        let mut claims = psc::identity_claims(&format!("pharma:{}", self.rpps));
        if fault == Fault::UserinfoSubMismatch {
            claims["sub"] = Value::from(psc::sub_for(&psc::id_nat_ps(&psc::unique_rpps())));
        }
        claims
    }

    /// The ID token for a code, with the current fault applied.
    pub(super) fn mint_id_token(&self, state: &mut ProviderState, pending: &PendingCode) -> String {
        let now = unix_now();
        let mut claims = json!({
            "iss": self.issuer,
            "sub": self.sub,
            "aud": self.client_id,
            "exp": now + 300,
            "iat": now,
            "auth_time": now,
            "acr": "eidas1",
        });
        if let Some(nonce) = &pending.nonce {
            claims["nonce"] = Value::from(nonce.as_str());
        }
        let keys = test_keys();
        let mut header = json!({ "alg": "RS256", "typ": "JWT", "kid": keys[0].kid });
        let mut signer = &keys[0];
        let payload = claims.as_object_mut().expect("claims object");
        match state.fault {
            Fault::None => {}
            Fault::WrongIss => {
                payload.insert(
                    "iss".into(),
                    format!("http://127.0.0.1:{}/auth/realms/autre-realm", self.port).into(),
                );
            }
            Fault::MissingSub => {
                payload.remove("sub");
            }
            Fault::WrongAud => {
                payload.insert("aud".into(), "un-autre-client".into());
            }
            Fault::MissingAud => {
                payload.remove("aud");
            }
            Fault::MissingIat => {
                payload.remove("iat");
            }
            Fault::Expired => {
                payload.insert("iat".into(), (now - 3600).into());
                payload.insert("auth_time".into(), (now - 3600).into());
                payload.insert("exp".into(), (now - 1800).into());
            }
            Fault::NonceMismatch => {
                payload.insert("nonce".into(), Uuid::new_v4().simple().to_string().into());
            }
            Fault::BadSignature => signer = &keys[2],
            Fault::AlgNone => {
                let header = json!({ "alg": "none", "typ": "JWT" });
                return format!("{}.{}.", b64_json(&header), b64_json(&claims));
            }
            Fault::KidAbsentOneKey | Fault::KidAbsentSeveralKeys => {
                header.as_object_mut().expect("header").remove("kid");
            }
            Fault::KeyRotation => {
                signer = &keys[1];
                header["kid"] = Value::from(keys[1].kid.as_str());
                state.rotated = true;
            }
            Fault::UserinfoSubMismatch => {}
            Fault::AcrBelow => {
                payload.insert("acr".into(), "eidas0".into());
            }
            Fault::AcrMissing => {
                payload.remove("acr");
            }
        }
        sign_rs256(&header, &claims, signer)
    }

    pub(super) fn jwks(&self, state: &mut ProviderState) -> Value {
        let keys = test_keys();
        let served: Vec<&TestKey> = match state.fault {
            Fault::KidAbsentSeveralKeys => vec![&keys[0], &keys[1]],
            Fault::KeyRotation if state.rotated && state.served_old_jwks => {
                vec![&keys[1], &keys[0]]
            }
            _ => vec![&keys[0]],
        };
        if served.len() == 1 {
            state.served_old_jwks = true;
        }
        json!({ "keys": served.iter().map(|k| k.public_jwk.clone()).collect::<Vec<_>>() })
    }
}

/// A test key of `keys/`: `kid` `faulty-1`, `faulty-2`, `faulty-3`.
pub struct TestKey {
    pub kid: String,
    signing: SigningKey<Sha256>,
    /// Public JWK (`kty`, `kid`, `use`, `alg`, `n`, `e`).
    pub public_jwk: Value,
}

/// The three test keys, parsed once.
pub fn test_keys() -> &'static [TestKey] {
    static KEYS: OnceLock<Vec<TestKey>> = OnceLock::new();
    KEYS.get_or_init(|| {
        (1..=3)
            .map(|i| {
                let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join(format!("tests/it/support/keys/rsa-{i}.pem"));
                let pem = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
                let key = RsaPrivateKey::from_pkcs8_pem(&pem)
                    .unwrap_or_else(|e| panic!("parse {}: {e}", path.display()));
                let kid = format!("faulty-{i}");
                let public_jwk = json!({
                    "kty": "RSA",
                    "kid": kid,
                    "use": "sig",
                    "alg": "RS256",
                    "n": URL_SAFE_NO_PAD.encode(key.n().to_bytes_be()),
                    "e": URL_SAFE_NO_PAD.encode(key.e().to_bytes_be()),
                });
                TestKey {
                    kid,
                    signing: SigningKey::<Sha256>::new(key),
                    public_jwk,
                }
            })
            .collect()
    })
}

pub(super) fn b64_json(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).expect("JSON"))
}

/// `header.payload.signature`, RS256 (PKCS#1 v1.5, SHA-256) with `key`, whatever the header
/// says.
pub fn sign_rs256(header: &Value, claims: &Value, key: &TestKey) -> String {
    let input = format!("{}.{}", b64_json(header), b64_json(claims));
    let signature = key.signing.sign(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
}

/// Header and payload of a compact JWS, unverified.
pub fn decode_jwt(token: &str) -> (Value, Value) {
    let mut parts = token.split('.');
    let mut part = |what: &str| -> Value {
        let segment = parts
            .next()
            .unwrap_or_else(|| panic!("JWT without {what}: {token}"));
        let bytes = URL_SAFE_NO_PAD
            .decode(segment)
            .unwrap_or_else(|e| panic!("JWT {what} is not base64url ({e}): {token}"));
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("JWT {what} is not JSON ({e}): {token}"))
    };
    let header = part("header");
    let payload = part("payload");
    (header, payload)
}

/// Whether `token` is a valid RS256 JWS under a key of `jwks` (`{"keys": [...]}`): the key of
/// its `kid`, or the only key when it has none.
pub fn verify_rs256(token: &str, jwks: &Value) -> bool {
    let (header, _) = decode_jwt(token);
    if header["alg"] != "RS256" {
        return false;
    }
    let keys = jwks["keys"].as_array().cloned().unwrap_or_default();
    let key = match header["kid"].as_str() {
        Some(kid) => keys.iter().find(|k| k["kid"] == kid),
        None if keys.len() == 1 => keys.first(),
        None => None,
    };
    let Some(key) = key else { return false };
    let number = |name: &str| {
        key[name]
            .as_str()
            .and_then(|v| URL_SAFE_NO_PAD.decode(v).ok())
            .map(|b| BigUint::from_bytes_be(&b))
    };
    let (Some(n), Some(e)) = (number("n"), number("e")) else {
        return false;
    };
    let Ok(public) = RsaPublicKey::new(n, e) else {
        return false;
    };
    let Some((input, signature)) = token.rsplit_once('.') else {
        return false;
    };
    let Ok(signature) = URL_SAFE_NO_PAD.decode(signature) else {
        return false;
    };
    let Ok(signature) = Signature::try_from(signature.as_slice()) else {
        return false;
    };
    VerifyingKey::<Sha256>::new(public)
        .verify(input.as_bytes(), &signature)
        .is_ok()
}
