//! mss-onboarding: registration service of an MSSanté operator.
//!
//! A guided tour, from the outside in:

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

/// The Annuaire Santé (ANS FHIR API v2): who a declared RPPS/ADELI belongs to.
pub mod annuaire_sante;
/// Who may do what: passwords, sign-in, sessions, CSRF, cookies, throttling.
pub mod auth;
/// Command line: `serve`, `migrate`, `admin create`, `account disable`,
/// `directory sync|status|export`.
pub mod cli;
/// The time the service reads: the system clock, or a test clock that can be moved forward.
pub mod clock;
/// Layered, typed settings (built-in `config/default.toml`, `--config FILE`, `MSS__…` variables);
/// unknown keys and bad values stop the start-up.
pub mod config;
/// The LDAP annuaire: entry mapping, publisher (ldap3), reconciliation.
pub mod directory;
/// Parsed domain values (emails, names, RPPS, postal codes…) and the form parsers built on them.
pub mod domain;
/// The one opaque application error and its HTTP meaning.
pub mod error;
/// Mail: transports over lettre, and the rendered messages the outbox carries.
pub mod mail;
/// Prometheus metrics, served on their own listener (`metrics.bind`).
pub mod metrics;
/// The outbox's jobs: one serde enum, encoded and decoded here only.
pub mod outbox;
/// Pro Santé Connect: the OpenID Connect relying party and the claims it maps.
pub mod psc;
/// Database access; the only module that touches `entities`.
pub mod repo;
/// Use cases: registration, sign-in, CGU, profile. Handlers call these.
pub mod services;
/// Builds the application: database, router, background workers.
pub mod startup;
/// Shared handles given to every handler.
pub mod state;
/// Logs through `tracing`.
pub mod telemetry;
/// HTTP: one router per feature, sessions, CSRF, error pages.
pub mod web;
/// The background worker: delivers the outbox (mail, directory publication) with retries.
pub mod worker;
