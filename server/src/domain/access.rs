//! Who may see and do what (DOMAIN.md), in one place: every right as a pure
//! function of the person acting, read in the organisation of what they act
//! on, and of the facts of that subject. Services load the facts, resolvers,
//! pages, feeds and subscriptions ask these functions; nothing else decides.
//!
//! The rules, in the organisation's words:
//! - a **visitor** (or someone outside the organisation) reads what is
//!   public, and nothing else;
//! - a **supporter** reads what is open to supporters, replies where
//!   supporters may, and never votes;
//! - a **member in good standing** reads the members' spaces, writes where
//!   members may, and votes in the general assembly;
//! - a **lapsed member** keeps reading what members read and keeps what they
//!   wrote, but writes and votes no more until their dues are paid;
//! - a **body's people** (a commission's members, a secretariat's mandate
//!   holders…) read the body's reserved space and its meetings, and vote on
//!   its proposals;
//! - a **candidate** never votes on their own position and, when the
//!   organisation chooses, stays out of its deliberation until it is decided;
//! - **facilitators** read everything of the organisation, moderate, steer
//!   meetings, manage members and read members' private fields;
//! - **admins** do all that, and change the organisation's settings and
//!   people's roles.
//!
//! What a person may not see is hidden (`NOT_FOUND`, as if it did not exist:
//! no oracle); what they see but may not do is refused (`FORBIDDEN`).

use uuid::Uuid;

use crate::domain::forum::{Right, Visibility};
use crate::domain::governance::{Belonging, BodyKind};
use crate::domain::meeting::MeetingVisibility;
use crate::domain::membership::{EffectiveStanding, Role};
use crate::domain::record::RecordVisibility;

/// A person's place in an organisation: their role, their standing on the
/// day, and whether they are among the people of the body the subject
/// belongs to (for a body's space, meeting or record).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reader {
    pub role: Role,
    pub standing: EffectiveStanding,
    /// Among the people of the subject's body (for a body's space).
    pub in_body: bool,
}

impl Reader {
    fn moderates(self) -> bool {
        self.role >= Role::Facilitator
    }
}

/// Whoever acts: `reader` is none for a visitor or someone outside the
/// organisation; `recused` marks a candidate kept out of the deliberation on
/// their own position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Actor {
    pub reader: Option<Reader>,
    pub recused: bool,
}

/// What the rules answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    /// They see the subject, and may not do this (`FORBIDDEN`).
    Refused,
    /// They may not see the subject at all (`NOT_FOUND`).
    Hidden,
}

/// May this reader read a space of this visibility?
pub fn can_read(visibility: Visibility, reader: Option<Reader>) -> bool {
    match (visibility, reader) {
        (Visibility::Public, _) => true,
        (_, None) => false,
        (_, Some(r)) if r.moderates() => true,
        (Visibility::Supporters, Some(_)) => true,
        (Visibility::Members, Some(r)) => r.standing != EffectiveStanding::Supporter,
        (Visibility::Body, Some(r)) => r.in_body,
    }
}

/// May this reader write where `right` applies? Lapsed members lose their
/// posting rights (they keep what they wrote); facilitators may always write.
pub fn can_write(right: Right, visibility: Visibility, reader: Option<Reader>) -> bool {
    let Some(r) = reader else { return false };
    if !can_read(visibility, reader) {
        return false;
    }
    match right {
        _ if r.moderates() => true,
        Right::Facilitators => false,
        Right::Members => r.standing == EffectiveStanding::GoodStanding,
        Right::Supporters => r.standing != EffectiveStanding::Lapsed,
    }
}

/// May this reader moderate (hide posts, close, move, pin, archive threads)?
pub fn can_moderate(reader: Option<Reader>) -> bool {
    reader.is_some_and(Reader::moderates)
}

/// May this reader see a meeting of this visibility? `in_body`: they are
/// one of the meeting's body's people (who may be invited non-members, in a
/// popular assembly).
pub fn can_see_meeting(
    visibility: MeetingVisibility,
    reader: Option<Reader>,
    in_body: bool,
) -> bool {
    match visibility {
        MeetingVisibility::Public => true,
        MeetingVisibility::Members => reader.is_some(),
        MeetingVisibility::Mandated => in_body || can_moderate(reader),
    }
}

/// May this reader read a published record? The forum's rule: facilitators
/// and admins read everything, a body's records are for its people.
pub fn can_read_record(visibility: RecordVisibility, reader: Option<Reader>) -> bool {
    can_read(visibility.as_forum(), reader)
}

/// May this role invite people, answer join requests and change standings?
pub fn can_manage_members(role: Role) -> bool {
    role >= Role::Facilitator
}

/// May this role change the organisation's settings and people's roles?
pub fn can_administer(role: Role) -> bool {
    role == Role::Admin
}

/// May this role read members' private fields (gender, pronouns, email)?
pub fn can_read_private_fields(role: Role) -> bool {
    role >= Role::Facilitator
}

/// May someone with memberships `mine` (organisation, role) read the
/// private fields of someone else with memberships `theirs`? When they are a
/// facilitator or admin of one of that person's organisations. (The person
/// themselves always may.)
pub fn reads_private_fields_of(mine: &[(Uuid, Role)], theirs: &[(Uuid, Role)]) -> bool {
    mine.iter().any(|(organisation, role)| {
        can_read_private_fields(*role) && theirs.iter().any(|(o, _)| o == organisation)
    })
}

/// May someone of this standing join a body of this kind by themselves?
/// Commissions are open to every member, not to supporters.
pub fn may_join(kind: BodyKind, standing: Option<EffectiveStanding>) -> bool {
    kind.belonging() == Belonging::Joined
        && matches!(
            standing,
            Some(EffectiveStanding::GoodStanding | EffectiveStanding::Lapsed)
        )
}

/// Is this reader in the electorate that a proposal freezes when it opens?
/// The organisation's: its members in good standing; a body's: its people
/// (`in_body`). A candidate never votes on their own position.
pub fn may_vote(body: bool, actor: Actor) -> bool {
    let Some(r) = actor.reader else { return false };
    !actor.recused
        && if body {
            r.in_body
        } else {
            r.standing == EffectiveStanding::GoodStanding
        }
}

/// The everyday acts whose rule is the table above, as the role × action
/// test exercises them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    /// Read a thread in a space of this visibility.
    ReadSpace(Visibility),
    /// Start a thread in a space of this visibility where `Right` may.
    StartThread(Right, Visibility),
    /// Read the deliberation on a position they are a candidate for.
    ReadDeliberation,
    /// Pin, close, move or hide in a space they read.
    Moderate(Visibility),
    /// See a meeting of this visibility.
    SeeMeeting(MeetingVisibility),
    /// Read a published record of this visibility.
    ReadRecord(RecordVisibility),
    /// Invite someone.
    ManageMembers,
    /// Change the organisation's settings.
    Administer,
    /// Vote on the organisation's proposal (`body: false`) or on a body's,
    /// read where it is discussed (`space`: the organisation's people, or
    /// the body's space).
    Vote { body: bool, space: Visibility },
    /// Join a body of this kind by oneself.
    JoinBody(BodyKind),
}

/// What the rules answer for `actor` doing `act`.
pub fn decide(actor: Actor, act: Act) -> Decision {
    let reader = actor.reader;
    let role = |may: fn(Role) -> bool| reader.is_some_and(|r| may(r.role));
    // The organisation and its bodies are public: someone outside it sees
    // them, and is refused what only its people do.
    match act {
        Act::ReadSpace(v) => seen_then(can_read(v, reader), true),
        Act::StartThread(right, v) => seen_then(can_read(v, reader), can_write(right, v, reader)),
        // A candidate knows the deliberation exists and is told why not.
        Act::ReadDeliberation if actor.recused => seen_then(true, false),
        Act::ReadDeliberation => seen_then(can_read(Visibility::Members, reader), true),
        Act::Moderate(v) => seen_then(can_read(v, reader), can_moderate(reader)),
        Act::SeeMeeting(v) => {
            let in_body = reader.is_some_and(|r| r.in_body);
            seen_then(can_see_meeting(v, reader, in_body), true)
        }
        Act::ReadRecord(v) => seen_then(can_read_record(v, reader), true),
        Act::ManageMembers => seen_then(true, role(can_manage_members)),
        Act::Administer => seen_then(true, role(can_administer)),
        // An elector always sees what they vote on.
        Act::Vote { body, space } => {
            let votes = may_vote(body, actor);
            seen_then(votes || can_read(space, reader), votes)
        }
        Act::JoinBody(kind) => seen_then(true, may_join(kind, reader.map(|r| r.standing))),
    }
}

/// Hidden unless `seen`; then allowed or refused as `may` says.
fn seen_then(seen: bool, may: bool) -> Decision {
    match (seen, may) {
        (false, _) => Decision::Hidden,
        (true, true) => Decision::Allowed,
        (true, false) => Decision::Refused,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn reader(role: Role, standing: EffectiveStanding, in_body: bool) -> Option<Reader> {
        Some(Reader {
            role,
            standing,
            in_body,
        })
    }

    fn roles() -> impl Strategy<Value = Role> {
        prop_oneof![
            Just(Role::Member),
            Just(Role::Facilitator),
            Just(Role::Admin)
        ]
    }

    fn standings() -> impl Strategy<Value = EffectiveStanding> {
        prop_oneof![
            Just(EffectiveStanding::GoodStanding),
            Just(EffectiveStanding::Supporter),
            Just(EffectiveStanding::Lapsed)
        ]
    }

    fn actors() -> impl Strategy<Value = Actor> {
        (
            proptest::option::of((roles(), standings(), any::<bool>())),
            any::<bool>(),
        )
            .prop_map(|(r, recused)| Actor {
                reader: r.map(|(role, standing, in_body)| Reader {
                    role,
                    standing,
                    in_body,
                }),
                recused,
            })
    }

    fn visibilities() -> impl Strategy<Value = Visibility> {
        prop_oneof![
            Just(Visibility::Public),
            Just(Visibility::Supporters),
            Just(Visibility::Members),
            Just(Visibility::Body)
        ]
    }

    fn rights() -> impl Strategy<Value = Right> {
        prop_oneof![
            Just(Right::Supporters),
            Just(Right::Members),
            Just(Right::Facilitators)
        ]
    }

    proptest! {
        #[test]
        fn a_lapsed_member_or_a_supporter_never_votes_nor_writes_where_members_write(
            actor in actors(), body in any::<bool>(), v in visibilities()
        ) {
            let lapsed_or_supporter = actor.reader.is_some_and(|r| r.standing != EffectiveStanding::GoodStanding);
            if lapsed_or_supporter && !body {
                prop_assert!(!may_vote(false, actor));
            }
            if lapsed_or_supporter && actor.reader.is_some_and(|r| r.role == Role::Member) {
                prop_assert!(!can_write(Right::Members, v, actor.reader));
            }
        }

        #[test]
        fn a_recused_candidate_never_votes_on_their_position_nor_reads_its_deliberation(
            actor in actors(), body in any::<bool>()
        ) {
            let recused = Actor { recused: true, ..actor };
            prop_assert!(!may_vote(body, recused));
            prop_assert_ne!(decide(recused, Act::ReadDeliberation), Decision::Allowed);
        }

        #[test]
        fn who_may_write_may_read_and_facilitators_read_everything(
            actor in actors(), right in rights(), v in visibilities()
        ) {
            if can_write(right, v, actor.reader) {
                prop_assert!(can_read(v, actor.reader));
            }
            if can_moderate(actor.reader) {
                prop_assert!(can_read(v, actor.reader));
                prop_assert!(can_write(right, v, actor.reader));
            }
        }

        #[test]
        fn nothing_hidden_is_refused_and_a_visitor_is_never_merely_refused_reading(
            actor in actors(), v in visibilities()
        ) {
            // What one may not read is hidden, never refused (no oracle).
            let read = decide(actor, Act::ReadSpace(v));
            prop_assert_ne!(read, Decision::Refused);
            if read == Decision::Hidden {
                prop_assert_eq!(decide(actor, Act::Moderate(v)), Decision::Hidden);
                prop_assert_eq!(decide(actor, Act::StartThread(Right::Supporters, v)), Decision::Hidden);
            }
        }
    }

    #[test]
    fn the_table_of_reading_a_space() {
        use EffectiveStanding::*;
        let table = [
            (None, [true, false, false, false]),
            (
                reader(Role::Member, Supporter, false),
                [true, true, false, false],
            ),
            (
                reader(Role::Member, Lapsed, false),
                [true, true, true, false],
            ),
            (
                reader(Role::Member, GoodStanding, false),
                [true, true, true, false],
            ),
            (
                reader(Role::Member, GoodStanding, true),
                [true, true, true, true],
            ),
            (
                reader(Role::Facilitator, Supporter, false),
                [true, true, true, true],
            ),
        ];
        let spaces = [
            Visibility::Public,
            Visibility::Supporters,
            Visibility::Members,
            Visibility::Body,
        ];
        for (who, expected) in table {
            for (v, e) in spaces.iter().zip(expected) {
                assert_eq!(can_read(*v, who), e, "{who:?} reading {v:?}");
            }
        }
    }

    #[test]
    fn private_fields_are_read_by_the_facilitators_of_the_persons_organisations() {
        let (ag, other) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let person = [(ag, Role::Member)];
        assert!(reads_private_fields_of(&[(ag, Role::Facilitator)], &person));
        assert!(reads_private_fields_of(&[(ag, Role::Admin)], &person));
        assert!(!reads_private_fields_of(&[(ag, Role::Member)], &person));
        assert!(!reads_private_fields_of(&[(other, Role::Admin)], &person));
        assert!(!reads_private_fields_of(&[(ag, Role::Admin)], &[]));
    }
}
