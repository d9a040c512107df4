//! The words of the public pages, in English and French, handed to every
//! template as `t` (`{{ t.next_page }}`): one template set serves both
//! languages, and a theme translates nothing itself.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Weekday};
use chrono_tz::Tz;
use minijinja::{Value, context};

use crate::i18n::Locale;

/// (key, English, French).
#[rustfmt::skip]
const WORDS: &[(&str, &str, &str)] = &[
    ("site_intro", "Where assemblies deliberate: discussions, decisions, mandates, meetings and records.", "Là où les assemblées délibèrent : discussions, décisions, mandats, réunions et comptes rendus."),
    ("api_playground", "GraphQL API playground", "Bac à sable de l'API GraphQL"),
    ("server_health", "Server health", "État du serveur"),
    ("skip", "Skip to the content", "Aller au contenu"),
    ("home", "Home", "Accueil"),
    ("language", "Language", "Langue"),
    ("footer", "Published with Plenum.", "Publié avec Plenum."),
    ("bodies", "Bodies", "Instances"),
    ("no_bodies", "No bodies yet.", "Aucune instance pour l'instant."),
    ("dissolved", "dissolved", "dissoute"),
    ("latest_records", "Latest records", "Derniers documents publiés"),
    ("no_records", "No records yet.", "Aucun document publié pour l'instant."),
    ("archive", "Archive", "Archives"),
    ("contents", "Contents", "Sommaire"),
    ("all_records", "All records", "Tous les documents"),
    ("next_page", "Next page", "Page suivante"),
    ("first_page", "Back to the first page", "Retour à la première page"),
    ("published_on", "Published on", "Publié le"),
    ("version", "Version", "Version"),
    ("versions", "Versions", "Versions"),
    ("current_version", "current version", "version en vigueur"),
    ("first_version", "First version, as published", "Première version, telle que publiée"),
    ("amended_because", "Amended because", "Amendé pour la raison suivante"),
    ("by", "by", "par"),
    ("earlier_version", "You are reading an earlier version of this record.", "Vous lisez une version antérieure de ce document."),
    ("read_current", "Read the current version", "Lire la version en vigueur"),
    ("visibility_members", "For the organisation's members", "Réservé aux membres de l'organisation"),
    ("visibility_body", "For the body's people", "Réservé aux membres de l'instance"),
    ("search", "Search", "Rechercher"),
    ("search_title", "Search", "Recherche"),
    ("search_label", "Words to look for", "Mots à chercher"),
    ("search_hint", "All words must match; put words in \"quotes\" to find them in that order.", "Tous les mots doivent figurer ; mettez des mots entre « guillemets » (\") pour les trouver dans cet ordre."),
    ("results", "results", "résultats"),
    ("no_results", "Nothing found. Try other words, or remove a filter.", "Aucun résultat. Essayez d'autres mots, ou retirez un filtre."),
    ("refine", "Refine", "Affiner"),
    ("filters", "Filters", "Filtres"),
    ("remove_filter", "remove", "retirer"),
    ("facet_kind", "Kind", "Type"),
    ("facet_year", "Year", "Année"),
    ("facet_body", "Body", "Instance"),
    ("hit_thread", "Discussion", "Discussion"),
    ("hit_post", "Message", "Message"),
    ("hit_proposal", "Proposal", "Proposition"),
    ("calendar", "Calendar", "Calendrier"),
    ("upcoming_meetings", "Upcoming meetings", "Prochaines réunions"),
    ("no_meetings", "No upcoming meetings.", "Aucune réunion à venir."),
    ("to_be_fixed", "Dates to be fixed", "Dates à fixer"),
    ("between", "Between", "Entre le"),
    ("and", "and", "et le"),
    ("subscribe", "Subscribe to this calendar (iCalendar feed)", "S'abonner à ce calendrier (flux iCalendar)"),
    ("subscribe_hint", "Paste this address into your calendar application to follow the meetings.", "Collez cette adresse dans votre application d'agenda pour suivre les réunions."),
    ("place", "Place", "Lieu"),
    ("video", "Video link", "Lien de visioconférence"),
    ("duration", "Duration", "Durée"),
    ("minutes_short", "min", "min"),
    ("open_to", "Open to", "Ouverte à"),
    ("open_public", "everyone", "tout le monde"),
    ("open_members", "the organisation's people", "les personnes de l'organisation"),
    ("open_mandated", "the body's people", "les membres de l'instance"),
    ("cancelled", "Cancelled", "Annulée"),
    ("in_progress", "In progress", "En cours"),
    ("extraordinary", "Extraordinary session", "Session extraordinaire"),
    ("not_found_title", "Page not found", "Page introuvable"),
    ("not_found_text", "This page does not exist, or it is not public.", "Cette page n'existe pas, ou elle n'est pas publique."),
    ("invalid_title", "This request cannot be answered", "Cette demande ne peut aboutir"),
    ("error_title", "Something went wrong", "Une erreur est survenue"),
    ("error_text", "This page could not be shown because of an error on our side. Please try again in a moment.", "Cette page n'a pas pu être affichée à cause d'une erreur de notre côté. Veuillez réessayer dans un instant."),
    ("invited_title", "You are invited", "Vous êtes invité·e"),
    ("invited_text", "An organisation invites you to join it on Plenum. This link works once. Create an account (or log in), then accept the invitation with this token:", "Une organisation vous invite à la rejoindre sur Plenum. Ce lien ne sert qu'une fois. Créez un compte (ou connectez-vous) puis acceptez l'invitation avec ce jeton :"),
    ("or", "or", "ou"),
    ("colon", ": ", " : "),
    ("kind_general_assembly", "General assembly", "Assemblée générale"),
    ("kind_secretariat", "Secretariat", "Secrétariat"),
    ("kind_commission", "Commission", "Commission"),
    ("kind_council", "Council", "Conseil"),
    ("kind_popular_assembly", "Popular assembly", "Assemblée populaire"),
    ("kind_working_group", "Working group", "Groupe de travail"),
];

/// A word in a language; the key itself when there is no such word (a
/// theme's typo shows, it does not break the page).
pub fn word(locale: Locale, key: &str) -> &str {
    WORDS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map_or(key, |(_, en, fr)| match locale {
            Locale::En => en,
            Locale::Fr => fr,
        })
}

/// Every word in a language, for templates.
pub fn table(locale: Locale) -> Value {
    let words: BTreeMap<&str, &str> = WORDS
        .iter()
        .map(|(k, en, fr)| {
            (
                *k,
                match locale {
                    Locale::En => *en,
                    Locale::Fr => *fr,
                },
            )
        })
        .collect();
    Value::from(words)
}

/// A record kind's or a search hit's kind name.
pub fn kind_label(locale: Locale, kind: &str) -> String {
    match crate::domain::record::RecordKind::parse(kind) {
        Some(k) => k.label().in_locale(locale).to_owned(),
        None => word(locale, &format!("hit_{kind}")).to_owned(),
    }
}

/// Who may read a record, when not everyone may.
pub fn visibility_label(
    locale: Locale,
    visibility: crate::domain::record::RecordVisibility,
) -> Option<&'static str> {
    use crate::domain::record::RecordVisibility;
    match visibility {
        RecordVisibility::Public => None,
        RecordVisibility::Members => Some(word(locale, "visibility_members")),
        RecordVisibility::Body => Some(word(locale, "visibility_body")),
    }
}

/// A body's kind name.
pub fn body_kind_label(locale: Locale, body: &crate::entity::body::Model) -> String {
    let kind = crate::service::governance::bodies::kind_of(body);
    word(locale, &format!("kind_{}", kind.as_str())).to_owned()
}

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

fn weekday(locale: Locale, day: Weekday) -> &'static str {
    let i = day.num_days_from_monday() as usize;
    let (en, fr) = (
        [
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
            "Sunday",
        ],
        [
            "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
        ],
    );
    match locale {
        Locale::En => en[i],
        Locale::Fr => fr[i],
    }
}

/// "3 March 2026", "3 mars 2026".
pub fn long_date(locale: Locale, day: NaiveDate) -> String {
    let month = day.month0() as usize;
    let month = match locale {
        Locale::En => MONTHS_EN[month],
        Locale::Fr => MONTHS_FR[month],
    };
    let n = day.day();
    let n = if locale == Locale::Fr && n == 1 {
        "1er".to_owned()
    } else {
        n.to_string()
    };
    format!("{n} {month} {}", day.year())
}

/// A day for a `<time>` element: `{ iso, text }`.
pub fn day_value(locale: Locale, day: NaiveDate) -> Value {
    context! { iso => day.to_string(), text => long_date(locale, day) }
}

/// A moment where the organisation is, for a `<time>` element: `{ iso,
/// text }`, "Tuesday 3 March 2026 at 18:30", "mardi 3 mars 2026 à 18:30".
pub fn moment_value(locale: Locale, at: DateTime<Tz>) -> Value {
    let day = at.date_naive();
    let at_word = match locale {
        Locale::En => "at",
        Locale::Fr => "à",
    };
    let text = format!(
        "{} {} {at_word} {:02}:{:02}",
        weekday(locale, day.weekday()),
        long_date(locale, day),
        at.hour(),
        at.minute()
    );
    context! { iso => at.to_rfc3339(), text => text }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn every_word_is_written_in_both_languages_once() {
        let mut keys = std::collections::HashSet::new();
        for (key, en, fr) in WORDS {
            assert!(keys.insert(*key), "{key} twice");
            assert!(!en.is_empty() && !fr.is_empty(), "{key}");
        }
    }

    #[test]
    fn every_word_the_default_theme_uses_exists() {
        for (name, source) in super::super::theme::BUILT_IN {
            for (at, _) in source.match_indices("t.") {
                let before = source[..at].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                    continue;
                }
                let key: String = source[at + 2..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                assert!(
                    WORDS.iter().any(|(k, _, _)| *k == key),
                    "{name} uses t.{key}, which has no words"
                );
            }
        }
    }

    #[test]
    fn dates_read_as_people_write_them() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        assert_eq!(long_date(Locale::Fr, day), "1er mars 2026");
        assert_eq!(long_date(Locale::En, day), "1 March 2026");
        let at = chrono_tz::Europe::Paris
            .with_ymd_and_hms(2026, 3, 3, 18, 30, 0)
            .unwrap();
        let v = moment_value(Locale::Fr, at);
        assert_eq!(
            v.get_attr("text").unwrap().to_string(),
            "mardi 3 mars 2026 à 18:30"
        );
        assert_eq!(
            v.get_attr("iso").unwrap().to_string(),
            "2026-03-03T18:30:00+01:00"
        );
    }
}
