//! Breakout groups: the split, each group and its report, the answers pooled.

use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};

use super::super::accounts::Person;
use super::super::id;
use super::super::loaders::person;
use crate::service::meetings::breakout;

/// The plenary split into breakout groups.
pub struct Breakout(pub(super) breakout::Split);

#[Object]
impl Breakout {
    async fn id(&self) -> ID {
        id(self.0.breakout.id)
    }
    async fn item_id(&self) -> Option<ID> {
        self.0.breakout.item_id.map(id)
    }
    /// The questions every group answers.
    async fn questions(&self) -> Vec<String> {
        breakout::questions_of(&self.0.breakout)
    }
    async fn max_size(&self) -> i32 {
        self.0.breakout.max_size
    }
    async fn groups(&self) -> Vec<BreakoutGroup> {
        self.0.groups.iter().cloned().map(BreakoutGroup).collect()
    }
    /// The answers pooled: for each question, each answer with how many
    /// groups gave it, and whether all that reported agree.
    async fn pooled(&self) -> Vec<PooledAnswer> {
        self.0
            .pooled()
            .into_iter()
            .map(|p| PooledAnswer {
                question: p.question,
                answer: p.answer,
                groups: p.groups as i32,
                unanimous: p.unanimous,
            })
            .collect()
    }
}

#[derive(async_graphql::SimpleObject)]
pub struct PooledAnswer {
    pub question: String,
    pub answer: String,
    /// How many groups gave it.
    pub groups: i32,
    /// Every group that reported gave it.
    pub unanimous: bool,
}

#[derive(async_graphql::SimpleObject)]
pub struct GroupAnswer {
    pub question: String,
    pub answers: Vec<String>,
}

#[derive(InputObject)]
pub struct GroupAnswerInput {
    pub question: String,
    pub answers: Vec<String>,
}

pub struct BreakoutGroup(pub(super) crate::entity::breakout_group::Model);

#[Object]
impl BreakoutGroup {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn number(&self) -> i32 {
        self.0.number
    }
    async fn people(&self, ctx: &Context<'_>) -> Result<Vec<Person>> {
        let mut found = Vec::new();
        for member in breakout::members_of(&self.0) {
            found.extend(person(ctx, member).await?);
        }
        Ok(found)
    }
    async fn rapporteur(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        match self.0.rapporteur_id {
            Some(r) => person(ctx, r).await,
            None => Ok(None),
        }
    }
    /// Markdown, as written.
    async fn report(&self) -> Option<&str> {
        self.0.report_source.as_deref()
    }
    async fn report_html(&self) -> Option<&str> {
        self.0.report_html.as_deref()
    }
    async fn answers(&self) -> Vec<GroupAnswer> {
        let answers: std::collections::BTreeMap<String, Vec<String>> = self
            .0
            .answers
            .clone()
            .and_then(|a| serde_json::from_value(a).ok())
            .unwrap_or_default();
        answers
            .into_iter()
            .map(|(question, answers)| GroupAnswer { question, answers })
            .collect()
    }
    async fn reported_at(&self) -> Option<DateTime<Utc>> {
        self.0.reported_at
    }
}

#[derive(InputObject)]
pub struct SplitIntoGroupsInput {
    pub meeting_id: ID,
    pub item_id: Option<ID>,
    /// The questions every group answers.
    #[graphql(default)]
    pub questions: Vec<String>,
    /// The largest group; 10 when absent.
    pub max_size: Option<i32>,
    /// Spread women and gender minorities across the groups.
    #[graphql(default)]
    pub balance_gender: bool,
    /// Groups made by hand (people present), instead of at random.
    pub groups: Option<Vec<Vec<ID>>>,
}
