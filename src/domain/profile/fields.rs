//! The profile's fields, each declared once.
//!
//! One entry of [`profile_fields!`] below is the whole description of a field: its form name
//! (also its storage column and its key in every generated struct), the raw type the form sends
//! (`String`, or `bool` for a checkbox), its domain type and parser, and a [`Field`] descriptor
//! (French label and hint, required or not, section, widget, admin display, Pro Santé Connect
//! pre-fill source, LDAP attribute). From that list the macro generates:
//!
//! - [`ProfileInput`], which the `/profil` form deserializes into (no copy field by field;
//!   an unticked checkbox is absent from the body, hence `false`);
//! - [`Profile`], the parsed profile, and [`parse_fields`], which runs the parsers in form
//!   order so errors come out in form order;
//! - [`StoredProfile`], what the repository returns (canonical raw values, one per column);
//! - [`FIELDS`], the descriptors the form, the admin page, storage, the PSC pre-fill and the
//!   LDAP mapping iterate.
//!
//! Rules that span fields stay as code in `super` (département and région derived from the postal
//! code, specialty of the chosen profession, identifier required for a BAL PER, names trusted
//! from Pro Santé Connect); a field's parser calls them with the fields parsed before it.
//!
//! Adding a field: one entry here, a column in a migration and in the entity
//! `entities::account_profile`, and, for a code list, its CSV in `config/nomenclatures/`.

use serde::{Deserialize, Deserializer};

use super::Cx;
use crate::domain::{
    Code, Departement, Finess, FreeText, IdentifierType, NationalId, PersonName, PhoneNumber,
    PostalCode, Profession, Region, Specialty,
};

/// A fieldset of `/profil`, in page order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Contact,
    Activity,
    Location,
    Directories,
    Dematerialisation,
    Notifications,
}

impl Section {
    pub const ALL: [Self; 6] = [
        Self::Contact,
        Self::Activity,
        Self::Location,
        Self::Directories,
        Self::Dematerialisation,
        Self::Notifications,
    ];

    pub fn legend(self) -> &'static str {
        match self {
            Self::Contact => "Nom, contact",
            Self::Activity => "Activité",
            Self::Location => "Localisation",
            Self::Directories => "Visibilité dans les annuaires",
            Self::Dematerialisation => "Dématérialisation",
            Self::Notifications => "Gestion des notifications",
        }
    }

    /// `(id, text)` of the fieldset's hint, if it has one.
    pub fn hint(self) -> Option<(&'static str, &'static str)> {
        match self {
            Self::Location => Some((
                "localisation-hint",
                "Si vous laissez le département et la région vides, ils sont déduits du code postal.",
            )),
            _ => None,
        }
    }
}

/// Where a select's options come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Options {
    /// Active TRE_G15 professions.
    Professions,
    /// TRE_R38 specialties grouped by profession (no JavaScript needed to follow the profession).
    Specialties,
    /// RPPS and ADELI.
    IdentifierTypes,
    Departements,
    Regions,
    /// A plain code list of `config/nomenclatures/` (`code;libelle;statut`), by file name.
    CodeList(&'static str),
}

/// How the field is entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Widget {
    Text {
        tel: bool,
        autocomplete: Option<&'static str>,
        inputmode: Option<&'static str>,
    },
    Select {
        /// Label of the empty first option.
        empty: &'static str,
        options: Options,
    },
    Checkbox,
}

/// How the admin detail page shows the stored value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminDisplay {
    /// Not listed (nom and prénom are the account's and shown with it).
    Hidden,
    Text,
    /// "Oui" / "Non".
    YesNo,
    /// "label (code)" for a profession, a specialty or a code-list value; the label alone for a
    /// région.
    Labelled,
}

/// The description of one profile field (its name comes from its entry in [`profile_fields!`]).
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// Form name, storage column (`account_profiles.<name>`) and struct field.
    pub name: &'static str,
    /// French label; `{service}` stands for the service name (e.g. "Medimail").
    pub label: &'static str,
    pub hint: Option<&'static str>,
    pub required: bool,
    pub section: Section,
    pub widget: Widget,
    /// Ticked by default on a new profile (the guide's defaults).
    pub checked: bool,
    /// Part of the national identifier: shown only to a BAL PER, read-only for a Pro Santé
    /// Connect identity (which asserts it).
    pub national_id: bool,
    /// Asserted by Pro Santé Connect (`psc::claims::PscIdentity::asserted`): for an account
    /// linked to an e-CPS the field is read-only on `/profil`, the server takes PSC's value
    /// whatever is submitted, it is refreshed at each PSC sign-in, and the admin detail page
    /// marks it "vérifié par Pro Santé Connect". A value PSC did not send stays the user's.
    pub verified: bool,
    /// Part of the identity an administrator vouched for: once the account is validated, a
    /// change to it from `/compte/profil` is a change request, and the current value stays in
    /// force (and published) until an administrator accepts it (issue 9).
    pub identity: bool,
    /// Stored in the column of the same name of `account_profiles`. Nom and prénom are not:
    /// they are the account's.
    pub stored: bool,
    /// Label on the admin detail page, when it differs from the form's.
    pub admin_label: Option<&'static str>,
    pub admin: AdminDisplay,
    /// Key of the Pro Santé Connect activity value that pre-fills the field
    /// (`psc::claims::ActivityChoice::prefill`): a mapped value or a raw UIT claim name
    /// (docs/domain.md §1.8, §1.10).
    pub psc: Option<&'static str>,
    /// LDAP attribute the value is published in (`config/ldap/mssante-schema.ldif`).
    pub ldap: Option<&'static str>,
}

impl Field {
    /// A plain optional text input; entries override what differs.
    pub const TEXT: Self = Self {
        name: "",
        label: "",
        hint: None,
        required: false,
        section: Section::Contact,
        widget: Widget::Text {
            tel: false,
            autocomplete: None,
            inputmode: None,
        },
        checked: false,
        national_id: false,
        verified: false,
        identity: false,
        stored: true,
        admin_label: None,
        admin: AdminDisplay::Text,
        psc: None,
        ldap: None,
    };

    /// A checkbox, shown "Oui"/"Non" to admins.
    pub const CHECKBOX: Self = Self {
        widget: Widget::Checkbox,
        admin: AdminDisplay::YesNo,
        ..Self::TEXT
    };

    pub fn admin_label(&self) -> &'static str {
        self.admin_label.unwrap_or(self.label)
    }
}

/// A text input with these attributes.
const fn text(
    tel: bool,
    autocomplete: Option<&'static str>,
    inputmode: Option<&'static str>,
) -> Widget {
    Widget::Text {
        tel,
        autocomplete,
        inputmode,
    }
}

const fn select(empty: &'static str, options: Options) -> Widget {
    Widget::Select { empty, options }
}

/// A raw value of a form or a stored profile: text, or a checkbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Raw<'a> {
    Text(&'a str),
    Flag(bool),
}

/// The two raw types a field can have: `String` (text, select) or `bool` (checkbox).
pub trait RawField: Default {
    fn raw(&self) -> Raw<'_>;
    fn set_raw(&mut self, value: Raw<'_>);
    /// Form deserialization: a checkbox is `true` whenever present (HTML sends it only when
    /// ticked, with any value).
    fn from_form(value: String) -> Self;
}

impl RawField for String {
    fn raw(&self) -> Raw<'_> {
        Raw::Text(self)
    }
    fn set_raw(&mut self, value: Raw<'_>) {
        if let Raw::Text(t) = value {
            t.clone_into(self);
        }
    }
    fn from_form(value: String) -> Self {
        value
    }
}

impl RawField for bool {
    fn raw(&self) -> Raw<'_> {
        Raw::Flag(*self)
    }
    fn set_raw(&mut self, value: Raw<'_>) {
        if let Raw::Flag(b) = value {
            *self = b;
        }
    }
    fn from_form(_: String) -> Self {
        true
    }
}

fn form_field<'de, D: Deserializer<'de>, T: RawField>(d: D) -> Result<T, D::Error> {
    String::deserialize(d).map(T::from_form)
}

/// The canonical text of a parsed value, as stored and published.
pub trait Canonical {
    fn canonical(&self) -> String;
}

/// A parsed value → its stored raw value.
pub trait Store {
    type Raw;
    fn store(&self) -> Self::Raw;
}

impl Store for bool {
    type Raw = bool;
    fn store(&self) -> bool {
        *self
    }
}

impl<T: Canonical> Store for Option<T> {
    type Raw = String;
    fn store(&self) -> String {
        self.as_ref().map(Canonical::canonical).unwrap_or_default()
    }
}

macro_rules! canonical {
    ($($ty:ty => |$v:ident| $e:expr;)*) => {$(
        impl Canonical for $ty {
            fn canonical(&self) -> String {
                let $v = self;
                $e.to_owned()
            }
        }
        impl Store for $ty {
            type Raw = String;
            fn store(&self) -> String {
                self.canonical()
            }
        }
    )*};
}

canonical! {
    PersonName => |v| v.as_str();
    PhoneNumber => |v| v.as_str();
    Profession => |v| v.code.as_str();
    Specialty => |v| v.code.as_str();
    IdentifierType => |v| v.as_str();
    NationalId => |v| v.as_str();
    FreeText => |v| v.as_str();
    Finess => |v| v.as_str();
    PostalCode => |v| v.as_str();
    Departement => |v| v.code();
    Region => |v| v.code();
    Code => |v| v.code.as_str();
}

/// Runs one field's parser (a closure gets its argument types from this signature).
fn run<T>(
    cx: &mut Cx<'_>,
    field: &'static str,
    input: &ProfileInput,
    parse: impl FnOnce(&mut Cx<'_>, &ProfileInput) -> Option<T>,
) -> Option<T> {
    cx.field = field;
    parse(cx, input)
}

/// `get` and `set` by field name, for the generic code (form view, pre-fill, storage, admin).
macro_rules! raw_access {
    ($ty:ident; $($name:ident)*) => {
        impl $ty {
            /// The raw value of the field `name`.
            pub fn get(&self, name: &str) -> Option<Raw<'_>> {
                match name {
                    $( stringify!($name) => Some(RawField::raw(&self.$name)), )*
                    _ => None,
                }
            }

            /// Sets the field `name` (a value of the other raw kind is ignored).
            pub fn set(&mut self, name: &str, value: Raw<'_>) {
                match name {
                    $( stringify!($name) => RawField::set_raw(&mut self.$name, value), )*
                    _ => {}
                }
            }
        }
    };
}

macro_rules! profile_fields {
    ($(
        $(#[$doc:meta])*
        $name:ident : $raw:ty => $ty:ty = $parse:expr, $spec:expr;
    )*) => {
        /// The raw profile form, straight from the request body (see the module doc).
        #[derive(Debug, Clone, Default, Deserialize)]
        #[serde(default)]
        pub struct ProfileInput {
            $(
                $(#[$doc])*
                #[serde(deserialize_with = "form_field")]
                pub $name: $raw,
            )*
            /// (nom, prénom) asserted by Pro Santé Connect: kept as is when the user leaves them
            /// unchanged, even where they break the typed-name rules. Never from the form.
            #[serde(skip)]
            pub trusted_names: Option<(String, String)>,
            /// Index of the Pro Santé Connect activity the form was pre-filled from (a hidden
            /// field): which of PSC's exercices gives the verified profession and specialty.
            /// Text, so that garbage is only "none", never a 4xx of its own.
            pub activite: String,
        }

        /// A profile form that passed every rule.
        #[derive(Debug, Clone, PartialEq)]
        pub struct Profile {
            $( $(#[$doc])* pub $name: $ty, )*
        }

        /// A stored profile: each field's canonical raw value ("" when absent). Nom and prénom
        /// are the account's.
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        pub struct StoredProfile {
            pub account_id: i32,
            $( $(#[$doc])* pub $name: $raw, )*
        }

        /// Every field, in form order.
        pub const FIELDS: &[Field] = &[ $( Field { name: stringify!($name), ..$spec }, )* ];

        raw_access!(ProfileInput; $($name)*);
        raw_access!(StoredProfile; $($name)*);

        impl Profile {
            /// The values to store, canonical.
            pub fn stored(&self, account_id: i32) -> StoredProfile {
                StoredProfile {
                    account_id,
                    $( $name: Store::store(&self.$name), )*
                }
            }
        }

        /// Parses every field in form order; `None` when any failed (its error is in `cx`).
        pub(super) fn parse_fields(cx: &mut Cx<'_>, input: &ProfileInput) -> Option<Profile> {
            $( let $name: Option<$ty> = run(cx, stringify!($name), input, $parse); )*
            Some(Profile { $( $name: $name?, )* })
        }
    };
}

/// The civilités d'exercice (ANS TRE_R11, `config/nomenclatures/README.md`).
const CIVILITES: &str = "TRE_R11_CiviliteExercice.csv";

profile_fields! {
    /// TRE_R11 code (e.g. "DR"), as Pro Santé Connect sends it in `codeCiviliteDexercice`.
    civilite_exercice: String => Option<Code> = |cx, i| cx.code(&i.civilite_exercice, CIVILITES),
    Field {
        label: "Civilité d'exercice", hint: Some("Facultatif : par exemple Docteur ou Professeur"),
        widget: select("Aucune", Options::CodeList(CIVILITES)), admin: AdminDisplay::Labelled,
        psc: Some("codeCiviliteDexercice"), ldap: Some("mssCiviliteExercice"),
        ..Field::TEXT
    };
    nom: String => PersonName = |cx, i| {
        let trusted = i.trusted_names.as_ref().map(|(n, _)| n.as_str());
        cx.name(&i.nom, trusted)
    }, Field {
        label: "Nom", required: true, stored: false, admin: AdminDisplay::Hidden,
        widget: text(false, Some("family-name"), None), psc: Some("nom"), verified: true, identity: true,
        ..Field::TEXT
    };
    prenom: String => PersonName = |cx, i| {
        let trusted = i.trusted_names.as_ref().map(|(_, p)| p.as_str());
        cx.name(&i.prenom, trusted)
    }, Field {
        label: "Prénom", required: true, stored: false, admin: AdminDisplay::Hidden,
        widget: text(false, Some("given-name"), None), psc: Some("prenom"), verified: true, identity: true,
        ..Field::TEXT
    };
    telephone1: String => Option<PhoneNumber> = |cx, i| cx.optional(&i.telephone1, PhoneNumber::parse),
    Field {
        label: "Téléphone 1", hint: Some("Ex : 05 61 60 02 03"),
        widget: text(true, Some("tel"), None), psc: Some("telephone"), ldap: None,
        ..Field::TEXT
    };
    telephone2: String => Option<PhoneNumber> = |cx, i| cx.optional(&i.telephone2, PhoneNumber::parse),
    Field { label: "Téléphone 2", widget: text(true, Some("tel"), None), ..Field::TEXT };
    activite_liberale: bool => bool = |_, i| Some(i.activite_liberale),
    Field { label: "Activité libérale", section: Section::Activity, psc: Some("liberal"), ..Field::CHECKBOX };
    profession: String => Profession = |cx, i| cx.profession(&i.profession), Field {
        label: "Profession", required: true, section: Section::Activity,
        widget: select("Sélectionnez une profession", Options::Professions),
        admin: AdminDisplay::Labelled, psc: Some("profession"), verified: true, identity: true,
        ..Field::TEXT
    };
    specialite: String => Option<Specialty> = |cx, i| cx.specialty(&i.specialite, profession.as_ref()),
    Field {
        label: "Spécialité", hint: Some("Choisissez une spécialité de votre profession"),
        section: Section::Activity, widget: select("Aucune spécialité", Options::Specialties),
        admin: AdminDisplay::Labelled, psc: Some("specialite"), verified: true, identity: true,
        ..Field::TEXT
    };
    type_identifiant: String => Option<IdentifierType> = |cx, i| cx.identifier_type(&i.type_identifiant),
    Field {
        label: "Type d'identifiant national", required: true, section: Section::Activity,
        widget: select("Sélectionnez un type d'identifiant", Options::IdentifierTypes),
        national_id: true, verified: true, identity: true,
        ..Field::TEXT
    };
    identifiant: String => Option<NationalId> = |cx, i| cx.national_id(&i.identifiant, type_identifiant),
    Field {
        label: "Numéro d'identifiant national", hint: Some("RPPS : 11 chiffres ; ADELI : 9 chiffres"),
        required: true, section: Section::Activity, widget: text(false, None, Some("numeric")),
        national_id: true, verified: true, identity: true,
        ..Field::TEXT
    };
    raison_sociale: String => Option<FreeText> = |cx, i| cx.text(&i.raison_sociale, 200), Field {
        label: "Raison sociale", hint: Some("Nom de la structure d'exercice"),
        section: Section::Activity, widget: text(false, Some("organization"), None),
        psc: Some("raison_sociale"),
        ..Field::TEXT
    };
    /// FINESS of the structure of practice (optional; lets a structure's administrator see the
    /// account).
    identifiant_structure: String => Option<Finess> = |cx, i| cx.optional(&i.identifiant_structure, Finess::parse),
    Field {
        label: "Numéro FINESS de la structure",
        hint: Some("Facultatif : 9 caractères, sur les documents de votre établissement"),
        section: Section::Activity, widget: text(false, None, Some("numeric")),
        admin_label: Some("Identifiant de structure"), psc: Some("finess"),
        ..Field::TEXT
    };
    service: String => Option<FreeText> = |cx, i| cx.text(&i.service, 200),
    Field { label: "Service de rattachement", section: Section::Activity, ..Field::TEXT };
    adresse: String => Option<FreeText> = |cx, i| cx.text(&i.adresse, 300), Field {
        label: "Adresse", section: Section::Location,
        widget: text(false, Some("street-address"), None), psc: Some("adresse"),
        ..Field::TEXT
    };
    code_postal: String => Option<PostalCode> = |cx, i| cx.optional(&i.code_postal, PostalCode::parse),
    Field {
        label: "Code postal", section: Section::Location,
        widget: text(false, Some("postal-code"), Some("numeric")), psc: Some("code_postal"),
        ..Field::TEXT
    };
    ville: String => Option<FreeText> = |cx, i| cx.text(&i.ville, 100), Field {
        label: "Ville", section: Section::Location,
        widget: text(false, Some("address-level2"), None), psc: Some("ville"),
        ..Field::TEXT
    };
    departement: String => Option<Departement> = |cx, i| cx.departement(&i.departement, code_postal.as_ref()),
    Field {
        label: "Département", section: Section::Location,
        widget: select("Déduit du code postal", Options::Departements),
        ..Field::TEXT
    };
    region: String => Region = |cx, i| cx.region(&i.region, departement, code_postal.as_ref()),
    Field {
        label: "Région", required: true, section: Section::Location,
        widget: select("Déduite du code postal", Options::Regions), admin: AdminDisplay::Labelled,
        identity: true,
        ..Field::TEXT
    };
    annuaire_medimail: bool => bool = |_, i| Some(i.annuaire_medimail), Field {
        label: "Je souhaite apparaître dans l'annuaire {service}", section: Section::Directories,
        checked: true, admin_label: Some("Annuaire Medimail"),
        ..Field::CHECKBOX
    };
    annuaire_mssante: bool => bool = |_, i| Some(i.annuaire_mssante), Field {
        label: "Je souhaite apparaître dans l'annuaire MSSanté", section: Section::Directories,
        checked: true, admin_label: Some("Annuaire MSSanté"),
        ..Field::CHECKBOX
    };
    dematerialisation: bool => bool = |_, i| Some(i.dematerialisation), Field {
        label: "Je souhaite dématérialiser tous mes échanges et ne plus recevoir de papier.",
        section: Section::Dematerialisation, checked: true, admin_label: Some("Dématérialisation"),
        ..Field::CHECKBOX
    };
    notification_reception: bool => bool = |_, i| Some(i.notification_reception), Field {
        label: "Recevoir une notification à chaque réception de message {service}",
        hint: Some("Un message d'information sera envoyé sur votre adresse mail à chaque fois \
                    qu'un message vous sera envoyé dans {service}."),
        section: Section::Notifications, checked: true,
        admin_label: Some("Notification à chaque message"),
        ..Field::CHECKBOX
    };
}

/// The code-list files the fields name, loaded with the nomenclatures.
pub fn code_list_files() -> impl Iterator<Item = &'static str> {
    FIELDS.iter().filter_map(|f| match f.widget {
        Widget::Select {
            options: Options::CodeList(file),
            ..
        } => Some(file),
        _ => None,
    })
}

/// The LDAP attributes the fields publish, in form order.
pub fn ldap_attributes() -> impl Iterator<Item = &'static str> {
    FIELDS.iter().filter_map(|f| f.ldap)
}

impl ProfileInput {
    /// A new, empty profile form with the guide's defaults ticked.
    pub fn with_defaults() -> Self {
        let mut input = Self::default();
        for field in FIELDS.iter().filter(|f| f.checked) {
            input.set(field.name, Raw::Flag(true));
        }
        input
    }
}

impl Profile {
    /// The national identifier asserted elsewhere (Pro Santé Connect), both of its fields.
    pub fn set_national_id(&mut self, id: Option<NationalId>) {
        self.type_identifiant = id.as_ref().map(NationalId::kind);
        self.identifiant = id;
    }

    /// The national identifier.
    pub fn national_id(&self) -> Option<&NationalId> {
        self.identifiant.as_ref()
    }
}
