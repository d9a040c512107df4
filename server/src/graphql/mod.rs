//! The GraphQL API: schema assembly and one module per area. Resolvers are
//! thin: they read the input, call one service function, shape the output.

pub mod accounts;
pub mod connection;
pub mod context;
pub mod conventions;
pub mod designations;
pub mod forum;
pub mod governance;
pub mod http;
pub mod limits;
pub mod live;
pub mod loaders;
pub mod meetings;
pub mod memberships;
pub mod organisations;
pub mod outbox;
pub mod proposals;
pub mod records;

use async_graphql::{ID, MergedObject, MergedSubscription, Schema};
use uuid::Uuid;

use crate::config::GraphqlSettings;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::text;

#[derive(MergedObject, Default)]
pub struct Query(
    accounts::AccountQuery,
    organisations::OrganisationQuery,
    forum::ForumQuery,
    proposals::ProposalQuery,
    proposals::ProxyQuery,
    governance::GovernanceQuery,
    designations::DesignationQuery,
    meetings::MeetingQuery,
    records::RecordQuery,
    outbox::OutboxQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    accounts::AccountMutation,
    organisations::OrganisationMutation,
    memberships::MembershipMutation,
    forum::ForumMutation,
    proposals::ProposalMutation,
    proposals::ProxyMutation,
    governance::GovernanceMutation,
    designations::DesignationMutation,
    meetings::MeetingMutation,
    records::RecordMutation,
    outbox::OutboxMutation,
);

#[derive(MergedSubscription, Default)]
pub struct Subscription(
    memberships::MembershipSubscription,
    forum::ForumSubscription,
    proposals::ProposalSubscription,
    meetings::MeetingSubscription,
);

pub type AppSchema = Schema<Query, Mutation, Subscription>;

/// The schema with the configured limits. `state` is absent only when the
/// schema is built to print its SDL.
pub fn build_schema(state: Option<AppState>, limits: &GraphqlSettings) -> AppSchema {
    let mut builder = Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
    // The cost (fields times pages) and aliases are bounded before the engine
    // sees the query, in linear time (`limits`); the engine bounds depth.
    .limit_depth(limits.max_depth)
    .limit_recursive_depth(limits.max_nesting)
    .limit_directives(16);
    if !limits.introspection {
        // "Did you mean …?" would tell the schema that introspection hides.
        builder = builder.disable_introspection().disable_suggestions();
    }
    if let Some(state) = state {
        builder = builder.data(state);
    }
    builder.finish()
}

/// The schema in SDL, as committed in `schema/schema.graphql`.
pub fn sdl() -> String {
    build_schema(None, &GraphqlSettings::default()).sdl()
}

/// Reads an `ID` argument as the UUID it must be.
pub fn parse_id(id: &ID, field: &'static str) -> AppResult<Uuid> {
    Uuid::parse_str(id.as_str()).map_err(|_| {
        AppError::validation(
            field,
            text!(en: "This is not a valid identifier.", fr: "Cet identifiant n'est pas valide."),
        )
    })
}

pub fn id(uuid: Uuid) -> ID {
    ID(uuid.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_committed_schema_matches_the_code() {
        let committed = include_str!("../../../schema/schema.graphql");
        assert!(
            committed == super::sdl(),
            "schema/schema.graphql has drifted from the code: run `cargo run -p plenum -- schema > schema/schema.graphql`"
        );
    }
}
