//! `GET /compte`: the account page — waiting for validation, validated (with the mailbox
//! address), or rejected (with the reason).

use axum::{
    Router,
    extract::{Query, State},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use serde::Deserialize;

use super::{context::Ctx, form::AppForm};
use crate::auth::session::SignedIn;
use crate::domain::org::OrgBox;
use crate::domain::{Account, BalType};
use crate::{
    error::Result,
    services::{journey::Step, org, profile},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(urls::ACCOUNT, get(account_get))
        .route(urls::ACCOUNT_DIRECTORY, post(directory_post))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AccountQuery {
    mot_de_passe: Option<String>,
}

async fn account_get(
    State(state): State<AppState>,
    user: SignedIn,
    Query(query): Query<AccountQuery>,
    ctx: Ctx,
) -> Result<Response> {
    if let Err(redirect) = user.require(Step::Pending) {
        return Ok(redirect.into_response());
    }
    let account = user.account();
    let page = profile::account_page(&state.db, account.id).await?;
    let visibility = page.profile.as_ref();
    let view = templates::views::AccountStatusView {
        prenom: account.prenom.clone(),
        nom: account.nom.clone(),
        email: account.email.clone(),
        bal_type: account.bal_type.unwrap_or(BalType::Med).as_str().to_owned(),
        mailbox_address: account.mailbox_address.clone(),
        rejection_reason: account.rejection_reason.clone(),
        validated: account.validated_at.is_some(),
        rejected: account.rejected_at.is_some(),
        psc_enabled: state.psc.is_some(),
        psc_linked: page.psc_linked,
        annuaire_medimail: visibility.is_some_and(|p| p.annuaire_medimail),
        annuaire_mssante: visibility.is_some_and(|p| p.annuaire_mssante),
        orgs: org_summaries(&state, account).await?,
        may_request_org: org::may_request(account),
        submitted_on: account.profile_submitted_at.map(|t| day(&t)),
        validated_on: account.validated_at.map(|t| day(&t)),
        overdue: account.is_pending()
            && account
                .profile_submitted_at
                .is_some_and(|t| state.clock.now() - t > chrono::Duration::hours(48)),
    };
    let ctx = match query.mot_de_passe {
        Some(_) => ctx.with_notice("Votre mot de passe a été modifié."),
        None => ctx,
    };
    Ok(templates::pages::account_status(&ctx.for_user(Some(Step::Pending)), &view).into_response())
}

/// The account's boxes (closed ones included, for their history), then the invitations waiting
/// for its address.
async fn org_summaries(
    state: &AppState,
    account: &Account,
) -> Result<Vec<templates::views::OrgSummary>> {
    let summary = |o: &OrgBox, role: &str, invitation: bool| templates::views::OrgSummary {
        id: o.id,
        status: o.status().label().to_owned(),
        address: o.mailbox_address.clone(),
        role: role.to_owned(),
        invitation,
        libelle: o.libelle.clone(),
    };
    let mut orgs: Vec<_> = org::of_account(&state.db, account.id)
        .await?
        .iter()
        .map(|(o, role)| summary(o, role.label(), false))
        .collect();
    orgs.extend(
        org::invitations_for(&state.db, account)
            .await?
            .iter()
            .map(|(o, _)| summary(o, "", true)),
    );
    Ok(orgs)
}

/// Unticked checkboxes are absent from the body.
#[derive(Deserialize, Default)]
#[serde(default)]
struct DirectoryForm {
    annuaire_medimail: Option<String>,
    annuaire_mssante: Option<String>,
}

/// A validated user's directory visibility; the entries follow through the outbox.
async fn directory_post(
    State(state): State<AppState>,
    user: SignedIn,
    AppForm(form): AppForm<DirectoryForm>,
) -> Result<Response> {
    if let Err(redirect) = user.require(Step::Pending) {
        return Ok(redirect.into_response());
    }
    let account = user.account();
    if account.validated_at.is_none() || account.disabled {
        return Ok(Redirect::to(urls::ACCOUNT).into_response());
    }
    // A BAL MED is never in the MSSanté directory, whatever the form says.
    let mssante = form.annuaire_mssante.is_some() && account.bal_type == Some(BalType::Per);
    profile::set_directory_visibility(
        &state,
        account.id,
        form.annuaire_medimail.is_some(),
        mssante,
    )
    .await?;
    Ok(Redirect::to(urls::ACCOUNT).into_response())
}

/// A date as French readers write it: "04/12/2026".
fn day(at: &chrono::DateTime<chrono::FixedOffset>) -> String {
    at.format("%d/%m/%Y").to_string()
}
