//! Batched loading, so that a list of 50 members costs a handful of queries,
//! not one per member. A fresh set of loaders serves each request, so nothing
//! is cached across requests.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use sea_orm::DatabaseConnection;
use sea_orm::prelude::*;

use crate::entity::{account, organisation, thread_read};
use crate::service::people::People;
use crate::state::AppState;

/// Accounts, from what this process keeps of people when it can.
pub struct AccountLoader {
    db: DatabaseConnection,
    people: Arc<People>,
}
pub struct OrganisationLoader(pub DatabaseConnection);

impl Loader<Uuid> for AccountLoader {
    type Value = account::Model;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let kept = &self.people.accounts;
        let before = kept.before();
        let mut found: HashMap<Uuid, account::Model> = keys
            .iter()
            .filter_map(|id| Some((*id, kept.get(id)?)))
            .collect();
        let missing: Vec<Uuid> = keys
            .iter()
            .filter(|id| !found.contains_key(id))
            .copied()
            .collect();
        if missing.is_empty() {
            return Ok(found);
        }
        let rows = account::Entity::find()
            .filter(account::Column::Id.is_in(missing))
            .all(&self.db)
            .await?;
        for row in rows {
            kept.keep(row.id, row.id, row.clone(), before);
            found.insert(row.id, row);
        }
        Ok(found)
    }
}

impl Loader<Uuid> for OrganisationLoader {
    type Value = organisation::Model;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = organisation::Entity::find()
            .filter(organisation::Column::Id.is_in(keys.iter().copied()))
            .all(&self.0)
            .await?;
        Ok(rows.into_iter().map(|o| (o.id, o)).collect())
    }
}

/// How far a person has read threads, keyed by (person, thread).
pub struct ReadLoader(pub DatabaseConnection);

impl Loader<(Uuid, Uuid)> for ReadLoader {
    type Value = i32;
    type Error = Arc<DbErr>;

    async fn load(
        &self,
        keys: &[(Uuid, Uuid)],
    ) -> Result<HashMap<(Uuid, Uuid), Self::Value>, Self::Error> {
        let accounts: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let threads: Vec<Uuid> = keys.iter().map(|k| k.1).collect();
        let rows = thread_read::Entity::find()
            .filter(thread_read::Column::AccountId.is_in(accounts))
            .filter(thread_read::Column::ThreadId.is_in(threads))
            .all(&self.0)
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| ((r.account_id, r.thread_id), r.last_read_number))
            .collect())
    }
}

pub struct Loaders {
    /// Cached for the request, so that [`Loaders::prime_accounts`] can fill it.
    pub accounts: DataLoader<AccountLoader, HashMapCache>,
    pub organisations: DataLoader<OrganisationLoader>,
    pub reads: DataLoader<ReadLoader>,
}

impl Loaders {
    pub fn new(state: &AppState) -> Self {
        let db = &state.db;
        Loaders {
            accounts: DataLoader::with_cache(
                AccountLoader {
                    db: db.clone(),
                    people: state.people.clone(),
                },
                tokio::spawn,
                HashMapCache::default(),
            ),
            organisations: DataLoader::new(OrganisationLoader(db.clone()), tokio::spawn),
            reads: DataLoader::new(ReadLoader(db.clone()), tokio::spawn),
        }
    }

    /// Reads these accounts at once, in one query, for the fields that
    /// follow (the authors of a page of posts): they then find them without
    /// waiting for the loader's batch to gather.
    pub async fn prime_accounts(
        &self,
        ids: impl IntoIterator<Item = Uuid>,
    ) -> Result<(), Arc<DbErr>> {
        let ids: Vec<Uuid> = ids
            .into_iter()
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        if ids.is_empty() {
            return Ok(());
        }
        let found = self.accounts.loader().load(&ids).await?;
        self.accounts.feed_many(found).await;
        Ok(())
    }
}

/// A person by account id, through the request's batching loader; private
/// fields only when `reveal_private` (the reader is the person or moderates).
pub async fn person(
    ctx: &async_graphql::Context<'_>,
    account_id: Uuid,
    reveal_private: bool,
) -> async_graphql::Result<Option<crate::graphql::accounts::Person>> {
    let loaders = ctx
        .data::<Loaders>()
        .map_err(|_| crate::error::AppError::internal(anyhow::anyhow!("loaders missing")))?;
    let account = loaders
        .accounts
        .load_one(account_id)
        .await
        .map_err(crate::error::AppError::internal)?;
    Ok(account.map(|account| crate::graphql::accounts::Person {
        account,
        reveal_private,
    }))
}
