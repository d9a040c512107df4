//! Exact fractions for thresholds and quorums: "2/3 of the votes cast" must be
//! decided with integers, never with floating point.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A fraction `num/den` between 0 and 1 inclusive, as written in settings:
/// `"2/3"`, `"0.5"` or a number such as `0.25`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fraction {
    num: u64,
    den: u64,
}

impl Fraction {
    pub const HALF: Fraction = Fraction { num: 1, den: 2 };

    pub fn new(num: u64, den: u64) -> Option<Fraction> {
        (den > 0 && num <= den).then(|| {
            let g = gcd(num, den);
            Fraction {
                num: num / g,
                den: den / g,
            }
        })
    }

    pub fn parse(text: &str) -> Option<Fraction> {
        let text = text.trim();
        if let Some((n, d)) = text.split_once('/') {
            return Fraction::new(n.trim().parse().ok()?, d.trim().parse().ok()?);
        }
        // A decimal: at most 6 digits after the point, read exactly.
        let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
        if frac.len() > 6 || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let den = 10u64.pow(frac.len() as u32);
        let whole: u64 = if whole.is_empty() {
            0
        } else {
            whole.parse().ok()?
        };
        let frac: u64 = if frac.is_empty() {
            0
        } else {
            frac.parse().ok()?
        };
        Fraction::new(whole.checked_mul(den)?.checked_add(frac)?, den)
    }

    /// Is `part / whole` greater than this fraction (or equal, when not `strict`)?
    pub fn reached_by(self, part: u64, whole: u64, strict: bool) -> bool {
        let left = u128::from(part) * u128::from(self.den);
        let right = u128::from(whole) * u128::from(self.num);
        if strict { left > right } else { left >= right }
    }

    /// Is `part / whole` exactly this fraction?
    pub fn equals(self, part: u64, whole: u64) -> bool {
        u128::from(part) * u128::from(self.den) == u128::from(whole) * u128::from(self.num)
    }
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a.max(1) } else { gcd(b, a % b) }
}

impl fmt::Display for Fraction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.num, self.den)
    }
}

impl Serialize for Fraction {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Fraction {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        let text = match &value {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Number(n) => n.to_string(),
            _ => String::new(),
        };
        Fraction::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "{value} is not a fraction between 0 and 1 such as \"2/3\" or 0.5"
            ))
        })
    }
}

/// `part / whole` as a percentage with two decimals, for people to read.
pub fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        (part as f64 * 10_000.0 / whole as f64).round() / 100.0
    }
}

/// A number as French writes it: a decimal comma.
pub fn french(value: f64) -> String {
    value.to_string().replace('.', ",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions_are_read_exactly() {
        assert_eq!(Fraction::parse("2/3"), Fraction::new(2, 3));
        assert_eq!(Fraction::parse("0.5"), Some(Fraction::HALF));
        assert_eq!(Fraction::parse("3/5"), Fraction::new(6, 10));
        assert_eq!(Fraction::parse("4/3"), None);
        assert_eq!(Fraction::parse("abc"), None);
    }

    #[test]
    fn two_thirds_is_decided_with_integers() {
        let two_thirds = Fraction::parse("2/3").unwrap();
        assert!(two_thirds.reached_by(2, 3, false));
        assert!(!two_thirds.reached_by(2, 3, true));
        assert!(two_thirds.reached_by(666_667, 1_000_000, true));
        assert!(!two_thirds.reached_by(666_666, 1_000_000, false));
    }
}
