//! `/admin/export-annuaire`: the boxes of the admin's scope published in the MSSanté
//! directory, as a file in the ANS's national extraction format (issue 13) — the same file as
//! `mss-onboarding directory export --format ans`, restricted to the scope.

use axum::{
    Router,
    extract::State,
    http::header,
    response::{IntoResponse, Response},
    routing::get,
};

use crate::auth::session::AdminUser;
use crate::{error::Result, services::ans_export, state::AppState};

pub fn router() -> Router<AppState> {
    Router::new().route(urls::ADMIN_EXPORT_ANNUAIRE, get(export_get))
}

/// UTF-8 text, one line per box; the name follows the ANS file's
/// (`Extraction_Correspondance_MSSante_<date>.txt`).
async fn export_get(State(state): State<AppState>, admin: AdminUser) -> Result<Response> {
    let file = ans_export::extraction(&state.db, &state.nomenclatures, &admin.scopes).await?;
    let name = format!(
        "attachment; filename=\"Extraction_Correspondance_MSSante_{}.txt\"",
        state.clock.now().format("%Y%m%d")
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, name),
        ],
        file,
    )
        .into_response())
}
