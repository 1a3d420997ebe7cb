//! Name normalization used for matching people, organizations and places by name or alias:
//! case-, accent- and spacing-insensitive ("Zelenskyy", " zelenskyy ", "ZELENSKYY" and
//! "Zelenskýy" all match; "Покровськ" keeps its Cyrillic letters, only lower-cased).
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The matching key of a name: NFKD, combining marks removed, lower-cased, typographic
/// apostrophes unified, whitespace trimmed and collapsed.
pub fn normalize(name: &str) -> String {
    let folded: String = name
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            '\u{2019}' | '\u{2018}' | '\u{02BC}' | '`' => '\'',
            other => other,
        })
        .collect::<String>()
        .to_lowercase();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn case_accents_and_spacing_do_not_matter() {
        assert_eq!(normalize("  Volodymyr   ZELENSKÝY "), "volodymyr zelenskyy");
        assert_eq!(normalize("Éire"), "eire");
        assert_eq!(normalize("Kupiansk’s"), "kupiansk's");
    }

    #[test]
    fn cyrillic_is_kept_but_lower_cased() {
        assert_eq!(normalize("Покровськ"), "покровськ");
        assert_eq!(normalize("ПОКРОВСК"), "покровск");
    }

    #[test]
    fn normalizing_twice_changes_nothing() {
        for s in ["Pokrovsk", "Баile Átha Cliath", "  a  b ", "Ǆ", "ﬁ"] {
            assert_eq!(normalize(&normalize(s)), normalize(s));
        }
    }
}
