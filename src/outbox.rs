//! The outbox's jobs. A change that must reach the outside world (a mail, a directory
//! publication) pushes a [`Job`] in its own transaction; the worker (`crate::worker`) decodes
//! it and matches on it. This file is the only place that knows how a job is stored: the
//! `kind` column (one delivery loop per kind) comes from the variant's serde tag, the
//! `payload` column is the variant's content as JSON.
//!
//! Stored shapes (unchanged since the string-kinded outbox, so old rows still decode):
//! - `mail`: an [`OutgoingMail`];
//! - `directory`: `{"account_id": 42}` (an account's entries) or `{"org_id": 7}` (a BAL ORG's);
//! - `annuaire_sante`: `{"account_id": 42, "force": false}` (look the account's declared
//!   identifier up in the Annuaire Santé; `force` skips the cache).

use sea_orm::{ConnectionTrait, DbErr};
use serde::{Deserialize, Serialize};

use crate::{clock::Timestamp, mail::OutgoingMail, repo};

/// One unit of work for the worker.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", content = "payload", rename_all = "snake_case")]
pub enum Job {
    /// Send this already rendered mail.
    Mail(OutgoingMail),
    /// Recompute an account's or a BAL ORG's directory entries and write them to LDAP.
    Directory(Publish),
    /// Look an account's declared RPPS/ADELI up in the Annuaire Santé and store the answer.
    AnnuaireSante(Lookup),
}

/// Whose identifier a [`Job::AnnuaireSante`] looks up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lookup {
    pub account_id: i32,
    /// An administrator asked: ask the API even when a recent answer is stored.
    #[serde(default)]
    pub force: bool,
}

/// Whose directory entries a [`Job::Directory`] recomputes. Untagged: the payload's one field
/// says which, and rows written before BAL ORG existed (`{"account_id": 42}`) still decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Publish {
    Account { account_id: i32 },
    Org { org_id: i32 },
}

/// The outbox's delivery loops: one per kind, so a hanging directory (or Annuaire Santé) never
/// holds back mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobKind {
    Mail,
    Directory,
    AnnuaireSante,
}

impl JobKind {
    pub const ALL: [Self; 3] = [Self::Mail, Self::Directory, Self::AnnuaireSante];

    /// The `kind` column's value; equal to the serde tag of the matching [`Job`] variant (a
    /// unit test holds them together).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mail => "mail",
            Self::Directory => "directory",
            Self::AnnuaireSante => "annuaire_sante",
        }
    }
}

impl std::fmt::Display for JobKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A row's job could not be read back: the row is abandoned with this reason.
#[derive(Debug, thiserror::Error)]
#[error("unreadable {kind} outbox payload: {source}")]
pub struct DecodeError {
    kind: String,
    source: serde_json::Error,
}

impl Job {
    pub fn kind(&self) -> JobKind {
        match self {
            Self::Mail(_) => JobKind::Mail,
            Self::Directory(_) => JobKind::Directory,
            Self::AnnuaireSante(_) => JobKind::AnnuaireSante,
        }
    }

    /// `(kind, payload)` as stored.
    ///
    /// # Errors
    /// Serialisation failures (none expected for these types).
    pub fn encode(&self) -> Result<(JobKind, String), serde_json::Error> {
        let serde_json::Value::Object(mut tagged) = serde_json::to_value(self)? else {
            return Err(serde::ser::Error::custom("a job serialises to an object"));
        };
        let payload = tagged.remove("payload").unwrap_or_default();
        Ok((self.kind(), serde_json::to_string(&payload)?))
    }

    /// Reads back a stored row.
    ///
    /// # Errors
    /// An unknown kind or a payload that does not fit it.
    pub fn decode(kind: &str, payload: &str) -> Result<Self, DecodeError> {
        let error = |source| DecodeError {
            kind: kind.to_owned(),
            source,
        };
        let payload: serde_json::Value = serde_json::from_str(payload).map_err(error)?;
        serde_json::from_value(serde_json::json!({ "kind": kind, "payload": payload }))
            .map_err(error)
    }
}

/// Pushes `job` in the caller's transaction, due at `now`. Wake the worker
/// (`AppState::outbox`) after the commit.
///
/// # Errors
/// Database errors.
pub async fn push(db: &impl ConnectionTrait, job: &Job, now: Timestamp) -> Result<(), DbErr> {
    let (kind, payload) = job.encode().map_err(|e| DbErr::Custom(e.to_string()))?;
    repo::outbox::push(db, kind, payload, now).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail() -> OutgoingMail {
        OutgoingMail {
            to: "a@b.fr".into(),
            subject: "Objet".into(),
            text: "texte".into(),
            html: "<p>html</p>".into(),
            dev_link: None,
            id_left: Some("0123abcd".into()),
        }
    }

    #[test]
    fn every_job_round_trips_and_its_kind_column_is_its_serde_tag() {
        for job in [
            Job::Mail(mail()),
            Job::Directory(Publish::Account { account_id: 7 }),
            Job::AnnuaireSante(Lookup {
                account_id: 7,
                force: true,
            }),
        ] {
            let (kind, payload) = job.encode().expect("encode");
            let tag = serde_json::to_value(&job).expect("tag")["kind"].clone();
            assert_eq!(tag, kind.as_str());
            let back = Job::decode(kind.as_str(), &payload).expect("decode");
            assert_eq!(back.kind(), kind);
            assert_eq!(
                serde_json::to_value(&back).expect("back"),
                serde_json::to_value(&job).expect("job")
            );
        }
    }

    #[test]
    fn rows_written_before_the_job_enum_still_decode() {
        let old_directory = r#"{"account_id":42}"#;
        assert!(matches!(
            Job::decode("directory", old_directory),
            Ok(Job::Directory(Publish::Account { account_id: 42 }))
        ));
        let old_mail = r#"{"to":"a@b.fr","subject":"S","text":"t","html":"h","dev_link":null}"#;
        assert!(matches!(Job::decode("mail", old_mail), Ok(Job::Mail(m)) if m.to == "a@b.fr"));
        // Before `dev_link` existed.
        let older_mail = r#"{"to":"a@b.fr","subject":"S","text":"t","html":"h"}"#;
        assert!(matches!(Job::decode("mail", older_mail), Ok(Job::Mail(_))));
    }

    #[test]
    fn the_directory_payload_is_only_the_account_id() {
        let (_, payload) = Job::Directory(Publish::Account { account_id: 42 })
            .encode()
            .expect("encode");
        assert_eq!(payload, r#"{"account_id":42}"#);
    }

    #[test]
    fn an_org_publication_round_trips_in_the_directory_kind() {
        let job = Job::Directory(Publish::Org { org_id: 7 });
        let (kind, payload) = job.encode().expect("encode");
        assert_eq!(
            (kind, payload.as_str()),
            (JobKind::Directory, r#"{"org_id":7}"#)
        );
        assert!(matches!(
            Job::decode("directory", &payload),
            Ok(Job::Directory(Publish::Org { org_id: 7 }))
        ));
    }

    #[test]
    fn an_unknown_kind_or_a_garbled_payload_is_a_decode_error() {
        assert!(Job::decode("fax", "{}").is_err());
        assert!(Job::decode("directory", "{").is_err());
        assert!(Job::decode("directory", r#"{"account":1}"#).is_err());
    }
}
