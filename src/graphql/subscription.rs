//! Live updates: each subscription listens to the process's broadcast of committed events and
//! keeps what its filter matches. A subscription that falls too far behind is stopped and
//! its connection told to close (a slow consumer must not make the server hold memory).
use std::collections::VecDeque;
use std::future::Future;
use std::sync::{Arc, Mutex};

use async_graphql::{Context, Error, ErrorExtensions, ID, Subscription as GqlSubscription};
use futures_util::Stream;
use sea_orm::{DatabaseConnection, DbErr};
use tokio::sync::Notify;
use tokio::sync::broadcast::error::RecvError;

use super::inputs::{parse_actor, parse_id};
use super::types::{Article, Casualty, Statement};
use crate::domain::node_id::NodeKind;
use crate::services::error::ServiceError;
use crate::services::live::{Delivered, LiveHub};
use crate::services::read::Actor;

/// Set by a subscription that had to stop because its client reads too slowly; the transport
/// closes the connection with the reason.
#[derive(Default)]
pub struct Cutoff {
    reason: Mutex<Option<String>>,
    notify: Notify,
}

impl Cutoff {
    pub fn trip(&self, reason: String) {
        if let Ok(mut r) = self.reason.lock() {
            r.get_or_insert(reason);
        }
        self.notify.notify_one();
    }

    /// Waits until a subscription trips the cutoff; returns the reason.
    pub async fn tripped(&self) -> String {
        loop {
            if let Some(r) = self.reason.lock().ok().and_then(|r| r.clone()) {
                return r;
            }
            self.notify.notified().await;
        }
    }
}

#[derive(Default)]
pub struct Subscription;

fn unavailable() -> Error {
    Error::new("live updates are not available on this server")
        .extend_with(|_, e| e.set("code", "SERVICE_UNAVAILABLE"))
}

fn failed(e: DbErr) -> Error {
    super::error::to_graphql(&ServiceError::from(e))
}

/// The events after now, each turned into what `pick` keeps of it.
fn deliver<T, F, Fut>(
    ctx: &Context<'_>,
    pick: F,
) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<T>> + use<T, F, Fut>>
where
    T: Send + 'static,
    F: Fn(Arc<Delivered>, DatabaseConnection) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Vec<T>, DbErr>> + Send,
{
    let hub = ctx.data_opt::<Arc<LiveHub>>().ok_or_else(unavailable)?;
    let db = ctx.data::<DatabaseConnection>()?.clone();
    let cutoff = ctx.data_opt::<Arc<Cutoff>>().cloned();
    struct State<T, F> {
        rx: tokio::sync::broadcast::Receiver<Arc<Delivered>>,
        pending: VecDeque<T>,
        db: DatabaseConnection,
        pick: F,
        cutoff: Option<Arc<Cutoff>>,
        done: bool,
    }
    let state = State {
        rx: hub.subscribe(),
        pending: VecDeque::new(),
        db,
        pick,
        cutoff,
        done: false,
    };
    Ok(futures_util::stream::unfold(state, |mut st| async move {
        loop {
            if let Some(item) = st.pending.pop_front() {
                return Some((Ok(item), st));
            }
            if st.done {
                return None;
            }
            match st.rx.recv().await {
                Ok(event) => match (st.pick)(event, st.db.clone()).await {
                    Ok(items) => st.pending.extend(items),
                    Err(e) => return Some((Err(failed(e)), st)),
                },
                Err(RecvError::Lagged(n)) => {
                    let reason =
                        format!("slow consumer: fell {n} events behind; reconnect to resume");
                    if let Some(c) = &st.cutoff {
                        c.trip(reason.clone());
                    }
                    st.done = true;
                    let e = Error::new(reason).extend_with(|_, e| e.set("code", "SLOW_CONSUMER"));
                    return Some((Err(e), st));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    }))
}

/// Live updates over WebSocket on `/graphql` (`graphql-transport-ws`, or the legacy
/// `graphql-ws`). Every event is delivered after its write committed, whichever server
/// replica took the write.
#[GqlSubscription]
impl Subscription {
    /// Each article as soon as it is ingested (or re-ingested), with everything it reports.
    async fn article_ingested(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<Article>>> {
        deliver(ctx, |event: Arc<Delivered>, db| async move {
            Ok(event.article(&db).await?.map(Article).into_iter().collect())
        })
    }

    /// Each statement reported by a newly ingested article, optionally only those said by one
    /// person or organization and/or about one place (all given conditions must hold).
    async fn statement_added(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only statements said by this person or organization.")]
        speaker_id: Option<ID>,
        #[graphql(desc = "Only statements about this place.")] about_location_id: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<Statement>>> {
        let speaker = speaker_id.as_ref().map(parse_actor).transpose()?;
        let about = about_location_id
            .as_ref()
            .map(|i| parse_id(i, &[NodeKind::Location]))
            .transpose()?;
        deliver(ctx, move |event: Arc<Delivered>, db| async move {
            let ids: Vec<i32> = event
                .event
                .statements
                .iter()
                .filter(|s| match speaker {
                    Some(Actor::Person(p)) => s.speaker_person_id == Some(p),
                    Some(Actor::Organization(o)) => s.speaker_organization_id == Some(o),
                    None => true,
                })
                .filter(|s| about.is_none_or(|l| s.about.contains(&l)))
                .map(|s| s.id)
                .collect();
            Ok(event
                .statements(&db, &ids)
                .await?
                .into_iter()
                .map(Statement)
                .collect())
        })
    }

    /// Each casualty figure reported by a newly ingested article, optionally only those for
    /// one place (with `includeDescendants`, also for any place inside it: a map of a country
    /// hears of its towns).
    async fn casualty_reported(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only figures for this place.")] location_id: Option<ID>,
        #[graphql(
            default = false,
            desc = "With `locationId`: also figures for places inside it."
        )]
        include_descendants: bool,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<Casualty>>> {
        let location = location_id
            .as_ref()
            .map(|i| parse_id(i, &[NodeKind::Location]))
            .transpose()?;
        deliver(ctx, move |event: Arc<Delivered>, db| async move {
            let ids: Vec<i32> = event
                .event
                .casualties
                .iter()
                .filter(|c| match location {
                    None => true,
                    Some(l) if include_descendants => c.within.contains(&l),
                    Some(l) => c.location_id == Some(l),
                })
                .map(|c| c.id)
                .collect();
            Ok(event
                .casualties(&db, &ids)
                .await?
                .into_iter()
                .map(Casualty)
                .collect())
        })
    }
}
