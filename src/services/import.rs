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

pub fn parse_documents(text: &str) -> Vec<Parsed> {
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
    // A single (possibly pretty-printed) document, unless it only parses line by line.
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .collect();
    if lines.len() > 1
        && lines
            .iter()
            .all(|(_, l)| l.trim_start().starts_with('{') && l.trim_end().ends_with('}'))
    {
        return lines
            .into_iter()
            .map(|(n, l)| Parsed {
                label: format!("line {}", n + 1),
                doc: parse_one(l),
            })
            .collect();
    }
    if lines.is_empty() {
        return Vec::new();
    }
    vec![Parsed {
        label: "document".into(),
        doc: parse_one(text),
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{"url":"https://a.example/1","title":"T"}"#;

    #[test]
    fn all_three_forms_are_read() {
        assert_eq!(parse_documents(DOC).len(), 1);
        let pretty = "{\n  \"url\": \"https://a.example/1\",\n  \"title\": \"T\"\n}\n";
        assert!(parse_documents(pretty)[0].doc.is_ok());
        let array = format!("[{DOC}, {DOC}]");
        let parsed = parse_documents(&array);
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed[1].label, "item 2");
        let ndjson = format!("{DOC}\n\n{{\"url\": 5}}\n{DOC}\n");
        let parsed = parse_documents(&ndjson);
        assert_eq!(
            parsed.iter().map(|p| p.label.as_str()).collect::<Vec<_>>(),
            ["line 1", "line 3", "line 4"]
        );
        assert!(parsed[1].doc.is_err());
        assert!(parse_documents("  \n").is_empty());
    }
}
