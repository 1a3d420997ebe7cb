use super::enums::{CasualtyCategory, CountQualifier, Population};
use sea_orm::entity::prelude::*;
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "casualty")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub article_id: i32,
    pub position: i32,
    pub category: CasualtyCategory,
    pub population: Population,
    pub count_min: Option<i32>,
    pub count_max: Option<i32>,
    pub qualifier: CountQualifier,
    pub phrase: Option<String>,
    pub period_start: Option<Date>,
    pub as_of: Option<Date>,
    pub location_id: Option<i32>,
    pub reported_by_person_id: Option<i32>,
    pub reported_by_organization_id: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
