//! Domain types, parsed at the edge ("parse, don't validate", docs/style.md §2.2 item 8).
//!
//! Forms hold raw `String`s; everything past the web layer holds these types, whose private
//! fields guarantee the rules were checked once. Error `Display`s are the French messages shown
//! next to the form field.

/// An account, its mailbox type (BAL PER / MED) and its status.
pub mod account;
/// Administrators' scopes.
pub mod admin;
/// Who acted and what happened, for the audit trail.
pub mod audit;
/// Contact e-mail address (lower-cased, validated).
pub mod email;
/// FINESS structure numbers, Luhn-checked when all-numeric (docs/domain.md §2.5).
pub mod finess;
/// Shared French-aware text helpers (accent folding for comparisons and sorting).
mod fold;
/// Départements, régions and postal codes (docs/domain.md §4.4, §4.5).
pub mod geo;
/// Mailbox addresses: the documented name normalisation and the configurable pattern
/// (`{prenom}.{nom}@{profession}.{region}.mssante.fr`, docs/domain.md §0, §3.3).
pub mod mailbox;
/// Person names (nom, prénom).
pub mod name;
/// RPPS / ADELI identifiers and the Luhn key (docs/domain.md §2).
pub mod national_id;
/// Professions (TRE_G15) and specialties (TRE_R38) loaded from `config/nomenclatures`.
pub mod nomenclature;
/// Organisational mailboxes (BAL ORG): request form, structure identifiers, roles, status.
pub mod org;
/// Password policy of the registration guide, plus length bound and strength estimate.
pub mod password;
/// French (incl. overseas) phone numbers normalised to E.164.
pub mod phone;
/// Step 5b form: the professional profile (`/profil`).
pub mod profile;
/// Step 1 form: account creation.
pub mod signup;
/// Optional single-line free text (raison sociale, service, adresse, ville).
pub mod text;
/// A short description of a browser ("Firefox sur Windows") from its User-Agent.
pub mod user_agent;

pub use account::{Account, AccountStatus, BalType};
pub use admin::{QueueFilter, Scope};
pub use audit::{Action, Actor, AuditEntry};
pub use email::{EmailAddress, EmailError};
pub use finess::{Finess, FinessError};
pub(crate) use fold::fold as fold_for_comparison;
pub use geo::{Departement, GeoError, PostalCode, Region, all_departements, all_regions};
pub use mailbox::{
    AddressPattern, AddressPatternError, MailboxAddress, NamePart, Placeholder, local_part,
    normalise_name_part,
};
pub use name::{NameError, PersonName};
pub use national_id::{Adeli, IdentifierType, NationalId, NationalIdError, Rpps};
pub use nomenclature::{Code, Nomenclatures, Profession, Specialty};
pub use password::{POLICY_RULES, Password, PasswordContext, PasswordProblem};
pub use phone::{PhoneError, PhoneNumber};
pub use profile::{Profile, ProfileInput, parse_profile};
pub use signup::{NewAccount, SignupInput, parse_signup};
pub use text::{FreeText, TextError};

/// The errors of a form that broke its rules: `(field name, French message)`, in form order.
/// ("Validation" is kept for an administrator's decision on an account.)
pub type FieldErrors = Vec<(&'static str, String)>;
