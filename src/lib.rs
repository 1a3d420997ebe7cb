//! newsgraph: a GraphQL API over a linked graph of news reporting.
pub mod cli;
pub mod configuration;
pub mod domain;
pub mod entities;
pub mod graphql;
pub mod http;
pub mod sched;
pub mod services;
pub mod startup;
pub mod telemetry;

/// A hash map for keys looked up at every request (query texts, statement keys): foldhash,
/// randomly seeded, where SipHash cost more than the lookups themselves.
pub type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// The set of [`FastMap`].
pub type FastSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;
