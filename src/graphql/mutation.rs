//! The root `Mutation`: writing the graph. Every field needs an API key; invalid input comes
//! back as `userErrors` (with the path of the field at fault) and writes nothing.
use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, MaybeUndefined, MergedObject, Object, SimpleObject};
use sea_orm::DatabaseConnection;

use super::auth::require_writer;
use super::document::ArticleDocument;
use super::error::{IntoGql, bad_input, to_graphql};
use super::inputs::parse_id;
use super::loaders::ById;
use super::types::{Article, Location, LocationKind, Organization, Person, loaders};
use crate::domain::node_id::{NodeId, NodeKind};
use crate::entities::{location, organization, person};
use crate::services::ingest::{self, IngestError, IngestLock};
use crate::services::write::{self, Patch};

#[derive(Default)]
pub struct ArticleMutation;

/// Every mutation: articles, and people, organizations and places.
#[derive(MergedObject, Default)]
pub struct Mutation(ArticleMutation, EntityMutation);

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
    /// Why nothing was deleted; empty on success.
    pub user_errors: Vec<UserError>,
}

fn db<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a DatabaseConnection> {
    ctx.data::<DatabaseConnection>()
}

#[Object]
impl ArticleMutation {
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
            Ok(out) => {
                if let Some(hub) = ctx.data_opt::<Arc<crate::services::live::LiveHub>>() {
                    hub.wake();
                }
                Ok(IngestArticlePayload {
                    article: Some(Article(out.article)),
                    created: out.created,
                    user_errors: vec![],
                })
            }
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

// ---- people, organizations, places ------------------------------------------------------------

/// `undefined` keeps a field, `null` clears it, a value sets it.
fn patch<T, U>(
    v: MaybeUndefined<T>,
    f: impl FnOnce(T) -> async_graphql::Result<U>,
) -> async_graphql::Result<Patch<U>> {
    Ok(match v {
        MaybeUndefined::Undefined => Patch::Keep,
        MaybeUndefined::Null => Patch::Clear,
        MaybeUndefined::Value(v) => Patch::Set(f(v)?),
    })
}

/// Fields of a person. On update, an omitted field stays as it is and `null` clears it;
/// `aliases`, when given, replaces the list.
#[derive(InputObject)]
pub struct PersonFieldsInput {
    /// Required to create.
    pub name: Option<String>,
    /// Replaces the list of aliases.
    pub aliases: Option<Vec<String>>,
    /// Role or title.
    pub role: MaybeUndefined<String>,
    /// An Organization ID.
    pub affiliation_id: MaybeUndefined<ID>,
    /// Wikidata item id, e.g. "Q7747"; unique among people.
    pub wikidata_id: MaybeUndefined<String>,
}

/// Fields of an organization (same update rules as `PersonFieldsInput`).
#[derive(InputObject)]
pub struct OrganizationFieldsInput {
    /// Required to create.
    pub name: Option<String>,
    /// Replaces the list of aliases.
    pub aliases: Option<Vec<String>>,
    /// Free-form kind: government, military, international body ...
    pub kind: MaybeUndefined<String>,
    /// A Location ID.
    pub country_id: MaybeUndefined<ID>,
    /// Wikidata item id; unique among organizations.
    pub wikidata_id: MaybeUndefined<String>,
}

/// Fields of a place (same update rules as `PersonFieldsInput`). Latitude and longitude are
/// set or cleared together.
#[derive(InputObject)]
pub struct LocationFieldsInput {
    /// Required to create.
    pub name: Option<String>,
    /// Replaces the list of aliases.
    pub aliases: Option<Vec<String>>,
    /// Required to create.
    pub kind: Option<LocationKind>,
    /// WGS 84 latitude in degrees (-90..90).
    pub latitude: MaybeUndefined<f64>,
    /// WGS 84 longitude in degrees (-180..180).
    pub longitude: MaybeUndefined<f64>,
    /// The containing place (a Location ID); moving a place moves everything inside it.
    pub parent_id: MaybeUndefined<ID>,
    /// Wikidata item id; unique among places.
    pub wikidata_id: MaybeUndefined<String>,
}

/// Result of creating, updating or merging a person.
#[derive(SimpleObject)]
pub struct PersonPayload {
    /// The saved (or kept) person; null when the input was rejected.
    pub person: Option<Person>,
    /// Why the input was rejected; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Result of creating, updating or merging an organization.
#[derive(SimpleObject)]
pub struct OrganizationPayload {
    /// The saved (or kept) organization; null when the input was rejected.
    pub organization: Option<Organization>,
    /// Why the input was rejected; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Result of creating, updating or merging a place.
#[derive(SimpleObject)]
pub struct LocationPayload {
    /// The saved (or kept) place; null when the input was rejected.
    pub location: Option<Location>,
    /// Why the input was rejected; empty on success.
    pub user_errors: Vec<UserError>,
}

fn rejected(errors: Vec<ingest::UserError>) -> Vec<UserError> {
    errors.into_iter().map(Into::into).collect()
}

fn invalid_id(field: &str, e: async_graphql::Error) -> Vec<UserError> {
    vec![UserError {
        field: vec![field.to_string()],
        message: e.message,
        code: "INVALID_ID".into(),
    }]
}

/// Splits a write result into (value, user errors), failing only on unexpected errors.
fn outcome<T>(r: Result<T, IngestError>) -> async_graphql::Result<(Option<T>, Vec<UserError>)> {
    match r {
        Ok(v) => Ok((Some(v), vec![])),
        Err(IngestError::Rejected(errors)) => Ok((None, rejected(errors))),
        Err(IngestError::Failed(e)) => Err(to_graphql(&e)),
    }
}

fn person_fields(i: PersonFieldsInput) -> async_graphql::Result<write::PersonFields> {
    Ok(write::PersonFields {
        name: i.name,
        aliases: i.aliases,
        role: patch(i.role, Ok)?,
        affiliation_id: patch(i.affiliation_id, |id| {
            parse_id(&id, &[NodeKind::Organization])
        })?,
        wikidata_id: patch(i.wikidata_id, Ok)?,
    })
}

fn organization_fields(
    i: OrganizationFieldsInput,
) -> async_graphql::Result<write::OrganizationFields> {
    Ok(write::OrganizationFields {
        name: i.name,
        aliases: i.aliases,
        kind: patch(i.kind, Ok)?,
        country_id: patch(i.country_id, |id| parse_id(&id, &[NodeKind::Location]))?,
        wikidata_id: patch(i.wikidata_id, Ok)?,
    })
}

fn location_fields(i: LocationFieldsInput) -> async_graphql::Result<write::LocationFields> {
    let coordinates = match (i.latitude, i.longitude) {
        (MaybeUndefined::Undefined, MaybeUndefined::Undefined) => Patch::Keep,
        (MaybeUndefined::Null, MaybeUndefined::Null) => Patch::Clear,
        (MaybeUndefined::Value(lat), MaybeUndefined::Value(lon)) => Patch::Set((lat, lon)),
        _ => return Err(bad_input("give latitude and longitude together")),
    };
    Ok(write::LocationFields {
        name: i.name,
        aliases: i.aliases,
        kind: i.kind.map(Into::into),
        coordinates,
        parent_id: patch(i.parent_id, |id| parse_id(&id, &[NodeKind::Location]))?,
        wikidata_id: patch(i.wikidata_id, Ok)?,
    })
}

/// Turns an input conversion error into user errors of a payload.
fn fields_error(e: async_graphql::Error) -> Vec<UserError> {
    vec![UserError {
        field: vec!["input".into()],
        message: e.message,
        code: "BAD_USER_INPUT".into(),
    }]
}

async fn delete_entity(
    ctx: &Context<'_>,
    kind: write::EntityKind,
    node: NodeKind,
    id: ID,
    detach: bool,
) -> async_graphql::Result<DeletePayload> {
    require_writer(ctx)?;
    let n = match parse_id(&id, &[node]) {
        Ok(n) => n,
        Err(e) => {
            return Ok(DeletePayload {
                deleted_id: None,
                user_errors: invalid_id("id", e),
            });
        }
    };
    let (done, user_errors) = outcome(write::delete_entity(db(ctx)?, kind, n, detach).await)?;
    Ok(DeletePayload {
        deleted_id: done.map(|_| ID(NodeId::new(node, n).encode())),
        user_errors,
    })
}

/// The steps every create and update share: the key check, the optional ID, the input
/// conversion and the write, with input problems returned as user errors.
async fn save_entity<'a, F, M, Fut>(
    ctx: &Context<'a>,
    id: Option<(ID, NodeKind)>,
    fields: async_graphql::Result<F>,
    save: impl FnOnce(&'a DatabaseConnection, Option<i32>, F) -> Fut,
) -> async_graphql::Result<(Option<M>, Vec<UserError>)>
where
    Fut: std::future::Future<Output = Result<M, IngestError>>,
{
    require_writer(ctx)?;
    let n = match id {
        None => None,
        Some((id, kind)) => match parse_id(&id, &[kind]) {
            Ok(n) => Some(n),
            Err(e) => return Ok((None, invalid_id("id", e))),
        },
    };
    let fields = match fields {
        Ok(f) => f,
        Err(e) => return Ok((None, fields_error(e))),
    };
    outcome(save(db(ctx)?, n, fields).await)
}

/// The steps every merge shares; returns the kept row's id when the merge happened.
async fn merge_entity(
    ctx: &Context<'_>,
    kind: write::EntityKind,
    node: NodeKind,
    keep_id: ID,
    merge_id: ID,
) -> async_graphql::Result<(Option<i32>, Vec<UserError>)> {
    require_writer(ctx)?;
    let keep = match parse_id(&keep_id, &[node]) {
        Ok(n) => n,
        Err(e) => return Ok((None, invalid_id("keepId", e))),
    };
    let merge = match parse_id(&merge_id, &[node]) {
        Ok(n) => n,
        Err(e) => return Ok((None, invalid_id("mergeId", e))),
    };
    let (done, user_errors) = outcome(write::merge_entities(db(ctx)?, kind, keep, merge).await)?;
    Ok((done.map(|()| keep), user_errors))
}

async fn kept<E>(ctx: &Context<'_>, id: Option<i32>) -> async_graphql::Result<Option<E::Model>>
where
    E: sea_orm::EntityTrait,
    E::Model: sea_orm::FromQueryResult + crate::services::read::HasId + Clone + Send + Sync,
{
    match id {
        None => Ok(None),
        Some(id) => loaders(ctx)?.load_one(ById::<E>::new(id)).await.gql(),
    }
}

#[derive(Default)]
pub struct EntityMutation;

#[Object]
impl EntityMutation {
    /// Creates a person (`input.name` required).
    async fn create_person(
        &self,
        ctx: &Context<'_>,
        input: PersonFieldsInput,
    ) -> async_graphql::Result<PersonPayload> {
        let (p, user_errors) =
            save_entity(ctx, None, person_fields(input), write::save_person).await?;
        Ok(PersonPayload {
            person: p.map(Person),
            user_errors,
        })
    }

    /// Changes a person's fields.
    async fn update_person(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: PersonFieldsInput,
    ) -> async_graphql::Result<PersonPayload> {
        let (p, user_errors) = save_entity(
            ctx,
            Some((id, NodeKind::Person)),
            person_fields(input),
            write::save_person,
        )
        .await?;
        Ok(PersonPayload {
            person: p.map(Person),
            user_errors,
        })
    }

    /// Deletes a person. Refused while statements, figures or articles refer to them unless
    /// `detach: true`, which clears those references first.
    async fn delete_person(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default = false)] detach: bool,
    ) -> async_graphql::Result<DeletePayload> {
        delete_entity(ctx, write::EntityKind::Person, NodeKind::Person, id, detach).await
    }

    /// Merges a duplicate person into another: statements, figures and mentions move to
    /// `keepId`, the duplicate's names become aliases, and the duplicate is deleted.
    async fn merge_people(
        &self,
        ctx: &Context<'_>,
        keep_id: ID,
        merge_id: ID,
    ) -> async_graphql::Result<PersonPayload> {
        let (keep, user_errors) = merge_entity(
            ctx,
            write::EntityKind::Person,
            NodeKind::Person,
            keep_id,
            merge_id,
        )
        .await?;
        Ok(PersonPayload {
            person: kept::<person::Entity>(ctx, keep).await?.map(Person),
            user_errors,
        })
    }

    /// Creates an organization (`input.name` required).
    async fn create_organization(
        &self,
        ctx: &Context<'_>,
        input: OrganizationFieldsInput,
    ) -> async_graphql::Result<OrganizationPayload> {
        let (o, user_errors) = save_entity(
            ctx,
            None,
            organization_fields(input),
            write::save_organization,
        )
        .await?;
        Ok(OrganizationPayload {
            organization: o.map(Organization),
            user_errors,
        })
    }

    /// Changes an organization's fields.
    async fn update_organization(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: OrganizationFieldsInput,
    ) -> async_graphql::Result<OrganizationPayload> {
        let (o, user_errors) = save_entity(
            ctx,
            Some((id, NodeKind::Organization)),
            organization_fields(input),
            write::save_organization,
        )
        .await?;
        Ok(OrganizationPayload {
            organization: o.map(Organization),
            user_errors,
        })
    }

    /// Deletes an organization; refused while referred to, unless `detach: true`.
    async fn delete_organization(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default = false)] detach: bool,
    ) -> async_graphql::Result<DeletePayload> {
        delete_entity(
            ctx,
            write::EntityKind::Organization,
            NodeKind::Organization,
            id,
            detach,
        )
        .await
    }

    /// Merges a duplicate organization into another (see `mergePeople`).
    async fn merge_organizations(
        &self,
        ctx: &Context<'_>,
        keep_id: ID,
        merge_id: ID,
    ) -> async_graphql::Result<OrganizationPayload> {
        let (keep, user_errors) = merge_entity(
            ctx,
            write::EntityKind::Organization,
            NodeKind::Organization,
            keep_id,
            merge_id,
        )
        .await?;
        Ok(OrganizationPayload {
            organization: kept::<organization::Entity>(ctx, keep)
                .await?
                .map(Organization),
            user_errors,
        })
    }

    /// Creates a place (`input.name` and `input.kind` required).
    async fn create_location(
        &self,
        ctx: &Context<'_>,
        input: LocationFieldsInput,
    ) -> async_graphql::Result<LocationPayload> {
        let (l, user_errors) =
            save_entity(ctx, None, location_fields(input), write::save_location).await?;
        Ok(LocationPayload {
            location: l.map(Location::new),
            user_errors,
        })
    }

    /// Changes a place's fields; a new `parentId` moves it with everything inside it.
    async fn update_location(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: LocationFieldsInput,
    ) -> async_graphql::Result<LocationPayload> {
        let (l, user_errors) = save_entity(
            ctx,
            Some((id, NodeKind::Location)),
            location_fields(input),
            write::save_location,
        )
        .await?;
        Ok(LocationPayload {
            location: l.map(Location::new),
            user_errors,
        })
    }

    /// Deletes a place; refused while referred to (including by places inside it) unless
    /// `detach: true`, which also makes the places inside it top-level places.
    async fn delete_location(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default = false)] detach: bool,
    ) -> async_graphql::Result<DeletePayload> {
        delete_entity(
            ctx,
            write::EntityKind::Location,
            NodeKind::Location,
            id,
            detach,
        )
        .await
    }

    /// Merges a duplicate place into another: references and the places inside it move to
    /// `keepId`; its names become aliases.
    async fn merge_locations(
        &self,
        ctx: &Context<'_>,
        keep_id: ID,
        merge_id: ID,
    ) -> async_graphql::Result<LocationPayload> {
        let (keep, user_errors) = merge_entity(
            ctx,
            write::EntityKind::Location,
            NodeKind::Location,
            keep_id,
            merge_id,
        )
        .await?;
        Ok(LocationPayload {
            location: kept::<location::Entity>(ctx, keep)
                .await?
                .map(Location::new),
            user_errors,
        })
    }
}
