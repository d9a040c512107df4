//! Who is asking, loaded for the access rules (`domain::access`): every
//! resolver, page, feed and subscription asks through the same functions.

use sea_orm::ConnectionTrait;

use crate::domain::access::Reader;
use crate::entity::organisation;
use crate::error::{AppError, AppResult};
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

/// Something its reader was found allowed to see: the subject, the
/// organisation it belongs to, and who asks there. Made only through
/// [`Seen::granted`] or [`Seen::when`], from the access rule's answer, so a
/// path cannot hold a subject it did not check; read like the subject
/// itself (`seen.meeting`), which it dereferences to.
#[derive(Clone, Debug)]
pub struct Seen<T> {
    subject: T,
    pub organisation: organisation::Model,
    /// Who asks, in the organisation (none: not one of its people, or not
    /// signed in).
    pub reader: Option<Reader>,
}

impl<T> Seen<T> {
    /// `subject`, seen by `reader`, when the rule said `allowed`; otherwise
    /// `hidden()`, the subject's `NOT_FOUND` (what one may not see is not
    /// shown to exist).
    pub fn granted(
        allowed: bool,
        subject: T,
        organisation: organisation::Model,
        reader: Option<Reader>,
        hidden: impl FnOnce() -> AppError,
    ) -> AppResult<Seen<T>> {
        Seen::when(allowed, subject, organisation, reader).ok_or_else(hidden)
    }

    /// `subject`, seen by `reader`, when the rule said `allowed` (for lists,
    /// which leave out what their reader may not see).
    pub fn when(
        allowed: bool,
        subject: T,
        organisation: organisation::Model,
        reader: Option<Reader>,
    ) -> Option<Seen<T>> {
        allowed.then_some(Seen {
            subject,
            organisation,
            reader,
        })
    }

    /// A row that a query kept through the rule's SQL form (the records of
    /// an archive its reader may read): the rule was asked in the query.
    pub fn among_readable(
        subject: T,
        organisation: organisation::Model,
        reader: Option<Reader>,
    ) -> Seen<T> {
        Seen {
            subject,
            organisation,
            reader,
        }
    }

    /// The subject, for its owner to keep.
    pub fn into_subject(self) -> T {
        self.subject
    }
}

impl<T> std::ops::Deref for Seen<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.subject
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn organisation() -> organisation::Model {
        use crate::domain::governance::UndeclaredGender;
        use crate::domain::organisation::{RegistrationMode, RemoteImages};
        let at = chrono::Utc::now();
        organisation::Model {
            id: uuid::Uuid::nil(),
            slug: "ag".into(),
            name: "AG".into(),
            description: String::new(),
            timezone: "Europe/Paris".into(),
            default_locale: "fr".into(),
            registration_mode: RegistrationMode::Invitation,
            parent_id: None,
            edit_window_minutes: None,
            max_proxies_held: 1,
            undeclared_gender: UndeclaredGender::Unknown,
            recusal_hides_deliberation: false,
            theme: "default".into(),
            remote_images: RemoteImages::Links,
            created_by: uuid::Uuid::nil(),
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn what_the_rule_refuses_is_never_seen_and_answers_not_found() {
        let hidden = || AppError::not_found(crate::text!(en: "No such thing.", fr: "Rien de tel."));
        let refused = Seen::granted(false, "secret", organisation(), None, hidden);
        assert_eq!(refused.unwrap_err().code, ErrorCode::NotFound);
        assert!(Seen::when(false, "secret", organisation(), None).is_none());
        let seen = Seen::granted(true, "public", organisation(), None, hidden).unwrap();
        assert_eq!(*seen, "public");
        assert_eq!(seen.into_subject(), "public");
    }
}
