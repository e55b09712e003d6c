//! Organisational mailboxes (BAL ORG, issue 10): the request form, structure identifiers
//! (TRE_G07: FINESS, SIRET), the members' roles and the box's status.
//!
//! An ORG box belongs to a service or team under a legal entity's responsibility
//! (docs/domain.md §3.2) and carries `description`, `responsable` and `serviceRattachement`
//! (§3.4). It is requested from an individual account, whose holder becomes its first
//! responsable.

use std::fmt;

use super::FieldErrors;
use super::finess::Finess;
use super::geo::{Departement, PostalCode, Region};
use super::mailbox::normalise_local_part;
use super::national_id::luhn_valid;
use super::nomenclature::Nomenclatures;
use super::phone::PhoneNumber;
use super::profile::Cx;
use super::text::FreeText;

/// RFC 5321 §4.5.3.1.1.
const MAX_LOCAL: usize = 64;
/// SIREN of La Poste, whose establishments' SIRET numbers do not follow the Luhn key.
const LA_POSTE_SIREN: &str = "356000000";

/// The kind of a structure identifier, with its TRE_G07 code (§2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StructureIdType {
    Finess,
    Siret,
}

impl StructureIdType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Finess => "FINESS",
            Self::Siret => "SIRET",
        }
    }

    /// TRE_G07_TypeIdentifiantStructure code: `1` FINESS, `3` SIRET.
    pub fn tre_g07(self) -> &'static str {
        match self {
            Self::Finess => "1",
            Self::Siret => "3",
        }
    }

    /// # Errors
    /// Anything but `FINESS` or `SIRET` (French message for the form).
    pub fn parse(raw: &str) -> Result<Self, StructureIdError> {
        match raw.trim().to_ascii_uppercase().as_str() {
            "FINESS" => Ok(Self::Finess),
            "SIRET" => Ok(Self::Siret),
            "" => Err(StructureIdError::MissingType),
            _ => Err(StructureIdError::UnknownType),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StructureIdError {
    #[error("Choisissez le type d'identifiant de la structure (FINESS ou SIRET).")]
    MissingType,
    #[error("Type d'identifiant inconnu : choisissez FINESS ou SIRET.")]
    UnknownType,
    #[error("L'identifiant de la structure est obligatoire.")]
    Missing,
    #[error("{0}")]
    Finess(#[from] super::finess::FinessError),
    #[error("Le numéro SIRET doit comporter 14 chiffres.")]
    SiretFormat,
    #[error("La clé du numéro SIRET est invalide : vérifiez le numéro.")]
    SiretKey,
}

/// A 14-digit SIRET (SIREN + NIC) whose key checks.
///
/// The key is the Luhn key over the 14 digits (§2.6: same algorithm as SIREN/SIRET), with the
/// one exception INSEE documents: the establishments of La Poste (SIREN 356 000 000) are
/// numbered so that the sum of the 14 digits is a multiple of 5 instead (their head office,
/// 356 000 000 00048, happens to pass Luhn as well).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Siret(String);

impl Siret {
    /// Spaces are ignored ("356 000 000 00048").
    ///
    /// # Errors
    /// Missing, not 14 digits, or a wrong key.
    pub fn parse(raw: &str) -> Result<Self, StructureIdError> {
        let digits: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.is_empty() {
            return Err(StructureIdError::Missing);
        }
        if digits.len() != 14 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(StructureIdError::SiretFormat);
        }
        let la_poste = digits.starts_with(LA_POSTE_SIREN)
            && digits
                .bytes()
                .map(|b| u32::from(b - b'0'))
                .sum::<u32>()
                .is_multiple_of(5);
        if !luhn_valid(&digits) && !la_poste {
            return Err(StructureIdError::SiretKey);
        }
        Ok(Self(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The structure an ORG box is attached to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StructureId {
    Finess(Finess),
    Siret(Siret),
}

impl StructureId {
    /// # Errors
    /// See [`StructureIdError`].
    pub fn parse(kind: StructureIdType, raw: &str) -> Result<Self, StructureIdError> {
        match kind {
            StructureIdType::Finess => {
                if raw.trim().is_empty() {
                    return Err(StructureIdError::Missing);
                }
                Ok(Self::Finess(Finess::parse(raw)?))
            }
            StructureIdType::Siret => Ok(Self::Siret(Siret::parse(raw)?)),
        }
    }

    pub fn kind(&self) -> StructureIdType {
        match self {
            Self::Finess(_) => StructureIdType::Finess,
            Self::Siret(_) => StructureIdType::Siret,
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Finess(f) => f.as_str(),
            Self::Siret(s) => s.as_str(),
        }
    }

    /// idNatStruct: the TRE_G07 code + the number (`1` + FINESS, `3` + SIRET; §2.4).
    pub fn id_nat_struct(&self) -> String {
        format!("{}{}", self.kind().tre_g07(), self.as_str())
    }
}

/// What an administrator sees of a stored identifier: does its key check today?
pub fn key_check(kind: &str, number: &str) -> Result<StructureId, StructureIdError> {
    StructureId::parse(StructureIdType::parse(kind)?, number)
}

/// A member's role in a box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Manages the box (members, settings, closure) and is published as its contact.
    Responsable,
    Membre,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Responsable => "responsable",
            Self::Membre => "membre",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "responsable" => Some(Self::Responsable),
            "membre" => Some(Self::Membre),
            _ => None,
        }
    }

    /// As the pages say it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Responsable => "Responsable",
            Self::Membre => "Membre",
        }
    }
}

/// Where a box stands, derived once from its timestamps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgStatus {
    Pending,
    Validated,
    Rejected,
    Closed,
}

impl OrgStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "En attente de validation",
            Self::Validated => "Validée",
            Self::Rejected => "Refusée",
            Self::Closed => "Fermée",
        }
    }
}

impl fmt::Display for OrgStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A box as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgBox {
    pub id: i32,
    pub libelle: String,
    /// The wished local part, normalised.
    pub local_wish: String,
    pub raison_sociale: String,
    /// `FINESS` or `SIRET`.
    pub structure_type: String,
    pub structure_id: String,
    pub service: String,
    pub description: String,
    pub adresse: String,
    pub code_postal: String,
    pub ville: String,
    pub departement: String,
    /// INSEE région code.
    pub region: String,
    /// E.164.
    pub telephone: String,
    pub dematerialisation: bool,
    pub annuaire_mssante: bool,
    pub annuaire_medimail: bool,
    pub requested_by: Option<i32>,
    pub requested_at: chrono::DateTime<chrono::FixedOffset>,
    pub validated_at: Option<chrono::DateTime<chrono::FixedOffset>>,
    pub mailbox_address: Option<String>,
    pub rejected_at: Option<chrono::DateTime<chrono::FixedOffset>>,
    pub rejection_reason: Option<String>,
    pub closed_at: Option<chrono::DateTime<chrono::FixedOffset>>,
    /// A change of raison sociale or structure identifier waiting for an administrator.
    pub pending_change: Option<OrgChange>,
    pub change_requested_at: Option<chrono::DateTime<chrono::FixedOffset>>,
}

impl OrgBox {
    /// Where the box stands, derived from its timestamps in this one place.
    pub fn status(&self) -> OrgStatus {
        if self.closed_at.is_some() {
            OrgStatus::Closed
        } else if self.validated_at.is_some() {
            OrgStatus::Validated
        } else if self.rejected_at.is_some() {
            OrgStatus::Rejected
        } else {
            OrgStatus::Pending
        }
    }

    /// The identifier administrators of a `structure:` scope match.
    pub fn structure(&self) -> Option<&str> {
        Some(self.structure_id.as_str()).filter(|s| !s.is_empty())
    }

    /// idNatStruct (TRE_G07 code + number) of the stored identifier, when it parses.
    pub fn id_nat_struct(&self) -> Option<String> {
        key_check(&self.structure_type, &self.structure_id)
            .ok()
            .map(|id| id.id_nat_struct())
    }
}

impl OrgBox {
    /// Everything a decision on the request is about (what the administrator's page shows), as
    /// one opaque string. The decision forms post back the one their page showed: a different
    /// one now means a responsable edited the request meanwhile, and nothing is decided on a
    /// page the administrator did not see.
    pub fn request_fingerprint(&self) -> String {
        serde_json::json!([
            self.libelle,
            self.local_wish,
            self.raison_sociale,
            self.structure_type,
            self.structure_id,
            self.service,
            self.description,
            self.adresse,
            self.code_postal,
            self.ville,
            self.departement,
            self.region,
            self.telephone,
            self.dematerialisation,
            self.annuaire_mssante,
            self.annuaire_medimail,
        ])
        .to_string()
    }

    /// The box's current raison sociale and structure identifier, as a change would set them.
    pub fn current_structure(&self) -> OrgChange {
        OrgChange {
            raison_sociale: self.raison_sociale.clone(),
            structure_type: self.structure_type.clone(),
            structure_id: self.structure_id.clone(),
        }
    }
}

/// "CHU de Montpellier — FINESS 340780477", as pages, mails and the history show it.
impl fmt::Display for OrgChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} — {} {}",
            self.raison_sociale, self.structure_type, self.structure_id
        )
    }
}

/// The fields of a box only an administrator's acceptance changes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OrgChange {
    pub raison_sociale: String,
    pub structure_type: String,
    pub structure_id: String,
}

/// A member of a box (invitees are [`Invitation`]s until they accept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub account_id: i32,
    pub nom: String,
    pub prenom: String,
    pub email: String,
    /// The member's own mailbox address (published as the box's contact for responsables).
    pub mailbox_address: Option<String>,
    pub role: Role,
    /// The member's account is validated and enabled (a disabled or closed account's address
    /// is not published as the box's contact).
    pub active: bool,
}

/// An invitation waiting for an answer: the address a responsable typed, whether or not an
/// account holds it. Members see the address only, never a name, so the page looks the same
/// either way (no account enumeration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: i32,
    pub org_id: i32,
    pub email: String,
    pub invited_at: chrono::DateTime<chrono::FixedOffset>,
}

/// One line of a box's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgEvent {
    pub at: chrono::DateTime<chrono::FixedOffset>,
    /// The name shown to members ("Jeanne Martin", "Administrateur", "Service").
    pub actor_name: String,
    pub action: OrgAction,
    pub detail: Option<String>,
}

/// What happened to a box. The string forms are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgAction {
    Requested,
    Validated,
    Rejected,
    Invited,
    InvitationAccepted,
    InvitationDeclined,
    InvitationWithdrawn,
    MemberRemoved,
    Promoted,
    Demoted,
    Left,
    Updated,
    ChangeRequested,
    ChangeAccepted,
    ChangeRefused,
    Closed,
    Published,
}

impl OrgAction {
    const ALL: [Self; 17] = [
        Self::Requested,
        Self::Validated,
        Self::Rejected,
        Self::Invited,
        Self::InvitationAccepted,
        Self::InvitationDeclined,
        Self::InvitationWithdrawn,
        Self::MemberRemoved,
        Self::Promoted,
        Self::Demoted,
        Self::Left,
        Self::Updated,
        Self::ChangeRequested,
        Self::ChangeAccepted,
        Self::ChangeRefused,
        Self::Closed,
        Self::Published,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Validated => "validated",
            Self::Rejected => "rejected",
            Self::Invited => "invited",
            Self::InvitationAccepted => "invitation_accepted",
            Self::InvitationDeclined => "invitation_declined",
            Self::InvitationWithdrawn => "invitation_withdrawn",
            Self::MemberRemoved => "member_removed",
            Self::Promoted => "promoted",
            Self::Demoted => "demoted",
            Self::Left => "left",
            Self::Updated => "updated",
            Self::ChangeRequested => "change_requested",
            Self::ChangeAccepted => "change_accepted",
            Self::ChangeRefused => "change_refused",
            Self::Closed => "closed",
            Self::Published => "published",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == raw)
    }

    /// As the history shows it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Requested => "Demande de BAL organisationnelle",
            Self::Validated => "BAL validée",
            Self::Rejected => "Demande refusée",
            Self::Invited => "Invitation envoyée",
            Self::InvitationAccepted => "Invitation acceptée",
            Self::InvitationDeclined => "Invitation refusée",
            Self::InvitationWithdrawn => "Invitation annulée",
            Self::MemberRemoved => "Membre retiré",
            Self::Promoted => "Membre nommé responsable",
            Self::Demoted => "Responsable redevenu membre",
            Self::Left => "Membre parti",
            Self::Updated => "Informations modifiées",
            Self::ChangeRequested => "Modification soumise à validation",
            Self::ChangeAccepted => "Modification acceptée",
            Self::ChangeRefused => "Modification refusée",
            Self::Closed => "BAL fermée",
            Self::Published => "Publication dans l'annuaire",
        }
    }
}

/// The request form (`/bal-org/nouvelle`) and the edit form (`/bal-org/{id}/modifier`), as
/// typed. Unticked checkboxes are `false`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgInput {
    pub libelle: String,
    pub identifiant_local: String,
    pub raison_sociale: String,
    pub type_identifiant_structure: String,
    pub identifiant_structure: String,
    pub service: String,
    pub description: String,
    pub adresse: String,
    pub code_postal: String,
    pub ville: String,
    pub departement: String,
    pub region: String,
    pub telephone: String,
    pub dematerialisation: bool,
    pub annuaire_mssante: bool,
    pub annuaire_medimail: bool,
}

/// A checked request (or edit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgRequest {
    pub libelle: FreeText,
    /// The wished local part, normalised (`secretariat.cardiologie`). Empty for an edit.
    pub local: String,
    pub raison_sociale: FreeText,
    pub structure: StructureId,
    pub service: Option<FreeText>,
    pub description: Option<FreeText>,
    pub adresse: Option<FreeText>,
    pub code_postal: Option<PostalCode>,
    pub ville: Option<FreeText>,
    pub departement: Option<Departement>,
    pub region: Region,
    pub telephone: Option<PhoneNumber>,
    pub dematerialisation: bool,
    pub annuaire_mssante: bool,
    pub annuaire_medimail: bool,
}

/// Which form is parsed: a request names its local part, an edit cannot change it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgForm<'a> {
    /// With the local parts nobody may request (`addresses.reserved_local_parts`).
    Request {
        reserved: &'a [String],
    },
    Edit,
}

/// Parses the form with the profile's rules for the shared fields (free text, postal code,
/// département and région derivations, phone).
///
/// # Errors
/// Every invalid field at once, in form order.
pub fn parse_org(
    input: &OrgInput,
    form: OrgForm<'_>,
    nomenclatures: &Nomenclatures,
) -> Result<OrgRequest, FieldErrors> {
    let mut cx = Cx::new(nomenclatures);
    let libelle = required_text(cx.on("libelle"), &input.libelle, 120, "Le libellé");
    let local = match form {
        OrgForm::Request { reserved } => local_wish(
            cx.on("identifiant_local"),
            &input.identifiant_local,
            reserved,
        ),
        OrgForm::Edit => Some(String::new()),
    };
    let raison_sociale = required_text(
        cx.on("raison_sociale"),
        &input.raison_sociale,
        200,
        "La raison sociale",
    );
    let kind = cx
        .on("type_identifiant_structure")
        .check(StructureIdType::parse(&input.type_identifiant_structure));
    let structure = match kind {
        Some(kind) => cx
            .on("identifiant_structure")
            .check(StructureId::parse(kind, &input.identifiant_structure)),
        // The number cannot be checked without its type; the type's error says what to fix.
        None => None,
    };
    let service = cx.on("service").text(&input.service, 200);
    let description = cx.on("description").text(&input.description, 1000);
    let adresse = cx.on("adresse").text(&input.adresse, 300);
    let code_postal = cx
        .on("code_postal")
        .optional(&input.code_postal, PostalCode::parse);
    let ville = cx.on("ville").text(&input.ville, 100);
    let departement = cx
        .on("departement")
        .departement(&input.departement, code_postal.as_ref());
    let region = cx
        .on("region")
        .region(&input.region, departement, code_postal.as_ref());
    let telephone = cx
        .on("telephone")
        .optional(&input.telephone, PhoneNumber::parse);
    let errors = cx.into_errors();
    match (
        libelle,
        local,
        raison_sociale,
        structure,
        service,
        description,
        adresse,
        code_postal,
        ville,
        departement,
        region,
        telephone,
    ) {
        (
            Some(libelle),
            Some(local),
            Some(raison_sociale),
            Some(structure),
            Some(service),
            Some(description),
            Some(adresse),
            Some(code_postal),
            Some(ville),
            Some(departement),
            Some(region),
            Some(telephone),
        ) if errors.is_empty() => Ok(OrgRequest {
            libelle,
            local,
            raison_sociale,
            structure,
            service,
            description,
            adresse,
            code_postal,
            ville,
            departement,
            region,
            telephone,
            dematerialisation: input.dematerialisation,
            annuaire_mssante: input.annuaire_mssante,
            annuaire_medimail: input.annuaire_medimail,
        }),
        _ => Err(errors),
    }
}

fn required_text(cx: &mut Cx<'_>, raw: &str, max: usize, what: &str) -> Option<FreeText> {
    match cx.text(raw, max)? {
        Some(text) => Some(text),
        None => cx.fail(format!("{what} est obligatoire.")),
    }
}

/// The wished local part: normalised (§ mailbox), at most 64 characters, not reserved.
fn local_wish(cx: &mut Cx<'_>, raw: &str, reserved: &[String]) -> Option<String> {
    if raw.trim().is_empty() {
        return cx.fail("L'identifiant souhaité est obligatoire.");
    }
    let Some(local) = normalise_local_part(raw) else {
        return cx.fail(
            "L'identifiant souhaité doit contenir des lettres latines ou des chiffres \
             (par exemple secretariat.cardiologie).",
        );
    };
    if local.len() > MAX_LOCAL {
        return cx.fail(format!(
            "L'identifiant souhaité ne doit pas dépasser {MAX_LOCAL} caractères."
        ));
    }
    let is_reserved = reserved.iter().any(|r| {
        normalise_local_part(r).is_some_and(|r| r == local || local.split('.').any(|p| p == r))
    });
    if is_reserved {
        return cx.fail(format!(
            "« {local} » est réservé et ne peut pas être demandé : choisissez un identifiant \
             qui nomme le service (par exemple secretariat.cardiologie)."
        ));
    }
    Some(local)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn nomenclatures() -> Nomenclatures {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/nomenclatures");
        Nomenclatures::load(&dir).unwrap()
    }

    fn reserved() -> Vec<String> {
        vec!["postmaster".into(), "abuse".into(), "admin".into()]
    }

    fn example() -> OrgInput {
        OrgInput {
            libelle: "Secrétariat de cardiologie".into(),
            identifiant_local: "Secretariat.Cardiologie".into(),
            raison_sociale: "CHU de Montpellier".into(),
            type_identifiant_structure: "FINESS".into(),
            identifiant_structure: "340780477".into(),
            code_postal: "34295".into(),
            telephone: "04 67 33 67 33".into(),
            dematerialisation: true,
            annuaire_mssante: true,
            ..OrgInput::default()
        }
    }

    fn parse(input: &OrgInput) -> Result<OrgRequest, FieldErrors> {
        let reserved = reserved();
        parse_org(
            input,
            OrgForm::Request {
                reserved: &reserved,
            },
            &nomenclatures(),
        )
    }

    fn fields(input: &OrgInput) -> Vec<&'static str> {
        parse(input)
            .unwrap_err()
            .into_iter()
            .map(|(f, _)| f)
            .collect()
    }

    #[test]
    fn the_example_parses_and_derives_departement_and_region() {
        let request = parse(&example()).unwrap();
        assert_eq!(request.local, "secretariat.cardiologie");
        assert_eq!(request.structure.id_nat_struct(), "1340780477");
        assert_eq!(request.departement.unwrap().code(), "34");
        assert_eq!(request.region.code(), "76");
        assert_eq!(request.telephone.unwrap().as_str(), "+33467336733");
    }

    #[test]
    fn an_empty_form_reports_every_required_field_in_form_order() {
        assert_eq!(
            fields(&OrgInput::default()),
            [
                "libelle",
                "identifiant_local",
                "raison_sociale",
                "type_identifiant_structure",
                "region"
            ]
        );
    }

    #[test]
    fn a_departement_that_contradicts_the_postal_code_is_refused() {
        let input = OrgInput {
            code_postal: "31000".into(),
            departement: "34".into(),
            ..example()
        };
        assert_eq!(fields(&input), ["departement"]);
    }

    #[test]
    fn a_finess_with_a_wrong_key_is_refused() {
        let input = OrgInput {
            identifiant_structure: "340780478".into(),
            ..example()
        };
        assert_eq!(fields(&input), ["identifiant_structure"]);
    }

    #[test]
    fn siret_keys_follow_luhn_with_the_la_poste_exception() {
        // A SIRET with its Luhn key computed here.
        let body = "7323829960001";
        let key = crate::domain::national_id::luhn_key(body).unwrap();
        let valid = format!("{body}{key}");
        assert!(Siret::parse(&valid).is_ok());
        let wrong = format!("{body}{}", (key + 1) % 10);
        assert_eq!(Siret::parse(&wrong), Err(StructureIdError::SiretKey));
        // La Poste: digit sum multiple of 5, not a Luhn number.
        assert!(!luhn_valid("35600000049837"));
        assert!(Siret::parse("356 000 000 49837").is_ok());
        // Its head office passes Luhn too.
        assert!(Siret::parse("35600000000048").is_ok());
        // Another company's number with a multiple-of-5 sum gets no exception.
        assert!(!luhn_valid("12300000049837"));
        assert_eq!(
            Siret::parse("12300000049837"),
            Err(StructureIdError::SiretKey)
        );
        assert_eq!(
            Siret::parse("3560000004983"),
            Err(StructureIdError::SiretFormat)
        );
    }

    #[test]
    fn reserved_local_parts_are_refused_even_as_a_piece() {
        for wish in ["postmaster", "Abuse", "admin.cardio", "POSTMASTER"] {
            let input = OrgInput {
                identifiant_local: wish.into(),
                ..example()
            };
            assert_eq!(fields(&input), ["identifiant_local"], "{wish}");
        }
        let input = OrgInput {
            identifiant_local: "administration.generale".into(),
            ..example()
        };
        assert!(parse(&input).is_ok());
    }

    #[test]
    fn a_wish_over_64_characters_is_refused() {
        let input = OrgInput {
            identifiant_local: "a".repeat(65),
            ..example()
        };
        assert_eq!(fields(&input), ["identifiant_local"]);
    }

    #[test]
    fn an_edit_ignores_the_local_part() {
        let input = OrgInput {
            identifiant_local: String::new(),
            ..example()
        };
        let request = parse_org(&input, OrgForm::Edit, &nomenclatures()).unwrap();
        assert_eq!(request.local, "");
    }
}
