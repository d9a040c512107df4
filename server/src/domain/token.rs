//! Secret tokens (sessions, API tokens, invitation links): random, shown once,
//! stored only as a SHA-256 hash, so a copy of the database opens no account.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// What a token opens; its prefix makes a leaked token recognisable by secret scanners.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Session,
    Personal,
    Invitation,
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
            TokenKind::Receipt => "plm_r_",
            TokenKind::Calendar => "plm_c_",
        }
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
}
