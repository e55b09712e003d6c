//! The administrators' second factor, without I/O (OWASP ASVS 4.3.1): TOTP codes (RFC 6238)
//! and the time step each one belongs to, the secret's encryption at rest, the recovery codes,
//! and the enrolment QR code as SVG.

use base64::{Engine, engine::general_purpose::STANDARD};
use chacha20poly1305::{
    XChaCha20Poly1305, XNonce,
    aead::{Aead, AeadCore, KeyInit, OsRng as AeadRng, Payload},
};
use rand::{Rng, RngCore, rngs::OsRng};
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, TOTP};

use crate::{auth::secrets, config::Key32};

/// RFC 6238 §4.1 default time step (X), and the only one authenticator apps all support.
pub const STEP_SECS: i64 = 30;
/// Digits of a code (RFC 4226 §5.3: at least 6).
pub const DIGITS: usize = 6;
/// Recovery codes issued at enrolment.
pub const RECOVERY_CODES: usize = 10;
/// 160 bits, the length RFC 4226 §4 (R6) recommends for the shared secret.
const SECRET_BYTES: usize = 20;
/// Nonce length of XChaCha20-Poly1305: 192 bits, so random nonces never collide in practice.
const NONCE_BYTES: usize = 24;

/// A TOTP shared secret, in the clear (only in memory).
pub struct TotpSecret(Vec<u8>);

impl TotpSecret {
    /// A new random secret from the OS CSPRNG.
    pub fn generate() -> Self {
        let mut bytes = vec![0u8; SECRET_BYTES];
        OsRng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// The secret as authenticator apps take it when typed in: base32 (RFC 4648), unpadded.
    pub fn base32(&self) -> String {
        self.totp("", "").get_secret_base32()
    }

    /// SHA-1, 6 digits, 30 s: the RFC 6238 defaults, and what Google Authenticator and most
    /// apps use whatever the URI says. Skew 0: [`Self::matching_step`] walks the steps itself,
    /// because it must know which step matched (replay, RFC 6238 §5.2).
    fn totp(&self, issuer: &str, account: &str) -> TOTP {
        #[allow(clippy::cast_sign_loss)]
        TOTP::new_unchecked(
            Algorithm::SHA1,
            DIGITS,
            0,
            STEP_SECS as u64,
            self.0.clone(),
            // A ':' separates issuer and account in the otpauth label: keep it out of both.
            Some(issuer.replace(':', " ")),
            account.replace(':', " "),
        )
    }

    /// The `otpauth://totp/…` URI the QR code carries (Key Uri Format).
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> String {
        self.totp(issuer, account).get_url()
    }

    /// The code of time step `step` (tests and the support compute codes this way too).
    pub fn code_at_step(&self, step: i64) -> String {
        #[allow(clippy::cast_sign_loss)]
        self.totp("", "").generate((step.max(0) * STEP_SECS) as u64)
    }

    /// The time step `code` belongs to at Unix time `now`: the current one, or one step either
    /// side for clock drift and typing time (RFC 6238 §5.2 recommends at most one). `None`
    /// when it matches none. Compared in constant time.
    pub fn matching_step(&self, code: &str, now: i64) -> Option<i64> {
        // "123 456", as some apps display it, is the same code.
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let current = now.div_euclid(STEP_SECS);
        (current - 1..=current + 1).find(|&step| {
            step >= 0 && bool::from(self.code_at_step(step).as_bytes().ct_eq(code.as_bytes()))
        })
    }

    /// The secret from its base32 form (the test support reads it from the enrolment page).
    pub fn from_base32(text: &str) -> Option<Self> {
        totp_rs::Secret::Encoded(text.replace(' ', "").to_uppercase())
            .to_bytes()
            .ok()
            .map(Self)
    }
}

/// The time step of Unix time `now`.
pub fn step_of(now: i64) -> i64 {
    now.div_euclid(STEP_SECS)
}

/// Binds a ciphertext to its account: a row copied onto another administrator does not decrypt.
fn associated_data(account_id: i32) -> Vec<u8> {
    format!("mss-onboarding admin_totp v1 account:{account_id}").into_bytes()
}

/// Encrypts the secret for storage: base64(nonce || XChaCha20-Poly1305 ciphertext and tag).
///
/// # Errors
/// Only if the AEAD refuses the input (it does not for 20 bytes).
pub fn encrypt(key: &Key32, account_id: i32, secret: &TotpSecret) -> anyhow::Result<String> {
    let cipher = XChaCha20Poly1305::new((&key.0).into());
    let nonce = XChaCha20Poly1305::generate_nonce(&mut AeadRng);
    let aad = associated_data(account_id);
    let sealed = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: &secret.0,
                aad: &aad,
            },
        )
        .map_err(|_| anyhow::anyhow!("encrypting a TOTP secret"))?;
    let mut stored = nonce.to_vec();
    stored.extend_from_slice(&sealed);
    Ok(STANDARD.encode(stored))
}

/// The secret of a stored value; `None` if it was not sealed with `key` for `account_id`.
pub fn decrypt(key: &Key32, account_id: i32, stored: &str) -> Option<TotpSecret> {
    let bytes = STANDARD.decode(stored).ok()?;
    if bytes.len() <= NONCE_BYTES {
        return None;
    }
    let (nonce, sealed) = bytes.split_at(NONCE_BYTES);
    let cipher = XChaCha20Poly1305::new((&key.0).into());
    let aad = associated_data(account_id);
    cipher
        .decrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: sealed,
                aad: &aad,
            },
        )
        .ok()
        .map(TotpSecret)
}

/// Crockford's base32 alphabet: no I, L, O or U, so a code read aloud or copied by hand is not
/// misread; [`normalize_recovery_code`] maps the look-alikes back.
const RECOVERY_ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
/// 16 characters of 5 bits: 80 bits per code.
const RECOVERY_CHARS: usize = 16;

/// Ten new recovery codes, as shown once: `xxxx-xxxx-xxxx-xxxx`.
pub fn generate_recovery_codes() -> Vec<String> {
    let mut rng = OsRng;
    (0..RECOVERY_CODES)
        .map(|_| {
            let chars: Vec<char> = (0..RECOVERY_CHARS)
                .map(|_| char::from(RECOVERY_ALPHABET[rng.gen_range(0..32)]))
                .collect();
            chars
                .chunks(4)
                .map(|c| c.iter().collect::<String>())
                .collect::<Vec<_>>()
                .join("-")
        })
        .collect()
}

/// A typed recovery code in its canonical form: lower case, separators and spaces dropped,
/// look-alike letters mapped as Crockford's base32 does (o → 0, i and l → 1).
pub fn normalize_recovery_code(input: &str) -> String {
    input
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| match c.to_ascii_lowercase() {
            'o' => '0',
            'i' | 'l' => '1',
            other => other,
        })
        .collect()
}

/// Whether a typed value looks like a recovery code rather than a TOTP code.
pub fn is_recovery_code(input: &str) -> bool {
    normalize_recovery_code(input).len() == RECOVERY_CHARS
}

/// The stored digest of a recovery code. A fast hash is right here: a code carries 80 random
/// bits, so a stolen digest cannot be brute-forced, and argon2 would only cost CPU per try.
pub fn recovery_code_hash(code: &str) -> String {
    secrets::sha256_hex(&normalize_recovery_code(code))
}

/// The QR code of `uri` as an inline `<svg>` element (no XML declaration). The Content Security
/// Policy (`img-src 'self'`) forbids `data:` images; inline SVG markup is part of the page.
/// Hidden from screen readers: the page gives the same secret as text.
pub fn qr_svg(uri: &str) -> anyhow::Result<String> {
    use qrcode::{EcLevel, QrCode, render::svg};
    let code = QrCode::with_error_correction_level(uri.as_bytes(), EcLevel::M)?;
    let svg = code
        .render::<svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    let start = svg
        .find("<svg")
        .ok_or_else(|| anyhow::anyhow!("no <svg> element in the QR code rendering"))?;
    Ok(svg[start..].replacen("<svg ", r#"<svg aria-hidden="true" focusable="false" "#, 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, SHA-1 seed, truncated to 6 digits (the last 6 of the 8 shown).
    #[test]
    fn codes_match_the_rfc_6238_test_vectors() {
        let secret = TotpSecret(b"12345678901234567890".to_vec());
        for (time, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(secret.code_at_step(step_of(time)), code, "T = {time}");
            assert_eq!(secret.matching_step(code, time), Some(step_of(time)));
        }
    }

    #[test]
    fn a_code_is_accepted_one_step_either_side_and_no_further() {
        let secret = TotpSecret::generate();
        let now = 1_700_000_000;
        let step = step_of(now);
        assert_eq!(
            secret.matching_step(&secret.code_at_step(step - 1), now),
            Some(step - 1)
        );
        assert_eq!(
            secret.matching_step(&secret.code_at_step(step + 1), now),
            Some(step + 1)
        );
        let far = secret.code_at_step(step - 2);
        if ![step - 1, step, step + 1]
            .iter()
            .any(|s| secret.code_at_step(*s) == far)
        {
            assert_eq!(secret.matching_step(&far, now), None);
        }
        let current = secret.code_at_step(step);
        let (left, right) = current.split_at(3);
        assert_eq!(
            secret.matching_step(&format!(" {left} {right} "), now),
            Some(step)
        );
        assert_eq!(secret.matching_step("12345", now), None);
        assert_eq!(secret.matching_step("abcdef", now), None);
    }

    #[test]
    fn the_secret_round_trips_through_base32_and_encryption() {
        let key = Key32([7; 32]);
        let secret = TotpSecret::generate();
        let back = TotpSecret::from_base32(&secret.base32()).unwrap();
        assert_eq!(back.0, secret.0);
        let stored = encrypt(&key, 42, &secret).unwrap();
        assert!(!stored.contains(&secret.base32()));
        assert_eq!(decrypt(&key, 42, &stored).unwrap().0, secret.0);
        // Another account's row, or another key, does not decrypt.
        assert!(decrypt(&key, 43, &stored).is_none());
        assert!(decrypt(&Key32([8; 32]), 42, &stored).is_none());
        // Two encryptions of one secret differ (random nonce).
        assert_ne!(encrypt(&key, 42, &secret).unwrap(), stored);
    }

    #[test]
    fn recovery_codes_are_ten_distinct_80_bit_codes_read_leniently() {
        let codes = generate_recovery_codes();
        assert_eq!(codes.len(), 10);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 10);
        for code in &codes {
            assert_eq!(code.len(), 19, "{code}");
            assert!(is_recovery_code(code));
            assert_eq!(
                recovery_code_hash(&code.to_uppercase().replace('-', " ")),
                recovery_code_hash(code)
            );
        }
        assert_eq!(normalize_recovery_code("O1-IL"), "0111");
        assert!(!is_recovery_code("123456"));
    }

    #[test]
    fn the_encryption_key_is_32_bytes_in_hex_or_base64() {
        let hex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
        let key = Key32::parse(hex).unwrap();
        assert_eq!(key.0[31], 0x1f);
        let b64 = STANDARD.encode(key.0);
        assert_eq!(Key32::parse(&b64).unwrap().0, key.0);
        assert_eq!(Key32::parse(b64.trim_end_matches('=')).unwrap().0, key.0);
        assert!(Key32::parse(&hex[..62]).is_none());
        assert!(Key32::parse(&STANDARD.encode([1u8; 16])).is_none());
        assert!(Key32::parse("not a key").is_none());
        assert_eq!(format!("{key:?}"), "Key32([REDACTED])");
    }

    #[test]
    fn the_qr_code_is_inline_svg_without_xml_declaration() {
        let secret = TotpSecret::generate();
        let uri = secret.otpauth_uri("Medimail", "admin@example.fr");
        assert!(uri.starts_with("otpauth://totp/Medimail:admin%40example.fr?secret="));
        let svg = qr_svg(&uri).unwrap();
        assert!(svg.starts_with("<svg aria-hidden=\"true\""), "{svg}");
        assert!(svg.ends_with("</svg>"));
    }
}
