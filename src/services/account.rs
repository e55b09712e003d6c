//! Living with the account (issue 9): its sessions, the export of its data, its closure by the
//! holder, and the purge of closed accounts after `retention.closed_days`.

use std::net::IpAddr;

use chrono::Duration;
use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};
use serde_json::{Value, json};

use crate::auth::session::Proof;
use crate::auth::sign_in::{self, LoginError};
use crate::auth::throttle::{Limit, Throttled};
use crate::config::RetentionSettings;
use crate::domain::profile::{FIELDS, Raw};
use crate::domain::{Account, Action, Actor, user_agent};
use crate::services::org;
use crate::{
    clock::Timestamp,
    mail::OutgoingMail,
    outbox::{self, Job, Publish},
    repo,
    state::AppState,
};

/// One live session, as the sessions page shows it.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    /// The opaque id forms name it by (never the cookie value or its hash).
    pub public_id: String,
    pub started_at: Timestamp,
    pub last_seen_at: Timestamp,
    /// E.g. "Firefox sur Windows".
    pub browser: String,
    pub client_ip: Option<String>,
    /// The session of the browser asking.
    pub current: bool,
}

/// The account's live sessions, newest activity first; `current` is the asking session's hash.
///
/// # Errors
/// Database failures.
pub async fn sessions(
    state: &AppState,
    account_id: i32,
    current: &str,
) -> Result<Vec<SessionInfo>, DbErr> {
    let idle = Duration::minutes(state.settings.auth.session_idle_minutes);
    let rows = repo::sessions::live_of(&state.db, account_id, idle, state.clock.now()).await?;
    Ok(rows
        .into_iter()
        .map(|s| SessionInfo {
            current: s.id_hash == current,
            browser: user_agent::describe(s.user_agent.as_deref()),
            public_id: s.public_id,
            started_at: s.created_at,
            last_seen_at: s.last_seen_at,
            client_ip: s.client_ip,
        })
        .collect())
}

/// Which sessions to end.
#[derive(Debug, Clone, Copy)]
pub enum Sessions<'a> {
    /// One, by its public id.
    One(&'a str),
    /// Every one but the asking session.
    AllOthers,
}

/// Ends sessions of the account (audited); returns how many ended. The asking session is
/// never ended here: signing out does that.
///
/// # Errors
/// Database failures.
pub async fn close_sessions(
    state: &AppState,
    account_id: i32,
    current: &str,
    which: Sessions<'_>,
) -> Result<u64, DbErr> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let (closed, detail) = match which {
        Sessions::One(public_id) => {
            let own = repo::sessions::all_of(&txn, account_id)
                .await?
                .into_iter()
                .any(|s| s.public_id == public_id && s.id_hash == current);
            if own {
                return Ok(0);
            }
            let closed = repo::sessions::delete_public(&txn, account_id, public_id).await?;
            (u64::from(closed), "une session")
        }
        Sessions::AllOthers => (
            repo::sessions::delete_all_of(&txn, account_id, Some(current)).await?,
            "toutes les autres sessions",
        ),
    };
    if closed > 0 {
        repo::audit::record(
            &txn,
            account_id,
            Actor::Account(account_id),
            Action::SessionsClosed,
            Some(&format!("{detail} ({closed})")),
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(closed)
}

/// Export format version, in the file: bump it when a key changes meaning.
pub const EXPORT_FORMAT: &str = "mss-onboarding/export/1";

/// Every personal datum held about the account, as JSON (GDPR art. 15 and 20; the README's
/// "Export format"). Audited. Nothing about anybody else: an administrator who acted on the
/// account appears as "administrateur", never by name, email or id.
///
/// # Errors
/// Database failures.
pub async fn export(state: &AppState, account_id: i32) -> Result<Option<Value>, DbErr> {
    let db = &state.db;
    let now = state.clock.now();
    let Some(row) = repo::accounts::find(db, account_id).await? else {
        return Ok(None);
    };
    repo::audit::record(
        db,
        account_id,
        Actor::Account(account_id),
        Action::DataExported,
        None,
        now,
    )
    .await?;
    let profile = repo::profiles::find(db, account_id).await?.map(|p| {
        let fields: serde_json::Map<String, Value> = FIELDS
            .iter()
            .filter_map(|f| {
                let value = match p.get(f.name)? {
                    Raw::Text(text) => Value::from(text),
                    Raw::Flag(flag) => Value::from(flag),
                };
                Some((f.name.to_owned(), value))
            })
            .collect();
        Value::Object(fields)
    });
    let cgu: Vec<Value> = repo::cgu::acceptances_of(db, account_id)
        .await?
        .into_iter()
        .map(|(version, at)| json!({ "version": version, "acceptee_le": at.to_rfc3339() }))
        .collect();
    let psc = repo::psc::find_by_account(db, account_id).await?.map(|i| {
        json!({
            "sub": i.sub,
            "id_nat_ps": i.id_nat_ps,
            "rpps": i.rpps,
            "associee_le": i.linked_at.to_rfc3339(),
            "derniere_connexion_le": i.last_login_at.to_rfc3339(),
            // The claims PSC sent about the holder (no token is ever stored here).
            "informations_transmises": serde_json::from_str::<Value>(&i.userinfo)
                .unwrap_or(Value::Null),
        })
    });
    let sessions: Vec<Value> = repo::sessions::all_of(db, account_id)
        .await?
        .into_iter()
        .map(|s| {
            json!({
                "ouverte_le": s.created_at.to_rfc3339(),
                "derniere_activite": s.last_seen_at.to_rfc3339(),
                "expire_le": s.expires_at.to_rfc3339(),
                "navigateur": user_agent::describe(s.user_agent.as_deref()),
                "user_agent": s.user_agent,
                "adresse_client": s.client_ip,
                "pro_sante_connect": s.psc_id_token.is_some(),
            })
        })
        .collect();
    let history: Vec<Value> = repo::audit::for_account(db, account_id)
        .await?
        .into_iter()
        .map(|e| {
            json!({
                "date": e.at.to_rfc3339(),
                "acteur": actor_for_holder(&e.actor, account_id),
                "action": e.action,
                "detail": e.detail,
            })
        })
        .collect();
    // The BAL ORG the holder belongs to, and the invitations waiting for their address: what
    // concerns them, not the boxes' other members.
    let mut orgs: Vec<Value> = org::of_account(db, account_id)
        .await?
        .into_iter()
        .map(|(o, role)| {
            json!({
                "libelle": o.libelle,
                "raison_sociale": o.raison_sociale,
                "statut": o.status().label(),
                "adresse_messagerie": o.mailbox_address,
                "role": role.label(),
            })
        })
        .collect();
    for (o, invitation) in org::invitations_for(db, &row).await? {
        orgs.push(json!({
            "libelle": o.libelle,
            "raison_sociale": o.raison_sociale,
            "statut": o.status().label(),
            "invitation_recue_le": invitation.invited_at.to_rfc3339(),
        }));
    }
    let a = &row;
    let ts = |t: Option<Timestamp>| t.map(|t| t.to_rfc3339());
    Ok(Some(json!({
        "format": EXPORT_FORMAT,
        "genere_le": now.to_rfc3339(),
        "compte": {
            "email": a.email,
            "nom": a.nom,
            "prenom": a.prenom,
            "mot_de_passe_defini": a.password_hash.is_some(),
            "email_confirme": a.email_confirmed,
            "type_bal": a.bal_type.map(|b| b.as_str()),
            "profil_envoye_le": ts(a.profile_submitted_at),
            "valide_le": ts(a.validated_at),
            "refuse_le": ts(a.rejected_at),
            "motif_refus": a.rejection_reason,
            "adresse_messagerie": a.mailbox_address,
            "desactive": a.disabled,
            "ferme_le": ts(a.closed_at),
        },
        "profil": profile,
        "cgu": cgu,
        "pro_sante_connect": psc,
        "sessions": sessions,
        "bal_org": orgs,
        "historique": history,
    })))
}

/// Who acted, as the holder's export says it: never another person's identity.
fn actor_for_holder(stored: &str, account_id: i32) -> &'static str {
    if stored == Actor::Account(account_id).label() {
        "titulaire"
    } else if stored.starts_with("admin:") {
        "administrateur"
    } else if stored == Actor::System.label() {
        "service"
    } else {
        "autre"
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CloseError {
    /// The account has no password to re-authenticate with (Pro Santé Connect only).
    #[error("no password")]
    NoPassword,
    #[error("wrong password")]
    WrongPassword,
    #[error("throttled")]
    Throttled(Throttled),
    /// The account is the last responsable of these open BAL ORG (their libellés): it must
    /// name another responsable or close them first.
    #[error("last responsable of a BAL ORG")]
    LastResponsable(Vec<String>),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<DbErr> for CloseError {
    fn from(e: DbErr) -> Self {
        Self::Unexpected(e.into())
    }
}

/// The holder closes the account after typing their password again: disabled, signed out
/// everywhere, its directory entries removed (outbox), a confirmation mailed (outbox). Its data
/// is purged `retention.closed_days` later ([`purge_closed`]).
///
/// The password goes through the sign-in check: same rate limits, same audit of failures.
///
/// # Errors
/// See [`CloseError`].
pub async fn close(
    state: &AppState,
    client: IpAddr,
    account: &Account,
    proof: Proof<'_>,
    motif: Option<&str>,
) -> Result<(), CloseError> {
    match proof {
        // A recent Pro Santé Connect sign-in of an account without a password.
        Proof::RecentPsc => {}
        Proof::Password(_) if account.password_hash.is_none() => {
            return Err(CloseError::NoPassword);
        }
        Proof::Password(password) => {
            match sign_in::authenticate(
                state,
                Limit::SignInClient(client),
                &account.email,
                password,
            )
            .await
            {
                Ok(checked) if checked.id == account.id => {}
                Ok(_) | Err(LoginError::InvalidCredentials) => {
                    return Err(CloseError::WrongPassword);
                }
                Err(LoginError::Throttled(t)) => return Err(CloseError::Throttled(t)),
                Err(LoginError::Unexpected(e)) => return Err(e.into()),
            }
        }
    }
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let blocking = org::release_closing_account(&txn, account, now).await?;
    if !blocking.is_empty() {
        return Err(CloseError::LastResponsable(blocking)); // dropped: rolled back
    }
    if !repo::accounts::set_closed(&txn, account.id, now).await? {
        return Ok(()); // closed meanwhile (a double submit)
    }
    repo::sessions::delete_all_of(&txn, account.id, None).await?;
    repo::audit::record(
        &txn,
        account.id,
        Actor::Account(account.id),
        Action::AccountClosed,
        motif,
        now,
    )
    .await?;
    let rendered = templates::email::account_closed(&templates::views::AccountClosedMail {
        service_name: state.settings.service_name.clone(),
        prenom: account.prenom.clone(),
        mailbox_address: account.mailbox_address.clone(),
        retention_days: state.settings.retention.closed_days,
        support: state.support(),
    });
    outbox::push(
        &txn,
        &Job::Mail(OutgoingMail::new(&account.email, rendered, None)),
        now,
    )
    .await?;
    let account_id = account.id;
    outbox::push(&txn, &Job::Directory(Publish::Account { account_id }), now).await?;
    txn.commit().await?;
    state.outbox.wake();
    Ok(())
}

/// Deletes the accounts closed more than `retention.closed_days` ago (run by the worker's
/// periodic purge). Their mailbox addresses stay reserved; their audit trail stays, with one
/// more event. Returns how many were deleted.
///
/// # Errors
/// Database failures.
pub async fn purge_closed(
    db: &DatabaseConnection,
    retention: &RetentionSettings,
    now: Timestamp,
) -> Result<usize, DbErr> {
    let before = now - Duration::days(retention.closed_days);
    let txn = db.begin().await?;
    let ids = repo::accounts::purge_closed(&txn, before, now).await?;
    for id in &ids {
        repo::audit::record(
            &txn,
            *id,
            Actor::System,
            Action::ClosedAccountPurged,
            None,
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(ids.len())
}
