//! The decision engine: given the ballots, what did the assembly decide?
//!
//! Every decision method of DOMAIN.md is one type implementing [`Method`]:
//! it reads its settings, checks a ballot, counts it, and gives a [`Verdict`]
//! with an explanation a secretary can read aloud. [`METHODS`] registers them
//! by name; [`start`] opens a count for a [`Spec`] (the header of a ballot
//! file) and hides the method behind [`Tally`], which also handles what every
//! method shares: participation and quorum.
//!
//! Methods whose result depends only on counts keep counts, never ballots, so
//! a national vote of 400,000 ballots is counted in a few megabytes.
//!
//! Ties are never broken silently: tied options share a rank, and a method
//! that must break a tie (instant run-off eliminations) says how it did.

pub mod approval;
pub mod consensus;
pub mod consent;
pub mod dot_vote;
pub mod file;
pub mod fraction;
pub mod majority;
pub mod majority_judgment;
pub mod meeting_time;
pub mod multiple_choice;
pub mod ranked_irv;
pub mod ranked_schulze;
pub mod score;
pub mod single_choice;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::i18n::Text;
use crate::text;
use fraction::Fraction;

/// What is being decided: the first line of a ballot file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    pub method: String,
    #[serde(default)]
    pub options: Vec<String>,
    #[serde(default)]
    pub settings: Value,
    /// How many people may vote; needed for quorums and absolute majorities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub electorate: Option<u64>,
}

/// Why a ballot was refused. Nothing is counted from a refused ballot.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    /// An objection came without the reason the settings require.
    pub reason_required: bool,
    pub message: Text,
}

impl Refusal {
    pub fn invalid(message: Text) -> Refusal {
        Refusal {
            reason_required: false,
            message,
        }
    }
}

/// What a method concludes from its counts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Verdict {
    /// Options from best to worst; tied options share a group.
    pub ranking: Vec<Vec<usize>>,
    /// The options chosen; several when they tie, none when nothing is chosen.
    pub winners: Vec<usize>,
    /// For yes/no methods (majority, consensus, consent): is the proposal adopted?
    pub adopted: Option<bool>,
    /// For consensus and consent: `reached`, `objections_to_address`, `not_reached`.
    pub status: Option<&'static str>,
    /// The method's own figures.
    pub details: Value,
    /// Sentences that explain the result, in order.
    pub explanation: Vec<Text>,
}

/// A decision method.
pub trait Method: Sized + Send + 'static {
    /// Its name in ballot files, settings and the API (`majority_judgment`).
    const NAME: &'static str;
    /// One ballot, as one line of a ballot file.
    type Ballot: DeserializeOwned;
    /// Reads the options and the method's settings (without `quorum`, which
    /// [`Tally`] handles); refuses what cannot be counted.
    fn new(options: &[String], settings: Value, electorate: Option<u64>) -> Result<Self, Text>;
    /// Checks a ballot without counting it.
    fn check(&self, ballot: &Self::Ballot) -> Result<(), Refusal>;
    /// Counts a ballot that passed [`Method::check`].
    fn count(&mut self, ballot: Self::Ballot);
    /// The result so far, after `ballots` ballots.
    fn verdict(&self, ballots: u64) -> Verdict;
}

/// The full result of a count, as `plenum tally` prints it and as a closed
/// proposal stores it (typed JSON: a stored outcome that does not read back
/// as this type, or of another format, is an error, never a default).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sea_orm::FromJsonQueryResult)]
pub struct Outcome {
    /// The format of this record.
    #[serde(default)]
    pub version: Version,
    pub method: String,
    pub options: Vec<String>,
    pub winners: Vec<usize>,
    pub ranking: Vec<Vec<usize>>,
    /// Valid ballots counted.
    pub ballots: u64,
    /// Ballots refused and skipped (`--skip-invalid`).
    pub invalid: u64,
    pub electorate: Option<u64>,
    /// Ballots counted as a share of the electorate, when it is known.
    pub participation_percent: Option<f64>,
    /// Whether the quorum was reached; null when no quorum applies.
    pub quorum_reached: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adopted: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    pub details: Value,
    pub explanation: Explanation,
}

impl Outcome {
    /// The explanation's sentences in `locale`'s language.
    pub fn explanation_in(&self, locale: crate::i18n::Locale) -> &[String] {
        match locale {
            crate::i18n::Locale::En => &self.explanation.en,
            crate::i18n::Locale::Fr => &self.explanation.fr,
        }
    }

    /// The names of options given by index (`#i` for an index out of range).
    pub fn names(&self, indices: &[usize]) -> Vec<String> {
        indices
            .iter()
            .map(|&i| {
                self.options
                    .get(i)
                    .cloned()
                    .unwrap_or_else(|| format!("#{i}"))
            })
            .collect()
    }
}

/// The format of an [`Outcome`] record. Outcomes written before the field
/// existed are of the first format; a format this server does not know is
/// refused when read rather than half-understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Version(u32);

impl Version {
    pub const CURRENT: Version = Version(1);
}

impl Default for Version {
    fn default() -> Self {
        Version::CURRENT
    }
}

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match u32::deserialize(d)? {
            1 => Ok(Version(1)),
            other => Err(serde::de::Error::custom(format!(
                "an outcome of format {other}, which this server does not know"
            ))),
        }
    }
}

/// The explanation in both languages, one sentence per line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    pub en: Vec<String>,
    pub fr: Vec<String>,
}

/// A count in progress, whatever its method.
pub trait Tally: Send {
    fn method(&self) -> &'static str;
    /// Checks a ballot given as JSON, without counting it.
    fn check_json(&self, ballot: &Value) -> Result<(), Refusal>;
    /// Parses, checks and counts one ballot line.
    fn add_line(&mut self, line: &str) -> Result<(), Refusal>;
    /// The result so far; `invalid` ballots were skipped by the caller.
    fn outcome(&self, invalid: u64) -> Outcome;
}

struct Counting<M: Method> {
    method: M,
    ballots: u64,
    options: Vec<String>,
    electorate: Option<u64>,
    quorum: Option<Fraction>,
}

fn unreadable(name: &str, error: impl std::fmt::Display) -> Refusal {
    Refusal::invalid(text!(
        en: "This is not a {name} ballot: {error}.",
        fr: "Ce n'est pas un bulletin {name} : {error}."
    ))
}

impl<M: Method> Tally for Counting<M> {
    fn method(&self) -> &'static str {
        M::NAME
    }

    fn check_json(&self, ballot: &Value) -> Result<(), Refusal> {
        let ballot = M::Ballot::deserialize(ballot).map_err(|e| unreadable(M::NAME, e))?;
        self.method.check(&ballot)
    }

    fn add_line(&mut self, line: &str) -> Result<(), Refusal> {
        let ballot: M::Ballot = serde_json::from_str(line).map_err(|e| unreadable(M::NAME, e))?;
        self.method.check(&ballot)?;
        self.method.count(ballot);
        self.ballots += 1;
        Ok(())
    }

    fn outcome(&self, invalid: u64) -> Outcome {
        let mut verdict = self.method.verdict(self.ballots);
        let quorum_reached = self.quorum.map(|q| {
            self.electorate
                .is_some_and(|e| q.reached_by(self.ballots, e, false))
        });
        if quorum_reached == Some(false) {
            let (ballots, quorum) = (
                self.ballots,
                self.quorum.map(|q| q.to_string()).unwrap_or_default(),
            );
            verdict.explanation.push(text!(
                en: "The quorum ({quorum} of the electorate) was not reached with {ballots} ballots: the vote does not decide.",
                fr: "Le quorum ({quorum} du corps électoral) n'est pas atteint avec {ballots} bulletins : le vote ne décide pas."
            ));
            if verdict.adopted.is_some() {
                verdict.adopted = Some(false);
            }
        }
        if invalid > 0 {
            verdict.explanation.push(text!(
                en: "{invalid} invalid ballots were set aside and not counted.",
                fr: "{invalid} bulletins invalides ont été écartés et non comptés."
            ));
        }
        Outcome {
            version: Version::CURRENT,
            method: M::NAME.to_owned(),
            options: self.options.clone(),
            winners: verdict.winners,
            ranking: verdict.ranking,
            ballots: self.ballots,
            invalid,
            electorate: self.electorate,
            participation_percent: self.electorate.map(|e| fraction::percent(self.ballots, e)),
            quorum_reached,
            adopted: verdict.adopted,
            status: verdict.status.map(str::to_owned),
            details: verdict.details,
            explanation: Explanation {
                en: verdict
                    .explanation
                    .iter()
                    .map(|t| t.en.to_string())
                    .collect(),
                fr: verdict
                    .explanation
                    .iter()
                    .map(|t| t.fr.to_string())
                    .collect(),
            },
        }
    }
}

/// Settings every method accepts.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Common {
    /// The share of the electorate that must take part.
    quorum: Option<Fraction>,
}

fn start_method<M: Method>(spec: &Spec) -> Result<Box<dyn Tally>, Text> {
    let mut settings = match &spec.settings {
        Value::Null => serde_json::Map::new(),
        Value::Object(map) => map.clone(),
        _ => {
            return Err(
                text!(en: "`settings` must be an object.", fr: "`settings` doit être un objet."),
            );
        }
    };
    let common: Common = {
        let mut map = serde_json::Map::new();
        if let Some(q) = settings.remove("quorum") {
            map.insert("quorum".into(), q);
        }
        serde_json::from_value(Value::Object(map)).map_err(|e| bad_settings(M::NAME, e))?
    };
    if common.quorum.is_some() && spec.electorate.is_none() {
        return Err(text!(
            en: "A quorum needs the size of the electorate (`electorate`).",
            fr: "Un quorum nécessite la taille du corps électoral (`electorate`)."
        ));
    }
    let method = M::new(&spec.options, Value::Object(settings), spec.electorate)?;
    Ok(Box::new(Counting {
        method,
        ballots: 0,
        options: spec.options.clone(),
        electorate: spec.electorate,
        quorum: common.quorum,
    }))
}

/// The error for settings that do not read.
pub fn bad_settings(method: &str, error: impl std::fmt::Display) -> Text {
    text!(
        en: "The settings of {method} are not valid: {error}.",
        fr: "Les réglages de {method} ne sont pas valides : {error}."
    )
}

/// Reads a method's settings (`{}` gives the defaults; unknown keys are refused).
pub fn read_settings<S: DeserializeOwned>(method: &str, settings: Value) -> Result<S, Text> {
    serde_json::from_value(settings).map_err(|e| bad_settings(method, e))
}

type Start = fn(&Spec) -> Result<Box<dyn Tally>, Text>;

/// Every method, by name. Adding a method: a new file in this folder, its
/// `pub mod` line above, and one line here.
pub const METHODS: &[(&str, Start)] = &[
    (majority::Majority::NAME, start_method::<majority::Majority>),
    (
        consensus::Consensus::NAME,
        start_method::<consensus::Consensus>,
    ),
    (consent::Consent::NAME, start_method::<consent::Consent>),
    (
        majority_judgment::MajorityJudgment::NAME,
        start_method::<majority_judgment::MajorityJudgment>,
    ),
    (approval::Approval::NAME, start_method::<approval::Approval>),
    (score::Score::NAME, start_method::<score::Score>),
    (
        single_choice::SingleChoice::NAME,
        start_method::<single_choice::SingleChoice>,
    ),
    (
        multiple_choice::MultipleChoice::NAME,
        start_method::<multiple_choice::MultipleChoice>,
    ),
    (dot_vote::DotVote::NAME, start_method::<dot_vote::DotVote>),
    (
        ranked_schulze::Schulze::NAME,
        start_method::<ranked_schulze::Schulze>,
    ),
    (
        ranked_irv::InstantRunoff::NAME,
        start_method::<ranked_irv::InstantRunoff>,
    ),
    (
        meeting_time::MeetingTime::NAME,
        start_method::<meeting_time::MeetingTime>,
    ),
];

/// Opens a count for `spec`.
pub fn start(spec: &Spec) -> Result<Box<dyn Tally>, Text> {
    match METHODS.iter().find(|(name, _)| *name == spec.method) {
        Some((_, start)) => start(spec),
        None => {
            let (method, known) = (
                &spec.method,
                METHODS
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            Err(text!(
                en: "`{method}` is not a decision method. Known methods: {known}.",
                fr: "« {method} » n'est pas une méthode de décision. Méthodes connues : {known}."
            ))
        }
    }
}

/// Groups option indices by `key`, best (largest) first; equal keys share a rank.
pub fn rank_by<K: Ord>(keys: &[K]) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by(|&a, &b| keys[b].cmp(&keys[a]).then(a.cmp(&b)));
    let mut ranking: Vec<Vec<usize>> = Vec::new();
    for i in order {
        match ranking.last_mut() {
            Some(group) if keys[group[0]] == keys[i] => group.push(i),
            _ => ranking.push(vec![i]),
        }
    }
    ranking
}

/// The first rank group, or nothing when no ballot was counted.
pub fn winners_of(ranking: &[Vec<usize>], ballots: u64) -> Vec<usize> {
    if ballots == 0 {
        Vec::new()
    } else {
        ranking.first().cloned().unwrap_or_default()
    }
}

/// A ranked ballot (Schulze, instant run-off): options best first, each at
/// most once; options left out rank below all ranked ones.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RankedBallot {
    pub ranking: Vec<usize>,
}

/// Most options a ranked count accepts: Schulze's matrices grow with the
/// square of the options and its strongest paths with the cube, instant
/// run-off keeps every round; a bound keeps an untrusted file from
/// exhausting the machine (and lets an option index fit in a `u16`).
pub const MAX_RANKED_OPTIONS: usize = 500;

/// One option's line in an explanation of counts.
pub struct Line {
    /// 1 for the best; tied options share a rank.
    pub rank: usize,
    pub name: String,
    pub count: u64,
    /// `count` as a percentage of the whole, and the same written the French way.
    pub share: f64,
    pub share_fr: String,
}

/// One sentence per option, best first, for methods that rank by a count.
pub fn ranked_lines(
    options: &[String],
    ranking: &[Vec<usize>],
    counts: &[u64],
    whole: u64,
    sentence: impl Fn(Line) -> Text,
) -> Vec<Text> {
    let mut lines = Vec::new();
    for (rank, group) in ranking.iter().enumerate() {
        for &i in group {
            let count = counts.get(i).copied().unwrap_or(0);
            let share = fraction::percent(count, whole);
            let share_fr = fraction::french(share);
            lines.push(sentence(Line {
                rank: rank + 1,
                name: name_of(options, i),
                count,
                share,
                share_fr,
            }));
        }
    }
    lines
}

/// Checks that every index names an option, at most once.
pub fn check_indices(indices: &[usize], options: usize) -> Result<(), Refusal> {
    let mut seen = vec![false; options];
    for &i in indices {
        match seen.get_mut(i) {
            None => {
                return Err(Refusal::invalid(text!(
                    en: "Option {i} does not exist (there are {options} options, numbered from 0).",
                    fr: "L'option {i} n'existe pas (il y a {options} options, numérotées à partir de 0)."
                )));
            }
            Some(true) => {
                return Err(Refusal::invalid(text!(
                    en: "Option {i} appears twice.",
                    fr: "L'option {i} apparaît deux fois."
                )));
            }
            Some(slot) => *slot = true,
        }
    }
    Ok(())
}

/// Checks that a ballot has exactly one value per option.
pub fn check_length(len: usize, options: usize) -> Result<(), Refusal> {
    if len == options {
        Ok(())
    } else {
        Err(Refusal::invalid(text!(
            en: "The ballot has {len} values; it needs one per option ({options}).",
            fr: "Le bulletin a {len} valeurs ; il en faut une par option ({options})."
        )))
    }
}

/// The most options a question may offer: a ballot must stay readable, and
/// counting (Schulze is cubic in the options) quick.
pub const MAX_OPTIONS: usize = 100;

/// The longest name an option may have, in characters.
pub const MAX_OPTION_CHARS: usize = 200;

/// Refuses options a method cannot offer: fewer than `at_least`, more than
/// [`MAX_OPTIONS`], an empty, overlong or disguised name (control or
/// invisible characters), or the same option twice (compared without case
/// or surrounding spaces).
pub fn need_options(method: &str, options: &[String], at_least: usize) -> Result<(), Text> {
    if options.len() < at_least {
        return Err(text!(
            en: "{method} needs at least {at_least} options.",
            fr: "{method} nécessite au moins {at_least} options."
        ));
    }
    if options.len() > MAX_OPTIONS {
        return Err(text!(
            en: "A question offers at most {MAX_OPTIONS} options.",
            fr: "Une question propose au plus {MAX_OPTIONS} options."
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for (i, option) in options.iter().enumerate() {
        let name = option.trim();
        if name.is_empty() || name.chars().count() > MAX_OPTION_CHARS {
            return Err(text!(
                en: "Option {i} needs a name of 1 to {MAX_OPTION_CHARS} characters.",
                fr: "L'option {i} doit avoir un nom de 1 à {MAX_OPTION_CHARS} caractères."
            ));
        }
        if name.chars().any(crate::domain::text::hidden_in_line) {
            return Err(text!(
                en: "Option {i} holds an invisible or control character; remove it.",
                fr: "L'option {i} contient un caractère invisible ou de contrôle ; retirez-le."
            ));
        }
        if !seen.insert(name.to_lowercase()) {
            return Err(text!(
                en: "The option “{name}” is offered twice.",
                fr: "L'option « {name} » est proposée deux fois."
            ));
        }
    }
    Ok(())
}

/// The option's name for explanations.
pub fn name_of(options: &[String], i: usize) -> String {
    options.get(i).cloned().unwrap_or_else(|| format!("#{i}"))
}

/// Names of a group of options, joined for a sentence.
pub fn names_of(options: &[String], group: &[usize]) -> String {
    group
        .iter()
        .map(|&i| name_of(options, i))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_refused_when_too_few_too_many_blank_disguised_or_repeated() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(need_options("single_choice", &names(&["A", "B"]), 2).is_ok());
        assert!(need_options("single_choice", &names(&["A"]), 2).is_err());
        assert!(need_options("approval", &names(&["A", " a "]), 1).is_err());
        assert!(need_options("approval", &names(&["A", " "]), 1).is_err());
        assert!(need_options("approval", &names(&["A", "B\u{202E}"]), 1).is_err());
        assert!(need_options("approval", &names(&["A", &"x".repeat(201)]), 1).is_err());
        let many: Vec<String> = (0..=MAX_OPTIONS).map(|i| format!("Option {i}")).collect();
        assert!(need_options("approval", &many, 1).is_err());
        assert!(need_options("approval", &many[..MAX_OPTIONS], 1).is_ok());
    }

    #[test]
    fn ranks_group_equal_keys_and_never_order_a_tie() {
        assert_eq!(rank_by(&[3, 5, 3, 1]), vec![vec![1], vec![0, 2], vec![3]]);
        assert_eq!(winners_of(&rank_by(&[2, 2]), 4), vec![0, 1]);
        assert_eq!(winners_of(&rank_by(&[0, 0]), 0), Vec::<usize>::new());
    }

    #[test]
    fn an_unknown_method_lists_the_known_ones() {
        let spec = Spec {
            method: "lottery".into(),
            options: vec![],
            settings: Value::Null,
            electorate: None,
        };
        let Err(error) = start(&spec) else {
            panic!("lottery is not a method")
        };
        assert!(error.en.contains("majority"));
    }

    #[test]
    fn a_quorum_needs_an_electorate() {
        let spec = Spec {
            method: "majority".into(),
            options: vec![],
            settings: serde_json::json!({ "quorum": "1/4" }),
            electorate: None,
        };
        assert!(start(&spec).is_err());
    }
}
