use super::enums::LocationKind;
use sea_orm::entity::prelude::*;
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "location")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
    pub name_norm: String,
    pub kind: LocationKind,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub parent_id: Option<i32>,
    pub wikidata_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
