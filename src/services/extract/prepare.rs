//! Text before extraction: refused when empty, binary or too large; HTML tags stripped (and
//! said so); the text rule applied; the title split off; the language detected.
use std::sync::LazyLock;

use regex::Regex;

use super::ExtractError;
use crate::domain::text;

/// Largest text accepted, in bytes (a long feature is ~100 KB).
pub const MAX_TEXT_BYTES: usize = 1024 * 1024;

pub struct Prepared {
    pub title: Option<String>,
    pub body: String,
    pub language: Option<String>,
    pub warnings: Vec<String>,
}

static TAG: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?is)<(script|style)\b.*?</(script|style)\s*>|<!--.*?-->|<[a-z!/][^>]*>").ok()
});
static BLOCK: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?i)</?(p|div|br|h[1-6]|li|tr|article|section)\b[^>]*>").ok());

fn looks_like_html(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    [
        "<p>", "<p ", "<html", "<body", "<div", "<br", "</p>", "<h1", "<article",
    ]
    .iter()
    .any(|t| lower.contains(t))
}

fn strip_html(s: &str) -> String {
    let (Some(block), Some(tag)) = (BLOCK.as_ref(), TAG.as_ref()) else {
        return s.to_string();
    };
    let s = block.replace_all(s, "\n\n");
    let s = tag.replace_all(&s, "");
    s.replace("&nbsp;", " ")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&rsquo;", "\u{2019}")
        .replace("&lsquo;", "\u{2018}")
        .replace("&ldquo;", "\u{201C}")
        .replace("&rdquo;", "\u{201D}")
        .replace("&mdash;", "\u{2014}")
        .replace("&ndash;", "\u{2013}")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The first line is a title when it is short, does not end a sentence and text follows.
fn split_title(s: &str) -> (Option<String>, String) {
    let trimmed = s.trim_start();
    let Some((first, rest)) = trimmed.split_once('\n') else {
        return (None, trimmed.trim_end().to_string());
    };
    let first = first.trim();
    let words = first.split_whitespace().count();
    let is_title = (2..=30).contains(&words)
        && first.chars().count() <= 200
        && !first.ends_with(['.', ',', ';', ':'])
        && !rest.trim().is_empty();
    if is_title {
        (Some(first.to_string()), rest.trim().to_string())
    } else {
        (None, trimmed.trim_end().to_string())
    }
}

pub fn prepare(raw: &[u8]) -> Result<Prepared, ExtractError> {
    if raw.len() > MAX_TEXT_BYTES {
        return Err(ExtractError::TooLarge(raw.len()));
    }
    let Ok(s) = std::str::from_utf8(raw) else {
        return Err(ExtractError::Binary);
    };
    // Text has no NUL and few control characters; binary data has many.
    let controls = s
        .chars()
        .filter(|c| c.is_control() && !c.is_whitespace())
        .count();
    if s.contains('\0') || controls * 100 > s.chars().count().max(1) {
        return Err(ExtractError::Binary);
    }
    let mut warnings = Vec::new();
    let s = if looks_like_html(s) {
        warnings.push("HTML tags were stripped; check the body".to_string());
        strip_html(s)
    } else {
        s.to_string()
    };
    let cleaned = text::body(&s);
    if cleaned.trim().is_empty() {
        return Err(ExtractError::Empty);
    }
    let (title, body) = split_title(&cleaned);
    // The first few thousand characters tell the language as well as the whole text.
    let sample: String = body.chars().take(3_000).collect();
    let language = whatlang::detect(&sample)
        .filter(|i| i.is_reliable() || body.len() > 400)
        .map(|i| i.lang().code().to_string());
    if let Some(l) = &language
        && l != "eng"
    {
        warnings.push(format!(
            "the text is in `{l}`, not English: the rules read English only, so little is found"
        ));
    }
    Ok(Prepared {
        title,
        body,
        language,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_title_is_the_first_line_when_it_looks_like_one() {
        let p = prepare(
            "Quake kills 10 in Peru\n\nLIMA (Newswire) — A quake killed 10 people.".as_bytes(),
        )
        .unwrap();
        assert_eq!(p.title.as_deref(), Some("Quake kills 10 in Peru"));
        assert!(p.body.starts_with("LIMA"));
        let p = prepare("A quake killed 10 people in Peru on Sunday.\nMore follows.".as_bytes())
            .unwrap();
        assert_eq!(p.title, None);
    }

    #[test]
    fn html_is_stripped_and_bad_input_refused() {
        let p = prepare(b"<html><body><h1>Title here</h1><p>He said &quot;no&quot;.</p><script>x()</script></body></html>").unwrap();
        assert_eq!(p.title.as_deref(), Some("Title here"));
        assert_eq!(p.body, "He said \"no\".");
        assert!(!p.warnings.is_empty());
        assert_eq!(prepare(b"  \n ").err(), Some(ExtractError::Empty));
        assert_eq!(
            prepare(b"\x00\x01\x02abc").err(),
            Some(ExtractError::Binary)
        );
        assert_eq!(
            prepare(&[0xff, 0xfe, 0x00]).err(),
            Some(ExtractError::Binary)
        );
        assert!(matches!(
            prepare(&vec![b'a'; MAX_TEXT_BYTES + 1]),
            Err(ExtractError::TooLarge(_))
        ));
    }
}
