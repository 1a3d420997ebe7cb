//! Writes other than ingestion: deleting articles; creating, updating, deleting and merging
//! people, organizations and places. Each operation is one transaction; problems with the
//! input come back as user errors and write nothing.
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    IntoActiveModel, Set, TransactionTrait, Value,
};

use super::error::ServiceResult;
use super::ingest::{
    IngestError as WriteError, MAX_LIST_LEN, MAX_NAME_CHARS, UserError, add_aliases, link_closure,
};
use super::sql::statement;
use crate::domain::names::normalize;
use crate::domain::text::line;
use crate::entities::enums::LocationKind;
use crate::entities::{article, location, organization, person};

/// Deletes an article and everything that hangs off it (the schema cascades). False if absent.
#[tracing::instrument(skip(db))]
pub async fn delete_article<C: ConnectionTrait>(db: &C, id: i32) -> ServiceResult<bool> {
    let res = article::Entity::delete_by_id(id).exec(db).await?;
    Ok(res.rows_affected > 0)
}

/// A field that an update may leave alone, clear or set.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Patch<T> {
    #[default]
    Keep,
    Clear,
    Set(T),
}

impl<T> Patch<T> {
    fn apply(self, current: Option<T>) -> Option<T> {
        match self {
            Patch::Keep => current,
            Patch::Clear => None,
            Patch::Set(v) => Some(v),
        }
    }
}

fn user_error(field: &str, code: &'static str, message: impl Into<String>) -> WriteError {
    WriteError::Rejected(vec![UserError {
        field: vec![field.to_string()],
        message: message.into(),
        code,
    }])
}

/// Runs raw SQL written with `$1, $2...` placeholders on either backend.
async fn exec<C: ConnectionTrait>(db: &C, sql: &str, values: Vec<Value>) -> Result<u64, DbErr> {
    Ok(db
        .execute_raw(statement(db.get_database_backend(), sql, values))
        .await?
        .rows_affected())
}

async fn count<C: ConnectionTrait>(db: &C, sql: &str, id: i32) -> Result<i64, DbErr> {
    let row = db
        .query_one_raw(statement(db.get_database_backend(), sql, vec![id.into()]))
        .await?;
    Ok(match row {
        Some(r) => r.try_get_by_index::<i64>(0)?,
        None => 0,
    })
}

/// What refers to an entity: nullable foreign-key columns and link tables.
struct Referrers {
    /// `(table, column)` holding the entity's id.
    columns: &'static [(&'static str, &'static str)],
    /// `(link table, column of the other side, column holding the entity's id)`.
    links: &'static [(&'static str, &'static str, &'static str)],
}

const PERSON_REFS: Referrers = Referrers {
    columns: &[
        ("statement", "speaker_person_id"),
        ("casualty", "reported_by_person_id"),
    ],
    links: &[("article_person", "article_id", "person_id")],
};
const ORGANIZATION_REFS: Referrers = Referrers {
    columns: &[
        ("statement", "speaker_organization_id"),
        ("casualty", "reported_by_organization_id"),
        ("person", "affiliation_id"),
    ],
    links: &[("article_organization", "article_id", "organization_id")],
};
const LOCATION_REFS: Referrers = Referrers {
    columns: &[
        ("organization", "country_id"),
        ("statement", "place_id"),
        ("casualty", "location_id"),
        ("location", "parent_id"),
    ],
    links: &[
        ("article_location", "article_id", "location_id"),
        ("statement_about", "statement_id", "location_id"),
    ],
};

impl Referrers {
    /// "3 statement rows, 1 article_person row" — what still refers to `id`.
    async fn describe<C: ConnectionTrait>(&self, db: &C, id: i32) -> Result<Vec<String>, DbErr> {
        let mut uses = Vec::new();
        for (table, col) in self.columns {
            let n = count(
                db,
                &format!("SELECT COUNT(*) FROM {table} WHERE {col} = $1"),
                id,
            )
            .await?;
            if n > 0 {
                uses.push(format!("{n} {table} row(s) ({col})"));
            }
        }
        for (table, _, col) in self.links {
            let n = count(
                db,
                &format!("SELECT COUNT(*) FROM {table} WHERE {col} = $1"),
                id,
            )
            .await?;
            if n > 0 {
                uses.push(format!("{n} {table} link(s)"));
            }
        }
        Ok(uses)
    }

    async fn detach<C: ConnectionTrait>(&self, db: &C, id: i32) -> Result<(), DbErr> {
        for (table, col) in self.columns {
            exec(
                db,
                &format!("UPDATE {table} SET {col} = NULL WHERE {col} = $1"),
                vec![id.into()],
            )
            .await?;
        }
        for (table, _, col) in self.links {
            exec(
                db,
                &format!("DELETE FROM {table} WHERE {col} = $1"),
                vec![id.into()],
            )
            .await?;
        }
        Ok(())
    }

    async fn move_to<C: ConnectionTrait>(&self, db: &C, from: i32, to: i32) -> Result<(), DbErr> {
        for (table, col) in self.columns {
            exec(
                db,
                &format!("UPDATE {table} SET {col} = $1 WHERE {col} = $2"),
                vec![to.into(), from.into()],
            )
            .await?;
        }
        for (table, other, col) in self.links {
            exec(
                db,
                &format!(
                    "INSERT INTO {table} ({other}, {col}) SELECT {other}, $1 FROM {table} WHERE {col} = $2 \
                     ON CONFLICT DO NOTHING"
                ),
                vec![to.into(), from.into()],
            )
            .await?;
            exec(
                db,
                &format!("DELETE FROM {table} WHERE {col} = $1"),
                vec![from.into()],
            )
            .await?;
        }
        Ok(())
    }
}

async fn replace_aliases<C: ConnectionTrait>(
    db: &C,
    owner: &str,
    id: i32,
    name_norm: &str,
    aliases: &[String],
) -> Result<(), WriteError> {
    if aliases.len() > MAX_LIST_LEN {
        return Err(user_error(
            "aliases",
            "DOCUMENT_TOO_LARGE",
            format!(
                "{} aliases; at most {MAX_LIST_LEN} are accepted",
                aliases.len()
            ),
        ));
    }
    let mut problems = Vec::new();
    for (i, a) in aliases.iter().enumerate() {
        let clean = line(a);
        let problem = if clean.is_empty() {
            Some(("EMPTY_TEXT", "an alias must not be empty".to_string()))
        } else if clean.chars().count() > MAX_NAME_CHARS {
            Some((
                "TEXT_TOO_LONG",
                format!("at most {MAX_NAME_CHARS} characters are accepted"),
            ))
        } else {
            None
        };
        if let Some((code, message)) = problem {
            problems.push(UserError {
                field: vec!["aliases".into(), i.to_string()],
                message,
                code,
            });
        }
    }
    if !problems.is_empty() {
        return Err(WriteError::Rejected(problems));
    }
    exec(
        db,
        &format!("DELETE FROM {owner}_alias WHERE {owner}_id = $1"),
        vec![id.into()],
    )
    .await?;
    Ok(add_aliases(db, owner, id, name_norm, aliases.iter()).await?)
}

async fn alias_list<C: ConnectionTrait>(
    db: &C,
    owner: &str,
    id: i32,
) -> ServiceResult<Vec<String>> {
    let sql = format!("SELECT alias FROM {owner}_alias WHERE {owner}_id = $1 ORDER BY id");
    let rows = db
        .query_all_raw(statement(db.get_database_backend(), &sql, vec![id.into()]))
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| r.try_get_by_index::<String>(0).ok())
        .collect())
}

/// A name under the text rule (`domain::text::line`): never empty, never too long.
fn check_name(name: &str) -> Result<String, WriteError> {
    let clean = line(name);
    if clean.is_empty() {
        return Err(user_error(
            "name",
            "EMPTY_TEXT",
            "the name must not be empty (control and invisible characters do not count)",
        ));
    }
    if clean.chars().count() > MAX_NAME_CHARS {
        return Err(user_error(
            "name",
            "TEXT_TOO_LONG",
            format!("at most {MAX_NAME_CHARS} characters are accepted"),
        ));
    }
    Ok(clean)
}

/// An optional one-line text (a role, a kind) under the text rule; None when nothing is left.
fn check_line(field: &str, value: Option<String>) -> Result<Option<String>, WriteError> {
    let clean = value.map(|v| line(&v)).filter(|v| !v.is_empty());
    if clean
        .as_ref()
        .is_some_and(|v| v.chars().count() > MAX_NAME_CHARS)
    {
        return Err(user_error(
            field,
            "TEXT_TOO_LONG",
            format!("at most {MAX_NAME_CHARS} characters are accepted"),
        ));
    }
    Ok(clean)
}

async fn check_wikidata<C: ConnectionTrait>(
    db: &C,
    table: &str,
    wikidata: &Option<String>,
    own_id: Option<i32>,
) -> Result<Option<String>, WriteError> {
    let Some(w) = wikidata.as_deref().map(str::trim).filter(|w| !w.is_empty()) else {
        return Ok(None);
    };
    let valid = w.len() > 1 && w.starts_with('Q') && w[1..].chars().all(|c| c.is_ascii_digit());
    if !valid {
        return Err(user_error(
            "wikidataId",
            "INVALID_WIKIDATA_ID",
            format!("`{w}` is not a Wikidata item id like Q7747"),
        ));
    }
    let sql = format!("SELECT id FROM {table} WHERE wikidata_id = $1");
    let row = db
        .query_one_raw(statement(db.get_database_backend(), &sql, vec![w.into()]))
        .await?;
    if let Some(r) = row {
        let other: i32 = r.try_get_by_index(0)?;
        if Some(other) != own_id {
            return Err(user_error(
                "wikidataId",
                "WIKIDATA_TAKEN",
                format!("another {table} already has the Wikidata id {w}"),
            ));
        }
    }
    Ok(Some(w.to_string()))
}

async fn exists<E: EntityTrait, C: ConnectionTrait>(
    db: &C,
    id: Option<i32>,
    field: &str,
    what: &str,
) -> Result<(), WriteError>
where
    E::PrimaryKey: sea_orm::PrimaryKeyTrait<ValueType = i32>,
{
    if let Some(id) = id
        && E::find_by_id(id).one(db).await?.is_none()
    {
        return Err(user_error(
            field,
            "NOT_FOUND",
            format!("no {what} has this ID"),
        ));
    }
    Ok(())
}

fn not_found(what: &str) -> WriteError {
    user_error("id", "NOT_FOUND", format!("no {what} has this ID"))
}

// ---- people ------------------------------------------------------------------------------

#[derive(Debug, Clone, Default)]
pub struct PersonFields {
    pub name: Option<String>,
    pub aliases: Option<Vec<String>>,
    pub role: Patch<String>,
    pub affiliation_id: Patch<i32>,
    pub wikidata_id: Patch<String>,
}

/// Creates (`id: None`) or updates a person.
pub async fn save_person(
    db: &DatabaseConnection,
    id: Option<i32>,
    f: PersonFields,
) -> Result<person::Model, WriteError> {
    let txn = db.begin().await?;
    let current = match id {
        Some(id) => Some(
            person::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .ok_or_else(|| not_found("person"))?,
        ),
        None => None,
    };
    let name = match (&f.name, &current) {
        (Some(n), _) => check_name(n)?,
        (None, Some(c)) => c.name.clone(),
        (None, None) => return Err(user_error("name", "EMPTY_TEXT", "a person needs a name")),
    };
    let affiliation = f
        .affiliation_id
        .apply(current.as_ref().and_then(|c| c.affiliation_id));
    exists::<organization::Entity, _>(&txn, affiliation, "affiliationId", "organization").await?;
    let wikidata = f
        .wikidata_id
        .apply(current.as_ref().and_then(|c| c.wikidata_id.clone()));
    let wikidata = check_wikidata(&txn, "person", &wikidata, id).await?;
    let role = f.role.apply(current.as_ref().and_then(|c| c.role.clone()));
    let mut am = match current {
        Some(c) => c.into_active_model(),
        None => person::ActiveModel {
            id: NotSet,
            ..Default::default()
        },
    };
    am.name_norm = Set(normalize(&name));
    am.name = Set(name);
    am.role = Set(check_line("role", role)?);
    am.affiliation_id = Set(affiliation);
    am.wikidata_id = Set(wikidata);
    let saved = if id.is_some() {
        am.update(&txn).await?
    } else {
        am.insert(&txn).await?
    };
    if let Some(aliases) = &f.aliases {
        replace_aliases(&txn, "person", saved.id, &saved.name_norm, aliases).await?;
    }
    txn.commit().await?;
    Ok(saved)
}

// ---- organizations -------------------------------------------------------------------------

#[derive(Debug, Clone, Default)]
pub struct OrganizationFields {
    pub name: Option<String>,
    pub aliases: Option<Vec<String>>,
    pub kind: Patch<String>,
    pub country_id: Patch<i32>,
    pub wikidata_id: Patch<String>,
}

pub async fn save_organization(
    db: &DatabaseConnection,
    id: Option<i32>,
    f: OrganizationFields,
) -> Result<organization::Model, WriteError> {
    let txn = db.begin().await?;
    let current = match id {
        Some(id) => Some(
            organization::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .ok_or_else(|| not_found("organization"))?,
        ),
        None => None,
    };
    let name = match (&f.name, &current) {
        (Some(n), _) => check_name(n)?,
        (None, Some(c)) => c.name.clone(),
        (None, None) => {
            return Err(user_error(
                "name",
                "EMPTY_TEXT",
                "an organization needs a name",
            ));
        }
    };
    let country = f
        .country_id
        .apply(current.as_ref().and_then(|c| c.country_id));
    exists::<location::Entity, _>(&txn, country, "countryId", "location").await?;
    let wikidata = f
        .wikidata_id
        .apply(current.as_ref().and_then(|c| c.wikidata_id.clone()));
    let wikidata = check_wikidata(&txn, "organization", &wikidata, id).await?;
    let kind = f.kind.apply(current.as_ref().and_then(|c| c.kind.clone()));
    let mut am = match current {
        Some(c) => c.into_active_model(),
        None => organization::ActiveModel {
            id: NotSet,
            ..Default::default()
        },
    };
    am.name_norm = Set(normalize(&name));
    am.name = Set(name);
    am.kind = Set(check_line("kind", kind)?);
    am.country_id = Set(country);
    am.wikidata_id = Set(wikidata);
    let saved = if id.is_some() {
        am.update(&txn).await?
    } else {
        am.insert(&txn).await?
    };
    if let Some(aliases) = &f.aliases {
        replace_aliases(&txn, "organization", saved.id, &saved.name_norm, aliases).await?;
    }
    txn.commit().await?;
    Ok(saved)
}

// ---- locations ---------------------------------------------------------------------------

#[derive(Debug, Clone, Default)]
pub struct LocationFields {
    pub name: Option<String>,
    pub aliases: Option<Vec<String>>,
    pub kind: Option<LocationKind>,
    /// Latitude and longitude change together.
    pub coordinates: Patch<(f64, f64)>,
    pub parent_id: Patch<i32>,
    pub wikidata_id: Patch<String>,
}

/// Removes every closure row linking a place outside the subtree of `root` to a place inside
/// it: the subtree becomes a tree of its own (before a move or a delete).
async fn detach_subtree<C: ConnectionTrait>(db: &C, root: i32) -> Result<(), DbErr> {
    exec(
        db,
        "DELETE FROM location_closure WHERE descendant_id IN \
           (SELECT descendant_id FROM location_closure WHERE ancestor_id = $1) \
         AND ancestor_id NOT IN (SELECT descendant_id FROM location_closure WHERE ancestor_id = $1)",
        vec![root.into()],
    )
    .await?;
    Ok(())
}

/// The places directly inside `id`.
async fn children<C: ConnectionTrait>(db: &C, id: i32) -> Result<Vec<i32>, DbErr> {
    let sql = "SELECT id FROM location WHERE parent_id = $1";
    let rows = db
        .query_all_raw(statement(db.get_database_backend(), sql, vec![id.into()]))
        .await?;
    rows.iter().map(|r| r.try_get_by_index::<i32>(0)).collect()
}

async fn is_within<C: ConnectionTrait>(db: &C, place: i32, root: i32) -> Result<bool, DbErr> {
    let sql = "SELECT COUNT(*) FROM location_closure WHERE ancestor_id = $1 AND descendant_id = $2";
    let row = db
        .query_one_raw(statement(
            db.get_database_backend(),
            sql,
            vec![root.into(), place.into()],
        ))
        .await?;
    Ok(row
        .map(|r| r.try_get_by_index::<i64>(0).unwrap_or(0) > 0)
        .unwrap_or(false))
}

pub async fn save_location(
    db: &DatabaseConnection,
    id: Option<i32>,
    f: LocationFields,
) -> Result<location::Model, WriteError> {
    let txn = db.begin().await?;
    let current = match id {
        Some(id) => Some(
            location::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .ok_or_else(|| not_found("location"))?,
        ),
        None => None,
    };
    let name = match (&f.name, &current) {
        (Some(n), _) => check_name(n)?,
        (None, Some(c)) => c.name.clone(),
        (None, None) => return Err(user_error("name", "EMPTY_TEXT", "a location needs a name")),
    };
    let kind = match (f.kind, &current) {
        (Some(k), _) => k,
        (None, Some(c)) => c.kind,
        (None, None) => {
            return Err(user_error(
                "kind",
                "MISSING_KIND",
                "a location needs a kind",
            ));
        }
    };
    let coordinates = f
        .coordinates
        .apply(current.as_ref().and_then(|c| c.latitude.zip(c.longitude)));
    if let Some((lat, lon)) = coordinates {
        if !(-90.0..=90.0).contains(&lat) {
            return Err(user_error(
                "latitude",
                "LATITUDE_OUT_OF_RANGE",
                format!("latitude {lat} is outside -90..90"),
            ));
        }
        if !(-180.0..=180.0).contains(&lon) {
            return Err(user_error(
                "longitude",
                "LONGITUDE_OUT_OF_RANGE",
                format!("longitude {lon} is outside -180..180"),
            ));
        }
    }
    let old_parent = current.as_ref().and_then(|c| c.parent_id);
    let parent = f.parent_id.apply(old_parent);
    exists::<location::Entity, _>(&txn, parent, "parentId", "location").await?;
    if let (Some(id), Some(p)) = (id, parent)
        && (p == id || is_within(&txn, p, id).await?)
    {
        return Err(user_error(
            "parentId",
            "PARENT_CYCLE",
            "a place cannot be inside itself or one of the places inside it",
        ));
    }
    let wikidata = f
        .wikidata_id
        .apply(current.as_ref().and_then(|c| c.wikidata_id.clone()));
    let wikidata = check_wikidata(&txn, "location", &wikidata, id).await?;
    let mut am = match current {
        Some(c) => c.into_active_model(),
        None => location::ActiveModel {
            id: NotSet,
            ..Default::default()
        },
    };
    am.name_norm = Set(normalize(&name));
    am.name = Set(name);
    am.kind = Set(kind);
    am.latitude = Set(coordinates.map(|c| c.0));
    am.longitude = Set(coordinates.map(|c| c.1));
    am.parent_id = Set(parent);
    am.wikidata_id = Set(wikidata);
    let saved = match id {
        Some(_) => {
            let saved = am.update(&txn).await?;
            if parent != old_parent {
                detach_subtree(&txn, saved.id).await?;
                if let Some(p) = parent {
                    link_closure(&txn, saved.id, p).await?;
                }
            }
            saved
        }
        None => {
            let saved = am.insert(&txn).await?;
            exec(
                &txn,
                "INSERT INTO location_closure (ancestor_id, descendant_id, depth) VALUES ($1, $1, 0)",
                vec![saved.id.into()],
            )
            .await?;
            if let Some(p) = parent {
                link_closure(&txn, saved.id, p).await?;
            }
            saved
        }
    };
    if let Some(aliases) = &f.aliases {
        replace_aliases(&txn, "location", saved.id, &saved.name_norm, aliases).await?;
    }
    txn.commit().await?;
    Ok(saved)
}

// ---- delete and merge, all three kinds -----------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntityKind {
    Person,
    Organization,
    Location,
}

impl EntityKind {
    fn table(self) -> &'static str {
        match self {
            EntityKind::Person => "person",
            EntityKind::Organization => "organization",
            EntityKind::Location => "location",
        }
    }
    fn referrers(self) -> &'static Referrers {
        match self {
            EntityKind::Person => &PERSON_REFS,
            EntityKind::Organization => &ORGANIZATION_REFS,
            EntityKind::Location => &LOCATION_REFS,
        }
    }
}

/// (name_norm, name, wikidata_id) of one row, if it exists.
async fn identity<C: ConnectionTrait>(
    db: &C,
    kind: EntityKind,
    id: i32,
) -> Result<Option<(String, String, Option<String>)>, DbErr> {
    let sql = format!(
        "SELECT name_norm, name, wikidata_id FROM {} WHERE id = $1",
        kind.table()
    );
    let row = db
        .query_one_raw(statement(db.get_database_backend(), &sql, vec![id.into()]))
        .await?;
    Ok(match row {
        Some(r) => Some((
            r.try_get_by_index(0)?,
            r.try_get_by_index(1)?,
            r.try_get_by_index(2)?,
        )),
        None => None,
    })
}

/// Deletes a person, organization or place. Refused while anything refers to it, unless
/// `detach`: then those references are cleared (statements lose their speaker, articles
/// their mention, places inside a deleted place become top-level places).
pub async fn delete_entity(
    db: &DatabaseConnection,
    kind: EntityKind,
    id: i32,
    detach: bool,
) -> Result<(), WriteError> {
    let txn = db.begin().await?;
    if identity(&txn, kind, id).await?.is_none() {
        return Err(not_found(kind.table()));
    }
    let uses = kind.referrers().describe(&txn, id).await?;
    if !uses.is_empty() && !detach {
        return Err(user_error(
            "id",
            "IN_USE",
            format!(
                "this {} is still referred to by {}; pass `detach: true` to clear those references",
                kind.table(),
                uses.join(", ")
            ),
        ));
    }
    if kind == EntityKind::Location {
        detach_subtree(&txn, id).await?;
        // Each child subtree becomes a tree of its own.
        for child in children(&txn, id).await? {
            detach_subtree(&txn, child).await?;
        }
    }
    kind.referrers().detach(&txn, id).await?;
    exec(
        &txn,
        &format!("DELETE FROM {} WHERE id = $1", kind.table()),
        vec![id.into()],
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Merges `merge` into `keep`: every reference moves to `keep`, the merged names become
/// aliases of `keep`, fields `keep` lacks are taken from `merge`, and `merge` is deleted.
pub async fn merge_entities(
    db: &DatabaseConnection,
    kind: EntityKind,
    keep: i32,
    merge: i32,
) -> Result<(), WriteError> {
    if keep == merge {
        return Err(user_error(
            "mergeId",
            "SAME_ENTITY",
            "cannot merge an entity into itself",
        ));
    }
    let txn = db.begin().await?;
    let Some((keep_norm, _, keep_wikidata)) = identity(&txn, kind, keep).await? else {
        return Err(user_error(
            "keepId",
            "NOT_FOUND",
            format!("no {} has the keepId", kind.table()),
        ));
    };
    let Some((_, merge_name, merge_wikidata)) = identity(&txn, kind, merge).await? else {
        return Err(user_error(
            "mergeId",
            "NOT_FOUND",
            format!("no {} has the mergeId", kind.table()),
        ));
    };
    let table = kind.table();
    if kind == EntityKind::Location {
        if is_within(&txn, keep, merge).await? {
            return Err(user_error(
                "keepId",
                "PARENT_CYCLE",
                "cannot merge a place into a place inside it",
            ));
        }
        // Children of the merged place move under the kept one, with their subtrees.
        for child in children(&txn, merge).await? {
            detach_subtree(&txn, child).await?;
            exec(
                &txn,
                "UPDATE location SET parent_id = $1 WHERE id = $2",
                vec![keep.into(), child.into()],
            )
            .await?;
            link_closure(&txn, child, keep).await?;
        }
        // Coordinates the kept place lacks.
        exec(
            &txn,
            "UPDATE location SET latitude = (SELECT latitude FROM location WHERE id = $2), \
             longitude = (SELECT longitude FROM location WHERE id = $2) WHERE id = $1 AND latitude IS NULL",
            vec![keep.into(), merge.into()],
        )
        .await?;
    }
    kind.referrers().move_to(&txn, merge, keep).await?;
    let mut names = vec![merge_name];
    names.extend(alias_list(&txn, table, merge).await?);
    add_aliases(&txn, table, keep, &keep_norm, names.iter()).await?;
    // Fill the kept entity's empty fields from the merged one.
    let fill: &[&str] = match kind {
        EntityKind::Person => &["role", "affiliation_id"],
        EntityKind::Organization => &["kind", "country_id"],
        EntityKind::Location => &[],
    };
    for col in fill {
        exec(
            &txn,
            &format!("UPDATE {table} SET {col} = (SELECT {col} FROM {table} WHERE id = $2) WHERE id = $1 AND {col} IS NULL"),
            vec![keep.into(), merge.into()],
        )
        .await?;
    }
    // The merged row goes (with its aliases and closure rows) before its Wikidata id moves,
    // so the unique index never sees it twice.
    if kind == EntityKind::Location {
        detach_subtree(&txn, merge).await?;
    }
    exec(
        &txn,
        &format!("DELETE FROM {table} WHERE id = $1"),
        vec![merge.into()],
    )
    .await?;
    if keep_wikidata.is_none()
        && let Some(w) = merge_wikidata
    {
        exec(
            &txn,
            &format!("UPDATE {table} SET wikidata_id = $1 WHERE id = $2"),
            vec![w.into(), keep.into()],
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}
