use sea_orm::entity::prelude::*;

/// A question put to a decision. Its status follows from the times:
/// scheduled until `opened_at` is set, open until `closed_at` is.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "proposal")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub thread_id: Option<Uuid>,
    pub author_id: Uuid,
    pub title: String,
    pub details_source: String,
    pub details_html: String,
    /// A method of the decision engine (`majority_judgment`).
    pub method: String,
    pub options: Json,
    /// The method's settings, the quorum included, as `plenum tally` reads them.
    pub settings: Json,
    /// `organisation` (members in good standing) or `listed`.
    pub electorate_rule: crate::domain::proposal::ElectorateRule,
    /// The people of a `listed` electorate, before it is frozen.
    pub listed: Json,
    pub secret: bool,
    pub results_visibility: crate::domain::proposal::ResultsVisibility,
    pub reasons: crate::domain::proposal::ReasonPolicy,
    pub changeable: bool,
    pub urgent: bool,
    pub needs_ratification: bool,
    pub opens_at: DateTimeUtc,
    pub closes_at: DateTimeUtc,
    /// When the electorate was frozen and voting began.
    pub opened_at: Option<DateTimeUtc>,
    /// Electors not excluded, counted when voting opened.
    pub electorate_size: Option<i32>,
    pub closed_at: Option<DateTimeUtc>,
    /// Who closed it early; none when it closed at its time.
    pub closed_by: Option<Uuid>,
    /// The decision engine's outcome, as `plenum tally` prints it.
    pub result: Option<crate::domain::decision::Outcome>,
    /// SHA-256 (hex) of the ballot export the result was counted from.
    pub export_sha256: Option<String>,
    /// `online`, or `room` for a vote counted in a meeting and recorded.
    pub origin: String,
    /// The ballot file of a vote counted in the room, as recorded.
    pub ballot_file: Option<String>,
    /// The current round: a consensus proposal amended starts a new one.
    pub round: i32,
    /// The outcome statement, in Markdown, written after closing.
    pub outcome_source: Option<String>,
    pub outcome_html: Option<String>,
    pub outcome_by: Option<Uuid>,
    pub outcome_at: Option<DateTimeUtc>,
    /// For decisions that need it: `ratified` or `rejected` once the assembly has spoken.
    pub ratification: Option<String>,
    pub ratification_note: Option<String>,
    pub ratified_by: Option<Uuid>,
    pub ratified_at: Option<DateTimeUtc>,
    /// A facilitator checked and recorded the consensus.
    pub consensus_checked_at: Option<DateTimeUtc>,
    pub consensus_checked_by: Option<Uuid>,
    pub consensus_check_note: Option<String>,
    /// The majority vote that followed a consensus not reached.
    pub fallback_proposal_id: Option<Uuid>,
    /// The parent organisation the matter went up to, and when.
    pub escalated_to: Option<Uuid>,
    pub escalated_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    /// The body deciding; none for the organisation as a whole.
    pub body_id: Option<Uuid>,
    /// False for a commission's recommendation.
    pub binding: bool,
    /// The powers the decision uses (a list of names).
    pub scope: Option<Json>,
    /// Where a recommendation goes: the assembly or a secretariat.
    pub forwarded_to: Option<Uuid>,
    /// The call for candidacies this proposal designates for.
    pub designation_call_id: Option<Uuid>,
    /// The people it designates: the slate of a yes/no vote, or the
    /// candidates in the order of its options.
    pub designation_holders: Option<Json>,
    /// The meeting, and the agenda item, where a vote counted in the room was taken.
    pub meeting_id: Option<Uuid>,
    pub agenda_item_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
