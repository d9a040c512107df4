//! The sealed ballot box of a secret vote.
//!
//! While the vote is open, a secret ballot is stored sealed: its content
//! (choice, reason, tracker) encrypted with XChaCha20-Poly1305 under the
//! deployment's ballot-box key, which lives in the server's configuration or
//! its data folder, never in the database. The database, its files, its
//! write-ahead log and its backups then hold, for each voter, only a sealed
//! envelope written in the same transaction as their participation. When the
//! round ends the box is opened: the envelopes are decrypted and the ballots
//! written out in a random order under fresh ids, in one transaction, and
//! the envelopes deleted. Without the key, nothing pairs an envelope (and so
//! a voter) with a counted ballot: the key is what an attacker with the
//! database files lacks.
//!
//! A **tracker**, derived from the receipt that only the voter holds, is
//! printed beside each ballot in the ballot file, so that a voter can check
//! their ballot was counted as cast, and no one else can tell whose it is.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The deployment's ballot-box key: 32 random bytes.
#[derive(Clone)]
pub struct BoxKey([u8; 32]);

impl std::fmt::Debug for BoxKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BoxKey([redacted])")
    }
}

impl BoxKey {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        BoxKey(bytes)
    }

    /// Reads a key written by [`BoxKey::to_text`] (base64url, 43
    /// characters), or in standard base64 as `openssl rand -base64 32` gives.
    pub fn from_text(text: &str) -> Option<Self> {
        let text: String = text
            .trim()
            .trim_end_matches('=')
            .chars()
            .map(|c| match c {
                '+' => '-',
                '/' => '_',
                c => c,
            })
            .collect();
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        Some(BoxKey(bytes.try_into().ok()?))
    }

    pub fn to_text(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }

    /// A fingerprint that names the key without revealing it: stored in the
    /// database so that a process started with another key is stopped
    /// before it seals ballots no one else can open.
    pub fn fingerprint(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(b"plenum ballot box key fingerprint\0");
        hasher.update(self.0);
        URL_SAFE_NO_PAD.encode(hasher.finalize())
    }

    /// Names a voter inside a sealed ballot (a keyed hash of the proposal,
    /// the round and the account): without the key, it names no one.
    pub fn voter_tag(&self, proposal: Uuid, round: i32, account: Uuid) -> String {
        use hmac::{Hmac, Mac};
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
        mac.update(b"plenum ballot voter\0");
        mac.update(proposal.as_bytes());
        mac.update(&round.to_be_bytes());
        mac.update(account.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new((&self.0).into())
    }
}

/// What an envelope holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Content {
    pub choice: Value,
    pub reason: Option<String>,
    pub tracker: String,
    /// Whose ballot it is, as [`BoxKey::voter_tag`] names them: sealed with
    /// the ballot, so that a receipt changes only its own voter's ballot,
    /// and dropped when the box is opened.
    #[serde(default)]
    pub voter: String,
}

/// An envelope that does not open: the wrong key, or a damaged or moved
/// envelope (each is bound to its proposal and round).
#[derive(Debug, PartialEq, Eq)]
pub struct Unopenable;

/// A ballot that could not be sealed (it does not serialise; the cipher
/// refused it): never expected, refused rather than stored in clear.
#[derive(Debug, PartialEq, Eq)]
pub struct Unsealable;

/// What binds an envelope to its place: moved to another proposal or round,
/// it no longer opens.
fn binding(proposal: Uuid, round: i32) -> [u8; 20] {
    let mut aad = [0u8; 20];
    aad[..16].copy_from_slice(proposal.as_bytes());
    aad[16..].copy_from_slice(&round.to_be_bytes());
    aad
}

/// The smallest envelope: every ballot without a long reason (or a long
/// ranking) seals to this length; longer ones to a power of two.
pub const PADDING: usize = 256;

/// Seals a ballot's content; each sealing has a fresh random nonce, so two
/// equal ballots give unrelated envelopes.
pub fn seal(
    key: &BoxKey,
    proposal: Uuid,
    round: i32,
    content: &Content,
) -> Result<Vec<u8>, Unsealable> {
    let mut plaintext = serde_json::to_vec(content).map_err(|_| Unsealable)?;
    // Padded with spaces (which JSON ignores) to PADDING bytes, or the next
    // power of two above: an envelope's length does not tell "yes" from
    // "abstain", only a long reason from a short one.
    plaintext.resize(plaintext.len().next_power_of_two().max(PADDING), b' ');
    let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
    let aad = binding(proposal, round);
    let sealed = key
        .cipher()
        .encrypt(
            &nonce,
            Payload {
                msg: &plaintext,
                aad: &aad,
            },
        )
        .map_err(|_| Unsealable)?;
    let mut envelope = nonce.to_vec();
    envelope.extend_from_slice(&sealed);
    Ok(envelope)
}

/// Opens an envelope sealed by [`seal`] for this proposal and round.
pub fn open(
    key: &BoxKey,
    proposal: Uuid,
    round: i32,
    envelope: &[u8],
) -> Result<Content, Unopenable> {
    if envelope.len() < 24 {
        return Err(Unopenable);
    }
    let (nonce, sealed) = envelope.split_at(24);
    let aad = binding(proposal, round);
    let plaintext = key
        .cipher()
        .decrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: sealed,
                aad: &aad,
            },
        )
        .map_err(|_| Unopenable)?;
    serde_json::from_slice(&plaintext).map_err(|_| Unopenable)
}

/// The tracker of a receipt: what the ballot file prints beside the ballot.
/// One-way, and unlike the receipt's stored hash (which finds the sealed
/// ballot while voting), so that neither gives the other.
pub fn tracker(receipt: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"plenum ballot tracker\0");
    hasher.update(receipt.trim().as_bytes());
    URL_SAFE_NO_PAD.encode(hasher.finalize())
}

/// Whether a secret vote's live result is counted again: once `waiting` new
/// ballots are at least `step` and at least a tenth of the `counted` ones,
/// so that no one watching can tell one ballot from the others, and a large
/// vote is not decrypted and counted again at every batch.
pub fn live_step_reached(waiting: u64, counted: u64, step: u32) -> bool {
    waiting >= u64::from(step).max(counted / 10)
}

/// Shuffles the opened ballots of a round into a uniformly random order.
pub fn shuffle<T>(ballots: &mut [T]) {
    use rand::seq::SliceRandom;
    ballots.shuffle(&mut rand::rngs::OsRng);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn content() -> Content {
        Content {
            choice: json!({"choice": "yes"}),
            reason: Some("parce que".into()),
            tracker: tracker("plm_r_example"),
            voter: String::new(),
        }
    }

    #[test]
    fn an_envelope_opens_with_its_key_for_its_place_only() {
        let key = BoxKey::generate();
        let (p, q) = (Uuid::new_v4(), Uuid::new_v4());
        let envelope = seal(&key, p, 1, &content()).unwrap();
        assert_eq!(open(&key, p, 1, &envelope), Ok(content()));
        assert_eq!(open(&BoxKey::generate(), p, 1, &envelope), Err(Unopenable));
        assert_eq!(
            open(&key, q, 1, &envelope),
            Err(Unopenable),
            "moved to another proposal"
        );
        assert_eq!(
            open(&key, p, 2, &envelope),
            Err(Unopenable),
            "moved to another round"
        );
        assert_eq!(open(&key, p, 1, b"abc"), Err(Unopenable));
        let mut damaged = envelope.clone();
        damaged[30] ^= 1;
        assert_eq!(open(&key, p, 1, &damaged), Err(Unopenable));
    }

    #[test]
    fn equal_ballots_seal_to_unrelated_envelopes_without_their_content() {
        let key = BoxKey::generate();
        let p = Uuid::new_v4();
        let (a, b) = (
            seal(&key, p, 1, &content()).unwrap(),
            seal(&key, p, 1, &content()).unwrap(),
        );
        assert_ne!(a, b);
        assert!(!a.windows(3).any(|w| w == b"yes"));
    }

    #[test]
    fn envelopes_of_short_ballots_all_have_one_length() {
        let key = BoxKey::generate();
        let p = Uuid::new_v4();
        let lengths: std::collections::HashSet<usize> = [
            json!({"choice": "no"}),
            json!({"choice": "abstain"}),
            json!({"grades": [6, 5, 4, 3, 2, 1, 0, 6, 5, 4]}),
        ]
        .into_iter()
        .map(|choice| {
            let content = Content {
                choice,
                ..content()
            };
            let envelope = seal(&key, p, 1, &content).unwrap();
            assert_eq!(open(&key, p, 1, &envelope), Ok(content));
            envelope.len()
        })
        .collect();
        assert_eq!(lengths.len(), 1, "{lengths:?}");
    }

    #[test]
    fn a_key_reads_back_from_its_text_and_its_fingerprint_hides_it() {
        let key = BoxKey::generate();
        let again = BoxKey::from_text(&key.to_text()).unwrap();
        assert_eq!(again.0, key.0);
        assert_ne!(key.fingerprint(), key.to_text());
        assert_ne!(key.fingerprint(), BoxKey::generate().fingerprint());
        assert!(BoxKey::from_text("short").is_none());
        assert!(format!("{key:?}").contains("redacted"));
    }

    #[test]
    fn a_voter_tag_names_one_voter_of_one_round_under_one_key() {
        let key = BoxKey::generate();
        let (p, a, b) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let tag = key.voter_tag(p, 1, a);
        assert_eq!(tag, key.voter_tag(p, 1, a));
        assert_ne!(tag, key.voter_tag(p, 1, b));
        assert_ne!(tag, key.voter_tag(p, 2, a));
        assert_ne!(tag, BoxKey::generate().voter_tag(p, 1, a));
    }

    #[test]
    fn live_results_move_in_steps_of_k_then_of_a_tenth() {
        assert!(!live_step_reached(9, 0, 10));
        assert!(live_step_reached(10, 0, 10));
        assert!(live_step_reached(10, 100, 10));
        assert!(!live_step_reached(99, 1000, 10), "a tenth of a thousand");
        assert!(live_step_reached(100, 1000, 10));
        assert!(!live_step_reached(0, 0, 1));
    }

    #[test]
    fn a_tracker_is_neither_the_receipt_nor_its_stored_hash() {
        let receipt = "plm_r_abcdef";
        assert_eq!(tracker(receipt), tracker(" plm_r_abcdef\n"));
        assert_ne!(tracker(receipt), crate::domain::token::hash(receipt));
        assert_ne!(tracker(receipt), tracker("plm_r_abcdeg"));
    }
}
