//! Closed vocabularies stored as text (checked by the database as well).
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LocationKind {
    #[sea_orm(string_value = "CONTINENT")]
    Continent,
    #[sea_orm(string_value = "COUNTRY")]
    Country,
    #[sea_orm(string_value = "REGION")]
    Region,
    #[sea_orm(string_value = "CITY")]
    City,
    #[sea_orm(string_value = "SITE")]
    Site,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StatementKind {
    #[sea_orm(string_value = "QUOTE")]
    Quote,
    #[sea_orm(string_value = "PARAPHRASE")]
    Paraphrase,
    #[sea_orm(string_value = "CLAIM")]
    Claim,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CasualtyCategory {
    #[sea_orm(string_value = "KILLED")]
    Killed,
    #[sea_orm(string_value = "INJURED")]
    Injured,
    #[sea_orm(string_value = "KILLED_OR_INJURED")]
    KilledOrInjured,
    #[sea_orm(string_value = "MISSING")]
    Missing,
    #[sea_orm(string_value = "DISPLACED")]
    Displaced,
    #[sea_orm(string_value = "AFFECTED")]
    Affected,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Population {
    #[sea_orm(string_value = "CIVILIAN")]
    Civilian,
    #[sea_orm(string_value = "MILITARY")]
    Military,
    #[sea_orm(string_value = "MIXED")]
    Mixed,
    #[sea_orm(string_value = "UNKNOWN")]
    Unknown,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CountQualifier {
    #[sea_orm(string_value = "EXACT")]
    Exact,
    #[sea_orm(string_value = "AT_LEAST")]
    AtLeast,
    #[sea_orm(string_value = "AT_MOST")]
    AtMost,
    #[sea_orm(string_value = "APPROXIMATE")]
    Approximate,
    #[sea_orm(string_value = "RANGE")]
    Range,
}
