//! Proxies [procurations]: given, held, revoked.

use super::*;

/// A proxy [procuration] given or held.
pub struct Proxy(proxy::Model);

#[Object]
impl Proxy {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn giver(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        person(ctx, self.0.giver_id).await
    }
    async fn holder(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        person(ctx, self.0.holder_id).await
    }
    /// The one proposal it is for; none for a period.
    async fn proposal_id(&self) -> Option<ID> {
        self.0.proposal_id.map(id)
    }
    async fn starts_at(&self) -> DateTime<Utc> {
        self.0.starts_at
    }
    async fn ends_at(&self) -> Option<DateTime<Utc>> {
        self.0.ends_at
    }
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
}

#[derive(InputObject)]
pub struct GiveProxyInput {
    pub organisation_id: ID,
    /// A member in good standing (for one proposal: in its electorate).
    pub holder_id: ID,
    /// For one proposal; for a period when absent.
    pub proposal_id: Option<ID>,
    /// The end of a period proxy; open-ended when absent.
    pub until: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub struct ProxyQuery;

#[Object]
impl ProxyQuery {
    /// The proxies the viewer gave and holds in an organisation, newest first.
    async fn proxies(&self, ctx: &Context<'_>, organisation_id: ID) -> Result<Vec<Proxy>> {
        let rows = proxies::of(
            &state(ctx)?.db,
            viewer(ctx)?,
            parse_id(&organisation_id, "organisationId")?,
        )
        .await?;
        Ok(rows.into_iter().map(Proxy).collect())
    }
}

#[derive(Default)]
pub struct ProxyMutation;

#[Object]
impl ProxyMutation {
    /// Gives one's vote to another member, for one proposal or for a period.
    async fn give_proxy(&self, ctx: &Context<'_>, input: GiveProxyInput) -> Result<Proxy> {
        let given = proxies::give(
            state(ctx)?,
            viewer(ctx)?,
            GiveProxy {
                organisation_id: parse_id(&input.organisation_id, "organisationId")?,
                holder_id: parse_id(&input.holder_id, "holderId")?,
                proposal_id: input
                    .proposal_id
                    .map(|p| parse_id(&p, "proposalId"))
                    .transpose()?,
                until: input.until,
            },
        )
        .await?;
        Ok(Proxy(given))
    }
    /// Takes back a proxy one gave, until the holder has voted with it.
    async fn revoke_proxy(&self, ctx: &Context<'_>, id: ID) -> Result<Proxy> {
        Ok(Proxy(
            proxies::revoke(state(ctx)?, viewer(ctx)?, parse_id(&id, "id")?).await?,
        ))
    }
}
