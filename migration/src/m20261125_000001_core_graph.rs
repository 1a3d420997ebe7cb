//! The core news graph: articles, the people, organizations and places they mention,
//! what was said (statements) and the casualty figures reported, with evidence spans.
//!
//! Constraints make invalid rows impossible on both backends: non-empty names, a
//! speaker/reporter that is a person or an organization (never both), count_min <= count_max,
//! latitude/longitude in range, known enum values. Every foreign key and every
//! contract filter has an index.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261125_000001_core_graph"
    }
}

const LOCATION_KINDS: &str = "'CONTINENT','COUNTRY','REGION','CITY','SITE'";
const STATEMENT_KINDS: &str = "'QUOTE','PARAPHRASE','CLAIM'";
const CATEGORIES: &str = "'KILLED','INJURED','KILLED_OR_INJURED','MISSING','DISPLACED','AFFECTED'";
const POPULATIONS: &str = "'CIVILIAN','MILITARY','MIXED','UNKNOWN'";
const QUALIFIERS: &str = "'EXACT','AT_LEAST','AT_MOST','APPROXIMATE','RANGE'";

fn check(sql: String) -> Expr {
    Expr::cust(sql)
}

fn non_empty(col: &str) -> Expr {
    check(format!("length(trim({col})) > 0"))
}

fn fk(
    from_table: &str,
    from_col: &str,
    to_table: &str,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{from_table}_{from_col}"))
        .from(Alias::new(from_table), Alias::new(from_col))
        .to(Alias::new(to_table), "id")
        .on_delete(on_delete)
        .to_owned()
}

fn index(table: &str, cols: &[&str]) -> IndexCreateStatement {
    let mut idx = Index::create();
    idx.name(format!("idx_{table}_{}", cols.join("_")))
        .table(Alias::new(table));
    for c in cols {
        idx.col(Alias::new(*c));
    }
    idx.to_owned()
}

/// An alias table: other spellings and languages of an entity's name, normalized for matching.
fn alias_table(owner: &str) -> TableCreateStatement {
    let table = format!("{owner}_alias");
    let owner_col = format!("{owner}_id");
    Table::create()
        .table(Alias::new(&table))
        .col(pk_auto("id"))
        .col(integer(Alias::new(&owner_col)))
        .col(text("alias").check(non_empty("alias")))
        .col(text("alias_norm"))
        .foreign_key(&mut fk(
            &table,
            &owner_col,
            owner,
            ForeignKeyAction::Cascade,
        ))
        .index(
            Index::create()
                .name(format!("uq_{table}_owner_norm"))
                .col(Alias::new(&owner_col))
                .col("alias_norm")
                .unique(),
        )
        .to_owned()
}

/// Evidence spans of one kind of fact (statement or casualty).
fn evidence_table(owner: &str) -> TableCreateStatement {
    let table = format!("{owner}_evidence");
    let owner_col = format!("{owner}_id");
    Table::create()
        .table(Alias::new(&table))
        .col(integer(Alias::new(&owner_col)))
        .col(integer("span_start").check(Expr::cust("span_start >= 0")))
        .col(integer("span_end"))
        .col(text("snippet"))
        .check(Expr::cust("span_end > span_start"))
        .primary_key(
            Index::create()
                .col(Alias::new(&owner_col))
                .col("span_start"),
        )
        .foreign_key(&mut fk(
            &table,
            &owner_col,
            owner,
            ForeignKeyAction::Cascade,
        ))
        .to_owned()
}

/// A many-to-many mention table between articles and another entity.
fn mention_table(other: &str) -> TableCreateStatement {
    let table = format!("article_{other}");
    let other_col = format!("{other}_id");
    Table::create()
        .table(Alias::new(&table))
        .col(integer("article_id"))
        .col(integer(Alias::new(&other_col)))
        .primary_key(
            Index::create()
                .col("article_id")
                .col(Alias::new(&other_col)),
        )
        .foreign_key(&mut fk(
            &table,
            "article_id",
            "article",
            ForeignKeyAction::Cascade,
        ))
        .foreign_key(&mut fk(
            &table,
            &other_col,
            other,
            ForeignKeyAction::Cascade,
        ))
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let tables = vec![
            Table::create()
                .table("location")
                .col(pk_auto("id"))
                .col(text("name").check(non_empty("name")))
                .col(text("name_norm"))
                .col(text("kind").check(check(format!("kind IN ({LOCATION_KINDS})"))))
                .col(double_null("latitude").check(check("latitude BETWEEN -90 AND 90".into())))
                .col(double_null("longitude").check(check("longitude BETWEEN -180 AND 180".into())))
                .col(integer_null("parent_id"))
                .col(text_null("wikidata_id"))
                .check(check("parent_id IS NULL OR parent_id <> id".into()))
                .foreign_key(&mut fk(
                    "location",
                    "parent_id",
                    "location",
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
            // Every (ancestor, descendant) pair, with the place itself at depth 0: descendants
            // ("withinId", casualties including sub-places) and ancestors are one indexed join.
            Table::create()
                .table("location_closure")
                .col(integer("ancestor_id"))
                .col(integer("descendant_id"))
                .col(integer("depth").check(check("depth >= 0".into())))
                .primary_key(Index::create().col("ancestor_id").col("descendant_id"))
                .foreign_key(&mut fk(
                    "location_closure",
                    "ancestor_id",
                    "location",
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    "location_closure",
                    "descendant_id",
                    "location",
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
            alias_table("location"),
            Table::create()
                .table("organization")
                .col(pk_auto("id"))
                .col(text("name").check(non_empty("name")))
                .col(text("name_norm"))
                .col(text_null("kind"))
                .col(integer_null("country_id"))
                .col(text_null("wikidata_id"))
                .foreign_key(&mut fk(
                    "organization",
                    "country_id",
                    "location",
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
            alias_table("organization"),
            Table::create()
                .table("person")
                .col(pk_auto("id"))
                .col(text("name").check(non_empty("name")))
                .col(text("name_norm"))
                .col(text_null("role"))
                .col(integer_null("affiliation_id"))
                .col(text_null("wikidata_id"))
                .foreign_key(&mut fk(
                    "person",
                    "affiliation_id",
                    "organization",
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
            alias_table("person"),
            Table::create()
                .table("article")
                .col(pk_auto("id"))
                .col(text("url").check(non_empty("url")))
                .col(text("title").check(non_empty("title")))
                .col(text_null("summary"))
                .col(text_null("body"))
                .col(text_null("source"))
                .col(timestamp_with_time_zone_null("published_at"))
                .col(timestamp_with_time_zone("ingested_at"))
                .to_owned(),
            mention_table("person"),
            mention_table("organization"),
            mention_table("location"),
            Table::create()
                .table("statement")
                .col(pk_auto("id"))
                .col(integer("article_id"))
                .col(integer("position").check(check("position >= 0".into())))
                .col(text("text").check(non_empty("text")))
                .col(text("kind").check(check(format!("kind IN ({STATEMENT_KINDS})"))))
                .col(integer_null("speaker_person_id"))
                .col(integer_null("speaker_organization_id"))
                .col(date_null("said_at"))
                .col(integer_null("place_id"))
                .check(check(
                    "speaker_person_id IS NULL OR speaker_organization_id IS NULL".into(),
                ))
                .foreign_key(&mut fk(
                    "statement",
                    "article_id",
                    "article",
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    "statement",
                    "speaker_person_id",
                    "person",
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut fk(
                    "statement",
                    "speaker_organization_id",
                    "organization",
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut fk(
                    "statement",
                    "place_id",
                    "location",
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
            Table::create()
                .table("statement_about")
                .col(integer("statement_id"))
                .col(integer("location_id"))
                .primary_key(Index::create().col("statement_id").col("location_id"))
                .foreign_key(&mut fk(
                    "statement_about",
                    "statement_id",
                    "statement",
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    "statement_about",
                    "location_id",
                    "location",
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
            // Directed: statement_id contradicts disputed_id.
            Table::create()
                .table("statement_dispute")
                .col(integer("statement_id"))
                .col(integer("disputed_id"))
                .primary_key(Index::create().col("statement_id").col("disputed_id"))
                .check(check("statement_id <> disputed_id".into()))
                .foreign_key(&mut fk(
                    "statement_dispute",
                    "statement_id",
                    "statement",
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    "statement_dispute",
                    "disputed_id",
                    "statement",
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
            Table::create()
                .table("casualty")
                .col(pk_auto("id"))
                .col(integer("article_id"))
                .col(integer("position").check(check("position >= 0".into())))
                .col(text("category").check(check(format!("category IN ({CATEGORIES})"))))
                .col(text("population").check(check(format!("population IN ({POPULATIONS})"))))
                .col(integer_null("count_min").check(check("count_min >= 0".into())))
                .col(integer_null("count_max").check(check("count_max >= 0".into())))
                .col(text("qualifier").check(check(format!("qualifier IN ({QUALIFIERS})"))))
                .col(text_null("phrase"))
                .col(date_null("period_start"))
                .col(date_null("as_of"))
                .col(integer_null("location_id"))
                .col(integer_null("reported_by_person_id"))
                .col(integer_null("reported_by_organization_id"))
                .check(check(
                    "count_min IS NULL OR count_max IS NULL OR count_min <= count_max".into(),
                ))
                .check(check(
                    "reported_by_person_id IS NULL OR reported_by_organization_id IS NULL".into(),
                ))
                .foreign_key(&mut fk(
                    "casualty",
                    "article_id",
                    "article",
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    "casualty",
                    "location_id",
                    "location",
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut fk(
                    "casualty",
                    "reported_by_person_id",
                    "person",
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut fk(
                    "casualty",
                    "reported_by_organization_id",
                    "organization",
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
            // Where a statement or casualty phrase occurs in its article's body (offsets in
            // Unicode scalar values, end exclusive). No surrogate id: re-ingesting the same
            // document rewrites identical rows.
            evidence_table("statement"),
            evidence_table("casualty"),
        ];
        for t in tables {
            manager.create_table(t).await?;
        }

        let unique = [
            ("uq_article_url", "article", vec!["url"]),
            ("uq_location_wikidata", "location", vec!["wikidata_id"]),
            (
                "uq_organization_wikidata",
                "organization",
                vec!["wikidata_id"],
            ),
            ("uq_person_wikidata", "person", vec!["wikidata_id"]),
        ];
        for (name, table, cols) in unique {
            let mut idx = Index::create();
            idx.name(name).table(table).unique();
            for c in cols {
                idx.col(c);
            }
            manager.create_index(idx).await?;
        }

        let plain: &[(&str, &[&str])] = &[
            ("location", &["parent_id"]),
            ("location", &["name_norm"]),
            ("location", &["kind", "name_norm"]),
            ("location_closure", &["descendant_id", "depth"]),
            ("location_alias", &["alias_norm"]),
            ("organization", &["name_norm"]),
            ("organization", &["country_id"]),
            ("organization_alias", &["alias_norm"]),
            ("person", &["name_norm"]),
            ("person", &["affiliation_id"]),
            ("person_alias", &["alias_norm"]),
            ("article", &["published_at", "id"]),
            ("article", &["title", "id"]),
            ("article_person", &["person_id"]),
            ("article_organization", &["organization_id"]),
            ("article_location", &["location_id"]),
            ("statement", &["article_id", "position"]),
            ("statement", &["speaker_person_id", "said_at"]),
            ("statement", &["speaker_organization_id", "said_at"]),
            ("statement", &["place_id"]),
            ("statement", &["said_at", "id"]),
            ("statement", &["kind"]),
            ("statement_about", &["location_id"]),
            ("statement_dispute", &["disputed_id"]),
            ("casualty", &["article_id", "position"]),
            ("casualty", &["location_id", "as_of"]),
            ("casualty", &["reported_by_person_id"]),
            ("casualty", &["reported_by_organization_id"]),
            ("casualty", &["as_of"]),
            ("casualty", &["category", "population"]),
        ];
        for (table, cols) in plain {
            manager.create_index(index(table, cols)).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "casualty_evidence",
            "statement_evidence",
            "casualty",
            "statement_dispute",
            "statement_about",
            "statement",
            "article_location",
            "article_organization",
            "article_person",
            "article",
            "person_alias",
            "person",
            "organization_alias",
            "organization",
            "location_alias",
            "location_closure",
            "location",
        ] {
            manager
                .drop_table(Table::drop().table(t).to_owned())
                .await?;
        }
        Ok(())
    }
}
