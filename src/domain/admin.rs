//! Administrators' scopes: national, one région, or one structure.

/// What an administrator may see and decide on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    National,
    /// One région, by INSEE code.
    Region(String),
    /// One structure, by FINESS or Pro Santé Connect structure identifier.
    Structure(String),
}

impl Scope {
    /// Parses `national`, `region:76` or `structure:<id>`.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().split_once(':') {
            None if raw.trim() == "national" => Some(Self::National),
            Some(("region", code)) if !code.trim().is_empty() => {
                Some(Self::Region(code.trim().to_uppercase()))
            }
            Some(("structure", id)) if !id.trim().is_empty() => {
                Some(Self::Structure(id.trim().to_owned()))
            }
            _ => None,
        }
    }

    pub fn as_string(&self) -> String {
        match self {
            Self::National => "national".to_owned(),
            Self::Region(code) => format!("region:{code}"),
            Self::Structure(id) => format!("structure:{id}"),
        }
    }

    /// Does this scope cover an account of `region` and `structure`?
    pub fn covers(&self, region: Option<&str>, structure: Option<&str>) -> bool {
        match self {
            Self::National => true,
            Self::Region(code) => region == Some(code.as_str()),
            Self::Structure(id) => structure == Some(id.as_str()),
        }
    }
}

/// The administrators' queue filter.
#[derive(Debug, Default, Clone)]
pub struct QueueFilter {
    /// The administrator's scopes; an account shows when any of them covers it.
    pub scopes: Vec<Scope>,
    pub region: Option<String>,
    pub profession: Option<String>,
    pub bal_type: Option<String>,
}
