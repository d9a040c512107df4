//! The demo's governance: the powers Montreuil names, a secretariat whose
//! three members hold mandates (one renewed, one revoked), a lasting
//! commission that recommends, a one-off commission dissolved with its
//! archive, a council of delegates with its five operational pairs to
//! designate (one designated; [`super::designations`] calls for two more),
//! and a secretariat decision within its mandates.

use chrono::{Datelike, NaiveDate, Utc};
use uuid::Uuid;

use crate::domain::governance::{BodyKind, ParityRule};
use crate::entity::organisation;
use crate::error::AppResult;
use crate::service::governance::{self, bodies, mandates, positions};
use crate::service::proposals;
use crate::service::sessions::Viewer;
use crate::state::AppState;

const POWERS: &[(&str, &str)] = &[
    ("communication", "Réseaux sociaux et presse"),
    ("tresorerie", "Trésorerie"),
    ("locaux", "Locaux et matériel de campagne"),
    ("relations", "Relations avec les autres organisations"),
    ("luttes", "Suivi des luttes locales"),
];

async fn body(
    state: &AppState,
    admin: &Viewer,
    org: &organisation::Model,
    kind: BodyKind,
    slug: &str,
    name: &str,
    description: &str,
) -> AppResult<crate::entity::body::Model> {
    let input = bodies::NewBody {
        organisation_id: org.id,
        kind,
        slug: slug.into(),
        name: name.into(),
        description: description.into(),
        lasting: true,
        decision_id: None,
        private: false,
    };
    bodies::create(state, admin, input).await
}

pub async fn load(
    state: &AppState,
    org: &organisation::Model,
    admin: &Viewer,
    people: &[Viewer],
) -> AppResult<Vec<Uuid>> {
    let [yasmine, lucas, ines, hugo, lea, ..] = people else {
        return Ok(Vec::new());
    };
    for (name, label) in POWERS {
        mandates::define_power(state, admin, org.id, name, label, "").await?;
    }
    let secretariat = body(
        state,
        admin,
        org,
        BodyKind::Secretariat,
        "secretariat",
        "Secrétariat",
        "Met en œuvre les décisions de l'AG, dans les mandats de ses membres. Publie le compte rendu de toutes ses réunions.",
    )
    .await?;
    let year = Utc::now().year();
    let january = NaiveDate::from_ymd_opt(year, 1, 15);
    let december = NaiveDate::from_ymd_opt(year, 12, 31);
    let grant = |holder: &Viewer, title: &str, mission: &str, scope: &[&str], minutes: &str| {
        mandates::NewMandate {
            body_id: secretariat.id,
            holder_id: holder.id(),
            title: title.into(),
            mission: mission.into(),
            scope: scope.iter().map(|s| (*s).to_owned()).collect(),
            starts_on: january,
            ends_on: december,
            decision_id: None,
            minutes: Some(minutes.into()),
            position_id: None,
        }
    };
    let minutes = format!("Compte rendu de l'AG du 10 janvier {year}, point 3");
    mandates::grant(
        state,
        admin,
        grant(
            hugo,
            "Trésorerie",
            "Tenir les **comptes**, payer les factures votées, présenter le bilan à chaque AG de trimestre.",
            &["tresorerie"],
            &minutes,
        ),
    )
    .await?;
    mandates::grant(
        state,
        admin,
        grant(
            yasmine,
            "Réseaux sociaux et presse",
            "Publier les communiqués votés et animer les réseaux de l'assemblée.",
            &["communication"],
            &minutes,
        ),
    )
    .await?;
    let premises = mandates::grant(
        state,
        admin,
        grant(
            ines,
            "Locaux",
            "Gérer les clés, les réservations de salle et le matériel.",
            &["locaux"],
            &minutes,
        ),
    )
    .await?;
    mandates::revoke(
        state,
        admin,
        premises.mandate.id,
        None,
        Some(format!(
            "Compte rendu de l'AG du 4 septembre {year}, point 5"
        )),
        Some("Inès a demandé à être déchargée du mandat (déménagement)."),
    )
    .await?;

    let struggles = body(
        state,
        admin,
        org,
        BodyKind::Commission,
        "commission-luttes",
        "Commission luttes locales",
        "Suit les luttes du quartier et fait des propositions à l'AG.",
    )
    .await?;
    for member in [lucas, lea] {
        bodies::add(state, member, struggles.id, None, None).await?;
    }
    let party = body(
        state,
        admin,
        org,
        BodyKind::Commission,
        "fete-de-quartier",
        "Commission fête de quartier",
        "Organisation de la fête de quartier de juin.",
    )
    .await?;
    bodies::dissolve(
        state,
        admin,
        party.id,
        None,
        "La fête a eu lieu ; le bilan est dans l'espace de la commission.",
    )
    .await?;
    let council = body(
        state,
        admin,
        org,
        BodyKind::Council,
        "boucle",
        "Boucle départementale",
        "Les binômes d'animation des groupes locaux et les binômes opérationnels. Décide au consensus.",
    )
    .await?;
    for (delegate, note) in [
        (yasmine, "binôme d'animation de Montreuil"),
        (lucas, "binôme d'animation de Montreuil"),
    ] {
        bodies::add(
            state,
            admin,
            council.id,
            Some(delegate.id()),
            Some(note.into()),
        )
        .await?;
    }

    // The loop's five operational pairs, one designated so far.
    let pairs = [
        ("Binôme réseaux sociaux et presse", "communication"),
        ("Binôme locaux et matériel de campagne", "locaux"),
        (
            "Binôme relations avec les autres organisations",
            "relations",
        ),
        ("Binôme suivi des luttes locales", "luttes"),
        ("Binôme trésorerie départementale", "tresorerie"),
    ];
    let mut created_pairs = Vec::new();
    for (title, power) in pairs {
        let position = positions::NewPosition {
            body_id: council.id,
            title: title.into(),
            description: String::new(),
            qualities: vec![
                "Disponible deux soirs par mois".into(),
                "Prête ou prêt à transmettre à la suite".into(),
            ],
            scope: vec![power.into()],
            seats: 2,
            parity: ParityRule::WomanAndMan,
        };
        created_pairs.push(positions::create(state, admin, position).await?.id);
    }
    if let Some(position_id) = created_pairs.first().copied() {
        let designation = positions::Designation {
            position_id,
            holders: vec![yasmine.id(), lucas.id()],
            starts_on: None,
            ends_on: december,
            decision_id: None,
            minutes: Some(format!(
                "Relevé de décisions de la boucle du 2 octobre {year}"
            )),
        };
        positions::designate(state, admin, designation).await?;
    }

    // The secretariat decides within its mandates: the treasurer pays.
    let mut posters = super::proposals::question(
        org,
        None,
        "Payer 180 € d'affiches pour la réunion publique",
        "Devis de l'imprimerie du Bas-Montreuil joint au fil du secrétariat.",
        "majority",
        5,
    );
    posters.body_id = Some(secretariat.id);
    posters.asked = governance::Asked {
        scope: vec!["tresorerie".into()],
        ..Default::default()
    };
    proposals::create(state, hugo, posters).await?;
    Ok(created_pairs)
}
