//! Typed settings, loaded once: the built-in `config/default.toml`, then that file on disk when
//! present, then an optional `--config FILE`, then environment variables `MSS__SECTION__KEY`.
//! Nothing else reads the environment.
//!
//! Every settings struct denies unknown fields and has no `Default`: `config/default.toml` is the
//! one place defaults are written, and a key that matches nothing is a start-up error.

use std::path::{Path, PathBuf};

use figment::{
    Figment, Metadata, Profile, Provider,
    providers::{Env, Format, Toml},
    value::{Dict, Map, Value},
};
use openidconnect::{PostLogoutRedirectUrl, RedirectUrl};
use secrecy::SecretString;
use serde::Deserialize;
use url::Url;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub service_name: String,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub mail: MailSettings,
    pub auth: AuthSettings,
    pub cgu: CguSettings,
    pub nomenclatures: NomenclatureSettings,
    pub support: SupportSettings,
    pub log: LogSettings,
    pub directory: DirectorySettings,
    pub addresses: AddressSettings,
    pub metrics: MetricsSettings,
    pub reminders: ReminderSettings,
    pub psc: PscSettings,
    pub validation: ValidationSettings,
    pub retention: RetentionSettings,
    pub mfa: MfaSettings,
    pub annuaire_sante: AnnuaireSanteSettings,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    /// Address to listen on; port 0 picks a free port (tests).
    pub bind: String,
    /// Base of every absolute link (mails), `http://` or `https://`. Empty (`None`):
    /// `http://{bound address}`.
    #[serde(deserialize_with = "url_de::optional_http")]
    pub public_url: Option<Url>,
    /// Key for CSRF tokens (at least 32 bytes, base64 or plain text). Empty: a random key per
    /// process, which only suits a single instance.
    pub secret_key: SecretString,
    /// Largest accepted request body, in bytes; larger bodies get 413.
    pub body_limit_bytes: usize,
    /// Reverse proxies (addresses or CIDR blocks) whose `X-Forwarded-For` is believed. Empty:
    /// the client is always the peer address. A list in TOML, or a comma-separated string
    /// (`MSS__SERVER__TRUSTED_PROXIES=10.0.0.0/8,192.0.2.7`).
    #[serde(deserialize_with = "networks")]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    // -- Timeouts (issue 8, defect 6) --
    /// A request not answered within this many seconds gets a 503 page.
    pub request_timeout_secs: u64,
    /// A client must send a request's line and headers within this many seconds (slowloris).
    pub header_read_timeout_secs: u64,
    /// On SIGTERM, in-flight requests get this many seconds to finish (issue 11).
    pub shutdown_timeout_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://path?mode=rwc` or `postgres://user@host/db`.
    pub url: String,
    pub max_connections: u32,
    /// Run pending migrations when `serve` starts.
    pub migrate_on_start: bool,
    // -- Outage behaviour (issue 8, defect 11) --
    /// Longest wait for a pooled connection before the request gets a 503 page.
    pub acquire_timeout_secs: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTransport {
    Smtp,
    File,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    None,
    Starttls,
    Tls,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    pub transport: MailTransport,
    /// `From` header of every mail, e.g. `Medimail <no-reply@example.fr>`.
    pub from: String,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_security: SmtpSecurity,
    pub smtp_username: String,
    pub smtp_password: SecretString,
    pub smtp_timeout_secs: u64,
    /// Where `.eml` files go when `transport = "file"`.
    pub file_dir: PathBuf,
    /// How often the outbox worker looks for due messages.
    pub worker_poll_ms: u64,
    /// First retry delay; doubles on each failure up to `retry_max_secs`.
    pub retry_base_ms: u64,
    pub retry_max_secs: u64,
    // -- DKIM signing (issue 11): on when `dkim_selector` is set --
    /// The selector of the public key in DNS (`{selector}._domainkey.{domain}`).
    pub dkim_selector: String,
    /// The signing domain (`d=`); empty: the domain of `from`.
    pub dkim_domain: String,
    /// The RSA private key (PEM, PKCS#1 or PKCS#8).
    pub dkim_private_key_file: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    /// argon2id memory cost in KiB (OWASP: 19456).
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    pub argon2_parallelism: u32,
    /// Hashes computed at once; 0 means one per CPU. Each holds `argon2_memory_kib` of memory.
    pub max_concurrent_hashes: usize,
    // -- Bounded hash queue (issue 8, defect 6) --
    /// Requests that may wait for a hashing thread; the next one gets a 503 at once.
    pub max_queued_hashes: usize,
    /// Minimum zxcvbn score (0–4) a new password must reach.
    pub password_min_score: u8,
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    /// How recent a Pro Santé Connect sign-in must be to stand for the password of an account
    /// without one (email change, closure).
    pub reauth_minutes: i64,
    /// Validity of email confirmation links.
    pub token_validity_hours: i64,
    /// Minimum delay between two mails of the same kind to one account (resend, "account exists").
    pub mail_interval_secs: i64,
    /// Password verifications allowed per email per throttle window (OWASP ASVS 2.2.1).
    pub max_failed_signins: i32,
    /// Length of the rate-limit windows below, in minutes.
    pub throttle_window_minutes: i64,
    /// Sign-in attempts per client address per window.
    pub max_signins_per_client: i32,
    /// Sign-ups per client address per window.
    pub max_signups_per_client: i32,
    /// Confirmation-link resend requests per client address per window.
    pub max_resends_per_client: i32,
    /// e-CPS linking attempts (`/psc/lier`) per client address per window.
    pub max_psc_links_per_client: i32,
    /// Registration mails (confirmation, resend, "account exists") to one address per day.
    pub max_mails_per_address_per_day: i32,
    /// Unconfirmed accounts and their tokens are purged after this many days.
    pub unconfirmed_days: i64,
    /// Validity of password reset links, in minutes.
    pub reset_validity_minutes: i64,
    /// Password reset requests (`/mot-de-passe/oubli`) per client address per window.
    pub max_resets_per_client: i32,
    /// Wrong second-factor codes per administrator per window.
    pub max_failed_second_factor_codes: i32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CguSettings {
    /// Folder holding one `{version}.txt` per version of the terms of use.
    pub dir: PathBuf,
    /// The version every user must have accepted.
    pub current: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NomenclatureSettings {
    /// Folder holding `TRE_G15_ProfessionSante.csv` and `TRE_R38_SpecialiteOrdinale.csv`.
    pub dir: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectorySettings {
    /// Publish to LDAP at all. Off: directory changes still go to the outbox and wait.
    pub enabled: bool,
    /// `ldap://host:389` or `ldaps://host:636`.
    #[serde(deserialize_with = "url_de::ldap")]
    pub url: Url,
    /// The service's own bind DN (the only one allowed to write).
    pub bind_dn: String,
    pub bind_password: SecretString,
    /// Base of the DIT; entries go under `ou=mssante,{base_dn}` and `ou=operateur,{base_dn}`.
    pub base_dn: String,
    /// Connect and per-operation timeout, in seconds.
    pub timeout_secs: u64,
}

/// Pro Santé Connect, the national OpenID Connect provider (domain.md §1).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PscSettings {
    pub enabled: bool,
    /// Full URL of the metadata: PSC publishes it at
    /// `…/realms/esante-wallet/.well-known/wallet-openid-configuration`, not the standard path.
    #[serde(deserialize_with = "url_de::http")]
    pub discovery_url: Url,
    pub client_id: String,
    pub client_secret: SecretString,
    /// Registered redirect URI. Empty (`None`): `{server.public_url}/psc/retour`. Kept exactly
    /// as written: the provider compares it with the registered one as a string (OIDC Core
    /// §3.1.2.1), so it must not be normalised.
    #[serde(deserialize_with = "url_de::optional_redirect")]
    pub redirect_url: Option<RedirectUrl>,
    /// Registered post-logout redirect URI. Empty (`None`): `{server.public_url}/`. Kept exactly
    /// as written, like `redirect_url` (OIDC RP-Initiated Logout 1.0 §2).
    #[serde(deserialize_with = "url_de::optional_post_logout")]
    pub post_logout_redirect_url: Option<PostLogoutRedirectUrl>,
    /// Requested scopes, space-separated.
    pub scopes: String,
    /// Requested authentication level; an ID token below it is refused.
    pub acr_values: String,
    /// How the client authenticates at the token endpoint.
    pub token_auth_method: TokenAuthMethod,
    /// Timeout of each call to PSC, in seconds.
    pub timeout_secs: u64,
    /// How long discovery metadata and keys are cached, in seconds.
    pub metadata_ttl_secs: u64,
}

/// The Annuaire Santé FHIR API v2 (domain.md §2.7), where declared RPPS/ADELI numbers are
/// looked up in the background (issue 13).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnnuaireSanteSettings {
    /// Look identifiers up at all. Off: no lookup is queued and the admin page says so.
    pub enabled: bool,
    /// Base of the FHIR API (`…/fhir/v2`); `Practitioner` and `PractitionerRole` are searched
    /// under it.
    #[serde(deserialize_with = "url_de::http")]
    pub url: Url,
    /// Sent as the `ESANTE-API-KEY` header (from https://portal.api.esante.gouv.fr).
    pub api_key: SecretString,
    /// Timeout of each call, in seconds.
    pub timeout_secs: u64,
    /// A result younger than this many hours is reused when the same identifier is declared
    /// again; an administrator's refresh always asks the API.
    pub cache_hours: i64,
}

/// Client authentication at the token endpoint (OIDC Core §9); PSC accepts both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenAuthMethod {
    /// The client id and secret in an HTTP Basic `Authorization` header (RFC 6749 §2.3.1).
    ClientSecretBasic,
    /// The client id and secret as form parameters of the request body.
    ClientSecretPost,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidationSettings {
    /// Validate BAL PER accounts whose identity Pro Santé Connect verified as soon as their profile
    /// is complete, without waiting for an administrator.
    pub auto_approve_psc: bool,
}

/// How long data is kept (GDPR art. 5.1.e, storage limitation).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionSettings {
    /// Days a closed account's data is kept before the worker deletes it (its mailbox address
    /// stays reserved).
    pub closed_days: i64,
}

/// Digests to administrators about accounts waiting too long (issue 11).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReminderSettings {
    pub enabled: bool,
    /// Hour of the day (UTC, 0–23) from which the day's digest is sent.
    #[serde(deserialize_with = "hour_of_day")]
    pub hour: u32,
    /// Waiting times, in hours, each announced once per account: positive and strictly
    /// increasing.
    #[serde(deserialize_with = "increasing_hours")]
    pub thresholds_hours: Vec<i32>,
}

/// An hour of the day, 0–23: a larger one would never be reached, and the digest never sent.
fn hour_of_day<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let hour = u32::deserialize(d)?;
    if hour > 23 {
        return Err(serde::de::Error::custom(format!(
            "{hour} is not an hour of the day, expected 0 to 23"
        )));
    }
    Ok(hour)
}

/// Thresholds in hours, positive and strictly increasing (`[24, 48]`): a zero or negative one
/// would announce every account at once, and an unordered list reads as a mistake.
fn increasing_hours<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<i32>, D::Error> {
    let hours = Vec::<i32>::deserialize(d)?;
    if hours.iter().any(|&h| h <= 0) {
        return Err(serde::de::Error::custom(format!(
            "{hours:?}: every threshold must be a positive number of hours"
        )));
    }
    if hours.windows(2).any(|w| w[0] >= w[1]) {
        return Err(serde::de::Error::custom(format!(
            "{hours:?}: thresholds must be strictly increasing, e.g. [24, 48]"
        )));
    }
    Ok(hours)
}

/// Prometheus metrics (issue 11).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsSettings {
    /// Address of the `/metrics` listener; empty: no metrics listener.
    pub bind: String,
}

/// How MSSanté addresses are built at validation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddressSettings {
    /// Pattern of a BAL PER address; placeholders `{prenom}`, `{nom}`, `{profession}`, `{region}`.
    pub per_pattern: String,
    /// Pattern of a BAL MED address, on the operator's own domain (never under mssante.fr).
    pub med_pattern: String,
    /// Pattern of a BAL ORG address; placeholders `{local}` (the requested local part) and
    /// `{region}`.
    pub org_pattern: String,
    /// Local parts nobody may request for a BAL ORG (role addresses such as postmaster).
    pub reserved_local_parts: Vec<String>,
    /// TRE_G15 profession code → label used in addresses (e.g. "21" → "pharmacien").
    pub professions: std::collections::BTreeMap<String, String>,
    /// INSEE région code → label used in addresses (e.g. "76" → "oc").
    pub regions: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupportSettings {
    pub organisation: String,
    pub phone: String,
    pub phone_note: String,
    pub hours: String,
    /// Link to the support's web form; empty (`None`) hides it.
    #[serde(deserialize_with = "url_de::optional_http")]
    pub form_url: Option<Url>,
    /// Link to book a call with the support; empty (`None`) hides it.
    #[serde(deserialize_with = "url_de::optional_http")]
    pub appointment_url: Option<Url>,
}

/// The administrators' second factor (issue 11).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MfaSettings {
    /// Key encrypting the stored TOTP secrets: 32 bytes as 64 hex digits or base64. Empty
    /// (`None`): TOTP enrolment and use are refused. A malformed key stops the start-up.
    #[serde(deserialize_with = "key32")]
    pub encryption_key: Option<Key32>,
}

/// A 32-byte key from configuration; its `Debug` shows nothing of it.
#[derive(Clone)]
pub struct Key32(pub [u8; 32]);

impl std::fmt::Debug for Key32 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key32([REDACTED])")
    }
}

impl Key32 {
    /// 64 hex digits, or standard base64 of 32 bytes (padded or not).
    pub fn parse(text: &str) -> Option<Self> {
        use base64::Engine;
        let text = text.trim();
        let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            (0..32)
                .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok())
                .collect::<Option<Vec<u8>>>()?
        } else {
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(text))
                .ok()?
        };
        bytes.try_into().ok().map(Self)
    }
}

fn key32<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Key32>, D::Error> {
    use secrecy::ExposeSecret;
    let text = SecretString::deserialize(d)?;
    match text.expose_secret().trim() {
        "" => Ok(None),
        key => Key32::parse(key).map(Some).ok_or_else(|| {
            serde::de::Error::custom(
                "expected 32 bytes as 64 hex digits or base64 (e.g. `openssl rand -base64 32`)",
            )
        }),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub format: LogFormat,
    /// `tracing` filter, e.g. `info` or `mss_onboarding=debug,info`. `RUST_LOG` wins when set.
    pub level: String,
}

/// The shipped defaults: `config/default.toml`, built into the binary so that the service runs
/// on them from any directory. It is the only place a default value is written.
pub const DEFAULTS: &str = include_str!("../config/default.toml");

impl Settings {
    /// Loads the layered configuration, later layers winning: the built-in [`DEFAULTS`], then
    /// `config/default.toml` when found from the working directory (so local edits to it still
    /// apply), then `extra_file` (`--config FILE`), then `MSS__SECTION__KEY` environment
    /// variables.
    ///
    /// # Errors
    /// A file that does not parse, a value of the wrong type or outside its allowed values, or
    /// a key the settings do not have (a typo would otherwise be silently ignored). Figment's
    /// message names the key and the file or variable it came from.
    pub fn load(extra_file: Option<&Path>) -> Result<Self, Box<figment::Error>> {
        let mut figment =
            Figment::from(Toml::string(DEFAULTS)).merge(Toml::file("config/default.toml"));
        if let Some(file) = extra_file {
            figment = figment.merge(Toml::file_exact(file));
        }
        // Lossy: numbers and booleans may be written as strings, which is how every environment
        // variable arrives (see `RawEnv`).
        figment
            .merge(RawEnv(Env::prefixed("MSS__").split("__")))
            .extract_lossy()
            .map_err(Box::new)
    }

    /// The built-in defaults alone, without files or environment (unit tests).
    ///
    /// # Errors
    /// Only if the shipped `config/default.toml` is broken, which a test rules out.
    pub fn defaults() -> Result<Self, Box<figment::Error>> {
        Figment::from(Toml::string(DEFAULTS))
            .extract()
            .map_err(Box::new)
    }
}

/// `MSS__SECTION__KEY` variables with their values kept as strings. figment's `Env` parses each
/// value as TOML-like data, so an all-digit secret became a number ("invalid type: found
/// unsigned int, expected a string") and a password starting with `[` an array. The typed
/// settings decide instead, through the lossy extraction in [`Settings::load`].
struct RawEnv(Env);

impl Provider for RawEnv {
    fn metadata(&self) -> Metadata {
        // Errors then name the variable's source ("`MSS__` environment variable(s)").
        self.0.metadata()
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        let mut dict = Dict::new();
        for (key, value) in self.0.iter() {
            let path: Vec<&str> = key.as_str().split('.').collect();
            insert(&mut dict, &path, Value::from(value));
        }
        Ok(Profile::Default.collect(dict))
    }
}

/// A list of networks, from a TOML array or a comma-separated string (environment variables are
/// read as strings). A bare address is a one-address network.
fn networks<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<ipnet::IpNet>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        List(Vec<String>),
        Text(String),
    }
    let items = match Raw::deserialize(d)? {
        Raw::List(list) => list,
        Raw::Text(text) => text.split(',').map(str::to_owned).collect(),
    };
    items
        .iter()
        .map(|item| item.trim())
        .filter(|item| !item.is_empty())
        .map(|item| {
            item.parse::<ipnet::IpNet>()
                .or_else(|_| item.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    serde::de::Error::custom(format!(
                        "{item:?} is neither an IP address nor a CIDR block"
                    ))
                })
        })
        .collect()
}

/// Sets `path` (e.g. `["server", "bind"]`) in `dict`, creating the tables on the way.
fn insert(dict: &mut Dict, path: &[&str], value: Value) {
    match path {
        [] => {}
        [last] => {
            dict.insert((*last).to_owned(), value);
        }
        [first, rest @ ..] => {
            let entry = dict
                .entry((*first).to_owned())
                .or_insert_with(|| Value::from(Dict::new()));
            if !matches!(entry, Value::Dict(..)) {
                *entry = Value::from(Dict::new());
            }
            if let Value::Dict(_, inner) = entry {
                insert(inner, rest, value);
            }
        }
    }
}

/// URL-valued keys: parsed with `url::Url` (WHATWG URL), and checked for the schemes that make
/// sense there, so a typo stops the start-up instead of failing at the first request.
mod url_de {
    use openidconnect::{PostLogoutRedirectUrl, RedirectUrl};
    use serde::{Deserialize, Deserializer, de::Error};
    use url::Url;

    fn parse<E: Error>(text: &str, schemes: &[&str], expected: &str) -> Result<Url, E> {
        let url = Url::parse(text)
            .map_err(|e| E::custom(format!("{text:?} is not a URL ({e}), expected {expected}")))?;
        if schemes.contains(&url.scheme()) {
            Ok(url)
        } else {
            Err(E::custom(format!("{text:?}: expected {expected}")))
        }
    }

    const HTTP: &[&str] = &["http", "https"];
    const HTTP_EXPECTED: &str = "an http:// or https:// URL";

    /// An absolute `http://` or `https://` URL.
    pub fn http<'de, D: Deserializer<'de>>(d: D) -> Result<Url, D::Error> {
        parse(&String::deserialize(d)?, HTTP, HTTP_EXPECTED)
    }

    /// Like [`http`], with the empty string meaning "not set" (TOML has no null).
    pub fn optional_http<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Url>, D::Error> {
        match String::deserialize(d)?.as_str() {
            "" => Ok(None),
            text => parse(text, HTTP, &format!("{HTTP_EXPECTED}, or \"\"")).map(Some),
        }
    }

    /// An http(s) redirect URI registered at the provider, kept as written (see `PscSettings`).
    pub fn optional_redirect<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<RedirectUrl>, D::Error> {
        optional_registered(d, RedirectUrl::new)
    }

    /// Like [`optional_redirect`], for the post-logout redirect URI.
    pub fn optional_post_logout<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<PostLogoutRedirectUrl>, D::Error> {
        optional_registered(d, PostLogoutRedirectUrl::new)
    }

    fn optional_registered<'de, D: Deserializer<'de>, T>(
        d: D,
        make: fn(String) -> Result<T, url::ParseError>,
    ) -> Result<Option<T>, D::Error> {
        match String::deserialize(d)?.as_str() {
            "" => Ok(None),
            text => {
                parse::<D::Error>(text, HTTP, &format!("{HTTP_EXPECTED}, or \"\""))?;
                make(text.to_owned()).map(Some).map_err(D::Error::custom)
            }
        }
    }

    /// An `ldap://` or `ldaps://` URL (RFC 4516), the two schemes `ldap3` connects to over TCP.
    pub fn ldap<'de, D: Deserializer<'de>>(d: D) -> Result<Url, D::Error> {
        parse(
            &String::deserialize(d)?,
            &["ldap", "ldaps"],
            "an ldap:// or ldaps:// URL",
        )
    }
}
