use super::enums::StatementKind;
use sea_orm::entity::prelude::*;
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "statement")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub article_id: i32,
    pub position: i32,
    pub text: String,
    pub kind: StatementKind,
    pub speaker_person_id: Option<i32>,
    pub speaker_organization_id: Option<i32>,
    pub said_at: Option<Date>,
    pub place_id: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
