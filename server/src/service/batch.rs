//! Group commit for the busiest writes (ballots, replies).
//!
//! Writes that arrive while a batch is being written wait for the next one,
//! and each batch is one transaction: one commit (one sync to disk, on
//! SQLite) serves many people, and what every write of the batch reads
//! alike is read once. Nobody is answered before their batch is committed.
//!
//! A job must refuse before it writes anything (a closed poll, a closed
//! thread…): a refusal then costs the other jobs nothing. A database error
//! rolls the whole batch back, and its jobs are tried again one by one, so
//! that one failing write never costs the others theirs.

use std::future::Future;
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::write::Unit;
use tokio::sync::oneshot;

use crate::error::{AppError, AppResult, ErrorCode};
use crate::state::AppState;

/// A kind of write that is group-committed.
pub trait Batched: Sized + Send + Sync + 'static {
    type Output: Send + 'static;
    /// What a batch learns as it goes (a proposal read once…) and hands to
    /// [`Batched::announce`].
    type Context: Default + Send;

    /// This kind's queue in the state.
    fn queue(state: &AppState) -> &WriteQueue<Self>;

    /// Writes one job inside the batch's transaction. A refusal must come
    /// before any write.
    fn write<'a>(
        &'a self,
        txn: &'a Unit,
        context: &'a mut Self::Context,
    ) -> impl Future<Output = AppResult<Self::Output>> + Send + 'a;

    /// Writes the batch's jobs, each with its own result, in order; a
    /// database error fails the batch. By default one job after the other
    /// ([`Batched::write`]); a kind whose jobs write alike may write them
    /// together, several rows per statement.
    fn write_all<'a>(
        jobs: &'a [Self],
        txn: &'a Unit,
        context: &'a mut Self::Context,
    ) -> impl Future<Output = AppResult<Vec<AppResult<Self::Output>>>> + Send + 'a {
        async move {
            let mut results = Vec::with_capacity(jobs.len());
            for job in jobs {
                match job.write(txn, context).await {
                    Err(e) if e.code == ErrorCode::Internal => return Err(e),
                    result => results.push(result),
                }
            }
            Ok(results)
        }
    }

    /// After the last job, before the commit: writes what the jobs gathered
    /// in `context` to be written together (a statement for the batch rather
    /// than one per job). Its failure fails the batch.
    fn finish<'a>(
        _txn: &'a Unit,
        _context: &'a mut Self::Context,
    ) -> impl Future<Output = AppResult<()>> + Send + 'a {
        std::future::ready(Ok(()))
    }

    /// What the batch announces (live events), once its unit has committed.
    fn announce(txn: &Unit, context: &Self::Context);
}

/// The jobs waiting for the next batch, and whether a batch is under way.
pub struct WriteQueue<J: Batched> {
    queue: Mutex<Queue<J>>,
}

type Waiting<J> = (J, oneshot::Sender<AppResult<<J as Batched>::Output>>);

struct Queue<J: Batched> {
    waiting: Vec<Waiting<J>>,
    draining: bool,
}

/// The most jobs written in one transaction.
const BATCH: usize = 256;

impl<J: Batched> Default for WriteQueue<J> {
    fn default() -> Self {
        WriteQueue {
            queue: Mutex::new(Queue {
                waiting: Vec::new(),
                draining: false,
            }),
        }
    }
}

impl<J: Batched> WriteQueue<J> {
    fn lock(&self) -> MutexGuard<'_, Queue<J>> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues a job; true when no batch is under way, so the caller starts one.
    fn push(&self, job: Waiting<J>) -> bool {
        let mut queue = self.lock();
        queue.waiting.push(job);
        !std::mem::replace(&mut queue.draining, true)
    }

    /// The next batch, or none (and the queue marked idle) when nothing waits.
    fn next_batch(&self) -> Option<Vec<Waiting<J>>> {
        let mut queue = self.lock();
        if queue.waiting.is_empty() {
            queue.draining = false;
            return None;
        }
        let n = queue.waiting.len().min(BATCH);
        Some(queue.waiting.drain(..n).collect())
    }
}

/// Writes `job` with the next batch and answers once that batch is committed.
pub async fn submit<J: Batched>(state: &AppState, job: J) -> AppResult<J::Output> {
    let (reply, answer) = oneshot::channel();
    if J::queue(state).push((job, reply)) {
        // Its own task: a person who hangs up must not cancel the others' batch.
        tokio::spawn(drain::<J>(state.clone()));
    }
    answer.await.unwrap_or_else(|_| Err(lost()))
}

fn lost() -> AppError {
    AppError::internal(anyhow::anyhow!("a write was lost by its batch"))
}

/// Writes batches until none waits.
async fn drain<J: Batched>(state: AppState) {
    // Should a batch panic, the queue must not stay marked busy forever.
    struct Restart<J: Batched>(Option<AppState>, std::marker::PhantomData<J>);
    impl<J: Batched> Drop for Restart<J> {
        fn drop(&mut self) {
            if let Some(state) = self.0.take() {
                let mut queue = J::queue(&state).lock();
                queue.draining = !queue.waiting.is_empty();
                if queue.draining {
                    drop(queue);
                    tokio::spawn(drain::<J>(state));
                }
            }
        }
    }
    let mut guard = Restart::<J>(Some(state.clone()), std::marker::PhantomData);
    while let Some(batch) = J::queue(&state).next_batch() {
        let (jobs, replies): (Vec<J>, Vec<_>) = batch.into_iter().unzip();
        let results = match write(&state, &jobs).await {
            Ok(results) => results,
            Err(e) if jobs.len() == 1 => vec![Err(e)],
            Err(e) => {
                tracing::warn!(error = ?e.cause(), writes = jobs.len(), "a batch failed; writing its jobs one by one");
                let mut results = Vec::with_capacity(jobs.len());
                for job in &jobs {
                    let alone = write(&state, std::slice::from_ref(job)).await;
                    results.push(
                        alone.and_then(|one| one.into_iter().next().unwrap_or_else(|| Err(lost()))),
                    );
                }
                results
            }
        };
        for (reply, result) in replies.into_iter().zip(results) {
            // Someone who hung up is not waiting for the answer.
            let _ = reply.send(result);
        }
    }
    guard.0 = None;
}

/// Writes the jobs in one transaction: each gets its answer, unless the
/// database fails, which rolls them all back.
async fn write<J: Batched>(state: &AppState, jobs: &[J]) -> AppResult<Vec<AppResult<J::Output>>> {
    let txn = state.write().await?;
    let mut context = J::Context::default();
    let results = J::write_all(jobs, &txn, &mut context).await?;
    J::finish(&txn, &mut context).await?;
    J::announce(&txn, &context);
    txn.commit().await?;
    Ok(results)
}
