//! Breakout groups: the moderator splits those present (at random, balanced
//! in size and optionally in gender, or by hand); each group names its
//! rapporteur, who submits the group's report and its answers to the
//! questions; the plenary pools them.

use std::collections::{BTreeMap, HashMap, HashSet};

use rand::RngCore;
use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, QueryOrder};

use super::{Seen, publish, seen, steered};
use crate::domain::breakout::{self as rules, Participant, Pooled};
use crate::domain::meeting::{MeetingStatus, Presence};
use crate::domain::speaking_queue::prioritised;
use crate::entity::{attendance, breakout, breakout_group};
use crate::error::{AppError, AppResult};
use crate::events::MeetingChange;
use crate::service::sessions::Viewer;
use crate::service::{accounts, forum, new_id, now};
use crate::state::AppState;
use crate::text;

/// How to split.
pub struct NewSplit {
    pub meeting_id: Uuid,
    pub item_id: Option<Uuid>,
    pub questions: Vec<String>,
    /// The largest group (10 by default).
    pub max_size: Option<i32>,
    /// Women and gender minorities spread across the groups.
    pub balance_gender: bool,
    /// Groups made by hand, instead of at random.
    pub groups: Option<Vec<Vec<Uuid>>>,
}

fn group_not_found() -> AppError {
    AppError::not_found(text!(en: "No such breakout group.", fr: "Ce groupe n'existe pas."))
}

/// Splits those present into breakout groups (the moderator).
#[tracing::instrument(skip_all, fields(account = %viewer.id(), meeting = %input.meeting_id))]
pub async fn split(
    state: &AppState,
    viewer: &Viewer,
    input: NewSplit,
) -> AppResult<breakout::Model> {
    let max = input.max_size.unwrap_or(rules::DEFAULT_SIZE as i32);
    if !(2..=100).contains(&max) {
        return Err(AppError::validation(
            "maxSize",
            text!(en: "A group has between 2 and 100 people at most.", fr: "Un groupe compte au plus entre 2 et 100 personnes."),
        ));
    }
    let questions: Vec<String> = input
        .questions
        .iter()
        .map(|q| q.trim().to_owned())
        .filter(|q| !q.is_empty())
        .collect();
    if questions.iter().any(|q| q.chars().count() > 500) || questions.len() > 20 {
        return Err(AppError::validation(
            "questions",
            text!(en: "At most 20 questions of 500 characters each.", fr: "Au plus 20 questions de 500 caractères chacune."),
        ));
    }
    let txn = state.write().await?;
    let seen = steered(&txn, viewer, input.meeting_id).await?;
    if seen.status() != MeetingStatus::InProgress {
        return Err(AppError::conflict(text!(
            en: "Groups split from a meeting under way.",
            fr: "Les groupes se forment pendant une réunion en cours."
        )));
    }
    let present = [Presence::InPerson, Presence::Online];
    let people: Vec<Uuid> = attendance::Entity::find()
        .filter(attendance::Column::MeetingId.eq(seen.meeting.id))
        .filter(attendance::Column::Status.is_in(present))
        .order_by_asc(attendance::Column::MarkedAt)
        .all(&txn)
        .await?
        .into_iter()
        .map(|a| a.account_id)
        .collect();
    let groups = match input.groups {
        Some(groups) => {
            rules::check_groups(&groups, max as usize)?;
            let here: HashSet<&Uuid> = people.iter().collect();
            if groups.iter().flatten().any(|p| !here.contains(p)) {
                return Err(AppError::new(
                    crate::error::ErrorCode::NotPresent,
                    text!(en: "Groups are made of people marked present.", fr: "Les groupes se forment parmi les personnes présentes."),
                ));
            }
            groups
        }
        None => {
            if people.is_empty() {
                return Err(AppError::conflict(text!(
                    en: "Nobody is marked present yet.",
                    fr: "Personne n'est encore marqué présent."
                )));
            }
            let known = accounts::by_ids(&txn, people.iter().copied()).await?;
            let participants: Vec<Participant<Uuid>> = people
                .iter()
                .map(|who| Participant {
                    who: *who,
                    prioritised: prioritised(known.get(who).and_then(accounts::declared_gender)),
                })
                .collect();
            rules::split(
                &participants,
                max as usize,
                input.balance_gender,
                rand::rngs::OsRng.next_u64(),
            )
        }
    };
    let created = breakout::ActiveModel {
        id: Set(new_id()),
        meeting_id: Set(seen.meeting.id),
        item_id: Set(input.item_id),
        questions: Set(serde_json::json!(questions)),
        max_size: Set(max),
        created_by: Set(viewer.id()),
        created_at: Set(now()),
    }
    .insert(&txn)
    .await?;
    for (number, members) in groups.iter().enumerate() {
        breakout_group::ActiveModel {
            id: Set(new_id()),
            breakout_id: Set(created.id),
            number: Set(number as i32 + 1),
            members: Set(serde_json::json!(members)),
            rapporteur_id: Set(None),
            report_source: Set(None),
            report_html: Set(None),
            answers: Set(None),
            reported_at: Set(None),
        }
        .insert(&txn)
        .await?;
    }
    publish(&txn, &seen.meeting, MeetingChange::Breakout);
    txn.commit().await?;
    Ok(created)
}

pub fn members_of(group: &breakout_group::Model) -> Vec<Uuid> {
    serde_json::from_value(group.members.clone()).unwrap_or_default()
}

pub fn questions_of(split: &breakout::Model) -> Vec<String> {
    serde_json::from_value(split.questions.clone()).unwrap_or_default()
}

/// A group with its split and meeting.
async fn group_in(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<(breakout_group::Model, breakout::Model, Seen)> {
    let group = breakout_group::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or_else(group_not_found)?;
    let split = breakout::Entity::find_by_id(group.breakout_id)
        .one(txn)
        .await?
        .ok_or_else(group_not_found)?;
    let seen = seen(txn, Some(viewer), split.meeting_id).await?;
    Ok((group, split, seen))
}

/// Names a group's rapporteur: one of its people (themselves), or by the moderator.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), group = %id))]
pub async fn name_rapporteur(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    account_id: Uuid,
) -> AppResult<breakout_group::Model> {
    let txn = state.write().await?;
    let (group, _, seen) = group_in(&txn, viewer, id).await?;
    let members = members_of(&group);
    if !members.contains(&viewer.id()) {
        steered(&txn, viewer, seen.meeting.id).await?;
    }
    if !members.contains(&account_id) {
        return Err(AppError::validation(
            "accountId",
            text!(en: "The rapporteur is one of the group's people.", fr: "La personne rapporteure fait partie du groupe."),
        ));
    }
    let mut active: breakout_group::ActiveModel = group.into();
    active.rapporteur_id = Set(Some(account_id));
    let named = active.update(&txn).await?;
    publish(&txn, &seen.meeting, MeetingChange::Breakout);
    txn.commit().await?;
    Ok(named)
}

/// The rapporteur submits the group's report and answers; again to correct it.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), group = %id))]
pub async fn report(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    report: &str,
    answers: BTreeMap<String, Vec<String>>,
) -> AppResult<breakout_group::Model> {
    let report = crate::domain::forum::parse_body(report, state.settings.forum.max_body_bytes)
        .map_err(|e| e.with_field("report"))?;
    let txn = state.write().await?;
    let (group, split, seen) = group_in(&txn, viewer, id).await?;
    if group.rapporteur_id != Some(viewer.id()) {
        return Err(AppError::forbidden(text!(
            en: "The group's rapporteur submits its report.",
            fr: "C'est la personne rapporteure du groupe qui rend son compte rendu."
        )));
    }
    let questions = questions_of(&split);
    if answers.keys().any(|q| !questions.contains(q)) {
        return Err(AppError::validation(
            "answers",
            text!(en: "Answer the questions the groups were given, as written.", fr: "Répondez aux questions posées aux groupes, telles qu'écrites."),
        ));
    }
    let html = forum::posts::render(&txn, &seen.organisation, &report)
        .await?
        .html;
    let mut active: breakout_group::ActiveModel = group.into();
    active.report_source = Set(Some(report));
    active.report_html = Set(Some(html));
    active.answers = Set(Some(serde_json::json!(answers)));
    active.reported_at = Set(Some(now()));
    let reported = active.update(&txn).await?;
    publish(&txn, &seen.meeting, MeetingChange::Breakout);
    txn.commit().await?;
    Ok(reported)
}

/// A split with its groups.
pub struct Split {
    pub breakout: breakout::Model,
    pub groups: Vec<breakout_group::Model>,
}

impl Split {
    /// The groups' answers pooled, question by question.
    pub fn pooled(&self) -> Vec<Pooled> {
        let reports: Vec<BTreeMap<String, Vec<String>>> = self
            .groups
            .iter()
            .filter_map(|g| g.answers.clone())
            .filter_map(|a| serde_json::from_value(a).ok())
            .collect();
        rules::pool(&questions_of(&self.breakout), &reports)
    }
}

/// A meeting's splits, oldest first, with their groups: two queries.
pub async fn of(conn: &impl ConnectionTrait, seen: &Seen) -> AppResult<Vec<Split>> {
    let splits = breakout::Entity::find()
        .filter(breakout::Column::MeetingId.eq(seen.meeting.id))
        .order_by_asc(breakout::Column::CreatedAt)
        .all(conn)
        .await?;
    let mut groups: HashMap<Uuid, Vec<breakout_group::Model>> = HashMap::new();
    for g in breakout_group::Entity::find()
        .filter(breakout_group::Column::BreakoutId.is_in(splits.iter().map(|s| s.id)))
        .order_by_asc(breakout_group::Column::Number)
        .all(conn)
        .await?
    {
        groups.entry(g.breakout_id).or_default().push(g);
    }
    Ok(splits
        .into_iter()
        .map(|breakout| Split {
            groups: groups.remove(&breakout.id).unwrap_or_default(),
            breakout,
        })
        .collect())
}
