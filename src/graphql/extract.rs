//! `extractArticle`: article text in, a draft `ArticleDocument` out, for a person to review
//! before `ingestArticle` writes it. Nothing is written.
use async_graphql::{Context, Enum, ID, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use super::error::{IntoGql, bad_input};
use crate::domain::node_id::NodeId;
use crate::services::extract::{self, Extractor, FindingKind as Kind, Input, RuleExtractor};

/// What a finding is.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum FindingKind {
    Person,
    Organization,
    Location,
    Statement,
    Casualty,
}

impl From<Kind> for FindingKind {
    fn from(k: Kind) -> Self {
        match k {
            Kind::Person => Self::Person,
            Kind::Organization => Self::Organization,
            Kind::Location => Self::Location,
            Kind::Statement => Self::Statement,
            Kind::Casualty => Self::Casualty,
        }
    }
}

/// One thing the extractor found in the text, where, and what it is in the graph.
#[derive(SimpleObject)]
pub struct ExtractionFinding {
    /// Person, organization, place, statement or casualty figure.
    pub kind: FindingKind,
    /// The `ref` of the draft entry it became.
    #[graphql(name = "ref")]
    pub reference: String,
    /// The words found, as in the body.
    pub text: String,
    /// Where it starts in the draft's body, in Unicode characters, like `Evidence.start`.
    pub start: i32,
    /// Where it ends (exclusive), in Unicode characters.
    pub end: i32,
    /// 0..1: how sure the rules are.
    pub confidence: f64,
    /// The stored person, organization or place it is: set when exactly one matches its name
    /// (or, failing that, one of its aliases).
    pub linked_id: Option<ID>,
    /// Every stored entity its name matches when more than one does: a person must choose
    /// (ingesting would match by the rules of `ingestArticle`). Empty otherwise.
    pub candidate_ids: Vec<ID>,
    /// True for a person, organization or place that nothing stored matches yet.
    pub is_new: bool,
}

/// A draft of an article for review: the document `ingestArticle` takes, and what was found
/// where.
#[derive(SimpleObject)]
pub struct ArticleDraft {
    /// The draft `ArticleDocument`, exactly as `ingestArticle(input:)` and `newsgraph import`
    /// take it (JSON).
    pub document: Json<serde_json::Value>,
    /// Every mention, statement and figure found, in the order of the text.
    pub findings: Vec<ExtractionFinding>,
    /// ISO 639-3 code of the detected language ("eng"); null when undetected.
    pub language: Option<String>,
    /// What a reviewer should know: HTML stripped, a language other than English, a place name
    /// the gazetteer holds several times.
    pub warnings: Vec<String>,
}

#[derive(Default)]
pub struct ExtractQuery;

#[Object]
impl ExtractQuery {
    /// Reads article text (plain or HTML) and returns a draft document with everything found
    /// in it, linked to the graph's stored people, organizations and places. Writes nothing:
    /// review the draft, then send its `document` to `ingestArticle`. Empty text, binary data
    /// and text over 1 MiB are `BAD_USER_INPUT`.
    #[graphql(complexity = 100)]
    async fn extract_article(
        &self,
        ctx: &Context<'_>,
        text: String,
        url: Option<String>,
        published_at: Option<DateTime<Utc>>,
        source: Option<String>,
    ) -> async_graphql::Result<ArticleDraft> {
        let db = ctx.data::<DatabaseConnection>()?;
        // The graph's own names for what the text may name decide before the rules do.
        let known = extract::link::known_names(db, &extract::candidates(&text))
            .await
            .gql()?;
        let input = Input {
            text,
            url,
            published_at,
            source,
        };
        // Extraction is CPU work: it runs off the threads that serve requests.
        let draft = tokio::task::spawn_blocking(move || RuleExtractor { known }.extract(&input))
            .await
            .map_err(|_| bad_input("the extraction did not finish"))?
            .map_err(|e| bad_input(e.to_string()))?;
        let links = extract::link::link(db, &draft.document).await.gql()?;
        let findings = draft
            .findings
            .iter()
            .map(|f| {
                let link = links.get(&f.reference);
                let ids = |only_many: bool| -> Vec<ID> {
                    link.filter(|l| !only_many || l.candidates.len() > 1)
                        .and_then(|l| l.kind.map(|k| (k, &l.candidates)))
                        .map(|(k, c)| {
                            c.iter()
                                .map(|id| ID(NodeId::new(k, *id).encode()))
                                .collect()
                        })
                        .unwrap_or_default()
                };
                let linked = link
                    .filter(|l| l.candidates.len() == 1)
                    .map(|_| ids(false))
                    .and_then(|mut v| v.pop());
                ExtractionFinding {
                    kind: f.kind.into(),
                    reference: f.reference.clone(),
                    text: f.text.clone(),
                    start: f.start as i32,
                    end: f.end as i32,
                    confidence: f64::from(f.confidence),
                    linked_id: linked,
                    candidate_ids: ids(true),
                    is_new: link.is_some_and(|l| l.candidates.is_empty()),
                }
            })
            .collect();
        let document = serde_json::to_value(&draft.document)
            .map_err(|e| bad_input(format!("the draft could not be written: {e}")))?;
        Ok(ArticleDraft {
            document: Json(document),
            findings,
            language: draft.language,
            warnings: draft.warnings,
        })
    }
}
