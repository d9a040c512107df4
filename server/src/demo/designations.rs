//! The demo's designations, in the departmental loop: the treasury pair's
//! candidacies closed and put to a secret majority judgment of the loop (the
//! candidates left out of the electorate), and the premises pair's call still
//! open, with an application and a nomination awaiting its answer. The
//! loop designates its own pairs.

use chrono::{Duration, Utc};
use serde_json::json;
use uuid::Uuid;

use crate::domain::proposal::ResultsVisibility;
use crate::error::AppResult;
use crate::service::governance::designations::{self, DesignationVote, NewCall};
use crate::service::governance::positions;
use crate::service::proposals::casting::{self, Cast};
use crate::service::sessions::Viewer;
use crate::state::AppState;

fn call(position_id: Uuid, days: i64, note: &str) -> NewCall {
    NewCall {
        position_id,
        opens_at: None,
        closes_at: Utc::now() + Duration::days(days),
        term_starts_on: None,
        term_ends_on: None,
        note: note.into(),
    }
}

/// `pairs`: the loop's five operational pairs, in the order of the demo.
pub async fn load(
    state: &AppState,
    admin: &Viewer,
    people: &[Viewer],
    pairs: &[Uuid],
) -> AppResult<()> {
    let ([yasmine, lucas, ines, hugo, lea, karim, sacha, ..], [_, premises, .., treasury]) =
        (people, pairs)
    else {
        return Ok(());
    };
    let note = "La boucle désigne son binôme trésorerie pour l'année. Présentez-vous en quelques lignes : votre expérience des comptes, vos disponibilités.";
    let treasury_call = designations::open_call(state, admin, call(*treasury, 10, note)).await?;
    let id = treasury_call.call.id;
    designations::apply(
        state,
        hugo,
        id,
        "Trésorier du secrétariat de Montreuil depuis janvier, je connais la banque et les outils de suivi.",
    )
    .await?;
    designations::apply(
        state,
        ines,
        id,
        "J'ai tenu les comptes de la fête de quartier ; je voudrais apprendre la trésorerie départementale.",
    )
    .await?;
    let karim_put = designations::nominate(
        state,
        yasmine,
        id,
        karim.id(),
        "Karim a monté le budget de la campagne d'affichage, avec rigueur.",
    )
    .await?;
    designations::answer(
        state,
        karim,
        karim_put.id,
        true,
        Some("J'accepte : disponible deux soirs par mois."),
    )
    .await?;
    designations::close_candidacies(state, admin, id).await?;
    // The loop designates its own pairs.
    let council = positions::find(&state.db, *treasury).await?.body_id;
    let vote = DesignationVote {
        call_id: id,
        method: "majority_judgment".into(),
        settings: serde_json::Value::Null,
        quorum: None,
        slate: Vec::new(),
        body_id: Some(council),
        closes_at: Utc::now() + Duration::days(6),
        secret: true,
        results_visibility: ResultsVisibility::AfterClosing,
    };
    let vote = designations::put_to_vote(state, admin, vote).await?;
    // Yasmine grades Hugo, Inès and Karim.
    casting::cast(
        state,
        yasmine,
        Cast {
            proposal_id: vote.id,
            ballot: json!({ "grades": [5, 4, 3] }),
            reason: None,
            receipt: None,
            for_account: None,
        },
    )
    .await?;

    let note = "Clés du local, réservation des salles, stock d'affiches et de tracts.";
    let premises_call = designations::open_call(state, admin, call(*premises, 12, note)).await?;
    designations::apply(
        state,
        lea,
        premises_call.call.id,
        "J'habite à côté du local et je m'occupe déjà des clés le samedi.",
    )
    .await?;
    designations::nominate(
        state,
        lucas,
        premises_call.call.id,
        sacha.id(),
        "Sacha a organisé tout le matériel de la dernière campagne.",
    )
    .await?;
    Ok(())
}
