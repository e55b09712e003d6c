//! Use cases. Handlers call these; these call `repo` and push side effects to the outbox.
//! Each returns its own small error enum when the caller must tell expected failures apart.

pub mod account;
pub mod annuaire_sante;
pub mod ans_export;
pub mod cgu;
pub mod dashboard;
pub mod email_change;
pub mod journey;
pub mod org;
pub mod password;
pub mod profile;
pub mod profile_edit;
pub mod psc;
pub mod publication;
pub mod registration;
pub mod reminders;
pub mod second_factor;
pub mod validation;
