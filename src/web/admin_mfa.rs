//! The administrators' second factor (issue 11): `/admin/double-authentification` (enrol a
//! TOTP, shown as a QR code and as text, confirmed by a first code; then the recovery codes)
//! and `/admin/double-authentification/code` (a TOTP or recovery code opens the console).
//! [`AdminUser`](crate::auth::session::AdminUser) sends administrators here; these pages take
//! [`AdminBeforeSecondFactor`], the one extractor that does not ask for the factor.

use axum::{
    Router,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use serde::Deserialize;
use templates::views::{
    FieldErrors, RecoveryCodesView, SecondFactorCodeView, SecondFactorEnrolView,
};

use super::{context::Ctx, form::AppForm};
use crate::{
    auth::session::AdminBeforeSecondFactor,
    error::{AppError, Result},
    services::second_factor::{self, CodeOutcome, EnrolOutcome, Enrolment, NotConfigured},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(urls::ADMIN_SECOND_FACTOR, get(enrol_get).post(enrol_post))
        .route(
            urls::ADMIN_SECOND_FACTOR_CODE,
            get(code_get).post(code_post),
        )
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    code: String,
}

fn enrol_page(ctx: Ctx, status: StatusCode, view: &SecondFactorEnrolView) -> Response {
    (
        status,
        templates::pages::second_factor_enrol(&ctx.for_user(None), view),
    )
        .into_response()
}

fn enrol_view(enrolment: Enrolment, errors: FieldErrors) -> SecondFactorEnrolView {
    SecondFactorEnrolView {
        secret: enrolment.secret_base32,
        qr_svg: enrolment.qr_svg,
        errors,
        unavailable: false,
    }
}

/// No encryption key configured: the page says enrolment is impossible (503).
fn unavailable(ctx: Ctx, _: NotConfigured) -> Response {
    let view = SecondFactorEnrolView {
        unavailable: true,
        ..SecondFactorEnrolView::default()
    };
    enrol_page(ctx, StatusCode::SERVICE_UNAVAILABLE, &view)
}

/// A session that passed already goes to the console.
fn to_console() -> Response {
    Redirect::to(urls::ADMIN).into_response()
}

/// A new secret on every visit: the one confirmed is always the one last shown.
async fn enrol_get(
    State(state): State<AppState>,
    admin: AdminBeforeSecondFactor,
    ctx: Ctx,
) -> Result<Response> {
    if admin.user.second_factor_passed() {
        return Ok(to_console());
    }
    Ok(
        match second_factor::begin_enrolment(&state, &admin.user.account).await? {
            Err(e) => unavailable(ctx, e),
            // Enrolled already: a new secret only comes through support's reset.
            Ok(None) => Redirect::to(urls::ADMIN_SECOND_FACTOR_CODE).into_response(),
            Ok(Some(enrolment)) => enrol_page(
                ctx,
                StatusCode::OK,
                &enrol_view(enrolment, FieldErrors::new()),
            ),
        },
    )
}

async fn enrol_post(
    State(state): State<AppState>,
    admin: AdminBeforeSecondFactor,
    ctx: Ctx,
    AppForm(form): AppForm<CodeForm>,
) -> Result<Response> {
    if admin.user.second_factor_passed() {
        return Ok(to_console());
    }
    Ok(
        match second_factor::confirm_enrolment(&state, &admin.user, &form.code).await? {
            Err(e) => unavailable(ctx, e),
            // Shown in this answer only: nothing can display them again.
            Ok(EnrolOutcome::Enrolled { recovery_codes }) => {
                let view = RecoveryCodesView {
                    codes: recovery_codes,
                };
                templates::pages::recovery_codes(&ctx.for_user(None), &view).into_response()
            }
            Ok(EnrolOutcome::Wrong(enrolment)) => {
                let mut errors = FieldErrors::new();
                errors.add(
                    "code",
                    "Ce code est incorrect. Vérifiez l'heure de votre téléphone et saisissez \
                     le code actuellement affiché.",
                );
                enrol_page(
                    ctx,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &enrol_view(enrolment, errors),
                )
            }
            Ok(EnrolOutcome::Throttled { retry_after_secs }) => {
                return Err(AppError::TooManyRequests { retry_after_secs });
            }
            // The console's extractor decides where to go: the code page or a new enrolment.
            Ok(EnrolOutcome::NothingPending) => Redirect::to(urls::ADMIN).into_response(),
        },
    )
}

fn code_page(ctx: Ctx, status: StatusCode, errors: FieldErrors) -> Response {
    let view = SecondFactorCodeView { errors };
    (
        status,
        templates::pages::second_factor_code(&ctx.for_user(None), &view),
    )
        .into_response()
}

/// Where an administrator without a passed factor belongs when it is not the code page.
async fn not_at_code_page(
    state: &AppState,
    admin: &AdminBeforeSecondFactor,
) -> Result<Option<Response>> {
    if admin.user.second_factor_passed() {
        return Ok(Some(to_console()));
    }
    if !second_factor::is_enrolled(state, admin.user.account.id).await? {
        return Ok(Some(
            Redirect::to(urls::ADMIN_SECOND_FACTOR).into_response(),
        ));
    }
    Ok(None)
}

async fn code_get(
    State(state): State<AppState>,
    admin: AdminBeforeSecondFactor,
    ctx: Ctx,
) -> Result<Response> {
    if let Some(elsewhere) = not_at_code_page(&state, &admin).await? {
        return Ok(elsewhere);
    }
    Ok(code_page(ctx, StatusCode::OK, FieldErrors::new()))
}

async fn code_post(
    State(state): State<AppState>,
    admin: AdminBeforeSecondFactor,
    ctx: Ctx,
    AppForm(form): AppForm<CodeForm>,
) -> Result<Response> {
    if let Some(elsewhere) = not_at_code_page(&state, &admin).await? {
        return Ok(elsewhere);
    }
    let message = match second_factor::verify(&state, &admin.user, &form.code).await? {
        Err(e) => return Ok(unavailable(ctx, e)),
        Ok(CodeOutcome::Passed { .. }) => return Ok(to_console()),
        Ok(CodeOutcome::Throttled { retry_after_secs }) => {
            return Err(AppError::TooManyRequests { retry_after_secs });
        }
        Ok(CodeOutcome::Wrong) => "Ce code est incorrect.",
        Ok(CodeOutcome::Replayed) => {
            "Ce code a déjà été utilisé. Attendez que l'application en affiche un nouveau \
             (toutes les 30 secondes)."
        }
    };
    let mut errors = FieldErrors::new();
    errors.add("code", message);
    Ok(code_page(ctx, StatusCode::UNPROCESSABLE_ENTITY, errors))
}
