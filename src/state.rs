//! Shared, cheap-to-clone handles given to every handler.

use std::sync::Arc;

use sea_orm::DatabaseConnection;
use tokio::sync::Notify;
use url::Url;

use crate::{
    auth::{csrf::CsrfKey, password::PasswordHasher},
    clock::SharedClock,
    config::Settings,
    domain::nomenclature::Nomenclatures,
    psc::PscClient,
    services::cgu::CguCatalog,
};

/// What every handler shares, behind one `Arc`: axum clones the state for each extractor and
/// middleware of every request, and one reference count is far cheaper than one per field
/// (profiled: cloning and dropping a field-by-field state took a fifth of the CPU of an
/// anonymous `GET /inscription`, all contended atomic counters between the cores).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

pub struct Shared {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    /// `server.public_url`, or the bound address when that is empty; no trailing slash.
    pub public_url: PublicUrl,
    pub hasher: PasswordHasher,
    pub cgu: Arc<CguCatalog>,
    pub nomenclatures: Arc<Nomenclatures>,
    pub csrf_key: CsrfKey,
    /// The Pro Santé Connect relying party, when `psc.enabled`.
    pub psc: Option<Arc<PscClient>>,
    /// Wakes the outbox worker as soon as a transaction pushed a job.
    pub outbox: OutboxSignal,
    /// The time every expiry and ordering decision reads (a test clock in tests).
    pub clock: SharedClock,
    /// Prometheus series of this instance (`GET /metrics` on `metrics.bind`).
    pub metrics: Arc<crate::metrics::Metrics>,
}

#[derive(Clone, Debug)]
pub struct PublicUrl(pub Arc<str>);

impl PublicUrl {
    pub fn is_https(&self) -> bool {
        self.0.starts_with("https://")
    }
    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }
}

/// Wakes the worker's delivery loops (one per outbox kind).
#[derive(Clone, Default)]
pub struct OutboxSignal {
    pub mail: Arc<Notify>,
    pub directory: Arc<Notify>,
    pub annuaire_sante: Arc<Notify>,
}

impl OutboxSignal {
    /// `notify_one` keeps a permit when the loop is busy, so no wake-up is lost.
    pub fn wake(&self) {
        self.mail.notify_one();
        self.directory.notify_one();
        self.annuaire_sante.notify_one();
    }
}

impl AppState {
    /// The support contact shown in page footers and mails.
    pub fn support(&self) -> templates::views::Support {
        support_view(&self.settings.support)
    }
}

/// The support contact as pages and mails show it.
pub fn support_view(s: &crate::config::SupportSettings) -> templates::views::Support {
    templates::views::Support {
        organisation: s.organisation.clone(),
        phone: s.phone.clone(),
        phone_note: s.phone_note.clone(),
        hours: s.hours.clone(),
        form_url: s.form_url.as_ref().map(Url::to_string).unwrap_or_default(),
        appointment_url: s
            .appointment_url
            .as_ref()
            .map(Url::to_string)
            .unwrap_or_default(),
    }
}
