//! Daily digests to administrators of the accounts that crossed 24 h, then 48 h, without a
//! decision (issue 11; the guide promises "sous 24h à 48h").
//!
//! - Once per day and per deployment: the day is claimed by inserting it in `reminder_runs`,
//!   in the transaction that does the work, so with several instances exactly one sends it
//!   (the others hit the primary key) and a failed run leaves the day free for the next try.
//! - Once per account and threshold (`reminder_notices`). An account past several thresholds
//!   at once is announced under the highest, and the lower ones count as announced.
//! - Each administrator gets the new accounts of their scopes, or no mail at all. An account
//!   no administrator covers is not marked announced: it waits for the first digest that can
//!   carry it.

use std::collections::HashSet;

use chrono::Timelike;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, TransactionTrait};

use crate::config::Settings;
use crate::domain::{Account, QueueFilter, Scope, profile::StoredProfile};
use crate::{
    clock::Timestamp, error::is_unique_violation, mail::OutgoingMail, outbox, outbox::Job, repo,
};

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Accounts announced (each under one threshold).
    pub announced: usize,
    /// Digests pushed to the outbox.
    pub digests: usize,
}

/// Runs today's digest if it is due (enabled, past `reminders.hour`) and no instance ran it
/// yet. `None` when nothing was due.
///
/// # Errors
/// Database failures (the day stays unclaimed).
pub async fn run_if_due(
    db: &DatabaseConnection,
    settings: &Settings,
    public_url: &str,
    now: Timestamp,
) -> Result<Option<Report>, DbErr> {
    let reminders = &settings.reminders;
    if !reminders.enabled || now.hour() < reminders.hour {
        return Ok(None);
    }
    let period = now.date_naive().to_string();
    if repo::reminders::has_run(db, &period).await? {
        return Ok(None);
    }
    let txn = db.begin().await?;
    match repo::reminders::claim(&txn, &period, now).await {
        // Another instance claimed the day between our check and our insert.
        Err(e) if is_unique_violation(&e) => return Ok(None),
        other => other?,
    }
    let report = digest(&txn, settings, public_url, now).await?;
    txn.commit().await?;
    Ok(Some(report))
}

struct Announced {
    account: Account,
    profile: StoredProfile,
    threshold: i32,
    hours: i64,
}

async fn digest(
    txn: &impl ConnectionTrait,
    settings: &Settings,
    public_url: &str,
    now: Timestamp,
) -> Result<Report, DbErr> {
    let mut thresholds = settings.reminders.thresholds_hours.clone();
    thresholds.sort_unstable();
    let filter = QueueFilter {
        scopes: vec![Scope::National],
        ..QueueFilter::default()
    };
    let pending = repo::queue::pending(txn, &filter).await?;
    let ids: Vec<i32> = pending.iter().map(|(a, _)| a.id).collect();
    let notified: HashSet<(i32, i32)> = repo::reminders::notices(txn, &ids)
        .await?
        .into_iter()
        .collect();
    // Candidates first: an account is recorded as announced only once an administrator's
    // digest carries it. One that no active administrator covers (no one appointed for its
    // région yet) stays unannounced, so the first digest after an appointment lists it.
    let mut candidates = Vec::new();
    for (account, profile) in pending {
        let Some(since) = account.profile_submitted_at else {
            continue;
        };
        let hours = (now - since).num_hours();
        // The highest threshold crossed (they are sorted).
        let Some(&top) = thresholds.iter().rev().find(|&&t| i64::from(t) <= hours) else {
            continue;
        };
        if notified.contains(&(account.id, top)) {
            continue;
        }
        candidates.push(Announced {
            account,
            profile,
            threshold: top,
            hours,
        });
    }
    let mut covered = vec![false; candidates.len()];
    let mut digests = 0;
    for (admin_id, scopes) in repo::reminders::administrators(txn).await? {
        let Some(admin) = repo::accounts::find(txn, admin_id).await? else {
            continue;
        };
        if admin.disabled {
            continue;
        }
        let mut mine: Vec<&Announced> = Vec::new();
        for (i, a) in candidates.iter().enumerate() {
            let structure =
                Some(a.profile.identifiant_structure.as_str()).filter(|s| !s.is_empty());
            if scopes
                .iter()
                .any(|s| s.covers(Some(&a.profile.region), structure))
            {
                covered[i] = true;
                mine.push(a);
            }
        }
        if mine.is_empty() {
            continue;
        }
        let mail = digest_mail(settings, public_url, &admin, &mine, &thresholds);
        outbox::push(txn, &Job::Mail(mail), now).await?;
        digests += 1;
    }
    let mut announced = 0;
    for (a, _) in candidates
        .iter()
        .zip(&covered)
        .filter(|(_, covered)| **covered)
    {
        // The thresholds below the one announced count as announced too.
        for &threshold in thresholds.iter().filter(|&&t| t <= a.threshold) {
            repo::reminders::record_notice(txn, a.account.id, threshold, now).await?;
        }
        announced += 1;
    }
    Ok(Report { announced, digests })
}

fn digest_mail(
    settings: &Settings,
    public_url: &str,
    admin: &Account,
    items: &[&Announced],
    thresholds: &[i32],
) -> OutgoingMail {
    let service = settings.service_name.clone();
    let count = items.len();
    let mut paragraphs = vec![format!(
        "{count} compte{s} en attente de validation dans votre périmètre vien{t} de dépasser le \
         délai annoncé aux utilisateurs (validation sous 24h à 48h) :",
        s = if count > 1 { "s" } else { "" },
        t = if count > 1 { "nent" } else { "t" },
    )];
    for &threshold in thresholds.iter().rev() {
        let lines: Vec<String> = items
            .iter()
            .filter(|a| a.threshold == threshold)
            .map(|a| {
                format!(
                    "- {} {} (région {}), en attente depuis {} h : {}{}",
                    a.account.prenom,
                    a.account.nom,
                    a.profile.region,
                    a.hours,
                    public_url,
                    urls::admin_account(a.account.id)
                )
            })
            .collect();
        if !lines.is_empty() {
            paragraphs.push(format!("Plus de {threshold} h :\n{}", lines.join("\n")));
        }
    }
    // Every account listed waited at least the lowest threshold among them (the configured
    // ones, never a fixed 24 h).
    let least = items.iter().map(|a| a.threshold).min().unwrap_or_default();
    let rendered = templates::email::notice_mail(&templates::views::NoticeMail {
        service_name: service.clone(),
        prenom: admin.prenom.clone(),
        subject: format!(
            "{service} : {count} compte(s) en attente de validation depuis plus de {least} h"
        ),
        paragraphs,
        link: Some((
            format!("{public_url}{}", urls::ADMIN),
            "Ouvrir la file d'attente".to_owned(),
        )),
        support: crate::state::support_view(&settings.support),
        ..Default::default()
    });
    OutgoingMail::new(&admin.email, rendered, None)
}
