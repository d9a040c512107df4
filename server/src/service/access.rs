//! Who is asking, loaded for the access rules (`domain::access`): every
//! resolver, page, feed and subscription asks through the same functions.

use sea_orm::ConnectionTrait;

use crate::domain::access::Reader;
use crate::entity::organisation;
use crate::error::AppResult;
use crate::service::memberships::{self, standing_of, today_in};
use crate::service::sessions::Viewer;

/// The reader's place in an organisation, if they are one of its people: the
/// role their credential acts with (a token without the admin scope acts as
/// a member) and their standing today, where the organisation is.
pub async fn reader(
    conn: &impl ConnectionTrait,
    organisation: &organisation::Model,
    viewer: Option<&Viewer>,
) -> AppResult<Option<Reader>> {
    let Some(viewer) = viewer else {
        return Ok(None);
    };
    let Some(m) = memberships::active_of(conn, organisation.id, viewer).await? else {
        return Ok(None);
    };
    Ok(Some(Reader {
        role: viewer.credential.acting_role(m.role),
        standing: standing_of(&m).on(today_in(organisation)),
        in_body: false,
    }))
}
