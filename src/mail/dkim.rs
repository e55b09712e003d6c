//! DKIM signing (RFC 6376) with lettre's `dkim` feature, configured by `mail.dkim_*`.
//!
//! RSA-SHA256 only: Ed25519 (RFC 8463) is not verified by enough receivers yet to be used
//! alone. Headers and body use relaxed canonicalization (RFC 6376 §3.4.2, §3.4.4), which
//! survives the refolding and trailing-space changes relays are known to make.

use std::path::Path;

use anyhow::Context;
use lettre::message::{
    dkim::{
        DkimCanonicalization, DkimCanonicalizationType, DkimConfig, DkimSigningAlgorithm,
        DkimSigningKey,
    },
    header::HeaderName,
};
use rsa::{
    RsaPrivateKey,
    pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey},
    pkcs8::DecodePrivateKey,
    traits::PublicKeyParts,
};

use crate::config::MailSettings;

/// The headers the signature covers. From is the one RFC 6376 §5.4 requires; the others are
/// those a forger would change (recipient, subject, date, identity, MIME version).
///
/// Not `Content-Type`: in a multipart message lettre keeps it with the body, so its signer
/// lists it in `h=` without hashing it, and no verifier accepts the result (dkimpy says
/// "valid: False"). The body hash still covers every part and its boundaries.
const SIGNED_HEADERS: [&str; 7] = [
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "Auto-Submitted",
    "MIME-Version",
];

/// The signing configuration, or `None` when `mail.dkim_selector` is empty.
///
/// # Errors
/// A partial configuration (a key without selector or the reverse), an unreadable file, or a
/// key that is not an RSA private key of at least 1024 bits.
pub fn from_settings(
    settings: &MailSettings,
    from_domain: &str,
) -> anyhow::Result<Option<DkimConfig>> {
    let selector = settings.dkim_selector.trim();
    let key_file = &settings.dkim_private_key_file;
    if selector.is_empty() {
        anyhow::ensure!(
            key_file.as_os_str().is_empty() && settings.dkim_domain.trim().is_empty(),
            "mail.dkim_selector is empty but mail.dkim_private_key_file or mail.dkim_domain is \
             set: set the selector too, or clear both"
        );
        return Ok(None);
    }
    anyhow::ensure!(
        !key_file.as_os_str().is_empty(),
        "mail.dkim_selector is set but mail.dkim_private_key_file is empty"
    );
    anyhow::ensure!(
        selector.split('.').all(|label| !label.is_empty()
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')),
        "mail.dkim_selector {selector:?} is not a DNS name (letters, digits, '-' and '.')"
    );
    let domain = match settings.dkim_domain.trim() {
        "" => from_domain,
        domain => domain,
    };
    let key = load_key(key_file)
        .with_context(|| format!("mail.dkim_private_key_file {}", key_file.display()))?;
    let headers = SIGNED_HEADERS
        .iter()
        .map(|name| HeaderName::new_from_ascii_str(name))
        .collect();
    Ok(Some(DkimConfig::new(
        selector.to_owned(),
        domain.to_owned(),
        key,
        headers,
        DkimCanonicalization {
            header: DkimCanonicalizationType::Relaxed,
            body: DkimCanonicalizationType::Relaxed,
        },
    )))
}

/// Reads an RSA private key in PEM, PKCS#1 or PKCS#8 (`openssl genrsa` writes the latter since
/// OpenSSL 3), and hands it to lettre in the PKCS#1 form it reads.
fn load_key(path: &Path) -> anyhow::Result<DkimSigningKey> {
    let pem = std::fs::read_to_string(path).context("reading the key")?;
    let key = RsaPrivateKey::from_pkcs1_pem(&pem)
        .or_else(|_| RsaPrivateKey::from_pkcs8_pem(&pem))
        .map_err(|_| {
            anyhow::anyhow!(
                "not an RSA private key in PEM (\"BEGIN RSA PRIVATE KEY\" or \"BEGIN PRIVATE KEY\")"
            )
        })?;
    // RFC 8301 §3.2: verifiers must refuse keys under 1024 bits.
    let bits = key.size() * 8;
    anyhow::ensure!(
        bits >= 1024,
        "an RSA key of {bits} bits; DKIM needs 1024 at least (2048 recommended)"
    );
    let pkcs1 = key
        .to_pkcs1_pem(rsa::pkcs1::LineEnding::LF)
        .context("re-encoding the key")?;
    DkimSigningKey::new(&pkcs1, DkimSigningAlgorithm::Rsa).context("loading the key")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(selector: &str, key_file: &str) -> MailSettings {
        let mut settings = crate::config::Settings::defaults()
            .expect("default settings")
            .mail;
        settings.dkim_selector = selector.to_owned();
        settings.dkim_private_key_file = key_file.into();
        settings
    }

    #[test]
    fn dkim_is_off_by_default() {
        assert!(
            from_settings(&settings("", ""), "example.fr")
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn a_selector_without_key_or_a_key_without_selector_is_refused() {
        assert!(from_settings(&settings("mail2026", ""), "example.fr").is_err());
        assert!(from_settings(&settings("", "/etc/dkim.pem"), "example.fr").is_err());
    }

    #[test]
    fn a_file_that_is_not_a_key_is_refused_with_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dkim.pem");
        std::fs::write(
            &path,
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let error =
            from_settings(&settings("mail2026", path.to_str().unwrap()), "example.fr").unwrap_err();
        let text = format!("{error:#}");
        assert!(
            text.contains("dkim_private_key_file") && text.contains("not an RSA private key"),
            "{text}"
        );
        let missing = from_settings(&settings("mail2026", "/nonexistent/dkim.pem"), "example.fr")
            .unwrap_err();
        assert!(format!("{missing:#}").contains("/nonexistent/dkim.pem"));
    }
}
