//! Who may read and write where in the forum (DOMAIN.md section 2): the
//! visibility and posting rights of a category, read against a person's role
//! and standing in the organisation.

use crate::error::{AppError, AppResult};
use crate::text;

crate::stored_enum! {
    /// Who may read a category.
    #[derive(async_graphql::Enum)]
    pub enum Visibility {
        /// Everyone, visitors included.
        Public => "public",
        /// Supporters and members (anyone in the organisation).
        Supporters => "supporters",
        /// Members (in good standing or lapsed), not supporters.
        Members => "members",
        /// The members of one body (a secretariat, a commission…).
        Body => "body",
    }
}

crate::stored_enum! {
    /// Who may start threads, or reply.
    #[derive(async_graphql::Enum)]
    pub enum Right {
        /// Supporters and members in good standing.
        Supporters => "supporters",
        /// Members in good standing.
        Members => "members",
        /// Facilitators and admins only.
        Facilitators => "facilitators",
    }
}

/// Is an author still allowed to edit their post, `minutes` after writing it?
pub fn within_edit_window(window_minutes: Option<i32>, minutes_since: i64) -> bool {
    window_minutes.is_none_or(|w| minutes_since <= i64::from(w))
}

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_TAGS: usize = 10;

/// A thread title: trimmed, not empty, at most 200 characters.
pub fn parse_title(raw: &str) -> AppResult<String> {
    parse_title_or(
        raw,
        text!(en: "A thread needs a title.", fr: "Une discussion a besoin d'un titre."),
    )
}

/// A title (of a thread, a proposal…): trimmed, at most 200 characters, and
/// refused with `missing` when empty.
pub fn parse_title_or(raw: &str, missing: crate::i18n::Text) -> AppResult<String> {
    let title = raw.trim();
    if title.is_empty() {
        return Err(AppError::validation("title", missing));
    }
    crate::domain::text::check_line(title, "title")?;
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(AppError::validation(
            "title",
            text!(en: "A title has at most {MAX_TITLE_CHARS} characters.", fr: "Un titre comporte au plus {MAX_TITLE_CHARS} caractères."),
        ));
    }
    Ok(title.to_owned())
}

/// Tags: lower-case words, at most ten, duplicates dropped.
pub fn parse_tags(raw: &[String]) -> AppResult<Vec<String>> {
    let mut tags: Vec<String> = Vec::new();
    for tag in raw {
        let tag = tag.trim().to_lowercase();
        let valid = (1..=32).contains(&tag.chars().count())
            && tag
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
        if !valid {
            return Err(AppError::validation(
                "tags",
                text!(
                    en: "A tag is one word of at most 32 letters, digits or hyphens.",
                    fr: "Une étiquette est un mot d'au plus 32 lettres, chiffres ou tirets."
                ),
            ));
        }
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(AppError::validation(
            "tags",
            text!(en: "At most {MAX_TAGS} tags.", fr: "Au plus {MAX_TAGS} étiquettes."),
        ));
    }
    Ok(tags)
}

/// A post's Markdown: not empty, not over the configured size.
pub fn parse_body(raw: &str, max_bytes: usize) -> AppResult<String> {
    if raw.trim().is_empty() {
        return Err(AppError::validation(
            "body",
            text!(en: "The message is empty.", fr: "Le message est vide."),
        ));
    }
    if raw.len() > max_bytes {
        let kib = max_bytes / 1024;
        return Err(AppError::validation(
            "body",
            text!(en: "The message is too long: at most {kib} KiB.", fr: "Le message est trop long : {kib} Kio au plus."),
        ));
    }
    crate::domain::text::check_block(raw, "body")?;
    Ok(raw.to_owned())
}

/// A moderation reason: required, so that it can be shown in place.
pub fn parse_reason(raw: Option<&str>) -> AppResult<String> {
    parse_reason_or(
        raw,
        text!(
            en: "Say why: the reason is shown in place of what you moderate.",
            fr: "Indiquez pourquoi : la raison s'affiche à la place de ce que vous modérez."
        ),
    )
}

/// A required reason of at most 1000 characters; `missing` says why it is
/// needed (`REASON_REQUIRED` on field `reason`).
pub fn parse_reason_or(raw: Option<&str>, missing: crate::i18n::Text) -> AppResult<String> {
    let reason = raw.map(str::trim).unwrap_or_default();
    if reason.is_empty() {
        return Err(
            AppError::new(crate::error::ErrorCode::ReasonRequired, missing).with_field("reason"),
        );
    }
    if reason.chars().count() > 1000 {
        return Err(AppError::validation(
            "reason",
            text!(en: "A reason has at most 1000 characters.", fr: "Une raison comporte au plus 1000 caractères."),
        ));
    }
    crate::domain::text::check_block(reason, "reason")?;
    Ok(reason.to_owned())
}

crate::stored_enum! {
    #[derive(async_graphql::Enum)]
    pub enum Action {
        HidePost => "hide_post",
        UnhidePost => "unhide_post",
        EditPost => "edit_post",
        CloseThread => "close_thread",
        ReopenThread => "reopen_thread",
        ArchiveThread => "archive_thread",
        PinThread => "pin_thread",
        UnpinThread => "unpin_thread",
        MoveThread => "move_thread",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::access::*;
    use crate::domain::membership::{EffectiveStanding, Role};

    fn reader(role: Role, standing: EffectiveStanding) -> Option<Reader> {
        Some(Reader {
            role,
            standing,
            in_body: false,
        })
    }

    #[test]
    fn visitors_read_public_categories_only() {
        assert!(can_read(Visibility::Public, None));
        assert!(!can_read(Visibility::Supporters, None));
        assert!(!can_write(Right::Supporters, Visibility::Public, None));
    }

    #[test]
    fn supporters_read_and_post_where_the_category_allows() {
        let supporter = reader(Role::Member, EffectiveStanding::Supporter);
        assert!(can_read(Visibility::Supporters, supporter));
        assert!(!can_read(Visibility::Members, supporter));
        assert!(can_write(
            Right::Supporters,
            Visibility::Supporters,
            supporter
        ));
        assert!(!can_write(
            Right::Members,
            Visibility::Supporters,
            supporter
        ));
    }

    #[test]
    fn lapsed_members_read_but_lose_their_posting_rights() {
        let lapsed = reader(Role::Member, EffectiveStanding::Lapsed);
        assert!(can_read(Visibility::Members, lapsed));
        assert!(!can_write(Right::Members, Visibility::Members, lapsed));
        assert!(!can_write(
            Right::Supporters,
            Visibility::Supporters,
            lapsed
        ));
    }

    #[test]
    fn facilitators_may_always_write_and_read() {
        let facilitator = reader(Role::Facilitator, EffectiveStanding::Lapsed);
        assert!(can_read(Visibility::Body, facilitator));
        assert!(can_write(
            Right::Facilitators,
            Visibility::Members,
            facilitator
        ));
        assert!(!can_write(
            Right::Facilitators,
            Visibility::Members,
            reader(Role::Member, EffectiveStanding::GoodStanding)
        ));
    }

    #[test]
    fn body_categories_are_for_the_bodys_members() {
        let outsider = reader(Role::Member, EffectiveStanding::GoodStanding);
        let insider = Some(Reader {
            role: Role::Member,
            standing: EffectiveStanding::GoodStanding,
            in_body: true,
        });
        assert!(!can_read(Visibility::Body, outsider));
        assert!(can_read(Visibility::Body, insider));
    }

    #[test]
    fn the_edit_window_is_unlimited_unless_set() {
        assert!(within_edit_window(None, 1_000_000));
        assert!(within_edit_window(Some(30), 30));
        assert!(!within_edit_window(Some(30), 31));
    }

    #[test]
    fn titles_tags_bodies_and_reasons_are_checked() {
        assert!(parse_title("   ").is_err());
        assert_eq!(
            parse_tags(&["Budget".into(), "budget".into()]).unwrap(),
            vec!["budget"]
        );
        assert!(parse_tags(&["deux mots".into()]).is_err());
        assert!(parse_body("  \n ", 100).is_err());
        assert!(parse_body(&"x".repeat(101), 100).is_err());
        assert_eq!(
            parse_reason(None).unwrap_err().code,
            crate::error::ErrorCode::ReasonRequired
        );
    }
}
