//! The Annuaire Santé cross-check (issue 13): is a declared RPPS/ADELI real, and does it belong
//! to the person who typed it?
//!
//! - [`enqueue`] queues a lookup in the caller's transaction (a profile saved with an
//!   identifier, an administrator's refresh); the outbox worker runs [`run_lookup`], which asks
//!   the directory and stores the answer with its date. The admin's request never waits for
//!   the API.
//! - [`compare`] sets what the directory says beside what the user typed (nom, prénom,
//!   profession, région), and [`flag`] sums it up for the queue.
//!
//! Names compare ignoring case, accents, hyphens and apostrophes (the directory writes
//! `JEAN-PIERRE` where a user types `Jean Pierre`); a typed first name agrees with the
//! directory's given names when it is their beginning (`Claire` for `CLAIRE MARIE`).

use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};

use crate::annuaire_sante::{
    Lookup as Answer, LookupError, Practitioner, PractitionerDirectory, StoredCheck,
};
use crate::clock::Timestamp;
use crate::config::AnnuaireSanteSettings;
use crate::domain::profile::StoredProfile;
use crate::domain::{Account, IdentifierType};
use crate::outbox::{self, Job, Lookup};
use crate::repo;

/// An identifier a profile declares, in the two spellings the check needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    /// `TYPE:number`, as stored with the check.
    pub key: String,
    /// idNatPs: `8` + RPPS or `0` + ADELI (domain.md §2.1–2.2), what the directory is searched by.
    pub id_nat_ps: String,
}

/// The identifier `profile` declares, if any. Its key is not checked here: a number Pro Santé
/// Connect sent may fail Luhn (domain.md §2.1), and the directory is the judge.
pub fn declared(profile: &StoredProfile) -> Option<Declared> {
    let kind = profile.type_identifiant.parse::<IdentifierType>().ok()?;
    let number = profile.identifiant.trim();
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(Declared {
        key: format!("{}:{number}", kind.as_str()),
        id_nat_ps: format!("{}{number}", kind.id_nat_ps_prefix()),
    })
}

/// Queues a lookup of the identifier `profile` declares, in the caller's transaction; wake the
/// worker after the commit. Returns whether one was queued (not when the check is disabled or
/// nothing is declared).
///
/// # Errors
/// Database failures.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    settings: &AnnuaireSanteSettings,
    profile: &StoredProfile,
    force: bool,
    now: Timestamp,
) -> Result<bool, DbErr> {
    let Some(declared) = declared(profile).filter(|_| settings.enabled) else {
        return Ok(false);
    };
    let account_id = profile.account_id;
    repo::annuaire_checks::request(db, account_id, &declared.key, now).await?;
    outbox::push(db, &Job::AnnuaireSante(Lookup { account_id, force }), now).await?;
    Ok(true)
}

/// What a lookup job did.
#[derive(Debug)]
pub enum Ran {
    /// The directory answered (found or unknown); stored.
    Answered,
    /// Nothing to ask: no identifier any more, or a recent enough answer (`cache_hours`).
    Skipped,
    /// No answer (timeout, 5xx, connection): stored as unavailable; worth retrying.
    Unavailable(LookupError),
    /// No answer and retrying cannot help (refused key, garbled answer): stored as unavailable.
    Failed(LookupError),
}

/// Runs one lookup job: asks the directory about the identifier the account declares now, and
/// stores the answer (or the outage) with its date.
///
/// # Errors
/// Database failures.
pub async fn run_lookup(
    db: &DatabaseConnection,
    directory: &dyn PractitionerDirectory,
    settings: &AnnuaireSanteSettings,
    job: Lookup,
    now: Timestamp,
) -> Result<Ran, DbErr> {
    let account_id = job.account_id;
    let Some(declared) = repo::profiles::find(db, account_id)
        .await?
        .as_ref()
        .and_then(declared)
    else {
        return Ok(Ran::Skipped);
    };
    let stored = repo::annuaire_checks::find(db, account_id).await?;
    let fresh = stored.as_ref().is_some_and(|check| {
        check.identifier == declared.key
            && check
                .checked_at
                .is_some_and(|at| now - at < chrono::Duration::hours(settings.cache_hours.max(0)))
    });
    if fresh && !job.force {
        repo::annuaire_checks::touch(db, account_id, now).await?;
        return Ok(Ran::Skipped);
    }
    if stored.as_ref().is_none_or(|c| c.identifier != declared.key) {
        repo::annuaire_checks::request(db, account_id, &declared.key, now).await?;
    }
    match directory.lookup(&declared.id_nat_ps).await {
        Ok(answer) => {
            let found = match &answer {
                Answer::Found(p) => Some(p),
                Answer::Unknown => None,
            };
            repo::annuaire_checks::record_answer(db, account_id, &declared.key, found, now).await?;
            Ok(Ran::Answered)
        }
        Err(e) => {
            repo::annuaire_checks::record_unavailable(
                db,
                account_id,
                &declared.key,
                &e.to_string(),
                now,
            )
            .await?;
            Ok(match e {
                LookupError::Unavailable(_) => Ran::Unavailable(e),
                LookupError::Refused(_) | LookupError::Malformed(_) => Ran::Failed(e),
            })
        }
    }
}

/// An administrator asks for a fresh lookup (the "Actualiser" / "Réessayer" button). Returns
/// whether one was queued.
///
/// # Errors
/// Database failures.
pub async fn refresh(
    db: &DatabaseConnection,
    settings: &AnnuaireSanteSettings,
    profile: &StoredProfile,
    now: Timestamp,
) -> Result<bool, DbErr> {
    use sea_orm::TransactionTrait;
    let txn = db.begin().await?;
    let queued = enqueue(&txn, settings, profile, true, now).await?;
    txn.commit().await?;
    Ok(queued)
}

/// The account's stored check, when it is about the identifier the profile declares now.
///
/// # Errors
/// Database failures.
pub async fn current(
    db: &DatabaseConnection,
    profile: &StoredProfile,
) -> Result<Option<StoredCheck>, DbErr> {
    let Some(declared) = declared(profile) else {
        return Ok(None);
    };
    Ok(repo::annuaire_checks::find(db, profile.account_id)
        .await?
        .filter(|c| c.identifier == declared.key))
}

/// What is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compared {
    Nom,
    Prenom,
    /// TRE_G15 codes.
    Profession,
    /// INSEE région codes.
    Region,
}

/// One line of the side-by-side comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    pub what: Compared,
    /// What the user typed (a code for profession and région).
    pub typed: String,
    /// What the directory says (codes for profession and région; several for several
    /// exercises).
    pub directory: Vec<String>,
    /// `None` when the directory says nothing to compare with.
    pub agrees: Option<bool>,
}

/// Lower case, no accents, hyphens and apostrophes as spaces, one space between words.
fn words(text: &str) -> Vec<String> {
    crate::domain::fold_for_comparison(text)
        .split(|c: char| c.is_whitespace() || matches!(c, '-' | '\'' | '’'))
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

fn distinct(values: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for value in values {
        if !out.contains(&value) {
            out.push(value);
        }
    }
    out
}

/// What the directory says beside what the user typed.
pub fn compare(
    practitioner: &Practitioner,
    account: &Account,
    profile: &StoredProfile,
) -> Vec<Comparison> {
    compare_values(practitioner, &account.nom, &account.prenom, profile)
}

fn compare_values(
    practitioner: &Practitioner,
    nom_typed: &str,
    prenom_typed: &str,
    profile: &StoredProfile,
) -> Vec<Comparison> {
    let families = distinct(practitioner.names.iter().map(|n| n.family.clone()));
    let givens = distinct(practitioner.names.iter().map(|n| n.given.clone()));
    let nom = words(nom_typed);
    let prenom = words(prenom_typed);
    let nom_agrees = families.iter().any(|f| words(f) == nom);
    let prenom_agrees = givens.iter().any(|g| {
        let given = words(g);
        !prenom.is_empty() && given.starts_with(&prenom)
    });
    // Exercises still open say who the person is today; closed ones count when none is open.
    let open: Vec<_> = practitioner.roles.iter().filter(|r| r.active).collect();
    let roles = if open.is_empty() {
        practitioner.roles.iter().collect()
    } else {
        open
    };
    let professions = distinct(roles.iter().filter_map(|r| r.profession.clone()));
    let regions = distinct(roles.iter().filter_map(|r| r.region.clone()));
    let against = |typed: &str, known: &[String]| {
        (!known.is_empty() && !typed.is_empty()).then(|| known.iter().any(|k| k == typed))
    };
    vec![
        Comparison {
            what: Compared::Nom,
            typed: nom_typed.to_owned(),
            agrees: (!families.is_empty()).then_some(nom_agrees),
            directory: families,
        },
        Comparison {
            what: Compared::Prenom,
            typed: prenom_typed.to_owned(),
            agrees: (!givens.is_empty()).then_some(prenom_agrees),
            directory: givens,
        },
        Comparison {
            what: Compared::Profession,
            typed: profile.profession.clone(),
            agrees: against(&profile.profession, &professions),
            directory: professions,
        },
        Comparison {
            what: Compared::Region,
            typed: profile.region.clone(),
            agrees: against(&profile.region, &regions),
            directory: regions,
        },
    ]
}

/// Whether the directory lists the practitioner as practising: the practitioner is active and,
/// when exercises are listed, one of them is.
pub fn practising(practitioner: &Practitioner) -> bool {
    practitioner.active
        && (practitioner.roles.is_empty() || practitioner.roles.iter().any(|r| r.active))
}

/// What makes an account risky, for the queue's mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    /// The directory knows no practitioner with this identifier.
    Unknown,
    /// The directory's values differ from the typed ones.
    Mismatch,
    /// The practitioner or all their exercises are closed.
    Inactive,
}

/// The queue's mark of a check, if any: the directory's last answer, compared with the profile.
pub fn flag(check: &StoredCheck, account: &Account, profile: &StoredProfile) -> Option<Flag> {
    if declared(profile).is_none_or(|d| d.key != check.identifier) {
        return None;
    }
    match (check.outcome, &check.practitioner) {
        (Some(crate::annuaire_sante::Outcome::Unknown), _) => Some(Flag::Unknown),
        (_, Some(p))
            if compare(p, account, profile)
                .iter()
                .any(|c| c.agrees == Some(false)) =>
        {
            Some(Flag::Mismatch)
        }
        (_, Some(p)) if !practising(p) => Some(Flag::Inactive),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::annuaire_sante::{ExerciseName, Role};

    fn practitioner() -> Practitioner {
        Practitioner {
            id: "p1".into(),
            active: true,
            names: vec![ExerciseName {
                family: "MARTIN-DUPRÉ".into(),
                given: "CLAIRE MARIE".into(),
                prefix: Some("DR".into()),
            }],
            roles: vec![Role {
                active: true,
                profession: Some("21".into()),
                savoir_faire: Vec::new(),
                organisation: None,
                departement: Some("31".into()),
                region: Some("76".into()),
            }],
        }
    }

    fn typed(nom: &str, prenom: &str) -> ((String, String), StoredProfile) {
        let account = (nom.to_owned(), prenom.to_owned());
        let profile = StoredProfile {
            account_id: 1,
            profession: "21".into(),
            region: "76".into(),
            type_identifiant: "RPPS".into(),
            identifiant: "10001234567".into(),
            ..StoredProfile::default()
        };
        (account, profile)
    }

    fn agreements(account: &(String, String), profile: &StoredProfile) -> Vec<Option<bool>> {
        compare_values(&practitioner(), &account.0, &account.1, profile)
            .into_iter()
            .map(|c| c.agrees)
            .collect()
    }

    #[test]
    fn names_agree_ignoring_case_accents_hyphens_and_extra_given_names() {
        let (account, profile) = typed("Martin Dupre", "Claire");
        assert_eq!(
            agreements(&account, &profile),
            [Some(true), Some(true), Some(true), Some(true)]
        );
    }

    #[test]
    fn another_name_profession_or_region_disagrees() {
        let (account, mut profile) = typed("Durand", "Clara");
        profile.profession = "10".into();
        profile.region = "11".into();
        assert_eq!(
            agreements(&account, &profile),
            [Some(false), Some(false), Some(false), Some(false)]
        );
    }

    #[test]
    fn a_region_the_directory_does_not_give_is_not_compared() {
        let (account, profile) = typed("Martin-Dupré", "Claire Marie");
        let mut p = practitioner();
        p.roles[0].region = None;
        let compared = compare_values(&p, &account.0, &account.1, &profile);
        assert_eq!(compared[3].agrees, None);
        assert_eq!(compared[0].agrees, Some(true));
    }

    #[test]
    fn the_declared_identifier_is_searched_by_its_id_nat_ps() {
        let (_, mut profile) = typed("x", "y");
        assert_eq!(
            declared(&profile).map(|d| (d.key, d.id_nat_ps)),
            Some(("RPPS:10001234567".into(), "810001234567".into()))
        );
        profile.type_identifiant = "ADELI".into();
        profile.identifiant = "349102665".into();
        assert_eq!(
            declared(&profile).map(|d| d.id_nat_ps),
            Some("0349102665".into())
        );
        profile.identifiant = String::new();
        assert_eq!(declared(&profile), None);
    }

    #[test]
    fn an_inactive_practitioner_is_not_practising() {
        let mut p = practitioner();
        assert!(practising(&p));
        p.roles[0].active = false;
        assert!(!practising(&p));
        p.roles.clear();
        assert!(practising(&p));
        p.active = false;
        assert!(!practising(&p));
    }
}
