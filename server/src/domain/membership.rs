//! A person's place in an organisation: their role (what they may administer)
//! and their standing (whether they may vote), as DOMAIN.md section 1 defines them.

use chrono::NaiveDate;
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait};

crate::stored_enum! {
    /// What a member may administer. Independent of standing: a facilitator may be
    /// a lapsed member, and an admin a supporter.
    #[derive(PartialOrd, Ord, async_graphql::Enum)]
    pub enum Role {
        Member => "member",
        /// Runs discussions and meetings; manages memberships; reads private fields.
        Facilitator => "facilitator",
        /// Everything a facilitator may do, plus the organisation's settings and roles.
        Admin => "admin",
    }
}

/// The standing that is stored: a member (in good standing until a date, or
/// with no end date), or a supporter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    Member { good_until: Option<NaiveDate> },
    Supporter,
}

/// The standing that rules read, derived from the stored one and today's date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum EffectiveStanding {
    /// Dues paid (or no dues asked): may vote in the general assembly.
    GoodStanding,
    /// May read and discuss where allowed; never votes.
    Supporter,
    /// A member whose dues have run out: history kept, no vote.
    Lapsed,
}

crate::stored_enum! {
    /// The stored standing, and the standing as an input from the API.
    #[derive(async_graphql::Enum)]
    pub enum StandingKind {
        Member => "member",
        Supporter => "supporter",
    }
}

impl Standing {
    pub fn new(kind: StandingKind, good_until: Option<NaiveDate>) -> Standing {
        match kind {
            StandingKind::Member => Standing::Member { good_until },
            StandingKind::Supporter => Standing::Supporter,
        }
    }

    pub fn kind(self) -> StandingKind {
        match self {
            Standing::Member { .. } => StandingKind::Member,
            Standing::Supporter => StandingKind::Supporter,
        }
    }

    pub fn good_until(self) -> Option<NaiveDate> {
        match self {
            Standing::Member { good_until } => good_until,
            Standing::Supporter => None,
        }
    }

    /// The standing on `today` (in the organisation's time zone): dues paid
    /// "until 31 December" still count on 31 December.
    pub fn on(self, today: NaiveDate) -> EffectiveStanding {
        match self {
            Standing::Member { good_until: None } => EffectiveStanding::GoodStanding,
            Standing::Member {
                good_until: Some(until),
            } if today <= until => EffectiveStanding::GoodStanding,
            Standing::Member { .. } => EffectiveStanding::Lapsed,
            Standing::Supporter => EffectiveStanding::Supporter,
        }
    }

    /// [`Standing::on`] as a condition on a `membership` row's `standing`
    /// and `good_until` columns: the same rule for queries that select
    /// people by standing (member lists, the electorate frozen at opening).
    /// A test holds the two forms to the same table of cases.
    pub fn condition(effective: EffectiveStanding, today: NaiveDate) -> Condition {
        let standing = || Expr::col(Alias::new("standing"));
        let good_until = || Expr::col(Alias::new("good_until"));
        match effective {
            EffectiveStanding::Supporter => Condition::all().add(standing().eq("supporter")),
            EffectiveStanding::GoodStanding => Condition::all().add(standing().eq("member")).add(
                Condition::any()
                    .add(good_until().is_null())
                    .add(good_until().gte(today)),
            ),
            EffectiveStanding::Lapsed => Condition::all()
                .add(standing().eq("member"))
                .add(good_until().lt(today)),
        }
    }
}

/// Can an admin's removal, departure or demotion go ahead, given how many
/// admins remain? An organisation never loses its last admin.
pub fn keeps_an_admin(admins_now: u64, removing_an_admin: bool) -> bool {
    !removing_an_admin || admins_now > 1
}

crate::stored_enum! {
    /// What happened to a membership, as its history records it.
    #[derive(async_graphql::Enum)]
    pub enum EventKind {
        Joined => "joined",
        Rejoined => "rejoined",
        StandingChanged => "standing_changed",
        RoleChanged => "role_changed",
        Left => "left",
        Removed => "removed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::access::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_member_is_in_good_standing_until_the_end_of_the_paid_day() {
        let standing = Standing::Member {
            good_until: Some(day("2026-12-31")),
        };
        assert_eq!(
            standing.on(day("2026-12-31")),
            EffectiveStanding::GoodStanding
        );
        assert_eq!(standing.on(day("2027-01-01")), EffectiveStanding::Lapsed);
    }

    #[test]
    fn a_member_without_an_end_date_stays_in_good_standing() {
        assert_eq!(
            Standing::Member { good_until: None }.on(day("2099-01-01")),
            EffectiveStanding::GoodStanding
        );
    }

    #[test]
    fn a_supporter_never_gets_good_standing() {
        assert_eq!(
            Standing::Supporter.on(day("2026-01-01")),
            EffectiveStanding::Supporter
        );
    }

    #[test]
    fn only_facilitators_and_admins_manage_members() {
        assert!(!can_manage_members(Role::Member));
        assert!(can_manage_members(Role::Facilitator));
        assert!(can_manage_members(Role::Admin));
        assert!(!can_administer(Role::Facilitator));
    }

    #[test]
    fn the_last_admin_cannot_go() {
        assert!(!keeps_an_admin(1, true));
        assert!(keeps_an_admin(2, true));
        assert!(keeps_an_admin(1, false));
    }
}
