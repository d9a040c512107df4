//! Proposals: when a question accepts ballots, who sees its results, and the
//! reasons a ballot must give. DOMAIN.md, section 2.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::error::{AppError, AppResult, ErrorCode};
use crate::text;

crate::stored_enum! {
    /// Who votes.
    #[derive(async_graphql::Enum)]
    pub enum ElectorateRule {
        /// The organisation's members in good standing when voting opens (the default).
        Organisation => "organisation",
        /// A listed set of the organisation's people, whatever their standing.
        Listed => "listed",
        /// The people of the proposal's body when voting opens (the default for
        /// a body's proposal): a secretariat's mandate holders, a commission's
        /// members, a council's delegates…
        Body => "body",
    }
}

crate::stored_enum! {
    /// When results may be read, before the proposal closes.
    #[derive(async_graphql::Enum)]
    pub enum ResultsVisibility {
        /// At any time, as ballots arrive.
        Always => "always",
        /// Once the reader has voted.
        OnceVoted => "once_voted",
        /// Only after closing.
        AfterClosing => "after_closing",
    }
}

crate::stored_enum! {
    /// The reasons ballots give.
    #[derive(async_graphql::Enum)]
    pub enum ReasonPolicy {
        /// No reasons.
        Off => "off",
        /// A reason may be given.
        Optional => "optional",
        /// Every ballot gives its reason.
        Required => "required",
        /// Objections must give their reason; other ballots may.
        RequiredForObjections => "objections",
    }
}

impl ElectorateRule {
    /// The rule a proposal uses: a body's proposal is voted by the body's
    /// people unless another rule than the default was asked for.
    pub fn for_proposal(asked: ElectorateRule, of_a_body: bool) -> ElectorateRule {
        match asked {
            ElectorateRule::Organisation if of_a_body => ElectorateRule::Body,
            rule => rule,
        }
    }
}

/// Where a proposal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum Status {
    /// Voting has not opened yet.
    Scheduled,
    Open,
    Closed,
}

/// Who a proposal is addressed to beyond those who discuss it, and who
/// therefore read it wherever it was prepared (a private body's work).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Addressee {
    /// The body a recommendation was forwarded to.
    Body(uuid::Uuid),
    /// The general assembly, which is to ratify a decision taken urgently.
    Assembly,
}

pub fn addressee(
    forwarded_to: Option<uuid::Uuid>,
    needs_ratification: bool,
    closed: bool,
    ratified: bool,
) -> Option<Addressee> {
    match forwarded_to {
        Some(body) => Some(Addressee::Body(body)),
        None if needs_ratification && closed && !ratified => Some(Addressee::Assembly),
        None => None,
    }
}

pub fn status(opened_at: Option<DateTime<Utc>>, closed_at: Option<DateTime<Utc>>) -> Status {
    match (opened_at, closed_at) {
        (_, Some(_)) => Status::Closed,
        (Some(_), None) => Status::Open,
        (None, None) => Status::Scheduled,
    }
}

/// Does the proposal take a ballot now? Past its closing time it does not,
/// even before the scheduler has closed it.
pub fn accepts_ballots(status: Status, closes_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    status == Status::Open && now < closes_at
}

/// The refusal of a ballot outside the voting time.
pub fn poll_closed(status: Status) -> AppError {
    match status {
        Status::Scheduled => AppError::new(
            ErrorCode::PollClosed,
            text!(en: "Voting on this proposal has not opened yet.", fr: "Le vote sur cette proposition n'est pas encore ouvert."),
        ),
        _ => AppError::new(
            ErrorCode::PollClosed,
            text!(en: "Voting on this proposal is closed.", fr: "Le vote sur cette proposition est clos."),
        ),
    }
}

/// May a reader see the results (or the live count) now?
pub fn results_visible(visibility: ResultsVisibility, status: Status, has_voted: bool) -> bool {
    status == Status::Closed
        || match visibility {
            ResultsVisibility::Always => true,
            ResultsVisibility::OnceVoted => has_voted,
            ResultsVisibility::AfterClosing => false,
        }
}

/// The refusal of results not yet visible to this reader.
pub fn results_hidden() -> AppError {
    AppError::forbidden(text!(
        en: "The results of this proposal are not visible yet (see resultsVisibility).",
        fr: "Les résultats de cette proposition ne sont pas encore visibles (voir resultsVisibility)."
    ))
}

/// May the named ballots of `round` be read? Never in a secret vote; in the
/// current round once results are visible; earlier rounds always, since the
/// debate of an amended proposal needs the positions taken before.
pub fn named_ballots_readable(
    secret: bool,
    round: i32,
    current_round: i32,
    results_visible: bool,
) -> AppResult<()> {
    if secret {
        return Err(AppError::forbidden(text!(
            en: "This vote is secret: its ballots are not linked to anyone.",
            fr: "Ce vote est secret : ses bulletins ne sont liés à personne."
        )));
    }
    if round >= current_round && !results_visible {
        return Err(results_hidden());
    }
    Ok(())
}

/// Checks the opening and closing times given at creation. An opening time
/// in the past means "now".
pub fn check_times(
    opens_at: DateTime<Utc>,
    closes_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if closes_at <= now {
        return Err(AppError::validation(
            "closesAt",
            text!(en: "The closing time is in the past.", fr: "L'heure de clôture est déjà passée."),
        ));
    }
    if closes_at <= opens_at {
        return Err(AppError::validation(
            "closesAt",
            text!(en: "The closing time must come after the opening time.", fr: "La clôture doit venir après l'ouverture."),
        ));
    }
    Ok(())
}

/// A proposal's title: trimmed, not empty, at most 200 characters.
pub fn parse_title(raw: &str) -> AppResult<String> {
    crate::domain::forum::parse_title_or(
        raw,
        text!(en: "A proposal needs a title: the question put to the vote.", fr: "Une proposition a besoin d'un titre : la question mise au vote."),
    )
}

/// A proposal's details (Markdown; may be empty), within the body size limit.
pub fn parse_details(raw: &str, max_bytes: usize) -> AppResult<String> {
    if raw.len() > max_bytes {
        return Err(AppError::validation(
            "details",
            text!(en: "The details are too long: at most {max_bytes} bytes.", fr: "Les détails sont trop longs : au plus {max_bytes} octets."),
        ));
    }
    crate::domain::text::check_block(raw, "details")?;
    Ok(raw.trim().to_owned())
}

/// A method's settings as given (an object, or nothing), with the quorum
/// (a share of the electorate, e.g. `1/4`) set among them.
pub fn settings_with_quorum(settings: Value, quorum: Option<&str>) -> AppResult<Value> {
    let mut settings = match settings {
        Value::Null => serde_json::Map::new(),
        Value::Object(map) => map,
        _ => {
            return Err(AppError::validation(
                "settings",
                text!(en: "`settings` must be an object.", fr: "`settings` doit être un objet."),
            ));
        }
    };
    if let Some(quorum) = quorum.map(str::trim).filter(|q| !q.is_empty()) {
        settings.insert("quorum".into(), Value::String(quorum.to_owned()));
    }
    Ok(Value::Object(settings))
}

/// Is this ballot an objection (consensus and consent)?
pub fn is_objection(method: &str, choice: &Value) -> bool {
    matches!(method, "consensus" | "consent")
        && choice.get("position").and_then(Value::as_str) == Some("object")
}

pub const MAX_REASON_CHARS: usize = 10_000;

/// The reason a ballot keeps, under the proposal's policy.
pub fn check_reason(
    policy: ReasonPolicy,
    objection: bool,
    reason: Option<&str>,
) -> AppResult<Option<String>> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > MAX_REASON_CHARS) {
        return Err(AppError::validation(
            "reason",
            text!(en: "A reason has at most {MAX_REASON_CHARS} characters.", fr: "Une raison comporte au plus {MAX_REASON_CHARS} caractères."),
        ));
    }
    match (policy, reason) {
        (ReasonPolicy::Off, Some(_)) => Err(AppError::validation(
            "reason",
            text!(en: "This proposal takes no reasons with ballots.", fr: "Cette proposition ne prend pas de raison avec les votes."),
        )),
        (ReasonPolicy::Required, None) => Err(AppError::new(
            ErrorCode::ReasonRequired,
            text!(en: "Every ballot on this proposal gives its reason.", fr: "Chaque vote sur cette proposition donne sa raison."),
        )),
        (ReasonPolicy::RequiredForObjections, None) if objection => Err(AppError::new(
            ErrorCode::ReasonRequired,
            text!(en: "An objection must give its reason, so that it can be discussed and perhaps lifted.", fr: "Une objection doit être argumentée, pour pouvoir être discutée et peut-être levée."),
        )),
        (_, reason) => Ok(reason.map(str::to_owned)),
    }
}

/// The ballot the method counts: consensus and consent ballots carry their
/// reason themselves (a bare objection does not count), so the reason given
/// beside the ballot goes into it.
pub fn ballot_with_reason(method: &str, mut choice: Value, reason: Option<&str>) -> Value {
    if let (true, Some(reason), Value::Object(map)) = (
        matches!(method, "consensus" | "consent"),
        reason,
        &mut choice,
    ) {
        map.entry("reason")
            .or_insert_with(|| Value::String(reason.to_owned()));
    }
    choice
}

/// A question as its author wrote it, before anything is read.
pub struct Written<'a> {
    pub title: &'a str,
    pub details: &'a str,
    pub method: &'a str,
    pub options: &'a [String],
    pub settings: Value,
    /// A share of the electorate that must take part, e.g. `1/4`.
    pub quorum: Option<&'a str>,
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: DateTime<Utc>,
    pub electorate: ElectorateRule,
    /// How many people a listed electorate names.
    pub listed: usize,
}

/// A question parsed: every check that needs no database passed — title,
/// details, times, the method with its options and settings (the decision
/// engine accepts them), a listed electorate naming someone.
#[derive(Debug)]
pub struct Draft {
    pub title: String,
    pub details: String,
    /// When voting opens: now, unless a later time was asked.
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub spec: crate::domain::decision::Spec,
}

impl Draft {
    /// Parses a question written at `now`, its details at most `max_details` bytes.
    pub fn parse(written: Written<'_>, max_details: usize, now: DateTime<Utc>) -> AppResult<Draft> {
        let title = parse_title(written.title)?;
        let details = parse_details(written.details, max_details)?;
        let opens_at = written.opens_at.filter(|t| *t > now).unwrap_or(now);
        check_times(opens_at, written.closes_at, now)?;
        let settings = settings_with_quorum(written.settings, written.quorum)?;
        let spec = crate::domain::decision::Spec {
            method: written.method.trim().to_owned(),
            options: written
                .options
                .iter()
                .map(|o| o.trim().to_owned())
                .collect(),
            settings,
            // Known when voting opens; any size checks the settings now.
            electorate: Some(1),
        };
        check_spec(&spec)?;
        if written.electorate == ElectorateRule::Listed && written.listed == 0 {
            return Err(AppError::validation(
                "listed",
                text!(en: "A listed electorate names at least one person.", fr: "Un corps électoral sur liste nomme au moins une personne."),
            ));
        }
        Ok(Draft {
            title,
            details,
            opens_at,
            closes_at: written.closes_at,
            spec,
        })
    }
}

/// Checks a method with its options and settings: the decision engine
/// accepts them, and no option is blank.
pub fn check_spec(spec: &crate::domain::decision::Spec) -> AppResult<()> {
    if spec.options.iter().any(String::is_empty) {
        return Err(AppError::validation(
            "options",
            text!(en: "An option cannot be empty.", fr: "Une option ne peut pas être vide."),
        ));
    }
    crate::domain::decision::start(spec)
        .map_err(|message| AppError::validation("method", message))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use serde_json::json;

    #[test]
    fn a_draft_is_parsed_before_anything_is_read_and_each_fault_names_its_field() {
        let now = Utc::now();
        let options = ["Oui".to_owned(), "Non".to_owned()];
        let written = || Written {
            title: "  Partager le local  ",
            details: "Avec l'AMAP.",
            method: "majority",
            options: &[],
            settings: json!({}),
            quorum: Some("1/4"),
            opens_at: Some(now - Duration::hours(1)),
            closes_at: now + Duration::days(7),
            electorate: ElectorateRule::Organisation,
            listed: 0,
        };
        let draft = Draft::parse(written(), 1000, now).unwrap();
        assert_eq!(draft.title, "Partager le local");
        assert_eq!(draft.opens_at, now, "a time past opens now");
        assert_eq!(draft.spec.settings["quorum"], "1/4");
        let field = |w: Written<'_>| Draft::parse(w, 1000, now).unwrap_err().field;
        assert_eq!(
            field(Written {
                title: " ",
                ..written()
            }),
            Some("title")
        );
        assert_eq!(
            field(Written {
                details: &"x".repeat(1001),
                ..written()
            }),
            Some("details")
        );
        assert_eq!(
            field(Written {
                method: "tirage_au_sort",
                ..written()
            }),
            Some("method")
        );
        let blank = ["Oui".to_owned(), " ".to_owned()];
        assert_eq!(
            field(Written {
                method: "single_choice",
                options: &blank,
                ..written()
            }),
            Some("options")
        );
        let choice = Written {
            method: "single_choice",
            options: &options,
            ..written()
        };
        assert!(Draft::parse(choice, 1000, now).is_ok());
        assert_eq!(
            field(Written {
                electorate: ElectorateRule::Listed,
                ..written()
            }),
            Some("listed")
        );
        assert!(Draft::parse(written(), 1000, now).is_ok());
        let closes_first = Written {
            closes_at: now - Duration::days(1),
            ..written()
        };
        assert!(Draft::parse(closes_first, 1000, now).is_err());
    }

    #[test]
    fn a_proposal_is_addressed_to_where_it_was_sent_or_to_the_assembly_that_ratifies() {
        let body = uuid::Uuid::from_u128(7);
        assert_eq!(
            addressee(Some(body), false, false, false),
            Some(Addressee::Body(body))
        );
        assert_eq!(
            addressee(None, true, true, false),
            Some(Addressee::Assembly)
        );
        assert_eq!(addressee(None, true, false, false), None, "not yet closed");
        assert_eq!(addressee(None, true, true, true), None, "already ratified");
        assert_eq!(addressee(None, false, true, false), None);
    }

    #[test]
    fn ballots_are_taken_only_while_open_and_before_the_closing_time() {
        let now = Utc::now();
        let open = status(Some(now), None);
        assert!(accepts_ballots(open, now + Duration::minutes(1), now));
        assert!(!accepts_ballots(open, now, now));
        assert!(!accepts_ballots(
            Status::Scheduled,
            now + Duration::days(1),
            now
        ));
        assert!(!accepts_ballots(
            status(Some(now), Some(now)),
            now + Duration::days(1),
            now
        ));
    }

    #[test]
    fn results_show_as_the_proposal_says() {
        use ResultsVisibility::*;
        assert!(results_visible(Always, Status::Open, false));
        assert!(!results_visible(OnceVoted, Status::Open, false));
        assert!(results_visible(OnceVoted, Status::Open, true));
        assert!(!results_visible(AfterClosing, Status::Open, true));
        assert!(results_visible(AfterClosing, Status::Closed, false));
    }

    #[test]
    fn named_ballots_show_with_the_results_and_earlier_rounds_always() {
        assert!(named_ballots_readable(true, 1, 1, true).is_err());
        assert!(named_ballots_readable(false, 2, 2, false).is_err());
        assert!(named_ballots_readable(false, 1, 2, false).is_ok());
        assert!(named_ballots_readable(false, 2, 2, true).is_ok());
    }

    #[test]
    fn a_closing_time_in_the_past_or_before_opening_is_refused() {
        let now = Utc::now();
        assert!(check_times(now, now - Duration::minutes(1), now).is_err());
        assert!(check_times(now + Duration::days(2), now + Duration::days(1), now).is_err());
        assert!(check_times(now - Duration::days(1), now + Duration::days(1), now).is_ok());
    }

    #[test]
    fn reasons_follow_the_policy() {
        use ReasonPolicy::*;
        let code = |r: AppResult<Option<String>>| r.err().map(|e| e.code);
        assert_eq!(
            code(check_reason(Required, false, Some("  "))),
            Some(ErrorCode::ReasonRequired)
        );
        assert_eq!(
            code(check_reason(RequiredForObjections, true, None)),
            Some(ErrorCode::ReasonRequired)
        );
        assert_eq!(
            check_reason(RequiredForObjections, false, None).ok(),
            Some(None)
        );
        assert_eq!(
            code(check_reason(Off, false, Some("why"))),
            Some(ErrorCode::Validation)
        );
        assert_eq!(
            check_reason(Optional, false, Some(" parce que ")).ok(),
            Some(Some("parce que".into()))
        );
    }

    #[test]
    fn a_consensus_objection_carries_its_reason_into_the_ballot() {
        let ballot = ballot_with_reason(
            "consensus",
            json!({ "position": "object" }),
            Some("trop tôt"),
        );
        assert!(is_objection("consensus", &ballot));
        assert_eq!(ballot["reason"], "trop tôt");
        assert_eq!(
            ballot_with_reason("majority", json!({ "choice": "no" }), Some("non")),
            json!({ "choice": "no" })
        );
    }
}
