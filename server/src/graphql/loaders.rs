//! Batched loading, so that a list of 50 members costs a handful of queries,
//! not one per member. A fresh set of loaders serves each request, so nothing
//! is cached across requests.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use sea_orm::DatabaseConnection;
use sea_orm::prelude::*;

use crate::domain::access::reads_private_fields_of;
use crate::domain::membership::Role;
use crate::entity::{account, membership, organisation, thread_read};
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

/// A person's active memberships, as (organisation, role), by person.
pub struct MembershipsOfLoader(pub DatabaseConnection);

impl Loader<Uuid> for MembershipsOfLoader {
    type Value = Vec<(Uuid, Role)>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = membership::Entity::find()
            .filter(membership::Column::AccountId.is_in(keys.iter().copied()))
            .filter(membership::Column::LeftAt.is_null())
            .all(&self.0)
            .await?;
        let mut found: HashMap<Uuid, Self::Value> = HashMap::new();
        for row in rows {
            let role = row.role;
            found
                .entry(row.account_id)
                .or_default()
                .push((row.organisation_id, role));
        }
        Ok(found)
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
    /// Cached for the request: the viewer's own are asked for each person shown.
    pub memberships_of: DataLoader<MembershipsOfLoader, HashMapCache>,
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
            memberships_of: DataLoader::with_cache(
                MembershipsOfLoader(db.clone()),
                tokio::spawn,
                HashMapCache::default(),
            ),
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

/// May the request's viewer read `account_id`'s private fields (email,
/// gender, pronouns)? The person themselves, and the facilitators and
/// admins of the person's organisations — on every path that shows a person.
pub async fn reveals_private(
    ctx: &async_graphql::Context<'_>,
    account_id: Uuid,
) -> async_graphql::Result<bool> {
    let Some(viewer) = crate::graphql::context::maybe_viewer(ctx) else {
        return Ok(false);
    };
    if viewer.id() == account_id {
        return Ok(true);
    }
    let loaders = ctx
        .data::<Loaders>()
        .map_err(|_| crate::error::AppError::internal(anyhow::anyhow!("loaders missing")))?;
    let mut both = loaders
        .memberships_of
        .load_many([viewer.id(), account_id])
        .await
        .map_err(crate::error::AppError::internal)?;
    let theirs = both.remove(&account_id).unwrap_or_default();
    let mine = both.remove(&viewer.id()).unwrap_or_default();
    Ok(reads_private_fields_of(&mine, &theirs))
}

/// A person by account id, through the request's batching loader; their
/// private fields by [`reveals_private`].
pub async fn person(
    ctx: &async_graphql::Context<'_>,
    account_id: Uuid,
) -> async_graphql::Result<Option<crate::graphql::accounts::Person>> {
    person_granted(ctx, account_id, false).await
}

/// [`person`], with private fields shown when `granted` (the caller found
/// them readable), else by [`reveals_private`].
pub async fn person_granted(
    ctx: &async_graphql::Context<'_>,
    account_id: Uuid,
    granted: bool,
) -> async_graphql::Result<Option<crate::graphql::accounts::Person>> {
    let loaders = ctx
        .data::<Loaders>()
        .map_err(|_| crate::error::AppError::internal(anyhow::anyhow!("loaders missing")))?;
    let account = loaders
        .accounts
        .load_one(account_id)
        .await
        .map_err(crate::error::AppError::internal)?;
    Ok(account.map(|account| match granted {
        true => crate::graphql::accounts::Person::granted(account),
        false => crate::graphql::accounts::Person::new(account),
    }))
}
