//! Article texts as `import --text` reads them: a plain text file is one article; NDJSON
//! holds one article a line as `{url, title, body, publishedAt, source}`. A bad line costs
//! only that line.
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::Input;

/// One article of an NDJSON text file.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TextRecord {
    url: Option<String>,
    title: Option<String>,
    body: String,
    published_at: Option<DateTime<Utc>>,
    source: Option<String>,
}

/// The articles of one input, each labelled ("line 3", "text") for reports.
pub fn read_texts(name: &str, bytes: &[u8]) -> Vec<(String, Result<Input, String>)> {
    let ndjson = name.ends_with(".ndjson")
        || name.ends_with(".jsonl")
        || bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if !ndjson {
        let input = std::str::from_utf8(bytes)
            .map(|t| Input {
                text: t.to_string(),
                ..Default::default()
            })
            .map_err(|_| "not UTF-8 text".to_string());
        return vec![("text".into(), input)];
    }
    bytes
        .split(|b| *b == b'\n')
        .enumerate()
        .filter(|(_, l)| !l.trim_ascii().is_empty())
        .map(|(n, line)| {
            let input = std::str::from_utf8(line)
                .map_err(|_| "not UTF-8 text".to_string())
                .and_then(|l| {
                    serde_json::from_str::<TextRecord>(l).map_err(|e| {
                        format!("not a text record {{url, title, body, publishedAt, source}}: {e}")
                    })
                })
                .map(|r| Input {
                    text: match r.title {
                        Some(t) => format!("{t}\n\n{}", r.body),
                        None => r.body,
                    },
                    url: r.url,
                    published_at: r.published_at,
                    source: r.source,
                });
            (format!("line {}", n + 1), input)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_one_article_and_ndjson_one_a_line() {
        let one = read_texts("a.txt", b"Title\n\nBody.");
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].1.as_ref().unwrap().text, "Title\n\nBody.");
        let many = read_texts(
            "b.ndjson",
            b"{\"title\":\"T\",\"body\":\"B.\",\"url\":\"https://x.org/1\"}\n{\"body\": 5}\n\n{\"body\":\"C.\"}\n",
        );
        let labels: Vec<&str> = many.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(labels, ["line 1", "line 2", "line 4"]);
        assert_eq!(many[0].1.as_ref().unwrap().text, "T\n\nB.");
        assert!(many[1].1.is_err());
    }
}
