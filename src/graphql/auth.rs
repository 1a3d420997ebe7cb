//! Who is calling. Reads are public; every mutation needs `Authorization: Bearer <key>` with a
//! key the operator configured. The http layer decides the caller; resolvers only ask.
use async_graphql::{Context, Error, ErrorExtensions};

use crate::configuration::ApiKeys;

/// The caller of one request, decided from its `Authorization` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    /// No credentials: may read.
    Anonymous,
    /// Presented a configured API key: may read and write.
    Writer,
    /// Presented credentials that are not a configured key.
    InvalidKey,
}

impl Caller {
    /// The caller for an `Authorization` header value (or its absence).
    pub fn from_authorization(keys: &ApiKeys, authorization: Option<&str>) -> Caller {
        let Some(value) = authorization else {
            return Caller::Anonymous;
        };
        let presented = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .map(str::trim)
            .unwrap_or("");
        if keys.matches(presented) {
            Caller::Writer
        } else {
            Caller::InvalidKey
        }
    }
}

/// Fails with `UNAUTHENTICATED` unless the request carries a valid API key.
pub fn require_writer(ctx: &Context<'_>) -> async_graphql::Result<()> {
    let caller = ctx
        .data_opt::<Caller>()
        .copied()
        .unwrap_or(Caller::Anonymous);
    let message = match caller {
        Caller::Writer => return Ok(()),
        Caller::Anonymous => {
            "this operation changes data and needs an API key: send `Authorization: Bearer <key>`"
        }
        Caller::InvalidKey => "the API key is not valid",
    };
    Err(Error::new(message).extend_with(|_, e| e.set("code", "UNAUTHENTICATED")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_configured_keys_write() {
        let keys = ApiKeys::new(["alpha".to_string(), " beta ".to_string(), "".to_string()]);
        let caller = |h| Caller::from_authorization(&keys, h);
        assert_eq!(caller(None), Caller::Anonymous);
        assert_eq!(caller(Some("Bearer alpha")), Caller::Writer);
        assert_eq!(caller(Some("Bearer beta")), Caller::Writer);
        assert_eq!(caller(Some("Bearer gamma")), Caller::InvalidKey);
        assert_eq!(caller(Some("Bearer ")), Caller::InvalidKey);
        assert_eq!(caller(Some("Basic YWxwaGE6")), Caller::InvalidKey);
        assert_eq!(format!("{keys:?}"), "ApiKeys(2 configured)");
        assert_eq!(
            Caller::from_authorization(&ApiKeys::default(), Some("Bearer ")),
            Caller::InvalidKey
        );
    }
}
