//! The demo's decisions under way: one open proposal of each common kind —
//! a majority vote, a consensus, a majority judgment — with a few ballots.

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::domain::proposal::{ElectorateRule, ReasonPolicy, ResultsVisibility};
use crate::entity::organisation;
use crate::error::AppResult;
use crate::service::proposals::casting::{self, Cast};
use crate::service::proposals::{self, NewProposal};
use crate::service::sessions::Viewer;
use crate::state::AppState;

pub fn question(
    org: &organisation::Model,
    thread: Option<Uuid>,
    title: &str,
    details: &str,
    method: &str,
    days: i64,
) -> NewProposal {
    NewProposal {
        organisation_id: org.id,
        thread_id: thread,
        title: title.into(),
        details: details.into(),
        method: method.into(),
        options: Vec::new(),
        settings: Value::Null,
        quorum: None,
        electorate: ElectorateRule::Organisation,
        listed: Vec::new(),
        secret: false,
        results_visibility: ResultsVisibility::OnceVoted,
        reasons: ReasonPolicy::Optional,
        changeable: true,
        urgent: false,
        needs_ratification: false,
        body_id: None,
        asked: Default::default(),
        designation: None,
        opens_at: None,
        closes_at: Utc::now() + Duration::days(days),
    }
}

async fn vote(
    state: &AppState,
    who: &Viewer,
    proposal: Uuid,
    ballot: Value,
    reason: Option<&str>,
) -> AppResult<()> {
    casting::cast(
        state,
        who,
        Cast {
            proposal_id: proposal,
            ballot,
            reason: reason.map(str::to_owned),
            receipt: None,
            for_account: None,
        },
    )
    .await?;
    Ok(())
}

/// `people` as in [`super::forum::load`].
pub async fn load(
    state: &AppState,
    org: &organisation::Model,
    debate: Option<Uuid>,
    people: &[Viewer],
) -> AppResult<()> {
    let [yasmine, lucas, ines, hugo, lea, karim, sacha, ..] = people else {
        return Ok(());
    };

    let mut share = question(
        org,
        debate,
        "Partager le local de l'AMAP à partir de mars",
        "Loyer partagé : **220 €** par mois pour nous. Les AG passeraient au mercredi.",
        "majority",
        10,
    );
    share.needs_ratification = true;
    let share = proposals::create(state, lucas, share).await?;
    vote(
        state,
        ines,
        share.id,
        json!({ "choice": "yes" }),
        Some("Moins cher, et on se rapproche de l'AMAP."),
    )
    .await?;
    vote(
        state,
        hugo,
        share.id,
        json!({ "choice": "no" }),
        Some("Le jeudi soir est pris par la distribution."),
    )
    .await?;
    vote(state, karim, share.id, json!({ "choice": "yes" }), None).await?;

    let mut wednesday = question(
        org,
        debate,
        "Déplacer les AG au mercredi soir",
        "Un mercredi sur deux, 18 h 30, à la Maison des associations (la salle est libre).",
        "consensus",
        7,
    );
    wednesday.reasons = ReasonPolicy::RequiredForObjections;
    wednesday.results_visibility = ResultsVisibility::Always;
    let wednesday = proposals::create(state, yasmine, wednesday).await?;
    vote(
        state,
        yasmine,
        wednesday.id,
        json!({ "position": "agree" }),
        None,
    )
    .await?;
    vote(
        state,
        hugo,
        wednesday.id,
        json!({ "position": "reservations" }),
        Some("D'accord, si la visio reste proposée."),
    )
    .await?;
    vote(
        state,
        lea,
        wednesday.id,
        json!({ "position": "object" }),
        Some("Le mercredi, je garde mes enfants : trouvons un créneau qui n'exclut personne."),
    )
    .await?;

    let mut party = question(
        org,
        None,
        "Le thème de la fête de quartier",
        "Chaque thème reçoit une mention, de « Excellent » à « À rejeter ». Vote secret.",
        "majority_judgment",
        14,
    );
    party.options = [
        "Jardins partagés",
        "Cinéma en plein air",
        "Repair café",
        "Bal populaire",
    ]
    .map(str::to_owned)
    .to_vec();
    party.secret = true;
    party.results_visibility = ResultsVisibility::AfterClosing;
    let party = proposals::create(state, yasmine, party).await?;
    for (who, grades) in [
        (lucas, [5, 3, 4, 6]),
        (ines, [6, 2, 5, 4]),
        (sacha, [4, 5, 3, 3]),
    ] {
        vote(state, who, party.id, json!({ "grades": grades }), None).await?;
    }
    Ok(())
}
