//! Mailbox addresses given on validation: the configurable address pattern and the rule that
//! turns a person's names into the local part (docs/domain.md §0, §3.3; issue 3, "Addresses").
//!
//! # Normalisation of a name part
//!
//! The prénom and the nom are each turned into an ASCII piece of the local part by these steps,
//! in this order:
//!
//! 1. Apostrophes are removed: `'` (U+0027), `’` (U+2019), `ʼ` (U+02BC), `` ` `` (U+0060), and
//!    also `‘` (U+2018) and `´` (U+00B4), which get typed in their place.
//!    `D'Artagnan` → `dartagnan`, `N’Diaye` → `ndiaye`.
//! 2. Unicode compatibility decomposition (NFKD), lower case, then every combining mark is
//!    removed: `é` → `e`, `ü` → `u`, `ç` → `c`, `Ñ` → `n`, `ﬁ` → `fi`.
//! 3. Letters that have no decomposition are spelled out: `œ` → `oe`, `æ` → `ae`, `ß` → `ss`,
//!    `ø` → `o`, `ł` → `l`, `đ` → `d`, and also `ı` → `i`, `ð` → `d`, `þ` → `th` (upper-case
//!    forms included, as they were lower-cased in step 2).
//! 4. Spaces (any white space), underscores and dots become `-`; hyphens are kept, the Unicode
//!    hyphens and dashes (U+2010 to U+2015, U+2212) becoming `-` too.
//!    `De La Fontaine` → `de-la-fontaine`, `J.-P.` → `j-p`.
//! 5. Every other character is removed: only ASCII `a`–`z`, `0`–`9` and `-` remain. A name
//!    written only in a script without a Latin decomposition (Greek, Cyrillic, Arabic, Chinese…)
//!    leaves nothing.
//! 6. Runs of `-` are collapsed into one; leading and trailing `-` are trimmed.
//!
//! When nothing is left, [`normalise_name_part`] returns `None` and [`AddressPattern::render`]
//! fails with [`AddressPatternError::EmptyName`], so that the administrator is told to correct
//! the name rather than getting an arbitrary address.
//!
//! The default local part is `{prenom}.{nom}`:
//! (`Jean-Pierre`, `D'Artagnan-Müller`) → `jean-pierre.dartagnan-muller`.
//!
//! # Homonyms
//!
//! The first person gets the address without a suffix; the next homonyms get `2`, `3`, …
//! appended to the end of the local part (`jean.dupont2@…`). Choosing the number is the
//! caller's job (unique constraint plus retry with the next number); an address never changes
//! once assigned (§3.3). Names accepted by [`super::PersonName`] contain no digits, so a suffix
//! cannot be mistaken for the end of a name.
//!
//! # Length
//!
//! The local part is at most 64 characters (RFC 5321 §4.5.3.1.1) and the address at most 254
//! (the bound [`super::EmailAddress`] uses). When the names do not fit, they are truncated
//! before the suffix is appended, so the suffix is never cut. The room left for the names is
//! split in two halves, the nom getting the larger one when the room is odd; a part that fits in its
//! half keeps its length and the other part gets the rest. A `-` left at the end of a truncated
//! part is dropped. (`Jean` + a nom of 80 letters → `jean.` + the nom's first 59 letters.)

use std::fmt;
use std::str::FromStr;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// RFC 5321 §4.5.3.1.1.
const MAX_LOCAL: usize = 64;
/// Same bound as the contact e-mail (RFC 5321 §4.5.3.1.3, path minus `<` `>`).
const MAX_ADDRESS: usize = 254;
/// RFC 1035 §2.3.4 (255 octets on the wire, 253 characters in text form).
const MAX_DOMAIN: usize = 253;
/// RFC 1035 §2.3.4.
const MAX_LABEL: usize = 63;

/// Turns one name (prénom or nom) into a piece of local part, following the rule of the
/// module documentation. Returns `None` when nothing is left (then the caller needs a
/// fallback or an error for the administrator).
pub fn normalise_name_part(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let decomposed = raw
        .chars()
        .filter(|&c| !is_apostrophe(c))
        .nfkd()
        .flat_map(char::to_lowercase)
        .filter(|&c| !is_combining_mark(c));
    for c in decomposed {
        match c {
            'a'..='z' | '0'..='9' => out.push(c),
            c if is_separator(c) => {
                // Collapses runs and drops leading hyphens as they come.
                if !out.is_empty() && !out.ends_with('-') {
                    out.push('-');
                }
            }
            c => {
                if let Some(spelled) = spelled_out(c) {
                    out.push_str(spelled);
                }
            }
        }
    }
    let trimmed_len = out.trim_end_matches('-').len();
    out.truncate(trimmed_len);
    (!out.is_empty()).then_some(out)
}

/// `"{prenom}.{nom}"` from the two normalised parts, e.g. (`Jean-Pierre`, `D'Artagnan-Müller`)
/// → `jean-pierre.dartagnan-muller`; `None` if either part normalises to nothing.
///
/// Not length-bounded: [`AddressPattern::render`] builds the actual address.
pub fn local_part(prenom: &str, nom: &str) -> Option<String> {
    Some(format!(
        "{}.{}",
        normalise_name_part(prenom)?,
        normalise_name_part(nom)?
    ))
}

fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{2019}' | '\u{02BC}' | '`' | '\u{2018}' | '\u{00B4}'
    )
}

fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '-' | '_' | '.' | '\u{2010}'..='\u{2015}' | '\u{2212}')
}

/// Lower-case letters without a Unicode decomposition and their usual Latin spelling.
fn spelled_out(c: char) -> Option<&'static str> {
    Some(match c {
        'œ' => "oe",
        'æ' => "ae",
        'ß' => "ss",
        'ø' => "o",
        'ł' => "l",
        'đ' => "d",
        'ı' => "i",
        'ð' => "d",
        'þ' => "th",
        _ => return None,
    })
}

/// A placeholder of an [`AddressPattern`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Placeholder {
    Prenom,
    Nom,
    Profession,
    Region,
    /// The local part a BAL ORG's requester wished (issue 10), already normalised.
    Local,
}

impl Placeholder {
    const ALL: [Self; 5] = [
        Self::Prenom,
        Self::Nom,
        Self::Profession,
        Self::Region,
        Self::Local,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::Prenom => "prenom",
            Self::Nom => "nom",
            Self::Profession => "profession",
            Self::Region => "region",
            Self::Local => "local",
        }
    }

    /// Whether a pattern of this kind may use the placeholder: a person's address is built
    /// from names, a BAL ORG's from the wished local part (it has no names, no profession).
    fn allowed_in(self, kind: PatternKind) -> bool {
        match kind {
            PatternKind::Person => self != Self::Local,
            PatternKind::Organisation => matches!(self, Self::Local | Self::Region),
        }
    }

    fn is_name(self) -> bool {
        matches!(self, Self::Prenom | Self::Nom)
    }
}

impl fmt::Display for Placeholder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{{}}}", self.name())
    }
}

/// Which name could not be used (for the message shown to the administrator).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NamePart {
    Prenom,
    Nom,
}

impl fmt::Display for NamePart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Prenom => "prénom",
            Self::Nom => "nom",
        })
    }
}

/// Errors of [`AddressPattern::parse`] (a configuration mistake) and of
/// [`AddressPattern::render`] (a name, label or length that cannot be used).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressPatternError {
    #[error("Le modèle d'adresse est vide.")]
    Empty,
    #[error("Le modèle d'adresse doit contenir exactement un « @ ».")]
    AtSign,
    #[error("Le modèle d'adresse contient une accolade « {{ » ou « }} » mal placée.")]
    Braces,
    #[error(
        "Le modèle d'adresse contient un champ inconnu « {{{0}}} » : seuls {{prenom}}, {{nom}}, \
         {{profession}}, {{region}} et {{local}} (BAL ORG) sont permis."
    )]
    UnknownPlaceholder(String),
    #[error("Le champ {0} n'est pas permis dans ce modèle d'adresse.")]
    NotAllowed(Placeholder),
    #[error(
        "Le modèle d'adresse d'une BAL ORG doit contenir {{local}} avant « @ », et seulement là."
    )]
    NoLocal,
    #[error(
        "La partie locale « {0} » n'est pas utilisable : lettres minuscules a-z, chiffres, \
         tirets et points, sans point ni tiret au début ou à la fin."
    )]
    InvalidLocal(String),
    #[error("Le champ {0} apparaît plusieurs fois dans le modèle d'adresse.")]
    DuplicatePlaceholder(Placeholder),
    #[error("La partie avant « @ » du modèle d'adresse doit contenir {{prenom}} et/ou {{nom}}.")]
    NoName,
    #[error("{{prenom}} et {{nom}} ne peuvent figurer qu'avant « @ » dans le modèle d'adresse.")]
    NameInDomain,
    #[error(
        "La partie avant « @ » du modèle d'adresse ne peut contenir que des lettres minuscules \
         a-z, des chiffres, des tirets et des points, sans point ni tiret au début ou à la fin, \
         ni deux points de suite."
    )]
    InvalidLocalPart,
    #[error(
        "« {0} » n'est pas un nom de domaine valide : étiquettes de 1 à 63 caractères (lettres \
         minuscules a-z, chiffres et tirets, sans tiret au début ni à la fin) séparées par des \
         points, 253 caractères au plus."
    )]
    InvalidDomain(String),
    #[error(
        "Le {0} ne contient aucune lettre latine utilisable dans une adresse de messagerie : \
         corrigez-le (en caractères latins) avant de valider le compte."
    )]
    EmptyName(NamePart),
    #[error(
        "La valeur « {value} » de {placeholder} n'est pas utilisable dans une adresse : 1 à 63 \
         lettres minuscules a-z, chiffres ou tirets, sans tiret au début ni à la fin."
    )]
    InvalidLabel {
        placeholder: Placeholder,
        value: String,
    },
    #[error(
        "L'adresse dépasserait la longueur maximale (64 caractères avant « @ », 254 au total) : \
         raccourcissez le modèle d'adresse."
    )]
    TooLong,
}

/// What an address is built from: a person's names (BAL PER, MED) or an organisational box's
/// wished local part (BAL ORG).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PatternKind {
    Person,
    Organisation,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Field(Placeholder),
}

/// A mailbox address pattern such as `{prenom}.{nom}@{profession}.{region}.mssante.fr`, with
/// the placeholders `{prenom}`, `{nom}`, `{profession}` and `{region}`.
///
/// Checked once at parse time: exactly one `@`; `{prenom}` and/or `{nom}` on the local side and
/// only there; each placeholder at most once; a local side made of dot-separated atoms of
/// `a-z0-9-` (no leading or trailing `-` or `.`, no `..`); a domain side that renders as a
/// valid DNS name. The pattern is trimmed and ASCII-lower-cased first (DNS names are case
/// insensitive and the names are lower-cased anyway).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressPattern {
    source: String,
    local: Vec<Segment>,
    domain: Vec<Segment>,
}

impl AddressPattern {
    /// A person's address pattern (BAL PER, MED).
    ///
    /// # Errors
    /// The first rule the pattern breaks (see [`AddressPatternError`]).
    pub fn parse(pattern: &str) -> Result<Self, AddressPatternError> {
        Self::parse_kind(pattern, PatternKind::Person)
    }

    /// A BAL ORG's address pattern (`addresses.org_pattern`): `{local}` before the `@` and
    /// only there, optionally `{region}`; no names, no profession.
    ///
    /// # Errors
    /// The first rule the pattern breaks (see [`AddressPatternError`]).
    pub fn parse_org(pattern: &str) -> Result<Self, AddressPatternError> {
        Self::parse_kind(pattern, PatternKind::Organisation)
    }

    fn parse_kind(pattern: &str, kind: PatternKind) -> Result<Self, AddressPatternError> {
        let source = pattern.trim().to_ascii_lowercase();
        if source.is_empty() {
            return Err(AddressPatternError::Empty);
        }
        let mut sides = source.split('@');
        let (Some(local_src), Some(domain_src), None) = (sides.next(), sides.next(), sides.next())
        else {
            return Err(AddressPatternError::AtSign);
        };
        let local = tokenize(local_src)?;
        let domain = tokenize(domain_src)?;

        let mut seen = Vec::with_capacity(Placeholder::ALL.len());
        for placeholder in local.iter().chain(&domain).filter_map(Segment::placeholder) {
            if seen.contains(&placeholder) {
                return Err(AddressPatternError::DuplicatePlaceholder(placeholder));
            }
            seen.push(placeholder);
        }
        if let Some(&placeholder) = seen.iter().find(|p| !p.allowed_in(kind)) {
            return Err(AddressPatternError::NotAllowed(placeholder));
        }
        if kind == PatternKind::Organisation {
            let local_has = local
                .iter()
                .any(|s| s.placeholder() == Some(Placeholder::Local));
            let domain_has = domain
                .iter()
                .any(|s| s.placeholder() == Some(Placeholder::Local));
            if !local_has || domain_has {
                return Err(AddressPatternError::NoLocal);
            }
        } else if domain
            .iter()
            .filter_map(Segment::placeholder)
            .any(Placeholder::is_name)
        {
            return Err(AddressPatternError::NameInDomain);
        }
        if kind == PatternKind::Person
            && !local
                .iter()
                .filter_map(Segment::placeholder)
                .any(Placeholder::is_name)
        {
            return Err(AddressPatternError::NoName);
        }

        // Structure check with one-letter values: every real value (a normalised name or a
        // label) is also a non-empty run of a-z0-9- not starting or ending with '-', so a
        // pattern that passes with "a" renders well-formed addresses.
        let sample_local = join(&local, |_| "a");
        if !is_dot_atom(&sample_local) {
            return Err(AddressPatternError::InvalidLocalPart);
        }
        let sample_domain = join(&domain, |_| "a");
        if !is_dns_name(&sample_domain) {
            return Err(AddressPatternError::InvalidDomain(domain_src.to_owned()));
        }
        if sample_local.len() > MAX_LOCAL
            || sample_local.len() + 1 + sample_domain.len() > MAX_ADDRESS
        {
            return Err(AddressPatternError::TooLong);
        }
        Ok(Self {
            source,
            local,
            domain,
        })
    }

    /// The pattern as parsed (trimmed, lower-cased).
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether the pattern contains this placeholder.
    pub fn uses(&self, placeholder: Placeholder) -> bool {
        self.local
            .iter()
            .chain(&self.domain)
            .any(|s| s.placeholder() == Some(placeholder))
    }

    /// Renders the address for one person. `suffix` is `None` for the first address and
    /// `Some(2)`, `Some(3)`… for homonyms: the number is appended to the local part
    /// (`jean.dupont2@…`). `profession` and `region` are the labels from the configuration
    /// tables, used as given (they are not normalised); values of placeholders the pattern does
    /// not use are ignored.
    ///
    /// # Errors
    /// [`AddressPatternError::EmptyName`] when a name normalises to nothing,
    /// [`AddressPatternError::InvalidLabel`] for a profession or région label that is not a DNS
    /// label, [`AddressPatternError::InvalidDomain`] when the labels make the domain too long,
    /// [`AddressPatternError::TooLong`] when even one letter per name does not fit.
    pub fn render(
        &self,
        prenom: &str,
        nom: &str,
        profession: &str,
        region: &str,
        suffix: Option<u32>,
    ) -> Result<MailboxAddress, AddressPatternError> {
        let name = |placeholder, part, raw: &str| {
            if self.uses(placeholder) {
                normalise_name_part(raw).ok_or(AddressPatternError::EmptyName(part))
            } else {
                Ok(String::new())
            }
        };
        let prenom = name(Placeholder::Prenom, NamePart::Prenom, prenom)?;
        let nom = name(Placeholder::Nom, NamePart::Nom, nom)?;
        for (placeholder, value) in [
            (Placeholder::Profession, profession),
            (Placeholder::Region, region),
        ] {
            if self.uses(placeholder) && !is_label(value) {
                return Err(AddressPatternError::InvalidLabel {
                    placeholder,
                    value: value.to_owned(),
                });
            }
        }
        let label = |placeholder| match placeholder {
            Placeholder::Profession => profession,
            Placeholder::Region => region,
            Placeholder::Prenom | Placeholder::Nom | Placeholder::Local => "",
        };

        let domain = join(&self.domain, label);
        if !is_dns_name(&domain) {
            return Err(AddressPatternError::InvalidDomain(domain));
        }

        let suffix = suffix.map(|n| n.to_string()).unwrap_or_default();
        let fixed: usize = suffix.len() + join(&self.local, label).len();
        let room = MAX_LOCAL.min(MAX_ADDRESS.saturating_sub(domain.len() + 1));
        let available = room
            .checked_sub(fixed)
            .ok_or(AddressPatternError::TooLong)?;
        let (prenom_len, nom_len) =
            share(prenom.len(), nom.len(), available).ok_or(AddressPatternError::TooLong)?;
        let prenom = truncate(&prenom, prenom_len);
        let nom = truncate(&nom, nom_len);

        let mut local = join(&self.local, |placeholder| match placeholder {
            Placeholder::Prenom => prenom,
            Placeholder::Nom => nom,
            other => label(other),
        });
        local.push_str(&suffix);
        debug_assert!(is_dot_atom(&local) && local.len() <= MAX_LOCAL);
        Ok(MailboxAddress(format!("{local}@{domain}")))
    }
}

impl AddressPattern {
    /// Renders a BAL ORG's address from its wished local part (already normalised by
    /// [`normalise_local_part`]) and the région label. `suffix` works as for homonyms
    /// (`secretariat2@…`); when the whole does not fit in 64 characters the wish is shortened
    /// before the suffix, so the suffix is never cut.
    ///
    /// # Errors
    /// [`AddressPatternError::InvalidLocal`] for a wish that is not a dot-atom,
    /// [`AddressPatternError::InvalidLabel`] / [`AddressPatternError::InvalidDomain`] for the
    /// région label, [`AddressPatternError::TooLong`] when not even one character fits.
    pub fn render_org(
        &self,
        wish: &str,
        region: &str,
        suffix: Option<u32>,
    ) -> Result<MailboxAddress, AddressPatternError> {
        if !is_dot_atom(wish) {
            return Err(AddressPatternError::InvalidLocal(wish.to_owned()));
        }
        if self.uses(Placeholder::Region) && !is_label(region) {
            return Err(AddressPatternError::InvalidLabel {
                placeholder: Placeholder::Region,
                value: region.to_owned(),
            });
        }
        let label = |placeholder| match placeholder {
            Placeholder::Region => region,
            _ => "",
        };
        let domain = join(&self.domain, label);
        if !is_dns_name(&domain) {
            return Err(AddressPatternError::InvalidDomain(domain));
        }
        let suffix = suffix.map(|n| n.to_string()).unwrap_or_default();
        let fixed = suffix.len() + join(&self.local, label).len();
        let room = MAX_LOCAL.min(MAX_ADDRESS.saturating_sub(domain.len() + 1));
        let available = room
            .checked_sub(fixed)
            .filter(|&n| n > 0)
            .ok_or(AddressPatternError::TooLong)?;
        let wish = wish
            .get(..available.min(wish.len()))
            .unwrap_or(wish)
            .trim_end_matches(['-', '.']);
        let mut local = join(&self.local, |placeholder| match placeholder {
            Placeholder::Local => wish,
            other => label(other),
        });
        local.push_str(&suffix);
        if !is_dot_atom(&local) {
            return Err(AddressPatternError::InvalidLocal(local));
        }
        Ok(MailboxAddress(format!("{local}@{domain}")))
    }
}

/// Normalises a BAL ORG's wished local part ("Secrétariat.Cardiologie" →
/// `secretariat.cardiologie`): each dot-separated piece follows the name rule of this module
/// (accents removed, spaces and underscores to `-`…), dots are kept between non-empty pieces.
/// `None` when nothing usable is left.
pub fn normalise_local_part(raw: &str) -> Option<String> {
    let pieces: Vec<String> = raw.split('.').filter_map(normalise_name_part).collect();
    (!pieces.is_empty()).then(|| pieces.join("."))
}

impl FromStr for AddressPattern {
    type Err = AddressPatternError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for AddressPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl Segment {
    fn placeholder(&self) -> Option<Placeholder> {
        match self {
            Self::Field(placeholder) => Some(*placeholder),
            Self::Literal(_) => None,
        }
    }
}

/// Splits one side of a pattern into literals and placeholders.
fn tokenize(side: &str) -> Result<Vec<Segment>, AddressPatternError> {
    let mut segments = Vec::new();
    let mut rest = side;
    while !rest.is_empty() {
        match rest.find(['{', '}']) {
            None => {
                segments.push(Segment::Literal(rest.to_owned()));
                break;
            }
            Some(i) => {
                if i > 0 {
                    segments.push(Segment::Literal(rest[..i].to_owned()));
                }
                let after = rest[i..]
                    .strip_prefix('{')
                    .ok_or(AddressPatternError::Braces)?;
                let end = after.find(['{', '}']).ok_or(AddressPatternError::Braces)?;
                let (name, tail) = after.split_at(end);
                rest = tail.strip_prefix('}').ok_or(AddressPatternError::Braces)?;
                let placeholder = Placeholder::ALL
                    .into_iter()
                    .find(|p| p.name() == name)
                    .ok_or_else(|| AddressPatternError::UnknownPlaceholder(name.to_owned()))?;
                segments.push(Segment::Field(placeholder));
            }
        }
    }
    Ok(segments)
}

fn join<'a>(segments: &'a [Segment], value: impl Fn(Placeholder) -> &'a str) -> String {
    segments
        .iter()
        .map(|segment| match segment {
            Segment::Literal(text) => text.as_str(),
            Segment::Field(placeholder) => value(*placeholder),
        })
        .collect()
}

/// Lengths to keep of the two normalised name parts (0 for a part the pattern does not use)
/// so that together they fit in `available`; `None` if not even one character each fits.
fn share(prenom: usize, nom: usize, available: usize) -> Option<(usize, usize)> {
    if prenom + nom <= available {
        return Some((prenom, nom));
    }
    let parts = usize::from(prenom > 0) + usize::from(nom > 0);
    if available < parts {
        return None;
    }
    let half = available / 2;
    Some(if prenom == 0 {
        (0, available)
    } else if nom == 0 {
        (available, 0)
    } else if prenom <= half {
        (prenom, available - prenom)
    } else if nom <= available - half {
        (available - nom, nom)
    } else {
        // The nom gets the larger half: it tells homonyms apart better than the prénom.
        (half, available - half)
    })
}

/// The first `len` characters of an ASCII part, without a trailing `-` left by the cut.
fn truncate(part: &str, len: usize) -> &str {
    part.get(..len).unwrap_or(part).trim_end_matches('-')
}

/// Non-empty runs of `a-z0-9-`, not starting or ending with `-`, separated by single dots.
fn is_dot_atom(s: &str) -> bool {
    s.split('.').all(|atom| {
        !atom.is_empty()
            && !atom.starts_with('-')
            && !atom.ends_with('-')
            && atom
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    })
}

fn is_label(s: &str) -> bool {
    s.len() <= MAX_LABEL && !s.contains('.') && is_dot_atom(s)
}

/// RFC 1035 §2.3.1 preferred name syntax (lower case), plus labels starting with a digit
/// (RFC 1123 §2.1).
fn is_dns_name(s: &str) -> bool {
    s.len() <= MAX_DOMAIN && s.split('.').all(is_label)
}

/// A rendered mailbox address: local part of `a-z0-9.-` of at most 64 characters, a valid
/// DNS domain, at most 254 characters in all.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MailboxAddress(String);

impl MailboxAddress {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before the `@`.
    pub fn local_part(&self) -> &str {
        self.0.split_once('@').map_or(&self.0, |(local, _)| local)
    }

    /// The part after the `@`.
    pub fn domain(&self) -> &str {
        self.0.split_once('@').map_or("", |(_, domain)| domain)
    }
}

impl AsRef<str> for MailboxAddress {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MailboxAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const PER: &str = "{prenom}.{nom}@{profession}.{region}.mssante.fr";

    fn per() -> AddressPattern {
        AddressPattern::parse(PER).unwrap()
    }

    fn norm(raw: &str) -> Option<String> {
        normalise_name_part(raw)
    }

    fn render(prenom: &str, nom: &str, suffix: Option<u32>) -> String {
        per()
            .render(prenom, nom, "pharmacien", "oc", suffix)
            .unwrap()
            .to_string()
    }

    // --- Normalisation ---

    #[test]
    fn the_issue_example_gives_the_documented_local_part() {
        assert_eq!(
            local_part("Jean-Pierre", "D'Artagnan-Müller").as_deref(),
            Some("jean-pierre.dartagnan-muller")
        );
        assert_eq!(
            render("Jean-Pierre", "D'Artagnan-Müller", None),
            "jean-pierre.dartagnan-muller@pharmacien.oc.mssante.fr"
        );
    }

    #[test]
    fn names_are_lower_cased() {
        assert_eq!(norm("DUPONT").as_deref(), Some("dupont"));
        assert_eq!(norm("McEnroe").as_deref(), Some("mcenroe"));
    }

    #[test]
    fn accents_are_removed() {
        for (raw, expected) in [
            ("Hélène", "helene"),
            ("ÉLODIE", "elodie"),
            ("Françoise", "francoise"),
            ("Zoë", "zoe"),
            ("Müller", "muller"),
            ("Núñez", "nunez"),
            ("Đorđe Ćosić", "dorde-cosic"),
            ("He\u{301}le\u{300}ne", "helene"),
        ] {
            assert_eq!(norm(raw).as_deref(), Some(expected), "{raw}");
        }
    }

    #[test]
    fn ligatures_and_undecomposable_letters_are_spelled_out() {
        for (raw, expected) in [
            ("Œdipe", "oedipe"),
            ("Cœur", "coeur"),
            ("Lætitia", "laetitia"),
            ("ÆSA", "aesa"),
            ("Strauß", "strauss"),
            ("STRAUẞ", "strauss"),
            ("Ødegård", "odegard"),
            ("Łukasz", "lukasz"),
            ("Đinh", "dinh"),
            ("Yıldız", "yildiz"),
            ("Þór Guðmundsson", "thor-gudmundsson"),
            ("\u{FB01}lippi", "filippi"),
        ] {
            assert_eq!(norm(raw).as_deref(), Some(expected), "{raw}");
        }
    }

    #[test]
    fn apostrophes_are_removed() {
        for raw in [
            "D'Artagnan",
            "D’Artagnan",
            "DʼArtagnan",
            "D`Artagnan",
            "D‘Artagnan",
            "D´Artagnan",
        ] {
            assert_eq!(norm(raw).as_deref(), Some("dartagnan"), "{raw}");
        }
        assert_eq!(norm("N’Diaye").as_deref(), Some("ndiaye"));
        assert_eq!(norm("O' Brien").as_deref(), Some("o-brien"));
    }

    #[test]
    fn spaces_underscores_and_dots_become_hyphens() {
        assert_eq!(norm("De La Fontaine").as_deref(), Some("de-la-fontaine"));
        assert_eq!(norm("Le\u{a0}Gall").as_deref(), Some("le-gall"));
        assert_eq!(norm("Saint_Exupéry").as_deref(), Some("saint-exupery"));
        assert_eq!(norm("J.-P.").as_deref(), Some("j-p"));
        assert_eq!(
            local_part("Marie Anne", "De La Fontaine").as_deref(),
            Some("marie-anne.de-la-fontaine")
        );
    }

    #[test]
    fn hyphens_are_kept_and_unicode_dashes_become_hyphens() {
        assert_eq!(norm("Jean-Pierre").as_deref(), Some("jean-pierre"));
        assert_eq!(norm("Jean\u{2011}Pierre").as_deref(), Some("jean-pierre"));
        assert_eq!(norm("Jean – Pierre").as_deref(), Some("jean-pierre"));
    }

    #[test]
    fn hyphen_runs_collapse_and_are_trimmed() {
        assert_eq!(norm("Jean--Pierre").as_deref(), Some("jean-pierre"));
        assert_eq!(norm("-Jean - . Pierre-").as_deref(), Some("jean-pierre"));
        assert_eq!(norm("  Dupont  ").as_deref(), Some("dupont"));
        // A removed character between two separators leaves a single hyphen.
        assert_eq!(norm("Jean-!-Pierre").as_deref(), Some("jean-pierre"));
    }

    #[test]
    fn other_characters_are_removed() {
        assert_eq!(norm("Dupont!").as_deref(), Some("dupont"));
        assert_eq!(norm("Du<pont>").as_deref(), Some("dupont"));
        assert_eq!(norm("Ivan Олег").as_deref(), Some("ivan"));
        assert_eq!(norm("Louis XIV 2").as_deref(), Some("louis-xiv-2"));
    }

    #[test]
    fn a_name_that_leaves_nothing_gives_none() {
        for raw in ["", "   ", "- ' .", "'''", "王芳", "Νίκος", "Олег", "محمد"] {
            assert_eq!(norm(raw), None, "{raw}");
        }
        assert_eq!(local_part("王芳", "Dupont"), None);
        assert_eq!(local_part("Jean", "Олег"), None);
    }

    // --- Rendering ---

    #[test]
    fn the_default_pattern_renders_the_guide_address() {
        let address = per()
            .render("Jean", "Dupont", "pharmacien", "oc", None)
            .unwrap();
        assert_eq!(address.as_str(), "jean.dupont@pharmacien.oc.mssante.fr");
        assert_eq!(address.local_part(), "jean.dupont");
        assert_eq!(address.domain(), "pharmacien.oc.mssante.fr");
    }

    #[test]
    fn a_homonym_suffix_is_appended_to_the_local_part() {
        assert_eq!(
            render("Jean", "Dupont", Some(2)),
            "jean.dupont2@pharmacien.oc.mssante.fr"
        );
        assert_eq!(
            render("Jean", "Dupont", Some(13)),
            "jean.dupont13@pharmacien.oc.mssante.fr"
        );
    }

    #[test]
    fn a_med_pattern_renders_on_the_operator_domain_and_ignores_unused_values() {
        let med = AddressPattern::parse("{prenom}.{nom}@medimail.fr").unwrap();
        let address = med.render("Élodie", "Martin", "", "", None).unwrap();
        assert_eq!(address.as_str(), "elodie.martin@medimail.fr");
    }

    #[test]
    fn a_pattern_may_use_only_one_name() {
        let pattern = AddressPattern::parse("dr.{nom}@{region}.example.fr").unwrap();
        let address = pattern
            .render("王芳", "Le Gall", "", "bre", Some(3))
            .unwrap();
        assert_eq!(address.as_str(), "dr.le-gall3@bre.example.fr");
    }

    #[test]
    fn a_name_that_normalises_to_nothing_is_an_error_for_the_admin() {
        let err = per()
            .render("王芳", "Dupont", "medecin", "idf", None)
            .unwrap_err();
        assert_eq!(err, AddressPatternError::EmptyName(NamePart::Prenom));
        assert_eq!(
            err.to_string(),
            "Le prénom ne contient aucune lettre latine utilisable dans une adresse de \
             messagerie : corrigez-le (en caractères latins) avant de valider le compte."
        );
        let err = per()
            .render("Jean", "Олег", "medecin", "idf", None)
            .unwrap_err();
        assert_eq!(err, AddressPatternError::EmptyName(NamePart::Nom));
    }

    #[test]
    fn profession_and_region_labels_must_be_dns_labels() {
        let too_long = "a".repeat(64);
        for bad in [
            "",
            "Île",
            "ile de france",
            "-oc",
            "oc-",
            "a.b",
            too_long.as_str(),
        ] {
            let err = per()
                .render("Jean", "Dupont", "medecin", bad, None)
                .unwrap_err();
            assert_eq!(
                err,
                AddressPatternError::InvalidLabel {
                    placeholder: Placeholder::Region,
                    value: bad.to_owned()
                },
                "{bad}"
            );
        }
        let err = per()
            .render("Jean", "Dupont", "Médecin", "oc", None)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "La valeur « Médecin » de {profession} n'est pas utilisable dans une adresse : 1 à 63 \
             lettres minuscules a-z, chiffres ou tirets, sans tiret au début ni à la fin."
        );
    }

    #[test]
    fn a_local_part_that_fits_is_not_truncated() {
        let nom = "a".repeat(59);
        assert_eq!(
            render("Jean", &nom, None),
            format!("jean.{nom}@pharmacien.oc.mssante.fr")
        );
    }

    #[test]
    fn a_long_nom_is_truncated_to_64_characters() {
        let address = per()
            .render("Jean", &"a".repeat(80), "pharmacien", "oc", None)
            .unwrap();
        assert_eq!(address.local_part(), format!("jean.{}", "a".repeat(59)));
        assert_eq!(address.local_part().len(), 64);
    }

    #[test]
    fn truncation_makes_room_for_the_suffix_which_is_never_cut() {
        let address = per()
            .render("Jean", &"a".repeat(80), "pharmacien", "oc", Some(12))
            .unwrap();
        assert_eq!(address.local_part(), format!("jean.{}12", "a".repeat(57)));
    }

    #[test]
    fn two_long_names_share_the_room_the_nom_getting_the_larger_half() {
        // 64 - 1 (dot) = 63 characters for the names: 31 for the prénom, 32 for the nom.
        let address = per()
            .render(&"p".repeat(50), &"n".repeat(50), "pharmacien", "oc", None)
            .unwrap();
        assert_eq!(
            address.local_part(),
            format!("{}.{}", "p".repeat(31), "n".repeat(32))
        );
    }

    #[test]
    fn a_hyphen_left_at_the_cut_is_dropped() {
        // The nom keeps 59 characters, the 59th being the hyphen.
        let nom = format!("{}-{}", "a".repeat(58), "b".repeat(20));
        let address = per()
            .render("Jean", &nom, "pharmacien", "oc", None)
            .unwrap();
        assert_eq!(address.local_part(), format!("jean.{}", "a".repeat(58)));
    }

    #[test]
    fn a_long_domain_shortens_the_local_part_to_keep_254_characters() {
        let domain = format!(
            "{}.{}.{}.fr",
            "d".repeat(63),
            "e".repeat(63),
            "f".repeat(63)
        );
        let pattern = AddressPattern::parse(&format!("{{prenom}}.{{nom}}@{domain}")).unwrap();
        let address = pattern
            .render("Jean", &"a".repeat(80), "", "", Some(2))
            .unwrap();
        assert_eq!(address.as_str().len(), 254);
        assert!(address.local_part().ends_with('2'));
    }

    #[test]
    fn labels_that_make_the_domain_too_long_are_an_error() {
        let domain = format!(
            "{{region}}.{}.{}.{}.fr",
            "d".repeat(63),
            "e".repeat(63),
            "f".repeat(60)
        );
        let pattern = AddressPattern::parse(&format!("{{nom}}@{domain}")).unwrap();
        let err = pattern
            .render("", "Dupont", "", &"r".repeat(63), None)
            .unwrap_err();
        assert!(
            matches!(err, AddressPatternError::InvalidDomain(_)),
            "{err:?}"
        );
    }

    // --- Pattern checks ---

    fn parse_err(pattern: &str) -> AddressPatternError {
        AddressPattern::parse(pattern).unwrap_err()
    }

    #[test]
    fn the_configured_patterns_parse() {
        for pattern in [
            PER,
            "{prenom}.{nom}@medimail.fr",
            "{nom}@operateur.example",
            "{prenom}{nom}@{region}-{profession}.mssante.fr",
            "{prenom}.{nom}.{profession}@op.fr",
        ] {
            assert!(AddressPattern::parse(pattern).is_ok(), "{pattern}");
        }
    }

    #[test]
    fn a_pattern_is_trimmed_and_lower_cased() {
        let pattern = AddressPattern::parse("  {Prenom}.{NOM}@MedIMail.FR ").unwrap();
        assert_eq!(pattern.as_str(), "{prenom}.{nom}@medimail.fr");
        assert_eq!(pattern.to_string(), pattern.as_str());
        assert!(pattern.uses(Placeholder::Nom));
        assert!(!pattern.uses(Placeholder::Region));
    }

    #[test]
    fn an_empty_pattern_is_rejected() {
        assert_eq!(parse_err("  "), AddressPatternError::Empty);
    }

    #[test]
    fn a_pattern_needs_exactly_one_at_sign() {
        assert_eq!(parse_err("{prenom}.{nom}"), AddressPatternError::AtSign);
        assert_eq!(
            parse_err("{prenom}@{nom}@x.fr"),
            AddressPatternError::AtSign
        );
        assert_eq!(
            AddressPatternError::AtSign.to_string(),
            "Le modèle d'adresse doit contenir exactement un « @ »."
        );
    }

    #[test]
    fn misplaced_braces_are_rejected() {
        for pattern in [
            "{prenom.{nom}@x.fr",
            "{prenom}}@x.fr",
            "prenom}@x.fr",
            "{prenom}@x.fr{",
            "{nom}@{region.fr",
        ] {
            assert_eq!(parse_err(pattern), AddressPatternError::Braces, "{pattern}");
        }
    }

    #[test]
    fn unknown_placeholders_are_rejected() {
        let err = parse_err("{prénom}.{nom}@x.fr");
        assert_eq!(
            err,
            AddressPatternError::UnknownPlaceholder("prénom".into())
        );
        assert_eq!(
            err.to_string(),
            "Le modèle d'adresse contient un champ inconnu « {prénom} » : seuls {prenom}, {nom}, \
             {profession}, {region} et {local} (BAL ORG) sont permis."
        );
        assert_eq!(
            parse_err("{}@x.fr"),
            AddressPatternError::UnknownPlaceholder(String::new())
        );
    }

    #[test]
    fn a_placeholder_may_appear_only_once() {
        assert_eq!(
            parse_err("{nom}.{nom}@x.fr"),
            AddressPatternError::DuplicatePlaceholder(Placeholder::Nom)
        );
        assert_eq!(
            parse_err("{nom}.{region}@{region}.fr"),
            AddressPatternError::DuplicatePlaceholder(Placeholder::Region)
        );
    }

    #[test]
    fn the_local_side_must_contain_a_name_and_the_domain_none() {
        assert_eq!(parse_err("contact@x.fr"), AddressPatternError::NoName);
        assert_eq!(parse_err("{profession}@x.fr"), AddressPatternError::NoName);
        assert_eq!(parse_err("@x.fr"), AddressPatternError::NoName);
        assert_eq!(
            parse_err("{prenom}@{nom}.fr"),
            AddressPatternError::NameInDomain
        );
    }

    #[test]
    fn the_local_side_must_be_dot_separated_atoms() {
        for pattern in [
            ".{nom}@x.fr",
            "{nom}.@x.fr",
            "{prenom}..{nom}@x.fr",
            "-{nom}@x.fr",
            "{nom}-@x.fr",
            "{prenom}-.{nom}@x.fr",
            "{prenom}_{nom}@x.fr",
            "{prenom}+{nom}@x.fr",
            "é{nom}@x.fr",
        ] {
            assert_eq!(
                parse_err(pattern),
                AddressPatternError::InvalidLocalPart,
                "{pattern}"
            );
        }
    }

    #[test]
    fn the_domain_side_must_be_a_dns_name() {
        for domain in [
            "",
            "-x.fr",
            "x-.fr",
            "x..fr",
            "x.fr.",
            ".x.fr",
            "x_y.fr",
            "mssanté.fr",
            "{region}-.fr",
        ] {
            assert_eq!(
                parse_err(&format!("{{nom}}@{domain}")),
                AddressPatternError::InvalidDomain(domain.into()),
                "{domain}"
            );
        }
        let long_label = "a".repeat(64);
        assert!(matches!(
            parse_err(&format!("{{nom}}@{long_label}.fr")),
            AddressPatternError::InvalidDomain(_)
        ));
        assert!(AddressPattern::parse(&format!("{{nom}}@{}.fr", "a".repeat(63))).is_ok());
    }

    #[test]
    fn a_pattern_whose_literals_exceed_the_limits_is_rejected() {
        let pattern = format!("{}.{{nom}}@x.fr", "a".repeat(63));
        assert_eq!(parse_err(&pattern), AddressPatternError::TooLong);
    }

    // --- Properties ---

    /// Latin names with accents, ligatures and separators, up to PersonName's 100 characters.
    fn latin_name() -> impl Strategy<Value = String> {
        "[A-Za-zÀ-ÖØ-öø-ÿŒœÆæẞŁłĐđ' ’ʼ`._-]{0,100}"
    }

    fn is_local_char(c: char) -> bool {
        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-'
    }

    proptest! {
        #[test]
        fn a_normalised_part_is_a_trimmed_run_of_a_z_0_9_and_hyphens(raw in any::<String>()) {
            if let Some(part) = normalise_name_part(&raw) {
                prop_assert!(part.chars().all(|c| is_local_char(c) && c != '.'), "{part}");
                prop_assert!(!part.starts_with('-') && !part.ends_with('-'), "{part}");
                prop_assert!(!part.contains("--"), "{part}");
            }
        }

        #[test]
        fn normalisation_is_idempotent(raw in any::<String>()) {
            if let Some(part) = normalise_name_part(&raw) {
                prop_assert_eq!(normalise_name_part(&part), Some(part));
            }
        }

        #[test]
        fn latin_names_normalise_idempotently(raw in latin_name()) {
            if let Some(part) = normalise_name_part(&raw) {
                prop_assert_eq!(normalise_name_part(&part), Some(part));
            }
        }

        #[test]
        fn a_rendered_local_part_is_well_formed_and_bounded(
            prenom in latin_name(), nom in any::<String>(), suffix in any::<Option<u32>>(),
        ) {
            if let Ok(address) = per().render(&prenom, &nom, "pharmacien", "oc", suffix) {
                let local = address.local_part();
                prop_assert!(local.chars().all(is_local_char), "{local}");
                prop_assert!(!local.starts_with(['-', '.']) && !local.ends_with(['-', '.']), "{local}");
                prop_assert!(!local.contains(".."), "{local}");
                prop_assert!(local.len() <= 64, "{local}");
                prop_assert!(address.as_str().len() <= 254);
            }
        }

        #[test]
        fn a_suffix_always_changes_the_address(
            prenom in latin_name(), nom in latin_name(), n in 2u32..,
        ) {
            if let Ok(first) = per().render(&prenom, &nom, "pharmacien", "oc", None) {
                let homonym = per().render(&prenom, &nom, "pharmacien", "oc", Some(n)).unwrap();
                prop_assert_ne!(first, homonym);
            }
        }

        #[test]
        fn arbitrary_patterns_never_panic(pattern in "[a-z{}@.\\-_]{0,40}", name in any::<String>()) {
            if let Ok(pattern) = AddressPattern::parse(&pattern) {
                let _ = pattern.render(&name, &name, "medecin", "idf", Some(2));
            }
        }
    }

    // --- BAL ORG addresses (issue 10) ---

    fn org() -> AddressPattern {
        AddressPattern::parse_org("{local}@{region}.mssante.fr").unwrap()
    }

    #[test]
    fn an_org_wish_is_normalised_like_names_but_keeps_its_dots() {
        assert_eq!(
            normalise_local_part("Secrétariat.Cardiologie").as_deref(),
            Some("secretariat.cardiologie")
        );
        assert_eq!(
            normalise_local_part(" Accueil des Urgences ").as_deref(),
            Some("accueil-des-urgences")
        );
        assert_eq!(normalise_local_part("..a..b.").as_deref(), Some("a.b"));
        assert_eq!(normalise_local_part("...").as_deref(), None);
        assert_eq!(normalise_local_part("Ωμέγα").as_deref(), None);
    }

    #[test]
    fn the_default_org_pattern_renders_with_the_region_label_and_suffixes() {
        let address = org()
            .render_org("secretariat.cardiologie", "oc", None)
            .unwrap();
        assert_eq!(address.as_str(), "secretariat.cardiologie@oc.mssante.fr");
        let second = org()
            .render_org("secretariat.cardiologie", "oc", Some(2))
            .unwrap();
        assert_eq!(second.as_str(), "secretariat.cardiologie2@oc.mssante.fr");
    }

    #[test]
    fn a_long_org_wish_is_cut_before_its_suffix_to_64_characters() {
        let wish = format!("{}.{}", "a".repeat(40), "b".repeat(30));
        let address = org().render_org(&wish, "oc", Some(12)).unwrap();
        assert_eq!(address.local_part().len(), 64);
        assert!(address.local_part().ends_with("b12"), "{address}");
        // A cut that lands after a dot drops it.
        let wish = format!("{}.b", "a".repeat(63));
        let address = org().render_org(&wish, "oc", None).unwrap();
        assert_eq!(address.local_part(), "a".repeat(63));
    }

    #[test]
    fn org_patterns_need_local_and_refuse_names() {
        assert_eq!(
            AddressPattern::parse_org("{prenom}@{region}.mssante.fr"),
            Err(AddressPatternError::NotAllowed(Placeholder::Prenom))
        );
        assert_eq!(
            AddressPattern::parse_org("bal@{region}.mssante.fr"),
            Err(AddressPatternError::NoLocal)
        );
        assert_eq!(
            AddressPattern::parse_org("x@{local}.mssante.fr"),
            Err(AddressPatternError::NoLocal)
        );
        assert_eq!(
            AddressPattern::parse("{local}@medimail.fr"),
            Err(AddressPatternError::NotAllowed(Placeholder::Local))
        );
        assert!(AddressPattern::parse_org("{local}@medimail.fr").is_ok());
    }
}
