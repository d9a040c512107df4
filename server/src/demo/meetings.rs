//! The demo's meetings: Montreuil's last assembly (roles, attendance, a few
//! interventions, a vote by show of hands, published minutes, an item
//! carried over), its next assemblies every other
//! Thursday at 18:30 with an agenda that overflows its two hours, and the
//! departmental loop's meeting to fix within a window.

use chrono::{Datelike, Duration, NaiveTime, Utc, Weekday};

use crate::domain::agenda::ItemStatus;
use crate::domain::governance::ParityRule;
use crate::domain::meeting::{MeetingRole, MeetingVisibility, Presence};
use crate::domain::speaking_queue::{GenderPriority, Kind};
use crate::entity::organisation;
use crate::error::AppResult;
use crate::service::governance::bodies;
use crate::service::meetings::{
    self, NewMeeting, Recurrence, agenda, attendance, minutes, speaking,
};
use crate::service::memberships::today_in;
use crate::service::proposals::decisions;
use crate::service::sessions::Viewer;
use crate::state::AppState;

fn assembly_meeting(body_id: uuid::Uuid) -> NewMeeting {
    NewMeeting {
        body_id,
        title: "Assemblée générale".into(),
        starts_at: None,
        window: None,
        duration_minutes: 120,
        place: "Maison des associations, 35 rue de Paris".into(),
        video_url: "https://visio.exemple.fr/ag-montreuil".into(),
        visibility: MeetingVisibility::Members,
        extraordinary: false,
        agenda_deadline_days: 4,
        speaking_priority: GenderPriority::Priority,
        speaking_limit_seconds: Some(180),
        facilitator_parity: ParityRule::NotSameGender,
    }
}

async fn item(
    state: &AppState,
    who: &Viewer,
    meeting_id: uuid::Uuid,
    title: &str,
    minutes: i32,
    priority: i32,
    urgent: bool,
) -> AppResult<crate::entity::agenda_item::Model> {
    let new = agenda::NewItem {
        meeting_id,
        title: title.into(),
        description: String::new(),
        estimate_minutes: minutes,
        priority,
        proposal_id: None,
        thread_id: None,
        urgent,
    };
    agenda::propose(state, who, new).await
}

pub async fn load(
    state: &AppState,
    org: &organisation::Model,
    admin: &Viewer,
    people: &[Viewer],
) -> AppResult<()> {
    let [yasmine, lucas, ines, hugo, lea, karim, sacha, ..] = people else {
        return Ok(());
    };
    let all = bodies::list(state, org.id).await?;
    let (Some(assembly), Some(council)) = (
        all.iter().find(|b| bodies::kind_of(b).is_assembly()),
        all.iter().find(|b| b.slug == "boucle"),
    ) else {
        return Ok(());
    };

    // The last assembly, three weeks ago.
    let mut last = assembly_meeting(assembly.id);
    last.starts_at = Some(Utc::now() - Duration::days(21));
    let last = meetings::schedule(state, admin, last).await?;
    let premises = item(
        state,
        yasmine,
        last.id,
        "Le local de la rue de Paris",
        45,
        5,
        true,
    )
    .await?;
    // The party's review will not be reached: carried over.
    item(
        state,
        yasmine,
        last.id,
        "Bilan de la fête de quartier",
        30,
        3,
        true,
    )
    .await?;
    let press = item(
        state,
        yasmine,
        last.id,
        "Communiqué sur les expulsions",
        20,
        4,
        true,
    )
    .await?;
    for (role, who) in [
        (MeetingRole::Facilitator, yasmine),
        (MeetingRole::Facilitator, hugo),
        (MeetingRole::MinuteTaker, lea),
        (MeetingRole::AgendaPreparer, lucas),
    ] {
        attendance::assign(state, admin, last.id, role, who.id()).await?;
    }
    meetings::start(state, yasmine, last.id).await?;
    for (who, presence) in [
        (yasmine, Presence::InPerson),
        (hugo, Presence::InPerson),
        (lea, Presence::InPerson),
        (lucas, Presence::InPerson),
        (ines, Presence::InPerson),
        (karim, Presence::Online),
        (sacha, Presence::Excused),
    ] {
        attendance::mark(state, who, last.id, None, presence).await?;
    }
    for who in [lucas, ines, karim] {
        speaking::request(state, who, premises.id, Kind::Request, None).await?;
    }
    for _ in 0..3 {
        speaking::next(state, yasmine, premises.id, None).await?;
    }
    speaking::stop(state, yasmine, premises.id).await?;
    // Counted by show of hands against the item, the six present voting.
    let hands = decisions::CountedVote {
        organisation_id: org.id,
        thread_id: None,
        title: "Visiter les deux locaux de la rue de Paris avant de décider".into(),
        details: String::new(),
        method: "majority".into(),
        options: Vec::new(),
        settings: serde_json::Value::Null,
        quorum: None,
        present: None,
        agenda_item_id: Some(premises.id),
        counts: vec![
            (serde_json::json!({ "choice": "yes" }), 4),
            (serde_json::json!({ "choice": "no" }), 1),
            (serde_json::json!({ "choice": "abstain" }), 1),
        ],
        body_id: None,
        asked: Default::default(),
    };
    crate::service::meetings::minutes::record_counted_vote(state, lea, hands).await?;
    for done in [&premises, &press] {
        agenda::set_status(state, yasmine, done.id, ItemStatus::Discussed).await?;
    }
    meetings::end(state, yasmine, last.id).await?;
    let text = "## Présent·es\nYasmine et Hugo (animation), Léa (compte rendu), Lucas, Inès ; Karim en ligne ; Sacha excusé·e.\n\n\
        ## Le local de la rue de Paris\nTour de parole (Lucas, Inès, Karim). Décision : visiter les deux locaux avant de choisir (4 pour, 1 contre, 1 abstention).\n\n\
        ## Communiqué sur les expulsions\nLe secrétariat le publie cette semaine.\n\n\
        ## Bilan de la fête\nPas abordé : reporté à la prochaine AG.";
    minutes::save(state, lea, last.id, text).await?;
    minutes::publish_minutes(state, lea, last.id, None).await?;

    // The next assemblies: every other Thursday at 18:30, from a week on.
    let mut day = today_in(org) + Duration::days(7);
    while day.weekday() != Weekday::Thu {
        day += Duration::days(1);
    }
    let first = day.and_time(NaiveTime::from_hms_opt(18, 30, 0).unwrap_or_default());
    let series = meetings::schedule_series(
        state,
        admin,
        assembly_meeting(assembly.id),
        Recurrence {
            rule: "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH".into(),
            first,
            count: 6,
        },
    )
    .await?;
    if let Some(next) = series.first() {
        // More than two hours of items: the last do not fit.
        for (who, title, minutes, priority) in [
            (lucas, "Déménagement : les trois locaux visités", 45, 5),
            (ines, "Campagne contre les expulsions", 40, 5),
            (hugo, "Budget du trimestre", 20, 4),
            (karim, "Journal de quartier : appel à textes", 25, 2),
            (lea, "Retour de la commission luttes locales", 30, 1),
        ] {
            item(state, who, next.id, title, minutes, priority, false).await?;
        }
    }

    // The loop must meet between two dates; the day is still to be fixed.
    let mut loop_meeting = assembly_meeting(council.id);
    loop_meeting.title = "Réunion de la boucle départementale".into();
    loop_meeting.place = "Bourse du travail de Saint-Denis".into();
    loop_meeting.video_url = String::new();
    loop_meeting.visibility = MeetingVisibility::Mandated;
    let today = today_in(org);
    loop_meeting.window = Some((today + Duration::days(14), today + Duration::days(35)));
    meetings::schedule(state, admin, loop_meeting).await?;
    Ok(())
}
