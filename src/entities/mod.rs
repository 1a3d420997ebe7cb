//! sea-orm entities: the database schema, not the API schema (the GraphQL types in
//! `graphql/` are written for frontends and converted from these models).
pub mod article;
pub mod article_location;
pub mod article_organization;
pub mod article_person;
pub mod casualty;
pub mod casualty_evidence;
pub mod enums;
pub mod location;
pub mod location_alias;
pub mod location_closure;
pub mod organization;
pub mod organization_alias;
pub mod person;
pub mod person_alias;
pub mod statement;
pub mod statement_about;
pub mod statement_dispute;
pub mod statement_evidence;
