use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "statement_dispute")]
pub struct Model {
    /// The statement that contradicts ...
    #[sea_orm(primary_key, auto_increment = false)]
    pub statement_id: i32,
    /// ... this one.
    #[sea_orm(primary_key, auto_increment = false)]
    pub disputed_id: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
