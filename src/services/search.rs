//! Full-text search over article titles, summaries and bodies and statement texts, best match
//! first. One query syntax on both backends (web-search style: words, "quoted phrases",
//! -exclusion, OR): PostgreSQL reads it with `websearch_to_tsquery` and ranks with
//! `ts_rank_cd`; SQLite gets the same query translated to FTS5 and ranks with `bm25`. Both
//! scores are mapped into 0..1, and a result containing the whole query as an exact phrase
//! gets +1, so an exact phrase match ranks first on both.
use sea_orm::{ConnectionTrait, DatabaseBackend, Value};

use super::error::{ServiceError, ServiceResult};
use super::page::{Page, Window};
use super::sql::statement;
use crate::domain::cursor::{Cursor, KeyValue};

/// Marks the matched words in snippets between the database and the HTML escaping.
const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';
/// PostgreSQL's headline parser drops anything that looks like an HTML tag; `<` and `>` pass
/// through it as these and come back escaped.
const LT: char = '\u{E002}';
const GT: char = '\u{E003}';

#[derive(Debug, Clone, PartialEq)]
enum Term {
    Word(String),
    Phrase(Vec<String>),
}

/// A parsed query: alternatives (OR) of conjunctions (AND), minus excluded terms.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParsedQuery {
    groups: Vec<Vec<Term>>,
    excluded: Vec<Term>,
}

fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect()
}

fn term(ws: Vec<String>) -> Option<Term> {
    match ws.len() {
        0 => None,
        1 => ws.into_iter().next().map(Term::Word),
        _ => Some(Term::Phrase(ws)),
    }
}

/// Terms a query keeps at most (words, phrases, exclusions and ORs together).
pub const MAX_QUERY_TERMS: usize = 32;
/// Words a quoted phrase keeps at most.
pub const MAX_PHRASE_WORDS: usize = 16;

/// A query as both backends receive it: the same term given twice counts once, a quoted
/// phrase keeps its first [`MAX_PHRASE_WORDS`] words and the query its first
/// [`MAX_QUERY_TERMS`] terms. Without it a word repeated a thousand times kept SQLite's FTS5
/// busy for minutes; no repetition changes what matches.
pub fn normalize(raw: &str) -> String {
    let mut kept: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut chars = raw.chars().peekable();
    while let Some(&c) = chars.peek() {
        if kept.len() >= MAX_QUERY_TERMS {
            break;
        }
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut token = String::new();
        // A leading `-` binds to the token it precedes, quoted or not.
        if c == '-' {
            token.push('-');
            chars.next();
        }
        if chars.peek() == Some(&'"') {
            chars.next();
            let mut phrase = String::new();
            for c in chars.by_ref() {
                if c == '"' {
                    break;
                }
                phrase.push(c);
            }
            let words: Vec<&str> = phrase.split_whitespace().take(MAX_PHRASE_WORDS).collect();
            token.push('"');
            token.push_str(&words.join(" "));
            token.push('"');
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() || c == '"' {
                    break;
                }
                token.push(c);
                chars.next();
            }
        }
        if token == "OR" {
            if kept.last().is_some_and(|t| t != "OR") {
                kept.push(token);
            }
        } else if seen.insert(token.to_lowercase()) {
            kept.push(token);
        }
    }
    kept.join(" ")
}

impl ParsedQuery {
    /// Reads web-search syntax. Anything else (punctuation, stray operators) is ignored.
    pub fn parse(input: &str) -> Self {
        let mut q = ParsedQuery {
            groups: vec![Vec::new()],
            excluded: Vec::new(),
        };
        let mut chars = input.chars().peekable();
        let mut negate = false;
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() {
                chars.next();
                continue;
            }
            let (token, quoted): (String, bool) = if c == '"' {
                chars.next();
                let mut t = String::new();
                for c in chars.by_ref() {
                    if c == '"' {
                        break;
                    }
                    t.push(c);
                }
                (t, true)
            } else {
                let mut t = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || c == '"' {
                        break;
                    }
                    t.push(c);
                    chars.next();
                }
                (t, false)
            };
            if !quoted && token == "OR" {
                if q.groups.last().is_some_and(|g| !g.is_empty()) {
                    q.groups.push(Vec::new());
                }
                continue;
            }
            if !quoted && token == "-" {
                negate = true;
                continue;
            }
            let (body, neg) = match token.strip_prefix('-') {
                Some(rest) if !quoted => (rest.to_string(), true),
                _ => (token, negate),
            };
            negate = false;
            if let Some(t) = term(words(&body)) {
                if neg {
                    q.excluded.push(t);
                } else if let Some(g) = q.groups.last_mut() {
                    g.push(t);
                }
            }
        }
        q.groups.retain(|g| !g.is_empty());
        q
    }

    /// True when nothing could match (only punctuation, operators or exclusions).
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The query as an FTS5 expression (every term quoted, so no input is FTS5 syntax).
    pub fn to_fts5(&self) -> String {
        let quote = |t: &Term| match t {
            Term::Word(w) => format!("\"{}\"", w.replace('"', "\"\"")),
            Term::Phrase(ws) => format!("\"{}\"", ws.join(" ").replace('"', "\"\"")),
        };
        let groups: Vec<String> = self
            .groups
            .iter()
            .map(|g| {
                format!(
                    "({})",
                    g.iter().map(quote).collect::<Vec<_>>().join(" AND ")
                )
            })
            .collect();
        let mut out = format!("({})", groups.join(" OR "));
        if !self.excluded.is_empty() {
            out = format!(
                "{out} NOT ({})",
                self.excluded
                    .iter()
                    .map(quote)
                    .collect::<Vec<_>>()
                    .join(" OR ")
            );
        }
        out
    }

    /// The positive words of a single-alternative query, as a phrase ("peace plan"), for the
    /// exact-phrase boost.
    pub fn phrase(&self) -> Option<String> {
        if self.groups.len() != 1 {
            return None;
        }
        let ws: Vec<String> = self.groups[0]
            .iter()
            .flat_map(|t| match t {
                Term::Word(w) => vec![w.clone()],
                Term::Phrase(ws) => ws.clone(),
            })
            .collect();
        (!ws.is_empty()).then(|| ws.join(" "))
    }
}

/// HTML-escapes a snippet and turns the database's match markers into `<mark>` elements.
pub fn render_snippet(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 16);
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            OPEN => out.push_str("<mark>"),
            LT => out.push_str("&lt;"),
            GT => out.push_str("&gt;"),
            CLOSE => out.push_str("</mark>"),
            '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// What a search hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HitKind {
    Article,
    Statement,
}

#[derive(Debug, Clone)]
pub struct Hit {
    pub kind: HitKind,
    pub id: i32,
    pub score: f64,
    pub snippet: String,
}

pub struct SearchPage {
    pub page: Page<Hit>,
    pub total: Option<i64>,
}

/// The union of matching articles and statements as (kind, id, score, snippet); `$1` is the
/// query, `$2` the exact phrase (or '' for none).
fn hits_sql(backend: DatabaseBackend) -> String {
    match backend {
        DatabaseBackend::Postgres => format!(
            "WITH q AS (SELECT websearch_to_tsquery('english', $1) AS q) \
             SELECT 0 AS kind, a.id AS id, \
               CAST(ts_rank_cd(a.search_tsv, q.q, 33) AS double precision) \
               + CASE WHEN $2 <> '' AND strpos(lower(a.title || ' ' || coalesce(a.summary, '') || ' ' || coalesce(a.body, '')), $2) > 0 THEN 1.0 ELSE 0.0 END AS score, \
               ts_headline('english', replace(replace(a.title || ' — ' || coalesce(a.summary, '') || ' ' || coalesce(a.body, ''), '<', '{LT}'), '>', '{GT}'), q.q, \
                 'StartSel={OPEN}, StopSel={CLOSE}, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=\" … \"') AS snippet \
             FROM article a, q WHERE a.search_tsv @@ q.q \
             UNION ALL \
             SELECT 1, s.id, \
               CAST(ts_rank_cd(s.search_tsv, q.q, 33) AS double precision) \
               + CASE WHEN $2 <> '' AND strpos(lower(s.text), $2) > 0 THEN 1.0 ELSE 0.0 END, \
               ts_headline('english', replace(replace(s.text, '<', '{LT}'), '>', '{GT}'), q.q, 'StartSel={OPEN}, StopSel={CLOSE}, MaxWords=30, MinWords=12, HighlightAll=true') \
             FROM statement s, q WHERE s.search_tsv @@ q.q"
        ),
        _ => format!(
            "SELECT 0 AS kind, a.id AS id, \
               (-bm25(article_fts, 10.0, 5.0, 1.0)) / (1.0 - bm25(article_fts, 10.0, 5.0, 1.0)) \
               + CASE WHEN $2 <> '' AND instr(lower(a.title || ' ' || coalesce(a.summary, '') || ' ' || coalesce(a.body, '')), $2) > 0 THEN 1.0 ELSE 0.0 END AS score, \
               snippet(article_fts, -1, '{OPEN}', '{CLOSE}', ' … ', 24) AS snippet \
             FROM article_fts JOIN article a ON a.id = article_fts.rowid WHERE article_fts MATCH $1 \
             UNION ALL \
             SELECT 1, s.id, \
               (-bm25(statement_fts)) / (1.0 - bm25(statement_fts)) \
               + CASE WHEN $2 <> '' AND instr(lower(s.text), $2) > 0 THEN 1.0 ELSE 0.0 END, \
               snippet(statement_fts, 0, '{OPEN}', '{CLOSE}', ' … ', 32) \
             FROM statement_fts JOIN statement s ON s.id = statement_fts.rowid WHERE statement_fts MATCH $1"
        ),
    }
}

fn query_value(backend: DatabaseBackend, raw: &str, parsed: &ParsedQuery) -> Value {
    match backend {
        DatabaseBackend::Postgres => raw.into(),
        _ => parsed.to_fts5().into(),
    }
}

/// One page of search results, best first (ties broken by kind and id, so pages are stable).
pub async fn search<C: ConnectionTrait>(
    db: &C,
    raw: &str,
    window: &Window,
    want_total: bool,
) -> ServiceResult<SearchPage> {
    if window.backward {
        return Err(ServiceError::invalid(
            "search pages forward only: use `first` and `after`",
        ));
    }
    let raw = &normalize(raw);
    let parsed = ParsedQuery::parse(raw);
    let scope = format!("search|{raw}");
    let cursor = match &window.cursor {
        None => None,
        Some(c) => match Cursor::parse(c, &scope)?.into_values().as_slice() {
            [KeyValue::Float(s), KeyValue::Int(k), KeyValue::Int(i)] => Some((*s, *k, *i)),
            _ => {
                return Err(ServiceError::invalid(
                    "the cursor does not match this list's ordering",
                ));
            }
        },
    };
    if parsed.is_empty() {
        return Ok(SearchPage {
            page: Page::default(),
            total: want_total.then_some(0),
        });
    }
    let backend = db.get_database_backend();
    let phrase = parsed.phrase().unwrap_or_default();
    let hits = hits_sql(backend);
    let mut values: Vec<Value> = vec![query_value(backend, raw, &parsed), phrase.into()];
    let mut sql = format!("SELECT kind, id, score, snippet FROM ({hits}) h");
    if let Some((s, k, i)) = cursor {
        sql.push_str(
            " WHERE (score < $3 OR (score = $3 AND (kind > $4 OR (kind = $4 AND id > $5))))",
        );
        values.extend([s.into(), k.into(), i.into()]);
    }
    sql.push_str(&format!(
        " ORDER BY score DESC, kind ASC, id ASC LIMIT {}",
        window.limit + 1
    ));
    let rows = db.query_all_raw(statement(backend, &sql, values)).await?;
    let mut hits = Vec::with_capacity(rows.len());
    for r in &rows {
        let kind: i32 = r.try_get("", "kind")?;
        hits.push(Hit {
            kind: if kind == 0 {
                HitKind::Article
            } else {
                HitKind::Statement
            },
            id: r.try_get("", "id")?,
            score: r.try_get("", "score")?,
            snippet: render_snippet(&r.try_get::<String>("", "snippet")?),
        });
    }
    let has_next = hits.len() as u64 > window.limit;
    hits.truncate(window.limit as usize);
    let rows = hits
        .into_iter()
        .map(|h| {
            let k = if h.kind == HitKind::Article { 0 } else { 1 };
            let c = Cursor::new(
                &scope,
                vec![
                    KeyValue::Float(h.score),
                    KeyValue::Int(k),
                    KeyValue::Int(h.id.into()),
                ],
            )
            .encode();
            (c, h)
        })
        .collect();
    let total = if want_total {
        let count_sql = format!("SELECT COUNT(*) AS n FROM ({}) h", hits_sql(backend));
        let row = db
            .query_one_raw(statement(
                backend,
                &count_sql,
                vec![
                    query_value(backend, raw, &parsed),
                    parsed.phrase().unwrap_or_default().into(),
                ],
            ))
            .await?;
        Some(
            row.map(|r| r.try_get::<i64>("", "n"))
                .transpose()?
                .unwrap_or(0),
        )
    } else {
        None
    };
    Ok(SearchPage {
        page: Page {
            rows,
            has_next,
            has_prev: window.cursor.is_some(),
        },
        total,
    })
}

/// SQL condition (and its bound value, with the backend's placeholder) restricting articles to
/// those matching `raw`, for `ArticleFilter.text`; None when the query has no terms.
pub fn article_match(backend: DatabaseBackend, raw: &str) -> Option<(String, Value)> {
    let raw = &normalize(raw);
    let parsed = ParsedQuery::parse(raw);
    if parsed.is_empty() {
        return None;
    }
    Some(match backend {
        DatabaseBackend::Postgres => (
            "\"article\".\"search_tsv\" @@ websearch_to_tsquery('english', $1)".to_string(),
            raw.into(),
        ),
        _ => (
            "\"article\".\"id\" IN (SELECT rowid FROM article_fts WHERE article_fts MATCH ?)"
                .to_string(),
            parsed.to_fts5().into(),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_search_syntax_becomes_fts5() {
        assert_eq!(
            ParsedQuery::parse("peace plan").to_fts5(),
            "((\"peace\" AND \"plan\"))"
        );
        assert_eq!(
            ParsedQuery::parse("\"peace plan\" -Europe").to_fts5(),
            "((\"peace plan\")) NOT (\"europe\")"
        );
        assert_eq!(
            ParsedQuery::parse("Pokrovsk OR Vovchansk").to_fts5(),
            "((\"pokrovsk\") OR (\"vovchansk\"))"
        );
        assert_eq!(ParsedQuery::parse("U.N.").to_fts5(), "((\"u n\"))");
    }

    #[test]
    fn repeated_terms_count_once_and_queries_are_bounded() {
        let repeated = vec!["the"; 1000].join(" ");
        assert_eq!(normalize(&repeated), "the");
        assert_eq!(
            normalize("Putin  putin OR OR Zelensky -x -x \"peace  plan\" \"Peace plan\""),
            "Putin OR Zelensky -x \"peace plan\""
        );
        let many: String = (0..100).map(|i| format!("w{i} ")).collect();
        assert_eq!(normalize(&many).split(' ').count(), MAX_QUERY_TERMS);
        let long_phrase = format!("\"{}\"", vec!["a"; 100].join(" "));
        assert_eq!(normalize(&long_phrase).split(' ').count(), MAX_PHRASE_WORDS);
        for q in ["flood", "\"peace plan\" -war", "a OR b"] {
            assert_eq!(normalize(q), q, "ordinary queries pass unchanged");
        }
    }

    #[test]
    fn junk_has_no_terms() {
        for junk in ["", "   ", "!!! ???", "OR OR", "-", "\"\"", "-peace", "*:&|"] {
            assert!(ParsedQuery::parse(junk).is_empty(), "{junk}");
        }
    }

    #[test]
    fn snippets_are_escaped_around_the_marks() {
        let raw = format!("<b>{OPEN}Pokrovsk{CLOSE}</b> & \"more\"");
        assert_eq!(
            render_snippet(&raw),
            "&lt;b&gt;<mark>Pokrovsk</mark>&lt;/b&gt; &amp; &quot;more&quot;"
        );
    }

    #[test]
    fn the_phrase_is_the_positive_words() {
        assert_eq!(
            ParsedQuery::parse("\"What a mess\" -Europe")
                .phrase()
                .as_deref(),
            Some("what a mess")
        );
        assert_eq!(ParsedQuery::parse("a OR b").phrase(), None);
    }
}
