use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "casualty_evidence")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub casualty_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub span_start: i32,
    pub span_end: i32,
    pub snippet: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
