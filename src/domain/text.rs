//! The one rule for text that comes in, applied before anything is validated or written, the
//! same on both backends. Every text is put in Unicode NFC; control characters (C0 and C1,
//! NUL included) and noncharacters are removed. A *line* (a name, an alias, a title, a ref)
//! also loses invisible formatting characters (zero-width spaces, soft hyphens, direction
//! marks, byte-order marks) and has its whitespace collapsed to single spaces; a *body* (an
//! article body, a statement's text, a casualty phrase) keeps newlines and tabs, which a
//! reader needs, and the invisible characters that shape some scripts.
use unicode_normalization::UnicodeNormalization;

/// Characters that render as nothing and carry no meaning in a name: zero-width space, word
/// joiner, soft hyphen, Mongolian vowel separator, byte-order mark, the direction marks and
/// embeddings, and invisible operators. Zero-width (non-)joiners are kept between letters,
/// where some scripts (Persian, Hindi, emoji sequences) need them.
fn invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}'
        | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E007F}')
}

fn joiner(c: char) -> bool {
    matches!(c, '\u{200C}' | '\u{200D}')
}

fn noncharacter(c: char) -> bool {
    let n = c as u32;
    (0xFDD0..=0xFDEF).contains(&n) || (n & 0xFFFE) == 0xFFFE
}

/// An article body, a statement's text or a phrase: NFC; line breaks (`\r\n`, `\r`, NEL,
/// U+2028/9) become `\n`; tabs and newlines stay; other control characters, noncharacters
/// and byte-order marks go.
pub fn body(s: &str) -> String {
    // Removed before composing, so what is left composes as a whole.
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            '\u{0085}' | '\u{2028}' | '\u{2029}' => out.push('\n'),
            '\n' | '\t' => out.push(c),
            '\u{FEFF}' => {}
            c if c.is_control() || noncharacter(c) => {}
            c => out.push(c),
        }
    }
    out.nfc().collect()
}

/// A name, alias, title or other one-line text: [`body`]'s rule, then invisible characters
/// removed (joiners kept only between two visible characters) and whitespace collapsed and
/// trimmed. Empty when nothing visible is left.
pub fn line(s: &str) -> String {
    let cleaned = body(s);
    let chars: Vec<char> = cleaned
        .chars()
        .filter(|c| !invisible(*c))
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect();
    let mut out = String::with_capacity(cleaned.len());
    for (i, &c) in chars.iter().enumerate() {
        if joiner(c) {
            let visible = |x: Option<&char>| x.is_some_and(|x| *x != ' ' && !joiner(*x));
            if !(visible(i.checked_sub(1).and_then(|j| chars.get(j))) && visible(chars.get(i + 1)))
            {
                continue;
            }
        }
        if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        out.push(c);
    }
    out.trim_end().nfc().collect()
}

/// [`line`] for an optional text; None when nothing is left.
pub fn opt_line(s: &Option<String>) -> Option<String> {
    s.as_deref().map(line).filter(|l| !l.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn control_characters_leave_nothing_behind() {
        assert_eq!(line("\u{0095}"), "");
        assert_eq!(line("\u{0000}x"), "x");
        assert_eq!(line("  Acme\u{0007} \u{0085} Corp\t"), "Acme Corp");
        assert_eq!(line("\u{200B}\u{2060}\u{FEFF}\u{00AD}"), "");
        assert_eq!(line("\u{200D}\u{200C}"), "");
        assert_eq!(line("Zelen\u{00AD}skyy"), "Zelenskyy");
    }

    #[test]
    fn what_shapes_a_script_is_kept() {
        // Persian "mi-khaham" with a zero-width non-joiner between letters.
        assert_eq!(line("می\u{200C}خواهم"), "می\u{200C}خواهم");
        // A family emoji is joined by zero-width joiners.
        assert_eq!(line("👨\u{200D}👩"), "👨\u{200D}👩");
        assert_eq!(line("Покровськ"), "Покровськ");
    }

    #[test]
    fn text_is_put_in_nfc() {
        assert_eq!(line("Zelenske\u{0301}"), "Zelenské");
        assert_eq!(body("e\u{0301}"), "é");
    }

    #[test]
    fn bodies_keep_lines_and_tabs_but_not_nul() {
        assert_eq!(body("a\r\nb\rc\u{2028}d\te\u{0000}f"), "a\nb\nc\nd\tef");
        assert_eq!(body("\u{FEFF}Title\n\nBody"), "Title\n\nBody");
    }

    proptest! {
        #[test]
        fn the_rule_is_idempotent_and_leaves_no_control_character(s in any::<String>()) {
            let l = line(&s);
            prop_assert_eq!(line(&l), l.clone());
            prop_assert!(!l.chars().any(|c| c.is_control() || invisible(c)));
            prop_assert_eq!(l.trim(), l.as_str());
            let b = body(&s);
            prop_assert_eq!(body(&b), b.clone());
            prop_assert!(!b.chars().any(|c| c.is_control() && c != '\n' && c != '\t'));
        }
    }
}
