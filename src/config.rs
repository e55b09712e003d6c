//! Typed settings, loaded once: code defaults, then `config/default.toml`, then an optional
//! `--config FILE`, then environment variables `MSS__SECTION__KEY`. Nothing else reads the
//! environment.

use std::path::{Path, PathBuf};

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
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
    pub psc: PscSettings,
    pub validation: ValidationSettings,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ServerSettings {
    /// Address to listen on; port 0 picks a free port (tests).
    pub bind: String,
    /// Base of every absolute link (mails). Empty: `http://{bound address}`.
    pub public_url: String,
    /// Key for CSRF tokens (at least 32 bytes, base64 or plain text). Empty: a random key per
    /// process, which only suits a single instance.
    #[serde(serialize_with = "ser_secret")]
    pub secret_key: SecretString,
    /// Largest accepted request body, in bytes; larger bodies get 413.
    pub body_limit_bytes: usize,
    // -- Timeouts (issue 8, defect 6) --
    /// A request not answered within this many seconds gets a 503 page.
    pub request_timeout_secs: u64,
    /// A client must send a request's line and headers within this many seconds (slowloris).
    pub header_read_timeout_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTransport {
    Smtp,
    File,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    None,
    Starttls,
    Tls,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct MailSettings {
    pub transport: MailTransport,
    /// `From` header of every mail, e.g. `Medimail <no-reply@example.fr>`.
    pub from: String,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_security: SmtpSecurity,
    pub smtp_username: String,
    #[serde(serialize_with = "ser_secret")]
    pub smtp_password: SecretString,
    pub smtp_timeout_secs: u64,
    /// Where `.eml` files go when `transport = "file"`.
    pub file_dir: PathBuf,
    /// How often the outbox worker looks for due messages.
    pub worker_poll_ms: u64,
    /// First retry delay; doubles on each failure up to `retry_max_secs`.
    pub retry_base_ms: u64,
    pub retry_max_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
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
    /// Validity of email confirmation links.
    pub token_validity_hours: i64,
    /// Minimum delay between two mails of the same kind to one account (resend, "account exists").
    pub mail_interval_secs: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct CguSettings {
    /// Folder holding one `{version}.txt` per version of the terms of use.
    pub dir: PathBuf,
    /// The version every user must have accepted.
    pub current: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct NomenclatureSettings {
    /// Folder holding `TRE_G15_ProfessionSante.csv` and `TRE_R38_SpecialiteOrdinale.csv`.
    pub dir: PathBuf,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct DirectorySettings {
    /// Publish to LDAP at all. Off: directory changes still queue in the outbox and wait.
    pub enabled: bool,
    /// `ldap://host:389` or `ldaps://host:636`.
    pub url: String,
    /// The service's own bind DN (the only one allowed to write).
    pub bind_dn: String,
    #[serde(serialize_with = "ser_secret")]
    pub bind_password: SecretString,
    /// Base of the DIT; entries go under `ou=mssante,{base_dn}` and `ou=operateur,{base_dn}`.
    pub base_dn: String,
    /// Connect and per-operation timeout, in seconds.
    pub timeout_secs: u64,
}

/// Pro Santé Connect, the national OpenID Connect provider (domain.md §1).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct PscSettings {
    pub enabled: bool,
    /// Full URL of the metadata: PSC publishes it at
    /// `…/realms/esante-wallet/.well-known/wallet-openid-configuration`, not the standard path.
    pub discovery_url: String,
    pub client_id: String,
    #[serde(serialize_with = "ser_secret")]
    pub client_secret: SecretString,
    /// Registered redirect URI. Empty: `{server.public_url}/psc/retour`.
    pub redirect_url: String,
    /// Registered post-logout redirect URI. Empty: `{server.public_url}/`.
    pub post_logout_redirect_url: String,
    /// Requested scopes, space-separated.
    pub scopes: String,
    /// Requested authentication level; an ID token below it is refused.
    pub acr_values: String,
    /// `client_secret_basic` (default) or `client_secret_post`.
    pub token_auth_method: String,
    /// Timeout of each call to PSC, in seconds.
    pub timeout_secs: u64,
    /// How long discovery metadata and keys are cached, in seconds.
    pub metadata_ttl_secs: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ValidationSettings {
    /// Validate BAL PER accounts whose identity Pro Santé Connect verified as soon as their profile
    /// is complete, without waiting for an administrator.
    pub auto_approve_psc: bool,
}

/// How MSSanté addresses are built at validation.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct AddressSettings {
    /// Pattern of a BAL PER address; placeholders `{prenom}`, `{nom}`, `{profession}`, `{region}`.
    pub per_pattern: String,
    /// Pattern of a BAL MED address, on the operator's own domain (never under mssante.fr).
    pub med_pattern: String,
    /// TRE_G15 profession code → label used in addresses (e.g. "21" → "pharmacien").
    pub professions: std::collections::BTreeMap<String, String>,
    /// INSEE région code → label used in addresses (e.g. "76" → "oc").
    pub regions: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SupportSettings {
    pub organisation: String,
    pub phone: String,
    pub phone_note: String,
    pub hours: String,
    pub form_url: String,
    pub appointment_url: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct LogSettings {
    pub format: LogFormat,
    /// `tracing` filter, e.g. `info` or `mss_onboarding=debug,info`. `RUST_LOG` wins when set.
    pub level: String,
}

fn ser_secret<S: serde::Serializer>(_: &SecretString, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str("")
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            service_name: "Medimail".into(),
            server: ServerSettings::default(),
            database: DatabaseSettings::default(),
            mail: MailSettings::default(),
            auth: AuthSettings::default(),
            cgu: CguSettings::default(),
            nomenclatures: NomenclatureSettings::default(),
            support: SupportSettings::default(),
            log: LogSettings::default(),
            directory: DirectorySettings::default(),
            addresses: AddressSettings::default(),
            psc: PscSettings::default(),
            validation: ValidationSettings::default(),
        }
    }
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            public_url: "http://127.0.0.1:8080".into(),
            secret_key: SecretString::from(""),
            body_limit_bytes: 64 * 1024,
            // -- Timeouts (issue 8, defect 6) --
            request_timeout_secs: 15,
            header_read_timeout_secs: 10,
        }
    }
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: "sqlite://data/mss-onboarding.db?mode=rwc".into(),
            max_connections: 10,
            migrate_on_start: true,
            // -- Outage behaviour (issue 8, defect 11) --
            acquire_timeout_secs: 2,
        }
    }
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            transport: MailTransport::File,
            from: "Medimail <no-reply@medimail.localhost>".into(),
            smtp_host: "127.0.0.1".into(),
            smtp_port: 25,
            smtp_security: SmtpSecurity::None,
            smtp_username: String::new(),
            smtp_password: SecretString::from(""),
            smtp_timeout_secs: 10,
            file_dir: "data/mail".into(),
            worker_poll_ms: 1000,
            retry_base_ms: 2000,
            retry_max_secs: 3600,
        }
    }
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            argon2_memory_kib: 19456,
            argon2_iterations: 2,
            argon2_parallelism: 1,
            max_concurrent_hashes: 0,
            // -- Bounded hash queue (issue 8, defect 6) --
            max_queued_hashes: 64,
            password_min_score: 3,
            session_idle_minutes: 30,
            session_absolute_hours: 12,
            token_validity_hours: 24,
            mail_interval_secs: 60,
        }
    }
}

impl Default for CguSettings {
    fn default() -> Self {
        Self {
            dir: "config/cgu".into(),
            current: "2026-01".into(),
        }
    }
}

impl Default for NomenclatureSettings {
    fn default() -> Self {
        Self {
            dir: "config/nomenclatures".into(),
        }
    }
}

impl Default for SupportSettings {
    fn default() -> Self {
        Self {
            organisation: "Centre de services du GRADeS Occitanie".into(),
            phone: "0 820 250 035".into(),
            phone_note: "Service 0,09 € / appel + prix appel".into(),
            hours: "8h30 - 18h30 du lundi au vendredi".into(),
            form_url: "https://assistance.esante-occitanie.fr".into(),
            appointment_url: "https://assistance.esante-occitanie.fr/rendez-vous".into(),
        }
    }
}

impl Default for DirectorySettings {
    fn default() -> Self {
        Self {
            enabled: false,
            url: "ldap://127.0.0.1:389".into(),
            bind_dn: "cn=mss-onboarding,ou=services,dc=annuaire,dc=medimail,dc=fr".into(),
            bind_password: SecretString::from(""),
            base_dn: "dc=annuaire,dc=medimail,dc=fr".into(),
            timeout_secs: 5,
        }
    }
}

impl Default for PscSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            discovery_url: "https://auth.bas.psc.esante.gouv.fr/auth/realms/esante-wallet/.well-known/wallet-openid-configuration".into(),
            client_id: String::new(),
            client_secret: SecretString::from(""),
            redirect_url: String::new(),
            post_logout_redirect_url: String::new(),
            scopes: "openid scope_all".into(),
            acr_values: "eidas1".into(),
            token_auth_method: "client_secret_basic".into(),
            timeout_secs: 10,
            metadata_ttl_secs: 3600,
        }
    }
}

impl Default for AddressSettings {
    /// Empty tables: the real ones live in `config/default.toml`.
    fn default() -> Self {
        Self {
            per_pattern: "{prenom}.{nom}@{profession}.{region}.mssante.fr".into(),
            med_pattern: "{prenom}.{nom}@medimail.fr".into(),
            professions: std::collections::BTreeMap::new(),
            regions: std::collections::BTreeMap::new(),
        }
    }
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            format: LogFormat::Text,
            level: "info".into(),
        }
    }
}

impl Settings {
    /// Loads the layered configuration. `config/default.toml` is read relative to the working
    /// directory when it exists.
    ///
    /// # Errors
    /// A file that does not parse, or a value of the wrong type.
    pub fn load(extra_file: Option<&Path>) -> Result<Self, Box<figment::Error>> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::file("config/default.toml"));
        if let Some(file) = extra_file {
            figment = figment.merge(Toml::file_exact(file));
        }
        figment
            .merge(Env::prefixed("MSS__").split("__"))
            .extract()
            .map_err(Box::new)
    }
}
