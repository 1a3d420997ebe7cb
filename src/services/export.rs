//! Exporting articles as ingestion documents: each article with everything it reports and
//! every entity those refer to (affiliations, countries, parent places, marked
//! `mentioned: false` when the article does not name them). Refs are derived from names and
//! lists are sorted, so exporting, importing into an empty database and exporting again
//! gives the same documents.
use std::collections::{BTreeMap, HashMap, HashSet};

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::error::ServiceResult;
use super::ingest::{
    ArticleDocument, CasualtyInput, LocationInput, OrganizationInput, PersonInput, StatementInput,
};
use crate::domain::names::normalize;
use crate::entities::{
    article, article_location, article_organization, article_person, casualty, location,
    location_alias, organization, organization_alias, person, person_alias, statement,
    statement_about, statement_dispute,
};

/// Article ids in export order (by URL), a page at a time.
pub async fn article_ids_after<C: ConnectionTrait>(
    db: &C,
    after_url: Option<&str>,
    limit: u64,
) -> ServiceResult<Vec<(i32, String)>> {
    let mut q = article::Entity::find()
        .select_only()
        .column(article::Column::Id)
        .column(article::Column::Url)
        .order_by_asc(article::Column::Url)
        .limit(limit);
    if let Some(u) = after_url {
        q = q.filter(article::Column::Url.gt(u));
    }
    Ok(q.into_tuple::<(i32, String)>().all(db).await?)
}

/// Unique, readable refs within one document ("volodymyr-zelenskyy", "ukraine", "ukraine-2").
struct Refs {
    used: HashSet<String>,
}

impl Refs {
    fn make(&mut self, name: &str) -> String {
        let base: String = normalize(name)
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { '-' })
            .collect::<String>()
            .split('-')
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("-");
        let base = if base.is_empty() {
            "entity".to_string()
        } else {
            base
        };
        let mut candidate = base.clone();
        let mut n = 2;
        while !self.used.insert(candidate.clone()) {
            candidate = format!("{base}-{n}");
            n += 1;
        }
        candidate
    }
}

async fn aliases<C: ConnectionTrait>(
    db: &C,
    table: &str,
    ids: &[i32],
) -> ServiceResult<HashMap<i32, Vec<String>>> {
    let mut out: HashMap<i32, Vec<String>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let rows: Vec<(i32, String)> = match table {
        "person" => {
            person_alias::Entity::find()
                .select_only()
                .column(person_alias::Column::PersonId)
                .column(person_alias::Column::Alias)
                .filter(person_alias::Column::PersonId.is_in(ids.to_vec()))
                .order_by_asc(person_alias::Column::Id)
                .into_tuple()
                .all(db)
                .await?
        }
        "organization" => {
            organization_alias::Entity::find()
                .select_only()
                .column(organization_alias::Column::OrganizationId)
                .column(organization_alias::Column::Alias)
                .filter(organization_alias::Column::OrganizationId.is_in(ids.to_vec()))
                .order_by_asc(organization_alias::Column::Id)
                .into_tuple()
                .all(db)
                .await?
        }
        _ => {
            location_alias::Entity::find()
                .select_only()
                .column(location_alias::Column::LocationId)
                .column(location_alias::Column::Alias)
                .filter(location_alias::Column::LocationId.is_in(ids.to_vec()))
                .order_by_asc(location_alias::Column::Id)
                .into_tuple()
                .all(db)
                .await?
        }
    };
    for (id, alias) in rows {
        out.entry(id).or_default().push(alias);
    }
    Ok(out)
}

/// The document of one article; None if it does not exist.
pub async fn export_article<C: ConnectionTrait>(
    db: &C,
    id: i32,
) -> ServiceResult<Option<ArticleDocument>> {
    let Some(art) = article::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let mentioned_people: HashSet<i32> = article_person::Entity::find()
        .filter(article_person::Column::ArticleId.eq(id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.person_id)
        .collect();
    let mentioned_orgs: HashSet<i32> = article_organization::Entity::find()
        .filter(article_organization::Column::ArticleId.eq(id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.organization_id)
        .collect();
    let mentioned_places: HashSet<i32> = article_location::Entity::find()
        .filter(article_location::Column::ArticleId.eq(id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.location_id)
        .collect();
    let statements = statement::Entity::find()
        .filter(statement::Column::ArticleId.eq(id))
        .order_by_asc(statement::Column::Position)
        .all(db)
        .await?;
    let casualties = casualty::Entity::find()
        .filter(casualty::Column::ArticleId.eq(id))
        .order_by_asc(casualty::Column::Position)
        .all(db)
        .await?;
    let statement_ids: Vec<i32> = statements.iter().map(|s| s.id).collect();
    let about = statement_about::Entity::find()
        .filter(statement_about::Column::StatementId.is_in(statement_ids.clone()))
        .all(db)
        .await?;
    let disputes = statement_dispute::Entity::find()
        .filter(statement_dispute::Column::StatementId.is_in(statement_ids.clone()))
        .all(db)
        .await?;

    // Everything the article's rows refer to, closed over affiliations, countries and parents.
    let mut person_ids: HashSet<i32> = mentioned_people.clone();
    let mut org_ids: HashSet<i32> = mentioned_orgs.clone();
    let mut place_ids: HashSet<i32> = mentioned_places.clone();
    for s in &statements {
        person_ids.extend(s.speaker_person_id);
        org_ids.extend(s.speaker_organization_id);
        place_ids.extend(s.place_id);
    }
    place_ids.extend(about.iter().map(|a| a.location_id));
    for c in &casualties {
        person_ids.extend(c.reported_by_person_id);
        org_ids.extend(c.reported_by_organization_id);
        place_ids.extend(c.location_id);
    }
    let people = person::Entity::find()
        .filter(person::Column::Id.is_in(person_ids.iter().copied()))
        .all(db)
        .await?;
    org_ids.extend(people.iter().filter_map(|p| p.affiliation_id));
    let orgs = organization::Entity::find()
        .filter(organization::Column::Id.is_in(org_ids.iter().copied()))
        .all(db)
        .await?;
    place_ids.extend(orgs.iter().filter_map(|o| o.country_id));
    let mut places: BTreeMap<i32, location::Model> = BTreeMap::new();
    let mut frontier: Vec<i32> = place_ids.into_iter().collect();
    while !frontier.is_empty() {
        let found = location::Entity::find()
            .filter(location::Column::Id.is_in(frontier.clone()))
            .all(db)
            .await?;
        frontier = found
            .iter()
            .filter_map(|l| l.parent_id)
            .filter(|p| !places.contains_key(p))
            .collect();
        for l in found {
            places.insert(l.id, l);
        }
        frontier.retain(|p| !places.contains_key(p));
        frontier.sort_unstable();
        frontier.dedup();
    }

    let mut people = people;
    people.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    let mut orgs = orgs;
    orgs.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    let mut places: Vec<location::Model> = places.into_values().collect();
    places.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));

    let mut refs = Refs {
        used: HashSet::new(),
    };
    let place_ref: HashMap<i32, String> =
        places.iter().map(|l| (l.id, refs.make(&l.name))).collect();
    let org_ref: HashMap<i32, String> = orgs.iter().map(|o| (o.id, refs.make(&o.name))).collect();
    let person_ref: HashMap<i32, String> =
        people.iter().map(|p| (p.id, refs.make(&p.name))).collect();
    let statement_ref: HashMap<i32, String> = statements
        .iter()
        .map(|s| (s.id, format!("s{}", s.position + 1)))
        .collect();
    let actor = |p: Option<i32>, o: Option<i32>| -> Option<String> {
        p.and_then(|p| person_ref.get(&p).cloned())
            .or_else(|| o.and_then(|o| org_ref.get(&o).cloned()))
    };

    let person_ids: Vec<i32> = people.iter().map(|p| p.id).collect();
    let org_ids: Vec<i32> = orgs.iter().map(|o| o.id).collect();
    let loc_ids: Vec<i32> = places.iter().map(|l| l.id).collect();
    let mut person_aliases = aliases(db, "person", &person_ids).await?;
    let mut org_aliases = aliases(db, "organization", &org_ids).await?;
    let mut place_aliases = aliases(db, "location", &loc_ids).await?;

    let mut about_of: HashMap<i32, Vec<String>> = HashMap::new();
    for a in &about {
        if let Some(r) = place_ref.get(&a.location_id) {
            about_of.entry(a.statement_id).or_default().push(r.clone());
        }
    }
    let mut disputes_of: HashMap<i32, Vec<String>> = HashMap::new();
    for d in &disputes {
        // Disputes of statements in other articles cannot be expressed in one document.
        if let Some(r) = statement_ref.get(&d.disputed_id) {
            disputes_of
                .entry(d.statement_id)
                .or_default()
                .push(r.clone());
        }
    }

    Ok(Some(ArticleDocument {
        url: art.url,
        title: art.title,
        summary: art.summary,
        body: art.body,
        source: art.source,
        published_at: art.published_at,
        people: people
            .iter()
            .map(|p| PersonInput {
                reference: person_ref[&p.id].clone(),
                name: p.name.clone(),
                aliases: person_aliases.remove(&p.id).unwrap_or_default(),
                role: p.role.clone(),
                affiliation_ref: p.affiliation_id.and_then(|o| org_ref.get(&o).cloned()),
                wikidata_id: p.wikidata_id.clone(),
                mentioned: mentioned_people.contains(&p.id),
            })
            .collect(),
        organizations: orgs
            .iter()
            .map(|o| OrganizationInput {
                reference: org_ref[&o.id].clone(),
                name: o.name.clone(),
                aliases: org_aliases.remove(&o.id).unwrap_or_default(),
                kind: o.kind.clone(),
                country_ref: o.country_id.and_then(|l| place_ref.get(&l).cloned()),
                wikidata_id: o.wikidata_id.clone(),
                mentioned: mentioned_orgs.contains(&o.id),
            })
            .collect(),
        locations: places
            .iter()
            .map(|l| LocationInput {
                reference: place_ref[&l.id].clone(),
                name: l.name.clone(),
                aliases: place_aliases.remove(&l.id).unwrap_or_default(),
                kind: l.kind,
                latitude: l.latitude,
                longitude: l.longitude,
                parent_ref: l.parent_id.and_then(|p| place_ref.get(&p).cloned()),
                wikidata_id: l.wikidata_id.clone(),
                mentioned: mentioned_places.contains(&l.id),
            })
            .collect(),
        statements: statements
            .iter()
            .map(|s| {
                let mut about_refs = about_of.remove(&s.id).unwrap_or_default();
                about_refs.sort();
                let mut disputes_refs = disputes_of.remove(&s.id).unwrap_or_default();
                disputes_refs.sort();
                StatementInput {
                    reference: statement_ref[&s.id].clone(),
                    text: s.text.clone(),
                    kind: s.kind,
                    speaker_ref: actor(s.speaker_person_id, s.speaker_organization_id),
                    said_at: s.said_at,
                    place_ref: s.place_id.and_then(|l| place_ref.get(&l).cloned()),
                    about_refs,
                    disputes_refs,
                }
            })
            .collect(),
        casualties: casualties
            .iter()
            .map(|c| CasualtyInput {
                category: c.category,
                population: c.population,
                count_min: c.count_min,
                count_max: c.count_max,
                qualifier: c.qualifier,
                phrase: c.phrase.clone(),
                period_start: c.period_start,
                as_of: c.as_of,
                location_ref: c.location_id.and_then(|l| place_ref.get(&l).cloned()),
                reported_by_ref: actor(c.reported_by_person_id, c.reported_by_organization_id),
            })
            .collect(),
    }))
}
