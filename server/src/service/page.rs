//! Keyset pagination over time-ordered ids: stable under inserts, and as fast
//! on page 1,000 as on page 1.

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect, Select,
};

use crate::domain::cursor;
use crate::error::AppResult;

/// One page of rows and whether more follow.
#[derive(Clone)]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub has_next: bool,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            rows: self.rows.into_iter().map(f).collect(),
            has_next: self.has_next,
        }
    }
}

/// The page of `query` after the cursor `after` (of list `list`), ordered by `id`.
pub async fn by_id<E, C>(
    conn: &impl ConnectionTrait,
    query: Select<E>,
    id: C,
    list: &str,
    first: Option<i32>,
    after: Option<String>,
    order: Order,
) -> AppResult<Page<E::Model>>
where
    E: EntityTrait,
    C: ColumnTrait,
{
    let size = cursor::page_size(first)?;
    let mut query = query.order_by(id, order.clone()).limit(size + 1);
    if let Some(after) = after {
        let key = cursor::decode_uuid(list, &after)?;
        query = match order {
            Order::Desc => query.filter(id.lt(key)),
            _ => query.filter(id.gt(key)),
        };
    }
    let mut rows = query.all(conn).await?;
    let has_next = rows.len() as u64 > size;
    rows.truncate(size as usize);
    Ok(Page { rows, has_next })
}
