//! Reading ingestion documents from text: one JSON document, a JSON array of documents, or
//! NDJSON (one document per line). Each document keeps a label (line or index) for reports.
use super::ingest::ArticleDocument;

/// Largest document accepted, in bytes of JSON (the same cap as an HTTP request).
pub const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;

/// One document read from the input, or why it could not be read.
pub struct Parsed {
    /// "line 3", "item 2" or "document".
    pub label: String,
    pub doc: Result<ArticleDocument, String>,
}

fn parse_one(raw: &str) -> Result<ArticleDocument, String> {
    if raw.len() > MAX_DOCUMENT_BYTES {
        return Err(format!(
            "the document is larger than {MAX_DOCUMENT_BYTES} bytes"
        ));
    }
    serde_json::from_str(raw).map_err(|e| format!("not an ArticleDocument: {e}"))
}

/// Reads the documents of an input: one JSON document (pretty-printed or not), a JSON array
/// of documents, or NDJSON. NDJSON is read a line at a time: a bad line (not JSON, not a
/// document, an array, invalid UTF-8) costs only that line and is reported with its number.
pub fn parse_documents(input: &[u8]) -> Vec<Parsed> {
    let mut lines = input
        .split(|b| *b == b'\n')
        .enumerate()
        .filter(|(_, l)| !l.trim_ascii().is_empty());
    let Some((_, first)) = lines.next() else {
        return Vec::new();
    };
    let more_lines = lines.next().is_some();
    // NDJSON when the first line is a whole JSON value on its own and others follow.
    if more_lines && serde_json::from_slice::<serde::de::IgnoredAny>(first).is_ok() {
        return input
            .split(|b| *b == b'\n')
            .enumerate()
            .filter(|(_, l)| !l.trim_ascii().is_empty())
            .map(|(n, line)| Parsed {
                label: format!("line {}", n + 1),
                doc: parse_line(line),
            })
            .collect();
    }
    let text = match std::str::from_utf8(input) {
        Ok(t) => t,
        Err(e) => {
            return vec![Parsed {
                label: "document".into(),
                doc: Err(format!("not UTF-8 text: {e}")),
            }];
        }
    };
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') {
        return match serde_json::from_str::<Vec<serde_json::Value>>(trimmed) {
            Ok(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| Parsed {
                    label: format!("item {}", i + 1),
                    doc: parse_one(&v.to_string()),
                })
                .collect(),
            Err(e) => vec![Parsed {
                label: "document".into(),
                doc: Err(format!("not a JSON array of documents: {e}")),
            }],
        };
    }
    vec![Parsed {
        label: "document".into(),
        doc: parse_one(text),
    }]
}

fn parse_line(line: &[u8]) -> Result<ArticleDocument, String> {
    let text = std::str::from_utf8(line).map_err(|e| format!("not UTF-8 text: {e}"))?;
    if text.trim_start().starts_with('[') {
        return Err("a JSON array on one line: NDJSON holds one document per line".into());
    }
    parse_one(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{"url":"https://a.example/1","title":"T"}"#;

    #[test]
    fn all_three_forms_are_read() {
        assert_eq!(parse_documents(DOC.as_bytes()).len(), 1);
        let pretty = "{\n  \"url\": \"https://a.example/1\",\n  \"title\": \"T\"\n}\n";
        assert!(parse_documents(pretty.as_bytes())[0].doc.is_ok());
        let array = format!("[{DOC}, {DOC}]");
        let parsed = parse_documents(array.as_bytes());
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed[1].label, "item 2");
        let ndjson = format!("{DOC}\n\n{{\"url\": 5}}\n{DOC}\n");
        let parsed = parse_documents(ndjson.as_bytes());
        assert_eq!(
            parsed.iter().map(|p| p.label.as_str()).collect::<Vec<_>>(),
            ["line 1", "line 3", "line 4"]
        );
        assert!(parsed[1].doc.is_err());
        assert!(parse_documents(b"  \n").is_empty());
    }

    #[test]
    fn a_bad_ndjson_line_costs_only_that_line() {
        let mut input = format!("{DOC}\n{{\"url\": \n[1, 2]\nnot json\n").into_bytes();
        input.extend_from_slice(b"{\"url\":\"https://a.example/\xff\",\"title\":\"T\"}\n");
        input.extend_from_slice(format!("{DOC}\n").as_bytes());
        let parsed = parse_documents(&input);
        let outcome: Vec<(&str, bool)> = parsed
            .iter()
            .map(|p| (p.label.as_str(), p.doc.is_ok()))
            .collect();
        assert_eq!(
            outcome,
            [
                ("line 1", true),
                ("line 2", false),
                ("line 3", false),
                ("line 4", false),
                ("line 5", false),
                ("line 6", true)
            ]
        );
        assert!(
            parsed[2]
                .doc
                .as_ref()
                .unwrap_err()
                .contains("one document per line")
        );
        assert!(parsed[4].doc.as_ref().unwrap_err().contains("UTF-8"));
    }
}
