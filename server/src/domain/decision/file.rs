//! Ballot files: JSON Lines, a header then one ballot per line — what
//! secretaries type from paper ballots, and what a closed poll exports.
//!
//! ```text
//! {"method": "majority", "options": [], "settings": {"threshold": "2/3"}, "electorate": 40}
//! {"choice": "yes"}
//! {"choice": "abstain"}
//! ```
//!
//! A secret ballot of a closed vote carries its `tracker` (see
//! `domain::ballot_box`): the count ignores it, a voter finds their ballot by it.

use std::io::BufRead;

use super::{Outcome, Spec, start};
use crate::i18n::Text;
use crate::text;

/// Why a ballot file could not be counted.
#[derive(Debug)]
pub struct FileError {
    /// The line at fault (1 is the header); 0 when the file could not be read.
    pub line: u64,
    pub message: Text,
}

/// Counts a ballot file. With `skip_invalid`, a refused ballot is set aside
/// and counted as invalid; otherwise it stops the count.
pub fn count(reader: impl BufRead, skip_invalid: bool) -> Result<Outcome, FileError> {
    let mut lines = reader.lines();
    let header = loop {
        match lines.next() {
            None => {
                return Err(FileError {
                    line: 1,
                    message: text!(en: "The file is empty: it needs a header line.", fr: "Le fichier est vide : il lui faut une ligne d'en-tête."),
                });
            }
            Some(Err(e)) => return Err(unreadable(0, e)),
            Some(Ok(line)) if line.trim().is_empty() => continue,
            Some(Ok(line)) => break line,
        }
    };
    let spec: Spec = serde_json::from_str(&header).map_err(|e| FileError {
        line: 1,
        message: text!(
            en: "The header does not read: {e}. It looks like {{\"method\": \"majority\", \"options\": [], \"settings\": {{}}}}.",
            fr: "L'en-tête ne se lit pas : {e}. Il ressemble à {{\"method\": \"majority\", \"options\": [], \"settings\": {{}}}}."
        ),
    })?;
    let mut tally = start(&spec).map_err(|message| FileError { line: 1, message })?;
    let mut invalid = 0;
    for (index, line) in lines.enumerate() {
        let number = index as u64 + 2;
        let line = line.map_err(|e| unreadable(number, e))?;
        if line.trim().is_empty() {
            continue;
        }
        if let Err(refusal) = tally.add_line(&without_tracker(&line)) {
            if skip_invalid {
                invalid += 1;
            } else {
                return Err(FileError {
                    line: number,
                    message: refusal.message,
                });
            }
        }
    }
    Ok(tally.outcome(invalid))
}

/// The key that carries a ballot's tracker in a ballot file.
pub const TRACKER: &str = "tracker";

/// A ballot's line in a ballot file, with its tracker as its last key
/// (a ballot that is not an object keeps no tracker).
pub fn with_tracker(ballot: &serde_json::Value, tracker: &str) -> String {
    let mut line = ballot.to_string();
    if ballot.is_object() {
        line.pop();
        if line.len() > 1 {
            line.push(',');
        }
        line.push_str(&serde_json::json!({ TRACKER: tracker }).to_string()[1..]);
    }
    line
}

/// A ballot line as the method reads it: without its tracker.
fn without_tracker(line: &str) -> std::borrow::Cow<'_, str> {
    if !line.contains("\"tracker\"") {
        return line.into();
    }
    // As `with_tracker` writes it, the tracker last: cut, not parsed.
    let line = line.trim_end();
    if let Some(at) = line.rfind("\"tracker\":\"")
        && let Some(value) = line[at + 11..].strip_suffix("\"}")
        && !value.contains(['"', '\\'])
    {
        let kept = line[..at].strip_suffix(',').unwrap_or(&line[..at]);
        if kept.ends_with('{') || line[..at].ends_with(',') {
            return format!("{kept}}}").into();
        }
    }
    match serde_json::from_str::<serde_json::Value>(line) {
        Ok(serde_json::Value::Object(mut ballot)) => {
            ballot.remove(TRACKER);
            serde_json::Value::Object(ballot).to_string().into()
        }
        _ => line.into(),
    }
}

/// Finds the ballot that carries `tracker` in a ballot file: its line
/// number and the ballot (without the tracker).
pub fn find_tracker(
    reader: impl BufRead,
    tracker: &str,
) -> Result<Option<(u64, serde_json::Value)>, FileError> {
    for (index, line) in reader.lines().enumerate() {
        let number = index as u64 + 1;
        let line = line.map_err(|e| unreadable(number, e))?;
        if number == 1 {
            continue;
        }
        if let Some(ballot) = tracked(&line, tracker) {
            return Ok(Some((number, ballot)));
        }
    }
    Ok(None)
}

/// The ballot of a line, without its tracker, if it carries `tracker`.
pub fn tracked(line: &str, tracker: &str) -> Option<serde_json::Value> {
    if !line.contains(tracker) {
        return None;
    }
    match serde_json::from_str(line) {
        Ok(serde_json::Value::Object(mut ballot))
            if ballot.get(TRACKER).and_then(|t| t.as_str()) == Some(tracker) =>
        {
            ballot.remove(TRACKER);
            Some(serde_json::Value::Object(ballot))
        }
        _ => None,
    }
}

fn unreadable(line: u64, e: std::io::Error) -> FileError {
    FileError {
        line,
        message: text!(en: "The file cannot be read: {e}.", fr: "Le fichier ne peut pas être lu : {e}."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_tracker_is_written_last_and_cut_off_for_the_count() {
        let tracker = "AbC-_x9";
        for (ballot, line, read) in [
            (
                json!({ "grades": [1, 2], "a": { "tracker": "nested" } }),
                r#"{"a":{"tracker":"nested"},"grades":[1,2],"tracker":"AbC-_x9"}"#,
                r#"{"a":{"tracker":"nested"},"grades":[1,2]}"#,
            ),
            (json!({}), r#"{"tracker":"AbC-_x9"}"#, "{}"),
            (json!("yes"), r#""yes""#, r#""yes""#),
        ] {
            assert_eq!(with_tracker(&ballot, tracker), line);
            assert_eq!(without_tracker(line), read);
            assert_eq!(
                tracked(line, tracker),
                ballot.is_object().then(|| ballot.clone())
            );
        }
        // Written by anyone else (a key after it, spaces): read as JSON.
        assert_eq!(without_tracker(r#"{"tracker": "x", "z": 1}"#), r#"{"z":1}"#);
        assert_eq!(
            without_tracker(r#"{"choice":"tracker","tracker":"a\"b"}"#),
            r#"{"choice":"tracker"}"#
        );
        assert_eq!(
            without_tracker(r#"{"note":"{\"tracker\":\"x\"}"}"#),
            r#"{"note":"{\"tracker\":\"x\"}"}"#
        );
    }

    #[test]
    fn a_file_is_counted_line_by_line() {
        let file = "{\"method\": \"majority\", \"electorate\": 10, \"settings\": {\"quorum\": \"1/2\"}}\n{\"choice\": \"yes\"}\n\n{\"choice\": \"no\"}\n{\"choice\": \"yes\"}\n";
        let outcome = count(file.as_bytes(), false).unwrap();
        assert_eq!(outcome.ballots, 3);
        assert_eq!(
            outcome.adopted,
            Some(false),
            "3 of 10 is under the quorum of half"
        );
        assert_eq!(outcome.quorum_reached, Some(false));
    }

    #[test]
    fn an_invalid_ballot_stops_the_count_with_its_line_unless_skipped() {
        let file = "{\"method\": \"majority\"}\n{\"choice\": \"yes\"}\n{\"choice\": \"peut-être\"}\n{\"choice\": \"yes\"}\n";
        let error = count(file.as_bytes(), false).unwrap_err();
        assert_eq!(error.line, 3);
        let outcome = count(file.as_bytes(), true).unwrap();
        assert_eq!((outcome.ballots, outcome.invalid), (2, 1));
        assert_eq!(outcome.adopted, Some(true));
    }

    #[test]
    fn a_tracker_is_not_counted_and_finds_its_ballot() {
        let file = "{\"method\": \"majority\"}\n{\"choice\": \"yes\", \"tracker\": \"T1\"}\n{\"tracker\": \"T2\", \"choice\": \"no\"}\n{\"choice\": \"yes\"}\n";
        let outcome = count(file.as_bytes(), false).unwrap();
        assert_eq!((outcome.ballots, outcome.adopted), (3, Some(true)));
        let (line, ballot) = find_tracker(file.as_bytes(), "T2").unwrap().unwrap();
        assert_eq!((line, ballot), (3, serde_json::json!({"choice": "no"})));
        assert!(find_tracker(file.as_bytes(), "T3").unwrap().is_none());
        assert!(
            find_tracker(file.as_bytes(), "T").unwrap().is_none(),
            "whole trackers only"
        );
    }

    #[test]
    fn a_bad_header_is_line_one() {
        assert_eq!(
            count("{\"methode\": \"majority\"}\n".as_bytes(), false)
                .unwrap_err()
                .line,
            1
        );
        assert_eq!(count("".as_bytes(), false).unwrap_err().line, 1);
        assert_eq!(
            count("{\"method\": \"tirage\"}\n".as_bytes(), false)
                .unwrap_err()
                .line,
            1
        );
    }
}
