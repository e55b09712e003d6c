//! Accent- and case-insensitive folding, used to compare or sort French text.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lower-cases and strips diacritics: "Île-de-France" → "ile-de-france", "ÉLODIE" → "elodie".
///
/// Decomposing (NFD) then dropping combining marks is the usual approximation of a
/// "primary strength" collation; good enough for sorting lists and matching substrings.
pub(crate) fn fold(s: &str) -> String {
    s.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Trims and replaces every run of whitespace (including tabs and newlines pasted into a
/// field) by a single ASCII space.
pub(crate) fn collapse_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_removes_accents_and_case() {
        assert_eq!(fold("Île-de-France"), "ile-de-france");
        assert_eq!(fold("ÉLODIE Müller"), "elodie muller");
    }

    #[test]
    fn whitespace_runs_collapse_to_one_space() {
        assert_eq!(collapse_whitespace("  a \t b\n\u{a0}c  "), "a b c");
    }
}
