//! `/admin/tableau-de-bord` (the SLA dashboard) and `/admin/comptes.csv` (the queue of the
//! admin's scope, for a spreadsheet). Both are scoped like the queue.

use axum::{
    Router,
    extract::State,
    http::header,
    response::{IntoResponse, Response},
    routing::get,
};
use templates::views::DashboardView;

use super::admin::{format_time, region_label, scope_label};
use super::context::Ctx;
use crate::auth::session::AdminUser;
use crate::domain::QueueFilter;
use crate::{
    error::Result,
    services::{dashboard, validation},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(urls::ADMIN_DASHBOARD, get(dashboard_get))
        .route(urls::ADMIN_QUEUE_CSV, get(queue_csv))
}

async fn dashboard_get(
    State(state): State<AppState>,
    admin: AdminUser,
    ctx: Ctx,
) -> Result<Response> {
    let now = state.clock.now();
    let sla = dashboard::sla(&state.db, &admin.scopes, now).await?;
    let view = DashboardView {
        scope_label: admin
            .scopes
            .iter()
            .map(scope_label)
            .collect::<Vec<_>>()
            .join(", "),
        computed_at: format_time(now),
        pending: sla
            .pending
            .iter()
            .map(|b| {
                (
                    region_label(&b.region),
                    b.under_24h,
                    b.from_24_to_48h,
                    b.over_48h,
                )
            })
            .collect(),
        days: sla
            .days
            .iter()
            .map(|d| (d.day.format("%d/%m").to_string(), d.validated, d.rejected))
            .collect(),
        weeks: sla
            .weeks
            .iter()
            .map(|w| {
                (
                    format!("du {}", w.start.format("%d/%m")),
                    w.decided,
                    w.median_hours,
                    w.p90_hours,
                )
            })
            .collect(),
        within_48h: sla.within_48h,
    };
    Ok(templates::pages::dashboard(&ctx.for_user(None), &view).into_response())
}

/// A cell as written to the CSV: a value a spreadsheet would run as a formula (starting with
/// `=`, `+`, `-`, `@`, a tab or a carriage return) is prefixed with `'` (OWASP, "CSV
/// Injection"). Names and emails are typed by users.
fn cell(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    }
}

/// The pending accounts of the admin's scope, oldest first: `;`-separated UTF-8 with a byte
/// order mark, which is what French spreadsheet software opens correctly.
async fn queue_csv(State(state): State<AppState>, admin: AdminUser) -> Result<Response> {
    let filter = QueueFilter {
        scopes: admin.scopes.clone(),
        ..QueueFilter::default()
    };
    let now = state.clock.now();
    let (entries, now) = validation::pending_queue(&state.db, &filter, now).await?;
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::new());
    let header = [
        "id",
        "nom",
        "prenom",
        "email",
        "type_bal",
        "profession",
        "region",
        "soumis_le",
        "attente_heures",
        "identite_verifiee_psc",
    ];
    let mut write = |record: &[String]| {
        writer
            .write_record(record)
            .map_err(|e| anyhow::anyhow!("writing the CSV: {e}"))
    };
    write(&header.map(str::to_owned))?;
    for entry in &entries {
        let (account, profile) = (&entry.account, &entry.profile);
        let submitted = account.profile_submitted_at.unwrap_or(now);
        let profession = state
            .nomenclatures
            .profession(&profile.profession)
            .map_or_else(|| profile.profession.clone(), |p| p.label.clone());
        write(&[
            account.id.to_string(),
            cell(&account.nom),
            cell(&account.prenom),
            cell(&account.email),
            account
                .bal_type
                .map(|b| b.as_str().to_owned())
                .unwrap_or_default(),
            cell(&profession),
            region_label(&profile.region),
            format_time(submitted),
            (now - submitted).num_hours().to_string(),
            if entry.psc_verified { "oui" } else { "non" }.to_owned(),
        ])?;
    }
    let mut body = "\u{feff}".as_bytes().to_vec();
    body.extend(
        writer
            .into_inner()
            .map_err(|e| anyhow::anyhow!("writing the CSV: {e}"))?,
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"comptes-en-attente.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}
