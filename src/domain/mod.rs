//! Types that can only be built valid: global node ids, opaque cursors, normalized names.
//! std and small crates only; nothing here knows about the database or GraphQL.
pub mod base64url;
pub mod cursor;
pub mod names;
pub mod node_id;
pub mod text;
