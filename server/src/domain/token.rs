//! Secret tokens (sessions, API tokens, invitation links): random, shown once,
//! stored only as a SHA-256 hash, so a copy of the database opens no account.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::domain::membership::Role;

/// What a token opens; its prefix makes a leaked token recognisable by secret scanners.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Session,
    Personal,
    Invitation,
    /// The link that confirms a new account's address.
    Confirmation,
    /// The receipt of a secret ballot: only its holder can change that ballot.
    Receipt,
    /// The secret in a personal calendar feed's address: reads the
    /// calendar, nothing else.
    Calendar,
}

impl TokenKind {
    fn prefix(self) -> &'static str {
        match self {
            TokenKind::Session => "plm_s_",
            TokenKind::Personal => "plm_p_",
            TokenKind::Invitation => "plm_i_",
            TokenKind::Confirmation => "plm_e_",
            TokenKind::Receipt => "plm_r_",
            TokenKind::Calendar => "plm_c_",
        }
    }
}

crate::stored_enum! {
    /// What a credential may do. A person's own session may do all they may;
    /// a personal API token only what its scope says, so that a token leaked
    /// from a script cannot do more than the script needed.
    #[derive(PartialOrd, Ord, async_graphql::Enum)]
    #[graphql(name = "TokenScope")]
    pub enum Scope {
        /// Queries and subscriptions: read what the person may read.
        Read => "read",
        /// And mutations as a member: post, vote, propose, take part in meetings.
        Write => "write",
        /// And the powers of a facilitator or admin over an organisation:
        /// members, roles, invitations, standings, settings.
        Admin => "admin",
    }
}

/// How the person behind a request proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// A login session: everything the person may do, including managing
    /// their password, sessions and tokens.
    Session,
    /// A personal API token, limited to its scope; it never manages
    /// credentials (a token cannot mint tokens).
    Personal(Scope),
    /// The secret address of a calendar feed: reads only.
    Feed,
    /// The operator at the command line, or the demo's seeding.
    Operator,
}

impl Credential {
    /// What this credential may do at most.
    pub fn scope(self) -> Scope {
        match self {
            Credential::Session | Credential::Operator => Scope::Admin,
            Credential::Personal(scope) => scope,
            Credential::Feed => Scope::Read,
        }
    }

    /// The role a person acts with through this credential: a personal
    /// token without the admin scope acts as a plain member — it moderates,
    /// steers and reads what only facilitators read no more than one would.
    pub fn acting_role(self, role: Role) -> Role {
        match self {
            Credential::Personal(scope) if scope < Scope::Admin => role.min(Role::Member),
            _ => role,
        }
    }

    /// May this credential manage the person's password, sessions and tokens?
    pub fn manages_credentials(self) -> bool {
        matches!(self, Credential::Session | Credential::Operator)
    }
}

/// A new token: 256 random bits behind the kind's prefix.
pub fn generate(kind: TokenKind) -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{}{}", kind.prefix(), URL_SAFE_NO_PAD.encode(bytes))
}

/// The stored form of a token. A fast hash is right here: the token has 256
/// bits of entropy, so there is nothing to brute-force, unlike a password.
pub fn hash(token: &str) -> String {
    let digest = Sha256::digest(token.trim().as_bytes());
    URL_SAFE_NO_PAD.encode(digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_prefixed_and_hash_stably() {
        let a = generate(TokenKind::Session);
        let b = generate(TokenKind::Session);
        assert_ne!(a, b);
        assert!(a.starts_with("plm_s_"));
        assert_eq!(hash(&a), hash(&a));
        assert_ne!(hash(&a), hash(&b));
    }

    #[test]
    fn scopes_widen_in_order_and_only_sessions_manage_credentials() {
        assert!(Scope::Read < Scope::Write && Scope::Write < Scope::Admin);
        for scope in [Scope::Read, Scope::Write, Scope::Admin] {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
            assert!(!Credential::Personal(scope).manages_credentials());
            assert_eq!(Credential::Personal(scope).scope(), scope);
        }
        assert_eq!(Scope::parse("root"), None);
        assert_eq!(Credential::Session.scope(), Scope::Admin);
        assert_eq!(Credential::Feed.scope(), Scope::Read);
        assert!(Credential::Session.manages_credentials());
        assert!(!Credential::Feed.manages_credentials());
        let write = Credential::Personal(Scope::Write);
        assert_eq!(write.acting_role(Role::Admin), Role::Member);
        assert_eq!(write.acting_role(Role::Member), Role::Member);
        let admin = Credential::Personal(Scope::Admin);
        assert_eq!(admin.acting_role(Role::Facilitator), Role::Facilitator);
        assert_eq!(Credential::Session.acting_role(Role::Admin), Role::Admin);
    }
}
