//! Three years of Montreuil's published records — minutes and decision
//! records of its assemblies, the housing commission's reports, the
//! secretariat's mandate register — so the archive and search have
//! something to find. [`french_text`] also feeds the search benchmark.

use chrono::{Duration, Utc};

use crate::domain::governance::BodyKind;
use crate::domain::record::{RecordKind, RecordVisibility};
use crate::entity::organisation;
use crate::error::AppResult;
use crate::service::governance::bodies;
use crate::service::records::{self, NewRecord, NewRow};
use crate::service::sessions::Viewer;
use crate::state::AppState;

/// What assemblies talk about, with what they decided.
const TOPICS: &[(&str, &str)] = &[
    (
        "Le local de la rue de Paris",
        "visiter les deux locaux avant de choisir",
    ),
    (
        "La fête de quartier",
        "organiser la fête le deuxième samedi de juin, place de la République",
    ),
    (
        "Les loyers et les expulsions",
        "tenir une permanence logement chaque mardi soir",
    ),
    (
        "La cantine solidaire",
        "ouvrir la cantine deux midis par semaine avec la MJC",
    ),
    (
        "Le budget annuel",
        "adopter le budget présenté par la trésorerie",
    ),
    (
        "Les transports",
        "rejoindre la campagne pour la gratuité des bus le week-end",
    ),
    (
        "Le jardin partagé",
        "demander à la mairie la parcelle de la rue Hoche",
    ),
    (
        "L'accueil des nouvelles personnes",
        "tenir un café d'accueil avant chaque assemblée",
    ),
    (
        "Le règlement intérieur",
        "soumettre la révision du règlement à la délibération de juin",
    ),
    (
        "La campagne municipale",
        "refuser toute alliance électorale et publier nos propositions",
    ),
    (
        "Les écoles du Bas-Montreuil",
        "soutenir la mobilisation des parents contre les fermetures de classes",
    ),
    (
        "La mutuelle de quartier",
        "lancer une enquête sur les besoins de santé",
    ),
];

/// Sentences a deliberation is made of.
const SENTENCES: &[&str] = &[
    "Plusieurs personnes rappellent que la décision doit rester entre les mains de l'assemblée.",
    "La commission présente ses travaux et répond aux questions de la salle.",
    "Le tour de parole donne d'abord la parole aux personnes qui ne se sont pas encore exprimées.",
    "Une objection argumentée porte sur le calendrier, jugé trop serré.",
    "La délibération se poursuit sur les moyens à mobiliser et sur le partage des tâches.",
    "Le secrétariat rappelle les mandats en cours et leur échéance.",
    "Des habitantes du quartier témoignent des difficultés rencontrées avec le bailleur.",
    "L'assemblée souhaite que le compte rendu soit publié avant la prochaine réunion.",
    "Un amendement propose de consulter les assemblées voisines avant de trancher.",
    "La trésorerie détaille les dépenses engagées depuis le début de l'année.",
    "Il est proposé de constituer un groupe de travail ouvert à toutes et tous.",
    "Les délégué·es au conseil départemental feront le compte rendu de cette décision.",
    "La mairie n'a toujours pas répondu au courrier envoyé le mois dernier.",
    "Chacun·e est invité·e à relayer l'appel auprès de ses voisin·es.",
    "Le quorum est atteint ; les votes sont valablement exprimés.",
    "La proposition est reformulée pour lever l'objection.",
];

/// A French text of about `words` words, the same for the same `seed`.
pub fn french_text(seed: u64, words: usize) -> String {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as usize
    };
    let mut out = String::new();
    let mut count = 0;
    while count < words {
        let (topic, decision) = TOPICS[next() % TOPICS.len()];
        out.push_str(&format!("## {topic}\n\n"));
        for _ in 0..(3 + next() % 5) {
            let s = SENTENCES[next() % SENTENCES.len()];
            count += s.split_whitespace().count();
            out.push_str(s);
            out.push(' ');
        }
        let (yes, no, abstain) = (10 + next() % 30, next() % 6, next() % 5);
        out.push_str(&format!(
            "\n\nDécision : {decision} ({yes} pour, {no} contre, {abstain} abstentions).\n\n"
        ));
        count += 12 + decision.split_whitespace().count();
    }
    out
}

pub async fn load(state: &AppState, org: &organisation::Model, admin: &Viewer) -> AppResult<()> {
    let all = bodies::list(state, org.id).await?;
    let of_kind = |kind: BodyKind| {
        all.iter()
            .find(|b| bodies::kind_of(b) == kind && b.dissolved_at.is_none())
            .cloned()
    };
    let (Some(assembly), Some(commission), Some(secretariat)) = (
        of_kind(BodyKind::GeneralAssembly),
        of_kind(BodyKind::Commission),
        of_kind(BodyKind::Secretariat),
    ) else {
        return Ok(());
    };
    let txn = state.write().await?;
    let start = Utc::now() - Duration::days(3 * 365);
    // An assembly every six weeks for three years: minutes and decisions.
    for i in 0..24u64 {
        let at = start + Duration::days(42 * i as i64);
        let (topic, decision) = TOPICS[i as usize % TOPICS.len()];
        let day = at.format("%d/%m/%Y");
        let minutes = format!(
            "## Présent·es\n{} personnes, dont {} en visio.\n\n{}",
            18 + i % 9,
            2 + i % 4,
            french_text(i, 350 + (i as usize * 37) % 500)
        );
        for (kind, title, text, visibility) in [
            (
                RecordKind::Minutes,
                format!("Compte rendu de l'assemblée du {day} — {topic}"),
                minutes,
                RecordVisibility::Public,
            ),
            (
                RecordKind::DecisionRecord,
                format!("Relevé de décisions du {day}"),
                format!("### {topic} — adoptée\n\nL'assemblée décide de {decision}."),
                RecordVisibility::Public,
            ),
        ] {
            records::insert(
                &txn,
                NewRow {
                    organisation: org,
                    body_id: assembly.id,
                    kind,
                    source_id: None,
                    title,
                    text,
                    visibility,
                    by: admin.id(),
                    at,
                },
            )
            .await?;
        }
    }
    // The housing commission reports each year, the last one to members only.
    for year in 0..3u64 {
        let at = start + Duration::days(300 + 365 * year as i64);
        records::insert(
            &txn,
            NewRow {
                organisation: org,
                body_id: commission.id,
                kind: RecordKind::Report,
                source_id: None,
                title: format!("Rapport annuel de la commission, année {}", year + 1),
                text: format!(
                    "## Ce que nous avons fait\n{}\n\n## Ce que nous transmettons\nLes permanences logement, la liste des bailleurs contactés, les modèles de courrier.",
                    french_text(100 + year, 600)
                ),
                visibility: if year == 2 {
                    RecordVisibility::Members
                } else {
                    RecordVisibility::Public
                },
                by: admin.id(),
                at,
            },
        )
        .await?;
    }
    txn.commit().await?;
    records::publish(
        state,
        admin,
        NewRecord {
            kind: RecordKind::MandateRegister,
            body_id: Some(secretariat.id),
            source_id: None,
            title: None,
            text: None,
            visibility: Some(RecordVisibility::Public),
        },
    )
    .await?;
    Ok(())
}
