//! An Annuaire Santé simulator per test: a small FHIR server (axum, inside the test process, on
//! `127.0.0.1:0`) answering the two searches the app makes, shaped like the ANS API v2
//! (`ansforge/IG-fhir-annuaire`):
//!
//! - `GET /fhir/v2/Practitioner?identifier=urn:oid:1.2.250.1.71.4.2.1|<idNatPs>`: a `searchset`
//!   Bundle with the `Practitioner` (identifiers under the idNatPs and RPPS systems, `name` with
//!   `family`, `given`, `prefix`, `active`), or none;
//! - `GET /fhir/v2/PractitionerRole?practitioner=<id>&_include=PractitionerRole:organization`:
//!   the `PractitionerRole`s (`code` with the TRE_G15 profession and the TRE_R09 category,
//!   `specialty` with the TRE_R38 savoir-faire, `active`, `organization`) and the included
//!   `Organization`s (`name`, `address.postalCode`).
//!
//! Every request must carry `ESANTE-API-KEY: <key>` (else 401, as the gateway answers). A test
//! can make the server slow ([`Behaviour::Timeout`]) or failing ([`Behaviour::ServerError`]),
//! and counts the requests it received (so a page that must not call the API can be checked).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::{
    Json, Router,
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
};
use mss_onboarding::config::AnnuaireSanteSettings;
use serde_json::{Value, json};

/// The API key the simulator accepts.
pub const API_KEY: &str = "test-esante-api-key";
const ID_NAT_PS_SYSTEM: &str = "urn:oid:1.2.250.1.71.4.2.1";
const TRE_G15: &str =
    "https://mos.esante.gouv.fr/NOS/TRE_G15-ProfessionSante/FHIR/TRE-G15-ProfessionSante";
const TRE_R09: &str = "https://mos.esante.gouv.fr/NOS/TRE_R09-CategorieProfessionnelle/FHIR/TRE-R09-CategorieProfessionnelle";
const TRE_R38: &str =
    "https://mos.esante.gouv.fr/NOS/TRE_R38-SpecialiteOrdinale/FHIR/TRE-R38-SpecialiteOrdinale";

/// How the simulator answers every request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    Answer,
    /// Answers after 5 s (tests give the app a 1 s timeout).
    Timeout,
    /// 503 with an OperationOutcome.
    ServerError,
}

/// A practitioner the simulator knows.
#[derive(Debug, Clone)]
pub struct SimPractitioner {
    pub rpps: String,
    pub family: String,
    pub given: String,
    pub active: bool,
    pub roles: Vec<SimRole>,
}

/// One exercise.
#[derive(Debug, Clone)]
pub struct SimRole {
    /// TRE_G15 code.
    pub profession: String,
    /// TRE_R38 code.
    pub savoir_faire: Option<String>,
    pub organisation: String,
    pub postal_code: String,
    pub active: bool,
}

impl SimPractitioner {
    /// An active practitioner with one active exercise of `profession` at `postal_code`.
    pub fn new(rpps: &str, family: &str, given: &str, profession: &str, postal_code: &str) -> Self {
        Self {
            rpps: rpps.to_owned(),
            family: family.to_owned(),
            given: given.to_owned(),
            active: true,
            roles: vec![SimRole {
                profession: profession.to_owned(),
                savoir_faire: None,
                organisation: "PHARMACIE DU CENTRE".to_owned(),
                postal_code: postal_code.to_owned(),
                active: true,
            }],
        }
    }
}

#[derive(Default)]
struct Sim {
    practitioners: Vec<SimPractitioner>,
    behaviour: Option<Behaviour>,
    requests: usize,
}

/// A running simulator; stops when dropped.
pub struct FhirSimulator {
    /// `http://127.0.0.1:{port}/fhir/v2`.
    pub url: String,
    sim: Arc<Mutex<Sim>>,
    task: tokio::task::AbortHandle,
}

impl Drop for FhirSimulator {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FhirSimulator {
    pub async fn start() -> Self {
        let sim = Arc::new(Mutex::new(Sim::default()));
        let app = Router::new()
            .route("/fhir/v2/Practitioner", get(practitioner_search))
            .route("/fhir/v2/PractitionerRole", get(role_search))
            .with_state(sim.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the FHIR simulator");
        let port = listener.local_addr().expect("simulator address").port();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        })
        .abort_handle();
        Self {
            url: format!("http://127.0.0.1:{port}/fhir/v2"),
            sim,
            task,
        }
    }

    /// The app's settings pointing at this simulator with the right key, a 1 s timeout.
    pub fn settings(&self) -> AnnuaireSanteSettings {
        AnnuaireSanteSettings {
            enabled: true,
            url: self.url.parse().expect("simulator URL"),
            api_key: API_KEY.to_owned().into(),
            timeout_secs: 1,
            cache_hours: 24,
        }
    }

    pub fn add(&self, practitioner: SimPractitioner) {
        self.sim
            .lock()
            .expect("sim")
            .practitioners
            .push(practitioner);
    }

    pub fn set_behaviour(&self, behaviour: Behaviour) {
        self.sim.lock().expect("sim").behaviour = Some(behaviour);
    }

    /// Requests received so far (any path, any key).
    pub fn requests(&self) -> usize {
        self.sim.lock().expect("sim").requests
    }
}

type Shared = Arc<Mutex<Sim>>;

/// The checks every search goes through: count, key, behaviour. `Err` is the answer to send.
async fn gate(sim: &Shared, headers: &HeaderMap) -> Result<Vec<SimPractitioner>, Response> {
    let (behaviour, practitioners) = {
        let mut sim = sim.lock().expect("sim");
        sim.requests += 1;
        (
            sim.behaviour.unwrap_or(Behaviour::Answer),
            sim.practitioners.clone(),
        )
    };
    let key = headers.get("esante-api-key").and_then(|v| v.to_str().ok());
    if key != Some(API_KEY) {
        return Err(outcome(StatusCode::UNAUTHORIZED, "Invalid API key"));
    }
    match behaviour {
        Behaviour::Answer => Ok(practitioners),
        Behaviour::Timeout => {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Ok(practitioners)
        }
        Behaviour::ServerError => Err(outcome(
            StatusCode::SERVICE_UNAVAILABLE,
            "Service temporairement indisponible",
        )),
    }
}

fn outcome(status: StatusCode, text: &str) -> Response {
    (
        status,
        Json(json!({
            "resourceType": "OperationOutcome",
            "issue": [{ "severity": "error", "code": "exception", "diagnostics": text }]
        })),
    )
        .into_response()
}

fn bundle(resources: Vec<Value>) -> Response {
    let total = resources.len();
    Json(json!({
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "entry": resources
            .into_iter()
            .map(|r| json!({ "resource": r }))
            .collect::<Vec<_>>(),
    }))
    .into_response()
}

fn practitioner_id(p: &SimPractitioner) -> String {
    format!("003-{}", p.rpps)
}

async fn practitioner_search(
    State(sim): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let practitioners = match gate(&sim, &headers).await {
        Ok(p) => p,
        Err(answer) => return answer,
    };
    let wanted = query.get("identifier").cloned().unwrap_or_default();
    let found = practitioners
        .iter()
        .filter(|p| wanted == format!("{ID_NAT_PS_SYSTEM}|8{}", p.rpps))
        .map(|p| {
            json!({
                "resourceType": "Practitioner",
                "id": practitioner_id(p),
                "active": p.active,
                "identifier": [
                    { "system": ID_NAT_PS_SYSTEM, "value": format!("8{}", p.rpps),
                      "type": { "coding": [{ "code": "IDNPS" }] } },
                    { "system": "https://rpps.esante.gouv.fr", "value": p.rpps,
                      "type": { "coding": [{ "code": "RPPS" }] } }
                ],
                "name": [{
                    "use": "usual",
                    "family": p.family,
                    "given": [p.given],
                    "prefix": ["DR"]
                }]
            })
        })
        .collect();
    bundle(found)
}

async fn role_search(
    State(sim): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let practitioners = match gate(&sim, &headers).await {
        Ok(p) => p,
        Err(answer) => return answer,
    };
    let wanted = query.get("practitioner").cloned().unwrap_or_default();
    let include =
        query.get("_include").map(String::as_str) == Some("PractitionerRole:organization");
    let mut resources = Vec::new();
    for p in practitioners
        .iter()
        .filter(|p| practitioner_id(p) == wanted)
    {
        for (i, role) in p.roles.iter().enumerate() {
            let org_id = format!("org-{}-{i}", p.rpps);
            let specialty: Vec<Value> = role
                .savoir_faire
                .iter()
                .map(|code| json!({ "coding": [{ "system": TRE_R38, "code": code }] }))
                .collect();
            resources.push(json!({
                "resourceType": "PractitionerRole",
                "id": format!("role-{}-{i}", p.rpps),
                "active": role.active,
                "practitioner": { "reference": format!("Practitioner/{}", practitioner_id(p)) },
                "organization": { "reference": format!("Organization/{org_id}") },
                "code": [{ "coding": [
                    { "system": TRE_G15, "code": role.profession },
                    { "system": TRE_R09, "code": "C" }
                ]}],
                "specialty": specialty
            }));
            if include {
                resources.push(json!({
                    "resourceType": "Organization",
                    "id": org_id,
                    "name": role.organisation,
                    "address": [{ "postalCode": role.postal_code }]
                }));
            }
        }
    }
    bundle(resources)
}
