//! The root `Mutation`: writing the graph. Every field needs an API key; invalid input comes
//! back as `userErrors` (with the path of the field at fault) and writes nothing.
use std::sync::Arc;

use async_graphql::{Context, ID, Object, SimpleObject};
use sea_orm::DatabaseConnection;

use super::auth::require_writer;
use super::document::ArticleDocument;
use super::error::{IntoGql, to_graphql};
use super::inputs::parse_id;
use super::types::Article;
use crate::domain::node_id::{NodeId, NodeKind};
use crate::services::ingest::{self, IngestError, IngestLock};
use crate::services::write;

#[derive(Default)]
pub struct Mutation;

/// Something wrong with the input, and where.
#[derive(SimpleObject, Clone, Debug)]
pub struct UserError {
    /// Path to the input field at fault, e.g. `["statements", "3", "speakerRef"]`.
    pub field: Vec<String>,
    /// What is wrong, for a person.
    pub message: String,
    /// Stable machine-readable code, e.g. `UNKNOWN_REF`, `COUNT_RANGE_INVERTED`.
    pub code: String,
}

impl From<ingest::UserError> for UserError {
    fn from(e: ingest::UserError) -> Self {
        Self {
            field: e.field,
            message: e.message,
            code: e.code.to_string(),
        }
    }
}

/// Result of `ingestArticle`.
#[derive(SimpleObject)]
pub struct IngestArticlePayload {
    /// The stored article; null when the document was rejected.
    pub article: Option<Article>,
    /// True when the URL was new; false when an existing article was updated (or on rejection).
    pub created: bool,
    /// Why the document was rejected; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Result of a delete.
#[derive(SimpleObject)]
pub struct DeletePayload {
    /// The ID of what was deleted; null when nothing was.
    pub deleted_id: Option<ID>,
    pub user_errors: Vec<UserError>,
}

fn db<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a DatabaseConnection> {
    ctx.data::<DatabaseConnection>()
}

#[Object]
impl Mutation {
    /// Writes one article with everything it reports, in one transaction: all of it lands or
    /// none of it. Re-ingesting a URL replaces that article's fields, statements, figures and
    /// mentions and keeps its ID.
    async fn ingest_article(
        &self,
        ctx: &Context<'_>,
        input: ArticleDocument,
    ) -> async_graphql::Result<IngestArticlePayload> {
        require_writer(ctx)?;
        let doc: ingest::ArticleDocument = input.into();
        let lock = ctx.data::<Arc<IngestLock>>()?;
        match ingest::ingest(db(ctx)?, lock, &doc).await {
            Ok(out) => Ok(IngestArticlePayload {
                article: Some(Article(out.article)),
                created: out.created,
                user_errors: vec![],
            }),
            Err(IngestError::Rejected(errors)) => Ok(IngestArticlePayload {
                article: None,
                created: false,
                user_errors: errors.into_iter().map(Into::into).collect(),
            }),
            Err(IngestError::Failed(e)) => Err(to_graphql(&e)),
        }
    }

    /// Deletes an article with its statements, casualty figures and mentions. The people,
    /// organizations and places it mentioned stay.
    async fn delete_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<DeletePayload> {
        require_writer(ctx)?;
        let n = match parse_id(&id, &[NodeKind::Article]) {
            Ok(n) => n,
            Err(e) => {
                return Ok(DeletePayload {
                    deleted_id: None,
                    user_errors: vec![UserError {
                        field: vec!["id".into()],
                        message: e.message,
                        code: "INVALID_ID".into(),
                    }],
                });
            }
        };
        let deleted = write::delete_article(db(ctx)?, n).await.gql()?;
        Ok(if deleted {
            DeletePayload {
                deleted_id: Some(ID(NodeId::new(NodeKind::Article, n).encode())),
                user_errors: vec![],
            }
        } else {
            DeletePayload {
                deleted_id: None,
                user_errors: vec![UserError {
                    field: vec!["id".into()],
                    message: "no article has this ID".into(),
                    code: "NOT_FOUND".into(),
                }],
            }
        })
    }
}
