//! Live subscriptions that never outlive the right to them.
//!
//! Every subscription follows one subject (a thread, a meeting…) of one
//! organisation through [`follow`]: before its first event, and again
//! whenever the subscriber's session or rights may have changed — their
//! session or profile changed (a logout, a revocation, a password change),
//! their membership changed, their bodies or recusals changed, the
//! organisation's spaces changed — or the subject itself changed in a way
//! that can move who sees it, the session is checked afresh and the
//! subject's own rule asked again. When either fails the subscriber receives
//! that error (`UNAUTHENTICATED`, `NOT_FOUND`, `FORBIDDEN`) and the
//! subscription ends, before any further event is delivered.

use std::future::Future;
use std::time::Duration;

use async_graphql::{Context, Result};
use futures_util::{FutureExt, Stream, StreamExt};
use tokio_stream::wrappers::BroadcastStream;
use uuid::Uuid;

use crate::error::AppResult;
use crate::events::Event;
use crate::graphql::context::{maybe_viewer, state};
use crate::service::sessions::{self, Viewer};
use crate::state::AppState;

/// What an event is to a subscription.
pub enum Concern {
    /// Not about its subject.
    None,
    /// About its subject: delivered under the right as last checked.
    Deliver,
    /// About its subject, and may change who sees it: checked again first.
    Recheck,
}

/// One kind of subscription: its subject, its rule, what it delivers.
pub trait Live: Send + Sync + 'static {
    /// What the rule grants (e.g. whether the subscriber moderates).
    type Right: Clone + Send + Sync + 'static;
    type Item: Send + 'static;

    /// The organisation the subject belongs to, as the rule found it.
    fn organisation(right: &Self::Right) -> Uuid;

    /// May `viewer` follow the subject now? Its error ends the subscription.
    fn check(
        &self,
        state: &AppState,
        viewer: Option<&Viewer>,
    ) -> impl Future<Output = AppResult<Self::Right>> + Send;

    fn concern(&self, event: &Event) -> Concern;

    /// Gather a burst of events about the subject for this long and send
    /// one update (none: each is sent).
    fn coalesce(&self) -> Option<Duration> {
        None
    }

    /// Of two events of a burst, the one the update is about.
    fn merge(&self, _kept: Event, next: Event) -> Event {
        next
    }

    /// What to send for an event about the subject (none: nothing to send).
    fn deliver(
        &self,
        state: &AppState,
        viewer: Option<&Viewer>,
        right: &Self::Right,
        event: Event,
    ) -> impl Future<Output = Option<Self::Item>> + Send;
}

/// Does `event` say that `viewer`'s session or rights in `organisation_id`
/// may have changed?
fn about_rights(event: &Event, viewer: Option<&Viewer>, organisation_id: Uuid) -> bool {
    let me = viewer.map(Viewer::id);
    match event {
        Event::Account { account_id } => Some(*account_id) == me,
        Event::Membership {
            organisation_id: o,
            account_id,
            ..
        }
        | Event::Rights {
            organisation_id: o,
            account_id,
        } => *o == organisation_id && Some(*account_id) == me,
        Event::Organisation { organisation_id: o } => *o == organisation_id,
        _ => false,
    }
}

/// The viewer afresh and the subject's rule asked again.
async fn recheck<L: Live>(
    live: &L,
    state: &AppState,
    viewer: Option<&Viewer>,
) -> AppResult<(Option<Viewer>, L::Right)> {
    let viewer = match viewer {
        Some(v) => Some(sessions::revalidate(state, v).await?),
        None => None,
    };
    let right = live.check(state, viewer.as_ref()).await?;
    Ok((viewer, right))
}

/// Follows `live` for the request's viewer: refused at once when they may
/// not; afterwards, each event checked as the module says.
pub async fn follow<L: Live>(
    ctx: &Context<'_>,
    live: L,
) -> Result<impl Stream<Item = Result<L::Item>> + use<L>> {
    let state = state(ctx)?.clone();
    // Listen first, check second: nothing that happens after this call is missed.
    let mut events = BroadcastStream::new(state.events.subscribe());
    let (mut viewer, mut right) = recheck(&live, &state, maybe_viewer(ctx)).await?;
    Ok(async_stream::stream! {
        while let Some(event) = events.next().await {
            let organisation_id = L::organisation(&right);
            let mut event = match event {
                Ok(event) => event,
                // Events were missed: the rights may have moved meanwhile.
                Err(_) => Event::Organisation { organisation_id },
            };
            let mut concern = live.concern(&event);
            let mut rights = about_rights(&event, viewer.as_ref(), organisation_id);
            if let (Concern::Deliver | Concern::Recheck, Some(wait)) = (&concern, live.coalesce()) {
                tokio::time::sleep(wait).await;
                while let Some(Some(next)) = events.next().now_or_never() {
                    let Ok(next) = next else {
                        rights = true;
                        continue;
                    };
                    rights |= about_rights(&next, viewer.as_ref(), organisation_id);
                    match live.concern(&next) {
                        Concern::None => {}
                        next_concern => {
                            if matches!(next_concern, Concern::Recheck) {
                                concern = Concern::Recheck;
                            }
                            event = live.merge(event, next);
                        }
                    }
                }
            }
            if rights || matches!(concern, Concern::Recheck) {
                match recheck(&live, &state, viewer.as_ref()).await {
                    Ok((v, r)) => (viewer, right) = (v, r),
                    Err(error) => {
                        yield Err(error.into());
                        break;
                    }
                }
            }
            if matches!(concern, Concern::None) {
                continue;
            }
            if let Some(item) = live.deliver(&state, viewer.as_ref(), &right, event).await {
                yield Ok(item);
            }
        }
    })
}
