//! PSC's userinfo claims (the "UIT" format, domain.md §1.8) and what registration takes from
//! them (§1.10).

use std::collections::BTreeMap;

use openidconnect::AdditionalClaims;
use serde::{Deserialize, Serialize};

use crate::domain::{
    Adeli, Finess, NationalId, Rpps,
    profile::{FIELDS, Raw},
};

/// The PSC-specific claims of userinfo. Every field is optional: PSC sends empty strings rather
/// than omitting values, and test identities lack some of them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PscClaims {
    #[serde(rename = "SubjectNameID", default)]
    pub subject_name_id: Option<String>,
    #[serde(rename = "SubjectRefPro", default)]
    pub subject_ref_pro: Option<SubjectRefPro>,
    #[serde(rename = "SubjectOrganization", default)]
    pub subject_organization: Option<String>,
    #[serde(rename = "SubjectOrganizationID", default)]
    pub subject_organization_id: Option<String>,
    #[serde(rename = "otherIds", default)]
    pub other_ids: Vec<OtherId>,
}

impl AdditionalClaims for PscClaims {}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OtherId {
    #[serde(default)]
    pub identifiant: String,
    #[serde(default)]
    pub origine: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SubjectRefPro {
    #[serde(default)]
    pub exercices: Vec<Exercice>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Exercice {
    #[serde(default)]
    pub code_profession: String,
    #[serde(default)]
    pub nom_dexercice: String,
    #[serde(default)]
    pub prenom_dexercice: String,
    #[serde(default)]
    pub code_type_savoir_faire: String,
    #[serde(default)]
    pub code_savoir_faire: String,
    #[serde(default)]
    pub activities: Vec<Activity>,
    /// The exercice's other claims (e.g. `codeCiviliteDexercice`), as sent.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Activity {
    #[serde(default)]
    pub code_mode_exercice: String,
    #[serde(default)]
    pub raison_sociale_site: String,
    #[serde(default)]
    pub numero_finess_site: String,
    #[serde(default)]
    pub identifiant_technique_de_la_structure: String,
    #[serde(default)]
    pub numero_voie: String,
    #[serde(default)]
    pub indice_repetition_voie: String,
    #[serde(default)]
    pub code_type_de_voie: String,
    #[serde(default)]
    pub libelle_voie: String,
    #[serde(default)]
    pub mention_distribution: String,
    #[serde(default)]
    pub bureau_cedex: String,
    #[serde(default)]
    pub code_postal: String,
    #[serde(default)]
    pub telephone: String,
    #[serde(default, rename = "adresseEMail")]
    pub adresse_email: String,
    /// The activity's other claims, as sent.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// Who PSC says the user is, reduced to what registration needs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PscIdentity {
    pub sub: String,
    /// SubjectNameID / preferred_username as sent.
    pub id_nat_ps: String,
    /// The RPPS when `id_nat_ps` is `8` + 11 digits; `0` + 9 digits is a legacy ADELI.
    /// Identifiers from PSC are trusted as sent, without the Luhn check (domain.md §0).
    pub rpps: Option<String>,
    pub adeli: Option<String>,
    pub nom: String,
    pub prenom: String,
    /// One entry per (exercice, activity) pair, for the user to choose from.
    pub activities: Vec<ActivityChoice>,
}

/// One way the user practises: a profession (exercice) at a place (activity).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ActivityChoice {
    pub profession: String,
    /// TRE_R38 code, when the savoir-faire is a spécialité ordinale (type `S`).
    pub specialite: Option<String>,
    pub nom: String,
    pub prenom: String,
    pub liberal: bool,
    pub raison_sociale: String,
    pub structure_id: String,
    pub adresse: String,
    pub code_postal: String,
    pub ville: String,
    pub telephone: String,
    pub email: String,
    /// The other text claims of the exercice and the activity (UIT names, e.g.
    /// `codeCiviliteDexercice`), for pre-filling profile fields that name one.
    #[serde(default)]
    pub claims: BTreeMap<String, String>,
}

/// A pre-fill value: text, or a checkbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prefill {
    Text(String),
    Flag(bool),
}

impl Prefill {
    pub fn as_raw(&self) -> Raw<'_> {
        match self {
            Self::Text(text) => Raw::Text(text),
            Self::Flag(flag) => Raw::Flag(*flag),
        }
    }
}

impl ActivityChoice {
    /// The value that pre-fills a profile field whose descriptor names `key` (domain.md §1.10):
    /// a value mapped above, else a raw claim of the exercice or activity. `None` leaves the
    /// field as it is (a name PSC left empty, a claim PSC did not send).
    pub fn prefill(&self, key: &str) -> Option<Prefill> {
        let text = |value: &str| Some(Prefill::Text(value.to_owned()));
        match key {
            "nom" => Some(&self.nom)
                .filter(|n| !n.is_empty())
                .and_then(|n| text(n)),
            "prenom" => Some(&self.prenom)
                .filter(|n| !n.is_empty())
                .and_then(|n| text(n)),
            "telephone" => text(&self.telephone),
            "liberal" => Some(Prefill::Flag(self.liberal)),
            "profession" => text(&self.profession),
            "specialite" => text(self.specialite.as_deref().unwrap_or_default()),
            "raison_sociale" => text(&self.raison_sociale),
            "adresse" => text(&self.adresse),
            "code_postal" => text(&self.code_postal),
            "ville" => text(&self.ville),
            // Only a FINESS fits; PSC's technical structure ids (R…) do not.
            "finess" => Some(Prefill::Text(
                Finess::parse(&self.structure_id)
                    .map(|f| f.as_str().to_owned())
                    .unwrap_or_default(),
            )),
            claim => self.claims.get(claim).and_then(|v| text(v)),
        }
    }
}

/// The text claims among `other`.
fn text_claims(
    other: &BTreeMap<String, serde_json::Value>,
) -> impl Iterator<Item = (String, String)> {
    other
        .iter()
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
}

impl PscIdentity {
    /// Maps the userinfo (domain.md §1.10).
    pub fn from_userinfo(
        sub: &str,
        preferred_username: Option<&str>,
        family_name: Option<&str>,
        given_name: Option<&str>,
        claims: &PscClaims,
    ) -> Self {
        let id_nat_ps = claims
            .subject_name_id
            .clone()
            .filter(|s| !s.is_empty())
            .or_else(|| preferred_username.map(str::to_owned))
            .unwrap_or_default();
        let rpps = Rpps::from_psc_id_nat_ps(&id_nat_ps).map(|r| r.as_str().to_owned());
        let adeli = id_nat_ps
            .strip_prefix('0')
            .filter(|rest| rest.len() == 9 && rest.bytes().all(|b| b.is_ascii_digit()))
            .map(str::to_owned);
        let exercices = claims
            .subject_ref_pro
            .as_ref()
            .map(|r| r.exercices.clone())
            .unwrap_or_default();
        let mut activities = Vec::new();
        for exercice in &exercices {
            let specialite = (exercice.code_type_savoir_faire == "S"
                && !exercice.code_savoir_faire.is_empty())
            .then(|| exercice.code_savoir_faire.clone());
            let places = if exercice.activities.is_empty() {
                vec![Activity::default()]
            } else {
                exercice.activities.clone()
            };
            for a in places {
                activities.push(ActivityChoice {
                    profession: exercice.code_profession.clone(),
                    specialite: specialite.clone(),
                    nom: exercice.nom_dexercice.clone(),
                    prenom: exercice.prenom_dexercice.clone(),
                    liberal: a.code_mode_exercice == "L",
                    raison_sociale: a.raison_sociale_site.trim().to_owned(),
                    structure_id: if a.numero_finess_site.is_empty() {
                        a.identifiant_technique_de_la_structure.clone()
                    } else {
                        a.numero_finess_site.clone()
                    },
                    adresse: street(&a),
                    code_postal: a.code_postal.clone(),
                    ville: city(&a),
                    telephone: a.telephone.clone(),
                    email: a.adresse_email.clone(),
                    claims: text_claims(&exercice.other)
                        .chain(text_claims(&a.other))
                        .collect(),
                });
            }
        }
        // Names under which the person practises come first (§1.10).
        let first = activities.first();
        let nom = first
            .map(|a| a.nom.clone())
            .filter(|n| !n.is_empty())
            .or_else(|| family_name.map(str::to_owned))
            .unwrap_or_default();
        let prenom = first
            .map(|a| a.prenom.clone())
            .filter(|n| !n.is_empty())
            .or_else(|| given_name.map(str::to_owned))
            .unwrap_or_default();
        Self {
            sub: sub.to_owned(),
            id_nat_ps,
            rpps,
            adeli,
            nom,
            prenom,
            activities,
        }
    }

    /// The national identifier PSC vouches for, if any (an EDIT test id is none).
    pub fn national_id(&self) -> Option<NationalId> {
        if let Some(rpps) = &self.rpps {
            return Rpps::from_psc_id_nat_ps(&format!("8{rpps}")).map(NationalId::Rpps);
        }
        self.adeli
            .as_deref()
            .and_then(|a| Adeli::parse(a).ok())
            .map(NationalId::Adeli)
    }

    /// The activity whose profession and specialty an account keeps: the one PSC sent with this
    /// `profession` and `specialite` (the user chose it), else the first.
    pub fn activity_matching(&self, profession: &str, specialite: &str) -> Option<&ActivityChoice> {
        self.activities
            .iter()
            .find(|a| {
                a.profession == profession
                    && a.specialite.as_deref().unwrap_or_default() == specialite
            })
            .or_else(|| self.activities.first())
    }

    /// The value PSC asserts for the profile field `name` (one marked `verified` in the field
    /// table), with the profession and specialty of `activity`. `None` when PSC asserts nothing
    /// for it (an empty name, an exercice without profession): the field stays the user's.
    pub fn asserted(&self, name: &str, activity: Option<&ActivityChoice>) -> Option<String> {
        let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        let exercice = activity.filter(|a| !a.profession.is_empty());
        match name {
            "nom" => non_empty(&self.nom),
            "prenom" => non_empty(&self.prenom),
            "profession" => exercice.map(|a| a.profession.clone()),
            // With PSC's profession comes PSC's specialty, "none" included.
            "specialite" => exercice.map(|a| a.specialite.clone().unwrap_or_default()),
            // The identifier is PSC's even when PSC vouches for none (an EDIT test identity): a
            // linked account never carries a self-declared one.
            "type_identifiant" => Some(
                self.national_id()
                    .map(|id| id.kind().as_str().to_owned())
                    .unwrap_or_default(),
            ),
            "identifiant" => Some(
                self.national_id()
                    .map(|id| id.as_str().to_owned())
                    .unwrap_or_default(),
            ),
            _ => None,
        }
    }

    /// `(field name, value)` of every profile field PSC asserts (the field table's `verified`),
    /// with the profession and specialty of `activity`.
    pub fn verified_values(
        &self,
        activity: Option<&ActivityChoice>,
    ) -> impl Iterator<Item = (&'static str, String)> {
        FIELDS
            .iter()
            .filter(|f| f.verified)
            .filter_map(move |f| Some((f.name, self.asserted(f.name, activity)?)))
    }

    /// The first email address PSC knows for one of the activities (PSC sends no `email`).
    pub fn email_hint(&self) -> Option<&str> {
        self.activities
            .iter()
            .map(|a| a.email.as_str())
            .find(|e| !e.is_empty())
    }
}

fn street(a: &Activity) -> String {
    [
        a.numero_voie.as_str(),
        a.indice_repetition_voie.as_str(),
        voie_type(&a.code_type_de_voie),
        a.libelle_voie.as_str(),
    ]
    .iter()
    .filter(|p| !p.is_empty())
    .copied()
    .collect::<Vec<_>>()
    .join(" ")
}

/// The commonest TRE_R35 street types; others are kept as sent.
fn voie_type(code: &str) -> &str {
    match code {
        "R" => "RUE",
        "AV" => "AVENUE",
        "BD" => "BOULEVARD",
        "PL" => "PLACE",
        "CHE" => "CHEMIN",
        "ALL" => "ALLEE",
        "RTE" => "ROUTE",
        "IMP" => "IMPASSE",
        other => other,
    }
}

/// `bureauCedex` reads "75009 PARIS": the city is what follows the postal code.
fn city(a: &Activity) -> String {
    let bureau = a.bureau_cedex.trim();
    bureau
        .strip_prefix(a.code_postal.as_str())
        .unwrap_or(bureau)
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> PscClaims {
        serde_json::from_str(
            r#"{
              "SubjectNameID": "899700427885",
              "SubjectRefPro": {"codeCivilite": "M", "exercices": [{
                "codeProfession": "10", "nomDexercice": "DOC0042788", "prenomDexercice": "KIT",
                "codeTypeSavoirFaire": "S", "codeSavoirFaire": "SM26",
                "activities": [
                  {"codeModeExercice": "L", "raisonSocialeSite": "CABINET M DOC0042788",
                   "identifiantTechniqueDeLaStructure": "R102671", "numeroVoie": "1",
                   "codeTypeDeVoie": "R", "libelleVoie": "NOIR", "bureauCedex": "75009 PARIS",
                   "codePostal": "75009", "telephone": "", "adresseEMail": "", "numeroFinessSite": ""},
                  {"codeModeExercice": "S", "numeroFinessSite": "0B0193488",
                   "raisonSocialeSite": "HOPITAL GENERIQUE  FIN VARI", "codePostal": "75009"}
                ]}]},
              "otherIds": [{"identifiant": "899700427885", "origine": "RPPS", "qualite": 1}]
            }"#,
        )
        .unwrap()
    }

    #[test]
    fn the_rpps_is_the_subject_name_id_without_its_leading_8() {
        let id = PscIdentity::from_userinfo("f:x:899700427885", None, None, None, &sample());
        assert_eq!(id.rpps.as_deref(), Some("99700427885"));
        assert!(matches!(id.national_id(), Some(NationalId::Rpps(_))));
    }

    #[test]
    fn an_edit_identifier_is_not_a_national_identifier() {
        let claims = PscClaims {
            subject_name_id: Some("ANS20231122132732".into()),
            ..PscClaims::default()
        };
        let id = PscIdentity::from_userinfo("s", None, Some("NOM"), Some("P"), &claims);
        assert_eq!(id.rpps, None);
        assert!(id.national_id().is_none());
        assert_eq!(id.nom, "NOM");
    }

    #[test]
    fn each_activity_becomes_a_choice_with_the_exercice_names_and_specialty() {
        let id = PscIdentity::from_userinfo("s", None, Some("X"), Some("Y"), &sample());
        assert_eq!(id.activities.len(), 2);
        assert_eq!((id.nom.as_str(), id.prenom.as_str()), ("DOC0042788", "KIT"));
        let cabinet = &id.activities[0];
        assert!(cabinet.liberal);
        assert_eq!(cabinet.specialite.as_deref(), Some("SM26"));
        assert_eq!(cabinet.adresse, "1 RUE NOIR");
        assert_eq!(cabinet.ville, "PARIS");
        assert_eq!(cabinet.structure_id, "R102671");
        assert_eq!(id.activities[1].structure_id, "0B0193488");
        assert!(!id.activities[1].liberal);
    }

    #[test]
    fn psc_asserts_names_identifier_and_the_chosen_exercice_profession() {
        let id = PscIdentity::from_userinfo("s", None, None, None, &sample());
        let activity = id.activity_matching("10", "SM26");
        assert_eq!(id.asserted("nom", activity).as_deref(), Some("DOC0042788"));
        assert_eq!(id.asserted("profession", activity).as_deref(), Some("10"));
        assert_eq!(id.asserted("specialite", activity).as_deref(), Some("SM26"));
        assert_eq!(
            id.asserted("type_identifiant", activity).as_deref(),
            Some("RPPS")
        );
        assert_eq!(
            id.asserted("identifiant", activity).as_deref(),
            Some("99700427885")
        );
        assert_eq!(id.asserted("telephone1", activity), None);
        // A profession PSC did not send falls back to PSC's first exercice.
        let other = id.activity_matching("21", "");
        assert_eq!(id.asserted("profession", other).as_deref(), Some("10"));
    }
}
