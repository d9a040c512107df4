//! What is to be indexed: every write of an indexed object (a record, a
//! thread, a post, a proposal) queues it in its own unit, through the
//! outbox; the search tier (`service::search`) delivers the queue to the
//! engine. Kept in the kernel so that writers need not know search.

use sea_orm::QuerySelect;
use sea_orm::prelude::*;
use serde_json::json;

use crate::entity::post;
use crate::error::AppResult;
use crate::service::outbox;
use crate::write::Unit;

pub const TOPIC: &str = "search.index";

/// An indexed object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocRef {
    Record(Uuid),
    Thread(Uuid),
    Post(Uuid),
    Proposal(Uuid),
}

impl DocRef {
    /// Its id in the engines: `record:<uuid>`…
    pub fn key(self) -> String {
        match self {
            DocRef::Record(id) => format!("record:{id}"),
            DocRef::Thread(id) => format!("thread:{id}"),
            DocRef::Post(id) => format!("post:{id}"),
            DocRef::Proposal(id) => format!("proposal:{id}"),
        }
    }

    pub fn parse(key: &str) -> Option<DocRef> {
        let (kind, id) = key.split_once(':')?;
        let id = Uuid::parse_str(id).ok()?;
        match kind {
            "record" => Some(DocRef::Record(id)),
            "thread" => Some(DocRef::Thread(id)),
            "post" => Some(DocRef::Post(id)),
            "proposal" => Some(DocRef::Proposal(id)),
            _ => None,
        }
    }
}

/// Queues objects for (re)indexing inside the caller's transaction.
pub async fn enqueue(txn: &Unit, refs: &[DocRef]) -> AppResult<()> {
    outbox::enqueue_many(txn, TOPIC, refs.iter().map(|r| json!({ "doc": r.key() }))).await
}

/// Queues a thread and all its posts (after a move to another space, or a
/// change of the space's visibility).
pub async fn enqueue_thread(conn: &Unit, thread_id: Uuid) -> AppResult<()> {
    let posts: Vec<Uuid> = post::Entity::find()
        .filter(post::Column::ThreadId.eq(thread_id))
        .select_only()
        .column(post::Column::Id)
        .into_tuple()
        .all(conn)
        .await?;
    let mut refs = vec![DocRef::Thread(thread_id)];
    refs.extend(posts.into_iter().map(DocRef::Post));
    enqueue(conn, &refs).await
}
