//! Published records (DOMAIN.md section 5): minutes, decision records,
//! reports, proposal outcomes and the mandate register, published by a body
//! with a visibility, kept forever, changed only by a visible amendment.

use chrono::NaiveDate;

use crate::domain::forum::Visibility;
use crate::domain::governance::{Belonging, BodyKind};
use crate::error::{AppError, AppResult};
use crate::text;

crate::stored_enum! {
    /// What a record is.
    #[derive(async_graphql::Enum)]
    pub enum RecordKind {
        /// A meeting's minutes [compte rendu].
        Minutes => "minutes",
        /// The decisions taken [relevé de décisions].
        DecisionRecord => "decision_record",
        /// A commission's (or any body's) report.
        Report => "report",
        /// What a proposal decided.
        ProposalOutcome => "proposal_outcome",
        /// Who holds which mandate.
        MandateRegister => "mandate_register",
    }
}

impl RecordKind {
    pub const ALL: [RecordKind; 5] = [
        RecordKind::Minutes,
        RecordKind::DecisionRecord,
        RecordKind::Report,
        RecordKind::ProposalOutcome,
        RecordKind::MandateRegister,
    ];

    /// Its name for people, in French and English.
    pub fn label(self) -> crate::i18n::Text {
        match self {
            RecordKind::Minutes => text!(en: "Minutes", fr: "Compte rendu"),
            RecordKind::DecisionRecord => text!(en: "Decision record", fr: "Relevé de décisions"),
            RecordKind::Report => text!(en: "Report", fr: "Rapport"),
            RecordKind::ProposalOutcome => {
                text!(en: "Outcome of a proposal", fr: "Issue d'une proposition")
            }
            RecordKind::MandateRegister => {
                text!(en: "Mandate register", fr: "Registre des mandats")
            }
        }
    }
}

crate::stored_enum! {
    /// Who may read a record.
    #[derive(async_graphql::Enum)]
    pub enum RecordVisibility {
        /// Everyone, visitors included.
        Public => "public",
        /// The organisation's members (in good standing or lapsed), not supporters.
        Members => "members",
        /// The people of the body that published it.
        Body => "body",
    }
}

impl RecordVisibility {
    /// The same audience as a discussion space's.
    pub fn as_forum(self) -> Visibility {
        match self {
            RecordVisibility::Public => Visibility::Public,
            RecordVisibility::Members => Visibility::Members,
            RecordVisibility::Body => Visibility::Body,
        }
    }
}

/// Who publishes a body's records besides the organisation's facilitators:
/// the body's own people when they are few and named (a commission, a
/// secretariat, a council); for an assembly, whose people are every member,
/// the secretariat does.
pub fn published_by_own_people(kind: BodyKind) -> bool {
    !matches!(kind.belonging(), Belonging::GoodStanding | Belonging::Open)
}

/// The longest text of a record: 512 KiB of Markdown.
pub const MAX_BYTES: usize = 512 * 1024;

/// A record's text: not empty, at most [`MAX_BYTES`].
pub fn parse_text(raw: &str) -> AppResult<String> {
    if raw.trim().is_empty() {
        return Err(AppError::validation(
            "text",
            text!(en: "A record needs a text.", fr: "Un document publié a besoin d'un texte."),
        ));
    }
    if raw.len() > MAX_BYTES {
        return Err(AppError::validation(
            "text",
            text!(en: "A record has at most 512 KiB of text.", fr: "Un document publié comporte au plus 512 Kio de texte."),
        ));
    }
    crate::domain::text::check_block(raw, "text")?;
    Ok(raw.to_owned())
}

/// Why a record is amended: required, shown with the new version.
pub fn parse_amendment_reason(raw: &str) -> AppResult<String> {
    crate::domain::forum::parse_reason_or(
        Some(raw),
        text!(
            en: "Say why the record is amended: the reason is published with the new version.",
            fr: "Indiquez pourquoi le document est amendé : la raison est publiée avec la nouvelle version."
        ),
    )
}

/// A permalink's last segment: the publication date and the title's words,
/// `2026-11-29-compte-rendu-de-l-assemblee`; `n` > 1 tells apart records of
/// the same day and title.
pub fn slug(published_on: NaiveDate, title: &str, n: u32) -> String {
    let words = super::ascii_words(title, '-', 100);
    let base = if words.is_empty() {
        published_on.to_string()
    } else {
        format!("{published_on}-{words}")
    };
    if n > 1 { format!("{base}-{n}") } else { base }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::access::{Reader, can_read_record};
    use crate::domain::membership::{EffectiveStanding, Role};
    use crate::error::ErrorCode;

    fn reader(standing: EffectiveStanding, in_body: bool) -> Option<Reader> {
        Some(Reader {
            role: Role::Member,
            standing,
            in_body,
        })
    }

    #[test]
    fn a_visitor_reads_public_records_only() {
        assert!(can_read_record(RecordVisibility::Public, None));
        assert!(!can_read_record(RecordVisibility::Members, None));
        assert!(!can_read_record(RecordVisibility::Body, None));
    }

    #[test]
    fn supporters_do_not_read_members_records_and_members_not_other_bodies() {
        let supporter = reader(EffectiveStanding::Supporter, false);
        assert!(!can_read_record(RecordVisibility::Members, supporter));
        let member = reader(EffectiveStanding::GoodStanding, false);
        assert!(can_read_record(RecordVisibility::Members, member));
        assert!(!can_read_record(RecordVisibility::Body, member));
        assert!(can_read_record(
            RecordVisibility::Body,
            reader(EffectiveStanding::GoodStanding, true)
        ));
    }

    #[test]
    fn permalinks_fold_accents_and_count_twins() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap_or_default();
        assert_eq!(
            slug(day, "Compte rendu de l'Assemblée générale", 1),
            "2026-11-29-compte-rendu-de-l-assemblee-generale"
        );
        assert_eq!(slug(day, "Rapport", 2), "2026-11-29-rapport-2");
        assert_eq!(slug(day, "!!!", 1), "2026-11-29");
    }

    #[test]
    fn assemblies_records_are_published_by_the_secretariat_not_by_every_member() {
        assert!(!published_by_own_people(BodyKind::GeneralAssembly));
        assert!(!published_by_own_people(BodyKind::PopularAssembly));
        assert!(published_by_own_people(BodyKind::Commission));
        assert!(published_by_own_people(BodyKind::Secretariat));
    }

    #[test]
    fn an_amendment_needs_a_reason() {
        let refused = parse_amendment_reason("  ").unwrap_err();
        assert_eq!(refused.code, ErrorCode::ReasonRequired);
        assert_eq!(parse_amendment_reason(" typo ").unwrap(), "typo");
    }
}
