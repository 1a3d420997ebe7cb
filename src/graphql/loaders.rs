//! Per-request batching loaders: every relation of the graph is loaded through one of these,
//! so a nested query costs one SQL statement per relation level, whatever the number of rows.
//! One `DataLoader<AppLoader>` per request serves every key type; its cache never outlives it.
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use sea_orm::{DatabaseConnection, EntityTrait, FromQueryResult};

use crate::services::error::{ServiceError, SharedError};
use crate::services::page::{self, Page, Window};
use crate::services::read::{self, HasId};
use crate::services::relations::{self, ListRel, PagedRel};

pub struct AppLoader {
    db: DatabaseConnection,
}

pub type Loaders = DataLoader<AppLoader, HashMapCache>;

pub fn loaders(db: DatabaseConnection) -> Loaders {
    DataLoader::with_cache(AppLoader { db }, tokio::spawn, HashMapCache::default())
}

macro_rules! key_impls {
    ($name:ident<$t:ident>, $($field:ident),+) => {
        impl<$t> Clone for $name<$t> where $name<$t>: KeyFields {
            fn clone(&self) -> Self {
                Self { $($field: self.$field.clone(),)+ _t: PhantomData }
            }
        }
        impl<$t> PartialEq for $name<$t> where $name<$t>: KeyFields {
            fn eq(&self, other: &Self) -> bool {
                true $(&& self.$field == other.$field)+
            }
        }
        impl<$t> Eq for $name<$t> where $name<$t>: KeyFields {}
        impl<$t> Hash for $name<$t> where $name<$t>: KeyFields {
            fn hash<H: Hasher>(&self, state: &mut H) {
                $(self.$field.hash(state);)+
            }
        }
    };
}

/// Marker so the derived-by-hand key traits only exist for well-formed keys.
pub trait KeyFields {}

/// A row of entity `E` by id.
pub struct ById<E> {
    pub id: i32,
    _t: PhantomData<fn() -> E>,
}
impl<E> ById<E> {
    pub fn new(id: i32) -> Self {
        Self {
            id,
            _t: PhantomData,
        }
    }
}
impl<E> KeyFields for ById<E> {}
key_impls!(ById<E>, id);

/// The whole (unpaged) list of relation `R` for one parent.
pub struct ListOf<R> {
    pub parent: i32,
    _t: PhantomData<fn() -> R>,
}
impl<R> ListOf<R> {
    pub fn new(parent: i32) -> Self {
        Self {
            parent,
            _t: PhantomData,
        }
    }
}
impl<R> KeyFields for ListOf<R> {}
key_impls!(ListOf<R>, parent);

/// One page of nested list `R` for one parent.
pub struct PageOf<R: PagedRel> {
    pub parent: i32,
    pub window: Window,
    pub opts: R::Opts,
    _t: PhantomData<fn() -> R>,
}
impl<R: PagedRel> PageOf<R> {
    pub fn new(parent: i32, window: Window, opts: R::Opts) -> Self {
        Self {
            parent,
            window,
            opts,
            _t: PhantomData,
        }
    }
}
impl<R: PagedRel> KeyFields for PageOf<R> {}
impl<R: PagedRel> Clone for PageOf<R> {
    fn clone(&self) -> Self {
        Self::new(self.parent, self.window.clone(), self.opts)
    }
}
impl<R: PagedRel> PartialEq for PageOf<R> {
    fn eq(&self, o: &Self) -> bool {
        self.parent == o.parent && self.window == o.window && self.opts == o.opts
    }
}
impl<R: PagedRel> Eq for PageOf<R> {}
impl<R: PagedRel> Hash for PageOf<R> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.parent.hash(state);
        self.window.hash(state);
        self.opts.hash(state);
    }
}

/// The size of nested list `R` for one parent (only loaded when `totalCount` is selected).
pub struct CountOf<R: PagedRel> {
    pub parent: i32,
    pub opts: R::Opts,
    _t: PhantomData<fn() -> R>,
}
impl<R: PagedRel> CountOf<R> {
    pub fn new(parent: i32, opts: R::Opts) -> Self {
        Self {
            parent,
            opts,
            _t: PhantomData,
        }
    }
}
impl<R: PagedRel> Clone for CountOf<R> {
    fn clone(&self) -> Self {
        Self::new(self.parent, self.opts)
    }
}
impl<R: PagedRel> PartialEq for CountOf<R> {
    fn eq(&self, o: &Self) -> bool {
        self.parent == o.parent && self.opts == o.opts
    }
}
impl<R: PagedRel> Eq for CountOf<R> {}
impl<R: PagedRel> Hash for CountOf<R> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.parent.hash(state);
        self.opts.hash(state);
    }
}

impl<E> Loader<ById<E>> for AppLoader
where
    E: EntityTrait,
    E::Model: FromQueryResult + HasId + Clone + Send + Sync,
{
    type Value = E::Model;
    type Error = SharedError;

    async fn load(&self, keys: &[ById<E>]) -> Result<HashMap<ById<E>, E::Model>, SharedError> {
        let ids: Vec<i32> = keys.iter().map(|k| k.id).collect();
        let rows = read::by_ids::<E, _>(&self.db, &ids)
            .await
            .map_err(SharedError::new)?;
        Ok(rows.into_iter().map(|m| (ById::new(m.id()), m)).collect())
    }
}

impl<R> Loader<ListOf<R>> for AppLoader
where
    R: ListRel,
    <R::E as EntityTrait>::Model: FromQueryResult + Clone + Send + Sync,
{
    type Value = Vec<<R::E as EntityTrait>::Model>;
    type Error = SharedError;

    async fn load(
        &self,
        keys: &[ListOf<R>],
    ) -> Result<HashMap<ListOf<R>, Self::Value>, SharedError> {
        let parents: Vec<i32> = keys.iter().map(|k| k.parent).collect();
        let mut found = relations::load_list::<R, _>(&self.db, &parents)
            .await
            .map_err(SharedError::new)?;
        // Parents without rows get an empty list, so the loader does not report them missing.
        Ok(parents
            .into_iter()
            .map(|p| (ListOf::new(p), found.remove(&p).unwrap_or_default()))
            .collect())
    }
}

impl<R: PagedRel> Loader<PageOf<R>> for AppLoader {
    type Value = Page<R::M>;
    type Error = SharedError;

    async fn load(
        &self,
        keys: &[PageOf<R>],
    ) -> Result<HashMap<PageOf<R>, Self::Value>, SharedError> {
        // One statement per distinct window; a cursor belongs to one parent, so keys with a
        // cursor are grouped per parent as well.
        let mut groups: HashMap<(Window, R::Opts, Option<i32>), Vec<i32>> = HashMap::new();
        for k in keys {
            let solo = k.window.cursor.as_ref().map(|_| k.parent);
            groups
                .entry((k.window.clone(), k.opts, solo))
                .or_default()
                .push(k.parent);
        }
        let mut out = HashMap::new();
        for ((window, opts, _), parents) in groups {
            let keys = R::keys(opts);
            let mut pages = page::fetch_partitioned(
                &self.db,
                R::select(relations::Parents::In(&parents), opts),
                R::parent(opts),
                &keys,
                &window,
                &parents,
                |p| R::scope(p, opts),
            )
            .await
            .map_err(SharedError::new)?;
            for p in parents {
                let mut page = pages.remove(&p).unwrap_or_default();
                page.has_prev = window.cursor.is_some();
                out.insert(PageOf::new(p, window.clone(), opts), page);
            }
        }
        Ok(out)
    }
}

impl<R: PagedRel> Loader<CountOf<R>> for AppLoader {
    type Value = i64;
    type Error = SharedError;

    async fn load(&self, keys: &[CountOf<R>]) -> Result<HashMap<CountOf<R>, i64>, SharedError> {
        let mut groups: HashMap<R::Opts, Vec<i32>> = HashMap::new();
        for k in keys {
            groups.entry(k.opts).or_default().push(k.parent);
        }
        let mut out = HashMap::new();
        for (opts, parents) in groups {
            let counts = page::count_partitioned(
                &self.db,
                R::select(relations::Parents::In(&parents), opts),
            )
            .await
            .map_err(SharedError::new)?;
            for p in parents {
                out.insert(CountOf::new(p, opts), counts.get(&p).copied().unwrap_or(0));
            }
        }
        Ok(out)
    }
}

/// Keeps the error type nameable for resolvers.
pub type LoadError = std::sync::Arc<ServiceError>;

/// Whether some disputed or disputing statement is about a place.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Contested(pub i32);

impl Loader<Contested> for AppLoader {
    type Value = bool;
    type Error = SharedError;

    async fn load(&self, keys: &[Contested]) -> Result<HashMap<Contested, bool>, SharedError> {
        let ids: Vec<i32> = keys.iter().map(|k| k.0).collect();
        let contested = crate::services::analysis::contested_places(&self.db, &ids)
            .await
            .map_err(SharedError::new)?;
        Ok(ids
            .into_iter()
            .map(|id| (Contested(id), contested.contains(&id)))
            .collect())
    }
}
