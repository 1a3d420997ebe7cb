//! From article text to a draft `ArticleDocument`: the people, organizations and places a
//! text names, its quotes and claims with their speakers, and its casualty figures, each with
//! the span of text it was found in. The draft is exactly what `import` and `ingestArticle`
//! take; nothing here writes. The extractor sits behind a trait so that a statistical model
//! can be put beside the rules later.
mod casualties;
pub mod gazetteer;
pub mod link;
mod names;
mod prepare;
mod quotes;
mod rules;
pub mod texts;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::ingest::ArticleDocument;
pub use names::{Kind as NameKind, Known, candidates};
pub use prepare::MAX_TEXT_BYTES;
pub use rules::RuleExtractor;

/// What the extractor is given.
#[derive(Debug, Clone, Default)]
pub struct Input {
    /// Plain text (HTML tags are stripped); the first line is the title when it looks like one.
    pub text: String,
    pub url: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub source: Option<String>,
}

/// What kind of thing a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FindingKind {
    Person,
    Organization,
    Location,
    Statement,
    Casualty,
}

/// One thing found in the text, for a person reviewing the draft.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub kind: FindingKind,
    /// The `ref` of the draft entry it became.
    #[serde(rename = "ref")]
    pub reference: String,
    /// The words found, as in the text.
    pub text: String,
    /// Character offsets in the draft's body (Unicode scalar values, end exclusive).
    pub start: usize,
    pub end: usize,
    /// 0..1: how sure the rules are.
    pub confidence: f32,
}

/// The extractor's answer: the draft and what it found where.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Draft {
    pub document: ArticleDocument,
    pub findings: Vec<Finding>,
    /// ISO 639-3 code of the detected language, when one was detected.
    pub language: Option<String>,
    /// What a reviewer should know (HTML stripped, language not English, ...).
    pub warnings: Vec<String>,
}

/// Why a text cannot be extracted.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ExtractError {
    #[error("the text is empty")]
    Empty,
    #[error("the text is {0} bytes; at most {MAX_TEXT_BYTES} are accepted")]
    TooLarge(usize),
    #[error("the input is binary data, not text")]
    Binary,
}

/// Turns a text into a draft document.
pub trait Extractor: Send + Sync {
    fn extract(&self, input: &Input) -> Result<Draft, ExtractError>;
}

/// The URL a draft gets when none is given: stable for the same text, so extracting and
/// ingesting the same text twice updates one article.
pub fn default_url(text: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(text.as_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("https://newsgraph.invalid/text/{hex}")
}
