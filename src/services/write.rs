//! Writes other than ingestion: deleting articles; creating, updating, deleting and merging
//! people, organizations and places.
use sea_orm::{ConnectionTrait, EntityTrait};

use super::error::ServiceResult;
use crate::entities::article;

/// Deletes an article and everything that hangs off it (the schema cascades). False if absent.
#[tracing::instrument(skip(db))]
pub async fn delete_article<C: ConnectionTrait>(db: &C, id: i32) -> ServiceResult<bool> {
    let res = article::Entity::delete_by_id(id).exec(db).await?;
    Ok(res.rows_affected > 0)
}
