//! Filter and ordering inputs of the root lists, parsed into service filters (global ids
//! checked for their type, so `personId` must be a Person's ID).
use async_graphql::{Enum, ID, InputObject};
use chrono::{DateTime, Utc};

use super::error::bad_input;
use super::scalars::Date;
use super::types::{CasualtyCategory, LocationKind, Population, StatementKind};
use crate::domain::node_id::{NodeId, NodeKind};
use crate::services::read;

pub fn parse_id(id: &ID, kinds: &[NodeKind]) -> async_graphql::Result<i32> {
    NodeId::parse_as(id, kinds)
        .map(|n| n.id())
        .map_err(|e| bad_input(e.to_string()))
}

pub fn parse_actor(id: &ID) -> async_graphql::Result<read::Actor> {
    let n = NodeId::parse_as(id, &[NodeKind::Person, NodeKind::Organization])
        .map_err(|e| bad_input(e.to_string()))?;
    Ok(match n.kind() {
        NodeKind::Person => read::Actor::Person(n.id()),
        _ => read::Actor::Organization(n.id()),
    })
}

/// Sort direction.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum OrderDirection {
    /// Smallest / oldest / A first.
    Asc,
    /// Largest / newest / Z first.
    Desc,
}

/// What to sort articles by. Undated articles always come last.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ArticleOrderField {
    PublishedAt,
    Title,
}

/// Article order (default: newest first).
#[derive(InputObject, Clone, Copy, Debug)]
pub struct ArticleOrder {
    /// What to sort by.
    pub field: ArticleOrderField,
    /// Ascending or descending.
    pub direction: OrderDirection,
}

impl ArticleOrder {
    pub fn to_service(o: Option<Self>) -> (read::ArticleOrder, bool) {
        match o {
            None => (read::ArticleOrder::PublishedAt, true),
            Some(o) => (
                match o.field {
                    ArticleOrderField::PublishedAt => read::ArticleOrder::PublishedAt,
                    ArticleOrderField::Title => read::ArticleOrder::Title,
                },
                o.direction == OrderDirection::Desc,
            ),
        }
    }
}

/// What to sort statements by. Undated statements always come last.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum StatementOrderField {
    SaidAt,
}

/// Statement order (default: newest first).
#[derive(InputObject, Clone, Copy, Debug)]
pub struct StatementOrder {
    /// What to sort by.
    pub field: StatementOrderField,
    /// Ascending or descending.
    pub direction: OrderDirection,
}

impl StatementOrder {
    pub fn newest_first(&self) -> bool {
        self.direction == OrderDirection::Desc
    }
}

/// Narrows the article list; all given conditions must hold.
#[derive(InputObject, Default, Clone)]
pub struct ArticleFilter {
    /// Published at or after this instant.
    pub published_after: Option<DateTime<Utc>>,
    /// Published strictly before this instant.
    pub published_before: Option<DateTime<Utc>>,
    /// Mentions this person.
    pub person_id: Option<ID>,
    /// Mentions this place or a place inside it.
    pub location_id: Option<ID>,
    /// Title, summary or body contains this text (case-insensitive).
    pub text: Option<String>,
}

impl ArticleFilter {
    pub fn to_service(&self) -> async_graphql::Result<read::ArticleFilter> {
        Ok(read::ArticleFilter {
            published_after: self.published_after,
            published_before: self.published_before,
            person_id: self
                .person_id
                .as_ref()
                .map(|i| parse_id(i, &[NodeKind::Person]))
                .transpose()?,
            location_id: self
                .location_id
                .as_ref()
                .map(|i| parse_id(i, &[NodeKind::Location]))
                .transpose()?,
            text: self.text.clone(),
        })
    }
}

/// Narrows the people list.
#[derive(InputObject, Default, Clone)]
pub struct PersonFilter {
    /// Name or an alias contains this text (case- and accent-insensitive).
    pub name: Option<String>,
}

/// Narrows the organization list.
#[derive(InputObject, Default, Clone)]
pub struct OrganizationFilter {
    /// Name or an alias contains this text (case- and accent-insensitive).
    pub name: Option<String>,
}

/// Narrows the statement list; all given conditions must hold.
#[derive(InputObject, Default, Clone)]
pub struct StatementFilter {
    /// Said by this person or organization.
    pub speaker_id: Option<ID>,
    /// Reported by this article.
    pub article_id: Option<ID>,
    /// About this place.
    pub about_location_id: Option<ID>,
    /// Quote, paraphrase or claim.
    pub kind: Option<StatementKind>,
    /// true: only statements that dispute another or are disputed; false: only undisputed ones.
    pub disputed: Option<bool>,
    /// Said on or after this day.
    pub said_after: Option<Date>,
    /// Said strictly before this day.
    pub said_before: Option<Date>,
}

impl StatementFilter {
    pub fn to_service(&self) -> async_graphql::Result<read::StatementFilter> {
        Ok(read::StatementFilter {
            speaker: self.speaker_id.as_ref().map(parse_actor).transpose()?,
            article_id: self
                .article_id
                .as_ref()
                .map(|i| parse_id(i, &[NodeKind::Article]))
                .transpose()?,
            about_location_id: self
                .about_location_id
                .as_ref()
                .map(|i| parse_id(i, &[NodeKind::Location]))
                .transpose()?,
            kind: self.kind.map(Into::into),
            disputed: self.disputed,
            said_after: self.said_after.map(|d| d.0),
            said_before: self.said_before.map(|d| d.0),
        })
    }
}

/// A circle on the Earth's surface.
#[derive(InputObject, Clone, Copy)]
pub struct GeoCircle {
    /// Centre latitude in degrees (-90..90).
    pub latitude: f64,
    /// Centre longitude in degrees (-180..180).
    pub longitude: f64,
    /// Radius in kilometres (great-circle distance).
    pub radius_km: f64,
}

/// Narrows the place list; all given conditions must hold.
#[derive(InputObject, Default, Clone)]
pub struct LocationFilter {
    /// Name or an alias contains this text (case- and accent-insensitive).
    pub name: Option<String>,
    /// Only places of this kind.
    pub kind: Option<LocationKind>,
    /// Only places inside this one, at any depth.
    pub within_id: Option<ID>,
    /// Only places within this circle, nearest first (each with `distanceKm`).
    pub near: Option<GeoCircle>,
}

impl LocationFilter {
    pub fn to_service(&self) -> async_graphql::Result<read::LocationFilter> {
        Ok(read::LocationFilter {
            name: self.name.clone(),
            kind: self.kind.map(Into::into),
            within_id: self
                .within_id
                .as_ref()
                .map(|i| parse_id(i, &[NodeKind::Location]))
                .transpose()?,
            near: self
                .near
                .map(|c| read::GeoCircle::parse(c.latitude, c.longitude, c.radius_km))
                .transpose()
                .map_err(|e| super::error::to_graphql(&e))?,
        })
    }
}

/// Narrows the casualty list; all given conditions must hold.
#[derive(InputObject, Default, Clone)]
pub struct CasualtyFilter {
    /// For this place (and, with `includeDescendants`, every place inside it).
    pub location_id: Option<ID>,
    /// With `locationId`: include figures for places inside it (default false).
    pub include_descendants: Option<bool>,
    /// Only figures of this category.
    pub category: Option<CasualtyCategory>,
    /// Only figures counting this population.
    pub population: Option<Population>,
    /// Reported by this person or organization.
    pub reported_by_id: Option<ID>,
    /// Valid as of this day or later.
    pub as_of_after: Option<Date>,
    /// Valid as of a day strictly before this one.
    pub as_of_before: Option<Date>,
}

impl CasualtyFilter {
    pub fn to_service(&self) -> async_graphql::Result<read::CasualtyFilter> {
        Ok(read::CasualtyFilter {
            location_id: self
                .location_id
                .as_ref()
                .map(|i| parse_id(i, &[NodeKind::Location]))
                .transpose()?,
            include_descendants: self.include_descendants.unwrap_or(false),
            category: self.category.map(Into::into),
            population: self.population.map(Into::into),
            reported_by: self.reported_by_id.as_ref().map(parse_actor).transpose()?,
            as_of_after: self.as_of_after.map(|d| d.0),
            as_of_before: self.as_of_before.map(|d| d.0),
        })
    }
}
