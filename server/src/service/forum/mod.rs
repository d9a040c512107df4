//! The forum's use-cases: categories, threads, replies, reading, moderation.
//!
//! Every use-case first finds the *place* it acts in — the organisation, the
//! category, the person's standing there — and checks the rules of
//! `domain::forum` against it.

pub mod cache;
pub mod categories;
pub mod moderation;
pub mod posts;
pub mod reading;
pub mod threads;

use std::collections::HashSet;

use sea_orm::prelude::*;

use self::cache::ThreadRows;
use crate::domain::access::{Reader, can_read, can_write};
use crate::domain::forum::{Right, Visibility};
use crate::entity::{category, organisation, post, thread};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::events::{Event, ForumChange};
use crate::service::governance;
use crate::service::organisations;
use crate::service::sessions::Viewer;
use crate::state::AppState;
use crate::text;
use crate::write::Unit;

/// Where an action happens, and who is acting there.
#[derive(Debug, Clone)]
pub struct Place {
    pub organisation: organisation::Model,
    pub category: category::Model,
    pub reader: Option<Reader>,
    /// A candidate kept out of the deliberation on their own position
    /// until it is decided (recusal; the organisation's choice).
    pub recused: bool,
}

impl Place {
    pub fn visibility(&self) -> Visibility {
        self.category.visibility
    }

    pub fn can_read(&self) -> bool {
        !self.recused && can_read(self.visibility(), self.reader)
    }

    pub fn can_write(&self, right: Right) -> bool {
        can_write(right, self.visibility(), self.reader)
    }

    /// Refuses readers the category is not for, as if it did not exist
    /// (`NOT_FOUND`: a refusal would tell that it does). A recused
    /// candidate knows the deliberation on their position exists, and is
    /// told why they may not read it.
    pub fn require_read(&self) -> AppResult<()> {
        if self.can_read() {
            Ok(())
        } else if self.recused {
            Err(AppError::forbidden(text!(
                en: "You are a candidate for this position: you stay out of its deliberation until it is decided.",
                fr: "Vous êtes candidat·e à ce poste : vous restez en dehors de sa délibération jusqu'à la décision."
            )))
        } else if self.reader.is_none() {
            Err(AppError::not_found(text!(
                en: "There is no such discussion, or it is for members only: log in to read it.",
                fr: "Cette discussion n'existe pas, ou elle est réservée aux membres : connectez-vous pour la lire."
            )))
        } else {
            Err(AppError::not_found(text!(
                en: "There is no such discussion, or it is reserved to other members of the organisation.",
                fr: "Cette discussion n'existe pas, ou elle est réservée à d'autres membres de l'organisation."
            )))
        }
    }

    pub fn require_moderator(&self) -> AppResult<()> {
        if crate::domain::access::can_moderate(self.reader) {
            Ok(())
        } else {
            Err(AppError::forbidden(text!(
                en: "Only the organisation's facilitators and admins moderate discussions.",
                fr: "Seules les personnes qui animent ou administrent l'organisation modèrent les discussions."
            )))
        }
    }
}

/// Which of `categories` reserved to a body's people the viewer may read:
/// those whose body counts them among its people today.
pub async fn reserved_readable(
    conn: &impl ConnectionTrait,
    organisation: &organisation::Model,
    viewer: Option<&Viewer>,
    categories: &[&category::Model],
) -> AppResult<HashSet<Uuid>> {
    let mut readable = HashSet::new();
    let Some(viewer) = viewer else {
        return Ok(readable);
    };
    for c in categories {
        let Some(body_id) = c.body_id.filter(|_| c.visibility == Visibility::Body) else {
            continue;
        };
        let body = governance::bodies::find(conn, body_id).await?;
        if governance::bodies::includes(conn, organisation, &body, viewer.id()).await? {
            readable.insert(c.id);
        }
    }
    Ok(readable)
}

/// The reader of one category: `in_body` says whether a space reserved to a
/// body is theirs.
pub async fn reader_of(
    conn: &impl ConnectionTrait,
    organisation: &organisation::Model,
    category: &category::Model,
    viewer: Option<&Viewer>,
) -> AppResult<Option<Reader>> {
    let mut found = crate::service::access::reader(conn, organisation, viewer).await?;
    if let Some(r) = found.as_mut() {
        r.in_body = !reserved_readable(conn, organisation, viewer, &[category])
            .await?
            .is_empty();
    }
    Ok(found)
}

pub fn category_not_found() -> AppError {
    AppError::not_found(
        text!(en: "No such discussion space.", fr: "Cet espace de discussion n'existe pas."),
    )
}

pub fn thread_not_found() -> AppError {
    AppError::not_found(text!(en: "No such discussion.", fr: "Cette discussion n'existe pas."))
}

pub fn post_not_found() -> AppError {
    AppError::not_found(text!(en: "No such message.", fr: "Ce message n'existe pas."))
}

pub async fn place_of_category(
    conn: &impl ConnectionTrait,
    viewer: Option<&Viewer>,
    category_id: Uuid,
) -> AppResult<Place> {
    let category = category::Entity::find_by_id(category_id)
        .one(conn)
        .await?
        .ok_or_else(category_not_found)?;
    let organisation = organisations::get(conn, category.organisation_id).await?;
    let reader = reader_of(conn, &organisation, &category, viewer).await?;
    Ok(Place {
        organisation,
        category,
        reader,
        recused: false,
    })
}

/// The thread, its space and its organisation, in one query.
async fn thread_rows(
    conn: &impl ConnectionTrait,
    thread_id: Uuid,
) -> AppResult<Option<ThreadRows>> {
    let found = thread::Entity::find_by_id(thread_id)
        .find_also_related(category::Entity)
        .find_also_related(organisation::Entity)
        .one(conn)
        .await?;
    match found {
        Some((thread, Some(category), Some(organisation))) => {
            Ok(Some((thread, category, organisation)))
        }
        // Both exist (foreign keys): a row that did not read back is corrupt,
        // not missing (sea-orm reads an unparsable related row as none).
        Some((thread, _, _)) => Err(AppError::internal(anyhow::anyhow!(
            "thread {}: its space or organisation does not read back",
            thread.id
        ))),
        None => Ok(None),
    }
}

pub async fn place_of_thread(
    conn: &impl ConnectionTrait,
    viewer: Option<&Viewer>,
    thread_id: Uuid,
) -> AppResult<(Place, thread::Model)> {
    let (thread, category, organisation) = thread_rows(conn, thread_id)
        .await?
        .ok_or_else(thread_not_found)?;
    let place = place_in(conn, viewer, &thread, category, organisation).await?;
    Ok((place, thread))
}

/// [`place_of_thread`] for reading it: its rows from memory while they have
/// not changed (`cache`). A write reads them afresh in its transaction.
pub async fn place_to_read(
    state: &AppState,
    viewer: Option<&Viewer>,
    thread_id: Uuid,
) -> AppResult<(Place, thread::Model)> {
    let rows = state
        .forum_cache
        .thread(thread_id, thread_rows(&state.db, thread_id))
        .await?
        .ok_or_else(thread_not_found)?;
    let (thread, category, organisation) = ThreadRows::clone(&rows);
    let place = place_in(&state.db, viewer, &thread, category, organisation).await?;
    Ok((place, thread))
}

pub async fn place_of_post(
    conn: &impl ConnectionTrait,
    viewer: Option<&Viewer>,
    post_id: Uuid,
) -> AppResult<(Place, thread::Model, post::Model)> {
    // The post, its thread, their space and organisation in one query.
    let found = post::Entity::find_by_id(post_id)
        .find_also_related(thread::Entity)
        .and_also_related(category::Entity)
        .find_also(thread::Entity, organisation::Entity)
        .one(conn)
        .await?;
    let (post, thread, category, organisation) = match found {
        Some((post, Some(thread), Some(category), Some(organisation))) => {
            (post, thread, category, organisation)
        }
        Some((post, ..)) => {
            return Err(AppError::internal(anyhow::anyhow!(
                "post {}: its thread, space or organisation does not read back",
                post.id
            )));
        }
        None => return Err(post_not_found()),
    };
    let place = place_in(conn, viewer, &thread, category, organisation).await?;
    Ok((place, thread, post))
}

/// The place of `thread`: who the viewer is there, and whether they stay
/// out of its deliberation.
async fn place_in(
    conn: &impl ConnectionTrait,
    viewer: Option<&Viewer>,
    thread: &thread::Model,
    category: category::Model,
    organisation: organisation::Model,
) -> AppResult<Place> {
    let reader = reader_of(conn, &organisation, &category, viewer).await?;
    let recused = match (thread.recusal_call_id, viewer) {
        (Some(call), Some(viewer)) if organisation.recusal_hides_deliberation => {
            governance::designations::recused(conn, call, viewer.id()).await?
        }
        _ => false,
    };
    Ok(Place {
        organisation,
        category,
        reader,
        recused,
    })
}

/// Refuses new posts in a closed or archived thread.
pub fn require_open(thread: &thread::Model) -> AppResult<()> {
    if thread.archived_at.is_some() {
        return Err(AppError::new(
            ErrorCode::ThreadClosed,
            text!(en: "This discussion is archived: it can be read, not changed.", fr: "Cette discussion est archivée : on peut la lire, pas la modifier."),
        ));
    }
    if thread.closed_at.is_some() {
        let reason = thread.closed_reason.clone().unwrap_or_default();
        return Err(AppError::new(
            ErrorCode::ThreadClosed,
            text!(en: "This discussion is closed to new replies: {reason}", fr: "Cette discussion est fermée aux nouvelles réponses : {reason}"),
        ));
    }
    Ok(())
}

/// Refuses what a reader's role or standing does not allow.
pub fn not_allowed_to_write() -> AppError {
    AppError::forbidden(text!(
        en: "You may read this discussion space but not write in it (members in good standing may; lapsed members may not).",
        fr: "Vous pouvez lire cet espace mais pas y écrire (les adhérent·es à jour le peuvent ; pas les adhésions échues)."
    ))
}

/// Tells live listeners about a change to a thread (`post: None`) or to one
/// of its posts, and the outbox worker about what to index.
pub fn publish(txn: &Unit, thread: &thread::Model, post: Option<Uuid>, change: ForumChange) {
    txn.emit(Event::Forum {
        organisation_id: thread.organisation_id,
        category_id: thread.category_id,
        thread_id: thread.id,
        post_id: post,
        change,
    });
}
