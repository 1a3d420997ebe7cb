//! The relations between entities, each as one batched query over many parents: what the
//! per-request loaders run. A request of depth d costs about d statements, whatever the rows.
use std::collections::HashMap;
use std::fmt::Debug;
use std::hash::Hash;

use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Order, SelectStatement};
use sea_orm::{ConnectionTrait, EntityTrait, FromQueryResult, ModelTrait, QueryTrait};

use super::error::ServiceResult;
use super::page::{PARENT, SortKey};
use crate::entities::{
    article, casualty, casualty_evidence, location, location_alias, organization,
    organization_alias, person, person_alias, statement, statement_evidence,
};

fn col(table: &str, column: &str) -> Expr {
    Expr::col((Alias::new(table), Alias::new(column)))
}

/// Which parents a relation's rows are selected for.
#[derive(Clone, Copy)]
pub enum Parents<'a> {
    /// These parents (the loaders' batches).
    In(&'a [i32]),
    /// The row of an enclosing query named by this SQL expression (a correlated subquery:
    /// the compiled read path nests one relation inside its parent's row).
    Of(&'a str),
}

/// `SELECT target.*, <parent> AS __parent FROM target WHERE <parent> IN (parents)` (or `=` the
/// enclosing row's key).
fn select_with_parent<E: EntityTrait>(parent: Expr, parents: Parents<'_>) -> SelectStatement {
    let mut q = E::find().into_query();
    q.expr_as(parent.clone(), Alias::new(PARENT));
    match parents {
        Parents::In(ids) => q.and_where(parent.is_in(ids.iter().copied())),
        Parents::Of(outer) => q.and_where(parent.eq(Expr::cust(outer.to_string()))),
    };
    q
}

/// Target rows reached through a link table: `JOIN link ON link.<to> = target.id`.
fn via_link<E: EntityTrait>(
    link: &str,
    from: &str,
    to: &str,
    parents: Parents<'_>,
) -> SelectStatement {
    let mut q = select_with_parent::<E>(col(link, from), parents);
    q.join(
        JoinType::InnerJoin,
        Alias::new(link),
        col(link, to).equals((E::default(), Alias::new("id"))),
    );
    q
}

/// A one-to-many list without paging (aliases, children, ancestors, places a statement is about).
pub trait ListRel: Send + Sync + 'static {
    type E: EntityTrait;
    /// Selects the targets with [`PARENT`], for the given parents, in display order.
    fn select(parents: Parents<'_>) -> SelectStatement;
}

pub async fn load_list<R, C>(
    db: &C,
    parents: &[i32],
) -> ServiceResult<HashMap<i32, Vec<<R::E as EntityTrait>::Model>>>
where
    R: ListRel,
    <R::E as EntityTrait>::Model: FromQueryResult,
    C: ConnectionTrait,
{
    let rows = db.query_all(&R::select(Parents::In(parents))).await?;
    let mut out: HashMap<i32, Vec<_>> = HashMap::new();
    for row in &rows {
        let parent: i32 = row.try_get("", PARENT)?;
        out.entry(parent)
            .or_default()
            .push(<R::E as EntityTrait>::Model::from_query_result(row, "")?);
    }
    Ok(out)
}

macro_rules! list_rel {
    ($(#[$doc:meta])* $name:ident, $entity:ty, |$parents:ident| $body:expr) => {
        $(#[$doc])*
        pub struct $name;
        impl ListRel for $name {
            type E = $entity;
            fn select($parents: Parents<'_>) -> SelectStatement {
                $body
            }
        }
    };
}

list_rel!(PersonAliases, person_alias::Entity, |p| {
    let mut q = select_with_parent::<person_alias::Entity>(col("person_alias", "person_id"), p);
    q.order_by((person_alias::Entity, person_alias::Column::Id), Order::Asc);
    q
});
list_rel!(OrganizationAliases, organization_alias::Entity, |p| {
    let mut q = select_with_parent::<organization_alias::Entity>(
        col("organization_alias", "organization_id"),
        p,
    );
    q.order_by(
        (organization_alias::Entity, organization_alias::Column::Id),
        Order::Asc,
    );
    q
});
list_rel!(LocationAliases, location_alias::Entity, |p| {
    let mut q =
        select_with_parent::<location_alias::Entity>(col("location_alias", "location_id"), p);
    q.order_by(
        (location_alias::Entity, location_alias::Column::Id),
        Order::Asc,
    );
    q
});
list_rel!(
    /// Places directly inside a place, by name.
    LocationChildren, location::Entity, |p| {
    let mut q = select_with_parent::<location::Entity>(col("location", "parent_id"), p);
    q.order_by((location::Entity, location::Column::Name), Order::Asc)
        .order_by((location::Entity, location::Column::Id), Order::Asc);
    q
});
list_rel!(
    /// Every place a place is inside, nearest first.
    LocationAncestors, location::Entity, |p| {
    let mut q = via_link::<location::Entity>("location_closure", "descendant_id", "ancestor_id", p);
    q.and_where(col("location_closure", "depth").gt(0))
        .order_by((Alias::new("location_closure"), Alias::new("depth")), Order::Asc);
    q
});
list_rel!(
    /// The places a statement is about, by name.
    StatementAbout, location::Entity, |p| {
    let mut q = via_link::<location::Entity>("statement_about", "statement_id", "location_id", p);
    q.order_by((location::Entity, location::Column::Name), Order::Asc)
        .order_by((location::Entity, location::Column::Id), Order::Asc);
    q
});
list_rel!(
    /// The statements a statement contradicts.
    StatementDisputes, statement::Entity, |p| {
    let mut q = via_link::<statement::Entity>("statement_dispute", "statement_id", "disputed_id", p);
    q.order_by((statement::Entity, statement::Column::Id), Order::Asc);
    q
});
list_rel!(
    /// The statements that contradict a statement.
    StatementDisputedBy, statement::Entity, |p| {
    let mut q = via_link::<statement::Entity>("statement_dispute", "disputed_id", "statement_id", p);
    q.order_by((statement::Entity, statement::Column::Id), Order::Asc);
    q
});
list_rel!(StatementEvidence, statement_evidence::Entity, |p| {
    let mut q = select_with_parent::<statement_evidence::Entity>(
        col("statement_evidence", "statement_id"),
        p,
    );
    q.order_by(
        (
            statement_evidence::Entity,
            statement_evidence::Column::SpanStart,
        ),
        Order::Asc,
    );
    q
});
list_rel!(CasualtyEvidence, casualty_evidence::Entity, |p| {
    let mut q =
        select_with_parent::<casualty_evidence::Entity>(col("casualty_evidence", "casualty_id"), p);
    q.order_by(
        (
            casualty_evidence::Entity,
            casualty_evidence::Column::SpanStart,
        ),
        Order::Asc,
    );
    q
});

/// A nested list with cursor paging (an article's people, a person's statements).
pub trait PagedRel: Send + Sync + 'static {
    type E: EntityTrait<Model = Self::M>;
    type M: ModelTrait<Entity = Self::E> + FromQueryResult + Clone + Send + Sync;
    /// Per-call options that change the list (ordering, including sub-places).
    type Opts: OptsText;
    /// Names the list in cursors, so a cursor of one list is refused by another.
    const NAME: &'static str;
    fn parent(opts: Self::Opts) -> Expr;
    /// Selects the targets with [`PARENT`] for the given parents (no order, no limit).
    fn select(parents: Parents<'_>, opts: Self::Opts) -> SelectStatement;
    fn keys(opts: Self::Opts) -> Vec<SortKey<Self::E>>;
    /// Names the list of one parent in its cursors: `NAME|parent|options` (the options'
    /// `Debug` text), written without `format!` (it runs at every request).
    fn scope(parent: i32, opts: Self::Opts) -> String {
        let mut id = itoa::Buffer::new();
        let (id, opts) = (id.format(parent), opts.text());
        let mut s = String::with_capacity(Self::NAME.len() + id.len() + opts.len() + 2);
        s.push_str(Self::NAME);
        s.push('|');
        s.push_str(id);
        s.push('|');
        s.push_str(opts);
        s
    }
}

/// A nested list's options as its cursors and statement keys name them: their `Debug` text.
pub trait OptsText: Copy + Eq + Hash + Debug + Send + Sync + 'static {
    fn text(self) -> &'static str;
}

impl OptsText for () {
    fn text(self) -> &'static str {
        "()"
    }
}

impl OptsText for bool {
    fn text(self) -> &'static str {
        if self { "true" } else { "false" }
    }
}

macro_rules! paged_rel {
    ($(#[$doc:meta])* $name:ident, $entity:ident, $opts:ty, |$o:ident| parent = $parent:expr, select = |$p:ident| $select:expr, keys = $keys:expr) => {
        $(#[$doc])*
        pub struct $name;
        impl PagedRel for $name {
            type E = $entity::Entity;
            type M = $entity::Model;
            type Opts = $opts;
            const NAME: &'static str = stringify!($name);
            #[allow(unused_variables)]
            fn parent($o: $opts) -> Expr {
                $parent
            }
            #[allow(unused_variables)]
            fn select($p: Parents<'_>, $o: $opts) -> SelectStatement {
                $select
            }
            #[allow(unused_variables)]
            fn keys($o: $opts) -> Vec<SortKey<$entity::Entity>> {
                $keys
            }
        }
    };
}

fn by_name<E: EntityTrait>(name: E::Column, id: E::Column) -> Vec<SortKey<E>> {
    vec![SortKey::asc(name), SortKey::asc(id)]
}

/// Articles through a mention table, newest first, undated last: ordered by the mention row's
/// copy of the date and its article id, so the index `(other, published_at, article_id)`
/// serves a page as one range (migration 000008).
fn newest_mentioning(mentions: &'static str) -> Vec<SortKey<article::Entity>> {
    vec![
        SortKey::desc(article::Column::PublishedAt).at(mentions, "published_at"),
        SortKey::desc(article::Column::Id).at(mentions, "article_id"),
    ]
}

/// Statements ordered by when they were said (`desc`: newest first), undated last.
pub fn statements_by_date(desc: bool) -> Vec<SortKey<statement::Entity>> {
    vec![
        SortKey::dir(statement::Column::SaidAt, desc),
        SortKey::dir(statement::Column::Id, desc),
    ]
}

pub fn newest_casualties() -> Vec<SortKey<casualty::Entity>> {
    vec![
        SortKey::desc(casualty::Column::AsOf),
        SortKey::desc(casualty::Column::Id),
    ]
}

paged_rel!(
    /// People an article mentions, by name.
    ArticlePeople, person, (), |o| parent = col("article_person", "article_id"),
    select = |p| via_link::<person::Entity>("article_person", "article_id", "person_id", p),
    keys = by_name::<person::Entity>(person::Column::Name, person::Column::Id));
paged_rel!(
    ArticleOrganizations,
    organization,
    (),
    |o| parent = col("article_organization", "article_id"),
    select = |p| via_link::<organization::Entity>(
        "article_organization",
        "article_id",
        "organization_id",
        p
    ),
    keys = by_name::<organization::Entity>(organization::Column::Name, organization::Column::Id)
);
paged_rel!(
    ArticleLocations,
    location,
    (),
    |o| parent = col("article_location", "article_id"),
    select = |p| via_link::<location::Entity>("article_location", "article_id", "location_id", p),
    keys = by_name::<location::Entity>(location::Column::Name, location::Column::Id)
);
paged_rel!(
    /// An article's statements in the order the article reports them.
    ArticleStatements, statement, (), |o| parent = col("statement", "article_id"),
    select = |p| select_with_parent::<statement::Entity>(col("statement", "article_id"), p),
    keys = vec![SortKey::asc(statement::Column::Position), SortKey::asc(statement::Column::Id)]);
paged_rel!(
    ArticleCasualties,
    casualty,
    (),
    |o| parent = col("casualty", "article_id"),
    select = |p| select_with_parent::<casualty::Entity>(col("casualty", "article_id"), p),
    keys = vec![
        SortKey::asc(casualty::Column::Position),
        SortKey::asc(casualty::Column::Id)
    ]
);
paged_rel!(
    /// What a person said; the option is "newest first".
    PersonStatements, statement, bool, |o| parent = col("statement", "speaker_person_id"),
    select = |p| select_with_parent::<statement::Entity>(col("statement", "speaker_person_id"), p),
    keys = statements_by_date(o));
paged_rel!(
    PersonArticles,
    article,
    (),
    |o| parent = col("article_person", "person_id"),
    select = |p| via_link::<article::Entity>("article_person", "person_id", "article_id", p),
    keys = newest_mentioning("article_person")
);
paged_rel!(
    OrganizationStatements,
    statement,
    bool,
    |o| parent = col("statement", "speaker_organization_id"),
    select =
        |p| select_with_parent::<statement::Entity>(col("statement", "speaker_organization_id"), p),
    keys = statements_by_date(o)
);
paged_rel!(
    OrganizationArticles,
    article,
    (),
    |o| parent = col("article_organization", "organization_id"),
    select =
        |p| via_link::<article::Entity>("article_organization", "organization_id", "article_id", p),
    keys = newest_mentioning("article_organization")
);
paged_rel!(
    LocationArticles,
    article,
    (),
    |o| parent = col("article_location", "location_id"),
    select = |p| via_link::<article::Entity>("article_location", "location_id", "article_id", p),
    keys = newest_mentioning("article_location")
);
paged_rel!(
    /// Statements about a place, newest first.
    LocationStatements, statement, (), |o| parent = col("statement_about", "location_id"),
    select = |p| via_link::<statement::Entity>("statement_about", "location_id", "statement_id", p),
    keys = statements_by_date(true));
paged_rel!(
    /// Casualty figures for a place; the option is "include every place inside it".
    LocationCasualties, casualty, bool, |o| parent = if o { col("location_closure", "ancestor_id") } else { col("casualty", "location_id") },
    select = |p| if o {
        let mut q = select_with_parent::<casualty::Entity>(col("location_closure", "ancestor_id"), p);
        q.join(JoinType::InnerJoin, Alias::new("location_closure"),
            col("location_closure", "descendant_id").equals((casualty::Entity, casualty::Column::LocationId)));
        q
    } else {
        select_with_parent::<casualty::Entity>(col("casualty", "location_id"), p)
    },
    keys = newest_casualties());

#[cfg(test)]
mod tests {
    use super::*;

    /// The scope as it was first written (`format!` with the options' `Debug`): cursors
    /// issued by earlier builds carry its hash, so the text must not change.
    fn scope_is_the_formatted_one<R: PagedRel>(opts: &[R::Opts]) {
        for &o in opts {
            for parent in [0, 1, 42, -7, i32::MAX, i32::MIN] {
                assert_eq!(R::scope(parent, o), format!("{}|{parent}|{o:?}", R::NAME));
            }
        }
    }

    #[test]
    fn scopes_are_written_as_before() {
        scope_is_the_formatted_one::<ArticlePeople>(&[()]);
        scope_is_the_formatted_one::<ArticleOrganizations>(&[()]);
        scope_is_the_formatted_one::<ArticleLocations>(&[()]);
        scope_is_the_formatted_one::<ArticleStatements>(&[()]);
        scope_is_the_formatted_one::<ArticleCasualties>(&[()]);
        scope_is_the_formatted_one::<PersonStatements>(&[true, false]);
        scope_is_the_formatted_one::<PersonArticles>(&[()]);
        scope_is_the_formatted_one::<OrganizationStatements>(&[true, false]);
        scope_is_the_formatted_one::<OrganizationArticles>(&[()]);
        scope_is_the_formatted_one::<LocationArticles>(&[()]);
        scope_is_the_formatted_one::<LocationStatements>(&[()]);
        scope_is_the_formatted_one::<LocationCasualties>(&[true, false]);
        assert_eq!(PersonStatements::scope(3, true), "PersonStatements|3|true");
    }
}
