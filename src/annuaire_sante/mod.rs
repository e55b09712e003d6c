//! The Annuaire Santé, the ANS's national directory of health professionals, read through its
//! FHIR API v2 (domain.md §2.7): `GET {url}/Practitioner?identifier=…` finds the practitioner
//! of a national identifier, then `GET {url}/PractitionerRole?practitioner=…` their exercises
//! (profession, savoir-faire, structure). Every call carries the `ESANTE-API-KEY` header.
//!
//! - [`PractitionerDirectory`]: the small trait the outbox worker uses, so that services can be
//!   tested without the API;
//! - [`FhirClient`]: the implementation over reqwest;
//! - [`parse_practitioners`], [`parse_roles`]: the FHIR `Bundle` readers, pure functions.
//!
//! Shapes read (`ansforge/IG-fhir-annuaire`, AsPractitionerProfile / AsPractitionerRoleProfile):
//! a `searchset` Bundle whose entries are resources; `Practitioner.identifier[]` (system,
//! value), `Practitioner.name[]` (family, given[], prefix[]: the exercise names and civilité),
//! `Practitioner.active`; `PractitionerRole.code[]` and `PractitionerRole.specialty[]` whose
//! codings name their code system (TRE_G15 profession, TRE_R38 savoir-faire),
//! `PractitionerRole.active`, `PractitionerRole.organization` (a reference to an `Organization`
//! included with `_include`, whose `address[].postalCode` gives the département and région).

use std::time::Duration;

use anyhow::Context as _;
use secrecy::{ExposeSecret as _, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use crate::config::AnnuaireSanteSettings;
use crate::domain::PostalCode;

/// The header the ANS gateway reads the API key from.
pub const API_KEY_HEADER: &str = "ESANTE-API-KEY";

/// System of the national person identifier idNatPs (`8` + RPPS, `0` + ADELI), domain.md §2.1.
pub const ID_NAT_PS_SYSTEM: &str = "urn:oid:1.2.250.1.71.4.2.1";

/// A practitioner as the directory describes them: what the administrator is shown and what is
/// compared with the user's profile. Stored as JSON with the check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Practitioner {
    /// The resource's logical id.
    pub id: String,
    /// `Practitioner.active` (absent counts as active, as FHIR defines the default).
    pub active: bool,
    /// The exercise names, usual first.
    pub names: Vec<ExerciseName>,
    /// The exercises (`PractitionerRole`s).
    pub roles: Vec<Role>,
}

/// One `Practitioner.name`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExerciseName {
    pub family: String,
    /// Given names, space-joined.
    pub given: String,
    /// The civilité d'exercice (`prefix`, e.g. `DR`), when given.
    pub prefix: Option<String>,
}

/// One exercise (`PractitionerRole`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    pub active: bool,
    /// TRE_G15 code.
    pub profession: Option<String>,
    /// TRE_R38 codes.
    pub savoir_faire: Vec<String>,
    /// The structure's name, when the Organization was included.
    pub organisation: Option<String>,
    /// INSEE département code of the structure's address.
    pub departement: Option<String>,
    /// INSEE région code of the structure's address.
    pub region: Option<String>,
}

/// What the directory says about an identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Found(Practitioner),
    /// No practitioner carries this identifier.
    Unknown,
}

/// The last answer of a lookup, as stored (`annuaire_sante_checks.outcome`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Found,
    Unknown,
    /// The directory gave no answer (outage, refused key, garbled answer): see `error`.
    Unavailable,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Found => "found",
            Self::Unknown => "unknown",
            Self::Unavailable => "unavailable",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Found, Self::Unknown, Self::Unavailable]
            .into_iter()
            .find(|o| o.as_str() == text)
    }
}

/// An account's stored cross-check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCheck {
    pub account_id: i32,
    /// `TYPE:number` looked up (or to be).
    pub identifier: String,
    /// When the last lookup was asked for.
    pub requested_at: chrono::DateTime<chrono::FixedOffset>,
    /// The last attempt's answer; `None` before the first attempt.
    pub outcome: Option<Outcome>,
    /// The practitioner of the last `Found` answer (kept through a later outage).
    pub practitioner: Option<Practitioner>,
    /// Why the last attempt got no answer.
    pub error: Option<String>,
    /// When the directory last answered (found or unknown).
    pub checked_at: Option<chrono::DateTime<chrono::FixedOffset>>,
    /// When the last attempt ended.
    pub attempted_at: Option<chrono::DateTime<chrono::FixedOffset>>,
}

impl StoredCheck {
    /// A lookup was asked for after the last attempt ended: it waits in the outbox.
    pub fn in_progress(&self) -> bool {
        self.attempted_at.is_none_or(|at| at < self.requested_at)
    }
}

/// Why the directory gave no answer.
#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    /// The gateway refused the key (401, 403): retrying cannot help until the configuration
    /// changes.
    #[error("the Annuaire Santé refused the API key (HTTP {0})")]
    Refused(u16),
    /// Timeout, connection failure, 429 or 5xx: worth retrying later.
    #[error("the Annuaire Santé is unavailable: {0}")]
    Unavailable(String),
    /// An answer that is not a FHIR Bundle, or another 4xx.
    #[error("unexpected answer from the Annuaire Santé: {0}")]
    Malformed(String),
}

/// Where practitioners are looked up. Implemented by [`FhirClient`].
#[async_trait::async_trait]
pub trait PractitionerDirectory: Send + Sync {
    /// The practitioner carrying `id_nat_ps` (`8` + RPPS or `0` + ADELI) and their exercises.
    async fn lookup(&self, id_nat_ps: &str) -> Result<Lookup, LookupError>;
}

/// The FHIR API v2 over HTTPS.
pub struct FhirClient {
    http: reqwest::Client,
    base: Url,
    api_key: SecretString,
}

impl FhirClient {
    /// # Errors
    /// The HTTP client failing to build (TLS backend).
    pub fn new(settings: &AnnuaireSanteSettings) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            // The API never redirects a search; not following keeps the key on the gateway.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(settings.timeout_secs))
            .build()
            .context("building the HTTP client for the Annuaire Santé")?;
        let mut base = settings.url.clone();
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        Ok(Self {
            http,
            base,
            api_key: settings.api_key.clone(),
        })
    }

    async fn search(&self, resource: &str, query: &[(&str, &str)]) -> Result<Value, LookupError> {
        let url = self
            .base
            .join(resource)
            .map_err(|e| LookupError::Malformed(e.to_string()))?;
        let response = self
            .http
            .get(url)
            .query(query)
            .header(API_KEY_HEADER, self.api_key.expose_secret())
            .header(reqwest::header::ACCEPT, "application/fhir+json")
            .send()
            .await
            .map_err(|e| {
                LookupError::Unavailable(if e.is_timeout() {
                    "timeout".to_owned()
                } else {
                    format!("{e}")
                })
            })?;
        let status = response.status();
        match status.as_u16() {
            200..=299 => {}
            401 | 403 => return Err(LookupError::Refused(status.as_u16())),
            429 | 500..=599 => return Err(LookupError::Unavailable(format!("HTTP {status}"))),
            _ => return Err(LookupError::Malformed(format!("HTTP {status}"))),
        }
        response.json::<Value>().await.map_err(|e| {
            if e.is_timeout() {
                LookupError::Unavailable("timeout".to_owned())
            } else {
                LookupError::Malformed(e.to_string())
            }
        })
    }
}

#[async_trait::async_trait]
impl PractitionerDirectory for FhirClient {
    async fn lookup(&self, id_nat_ps: &str) -> Result<Lookup, LookupError> {
        let identifier = format!("{ID_NAT_PS_SYSTEM}|{id_nat_ps}");
        let bundle = self
            .search("Practitioner", &[("identifier", identifier.as_str())])
            .await?;
        let Some(mut practitioner) = parse_practitioners(&bundle)?.into_iter().next() else {
            return Ok(Lookup::Unknown);
        };
        let roles = self
            .search(
                "PractitionerRole",
                &[
                    ("practitioner", practitioner.id.as_str()),
                    ("_include", "PractitionerRole:organization"),
                ],
            )
            .await?;
        practitioner.roles = parse_roles(&roles)?;
        Ok(Lookup::Found(practitioner))
    }
}

/// The resources of a Bundle (`entry[].resource`) of `resource_type`.
fn resources<'a>(
    bundle: &'a Value,
    resource_type: &'a str,
) -> Result<impl Iterator<Item = &'a Value>, LookupError> {
    if bundle.get("resourceType").and_then(Value::as_str) != Some("Bundle") {
        return Err(LookupError::Malformed("not a FHIR Bundle".to_owned()));
    }
    Ok(bundle
        .get("entry")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| e.get("resource"))
        .filter(move |r| r.get("resourceType").and_then(Value::as_str) == Some(resource_type)))
}

fn text(value: &Value, key: &str) -> Option<String> {
    value
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn strings(value: &Value, key: &str) -> Vec<String> {
    value
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

/// `active`, true when absent (FHIR: "assumed active if not specified").
fn active(resource: &Value) -> bool {
    resource
        .get("active")
        .and_then(Value::as_bool)
        .unwrap_or(true)
}

/// The practitioners of a `Practitioner` search Bundle, roles left empty.
///
/// # Errors
/// [`LookupError::Malformed`] when the answer is not a Bundle.
pub fn parse_practitioners(bundle: &Value) -> Result<Vec<Practitioner>, LookupError> {
    Ok(resources(bundle, "Practitioner")?
        .map(|p| {
            let mut names: Vec<(bool, ExerciseName)> = p
                .get("name")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|n| {
                    (
                        n.get("use").and_then(Value::as_str) == Some("usual"),
                        ExerciseName {
                            family: text(n, "family").unwrap_or_default(),
                            given: strings(n, "given").join(" "),
                            prefix: strings(n, "prefix").into_iter().next(),
                        },
                    )
                })
                .collect();
            names.sort_by_key(|(usual, _)| !usual);
            Practitioner {
                id: text(p, "id").unwrap_or_default(),
                active: active(p),
                names: names.into_iter().map(|(_, n)| n).collect(),
                roles: Vec::new(),
            }
        })
        .collect())
}

/// Whether a coding's system is the TRE named `tre` (its FHIR canonical, its OID or its
/// name: `…/TRE_G15-ProfessionSante/FHIR/TRE-G15-ProfessionSante`, `urn:oid:1.2.250.1.71.1.2.7`).
fn system_is(coding: &Value, tre: &str, oid: &str) -> bool {
    let system = coding.get("system").and_then(Value::as_str).unwrap_or("");
    system.contains(tre) || system.contains(&tre.replace('_', "-")) || system.ends_with(oid)
}

/// The exercises of a `PractitionerRole` search Bundle (with the included Organizations).
///
/// # Errors
/// [`LookupError::Malformed`] when the answer is not a Bundle.
pub fn parse_roles(bundle: &Value) -> Result<Vec<Role>, LookupError> {
    let organisations: Vec<&Value> = resources(bundle, "Organization")?.collect();
    Ok(resources(bundle, "PractitionerRole")?
        .map(|r| {
            let codings: Vec<&Value> = ["code", "specialty"]
                .iter()
                .filter_map(|key| r.get(*key).and_then(Value::as_array))
                .flatten()
                .filter_map(|c| c.get("coding").and_then(Value::as_array))
                .flatten()
                .collect();
            let code = |c: &&Value| text(c, "code");
            let profession = codings
                .iter()
                .filter(|c| system_is(c, "TRE_G15", "1.2.250.1.71.1.2.7"))
                .find_map(code);
            let savoir_faire = codings
                .iter()
                .filter(|c| system_is(c, "TRE_R38", "1.2.250.1.213.2.28"))
                .filter_map(code)
                .collect();
            let organisation = r
                .get("organization")
                .and_then(|o| text(o, "reference"))
                .and_then(|reference| {
                    let id = reference.rsplit('/').next().unwrap_or_default().to_owned();
                    organisations
                        .iter()
                        .find(|o| text(o, "id").as_deref() == Some(id.as_str()))
                        .copied()
                });
            let departement = organisation
                .and_then(|o| o.get("address").and_then(Value::as_array))
                .into_iter()
                .flatten()
                .filter_map(|a| text(a, "postalCode"))
                .find_map(|cp| PostalCode::parse(&cp).ok()?.departement());
            Role {
                active: active(r),
                profession,
                savoir_faire,
                organisation: organisation.and_then(|o| text(o, "name")),
                departement: departement.map(|d| d.code().to_owned()),
                region: departement.map(|d| d.region().code().to_owned()),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn practitioner_bundle() -> Value {
        json!({
            "resourceType": "Bundle", "type": "searchset", "total": 1,
            "entry": [{ "resource": {
                "resourceType": "Practitioner", "id": "003-1234",
                "identifier": [
                    { "system": "urn:oid:1.2.250.1.71.4.2.1", "value": "810001234567" },
                    { "system": "https://rpps.esante.gouv.fr", "value": "10001234567" }
                ],
                "name": [
                    { "use": "official", "family": "MARTIN-ÉPOUSE", "given": ["CLAIRE"] },
                    { "use": "usual", "family": "MARTIN", "given": ["CLAIRE", "MARIE"], "prefix": ["DR"] }
                ]
            }}]
        })
    }

    #[test]
    fn a_practitioner_is_read_with_its_usual_name_first() {
        let found = parse_practitioners(&practitioner_bundle()).expect("a bundle");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, "003-1234");
        assert!(found[0].active, "absent active means active");
        assert_eq!(found[0].names[0].family, "MARTIN");
        assert_eq!(found[0].names[0].given, "CLAIRE MARIE");
        assert_eq!(found[0].names[0].prefix.as_deref(), Some("DR"));
    }

    #[test]
    fn an_empty_searchset_finds_nobody_and_a_non_bundle_is_malformed() {
        let empty = json!({ "resourceType": "Bundle", "type": "searchset", "total": 0 });
        assert!(parse_practitioners(&empty).expect("a bundle").is_empty());
        assert!(matches!(
            parse_practitioners(&json!({ "resourceType": "OperationOutcome" })),
            Err(LookupError::Malformed(_))
        ));
    }

    #[test]
    fn roles_give_profession_savoir_faire_and_the_region_of_their_structure() {
        let bundle = json!({
            "resourceType": "Bundle", "type": "searchset",
            "entry": [
                { "resource": {
                    "resourceType": "PractitionerRole", "id": "r1", "active": false,
                    "organization": { "reference": "Organization/o1" },
                    "code": [{ "coding": [
                        { "system": "https://mos.esante.gouv.fr/NOS/TRE_G15-ProfessionSante/FHIR/TRE-G15-ProfessionSante", "code": "10" },
                        { "system": "https://mos.esante.gouv.fr/NOS/TRE_R09-CategorieProfessionnelle/FHIR/TRE-R09-CategorieProfessionnelle", "code": "C" }
                    ]}],
                    "specialty": [{ "coding": [
                        { "system": "https://mos.esante.gouv.fr/NOS/TRE_R38-SpecialiteOrdinale/FHIR/TRE-R38-SpecialiteOrdinale", "code": "SM54" }
                    ]}]
                }},
                { "resource": {
                    "resourceType": "Organization", "id": "o1", "name": "CABINET DU CENTRE",
                    "address": [{ "postalCode": "31620" }]
                }}
            ]
        });
        let roles = parse_roles(&bundle).expect("a bundle");
        assert_eq!(
            roles,
            [Role {
                active: false,
                profession: Some("10".into()),
                savoir_faire: vec!["SM54".into()],
                organisation: Some("CABINET DU CENTRE".into()),
                departement: Some("31".into()),
                region: Some("76".into()),
            }]
        );
    }
}
