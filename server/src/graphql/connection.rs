//! Relay-style connections built from a service's [`Page`].

use async_graphql::connection::{
    Connection, ConnectionNameType, DefaultConnectionName, DefaultEdgeName, Edge, EdgeNameType,
    EmptyFields,
};
use async_graphql::{ObjectType, OutputType, SimpleObject};
use uuid::Uuid;

use crate::domain::cursor;
use crate::service::page::Page;

/// Extra fields of connections that know their total.
#[derive(SimpleObject)]
pub struct Total {
    /// How many items the whole list holds (all pages).
    pub total_count: u64,
}

/// An organisation's member list: a connection of memberships with a total,
/// named apart from the viewer's own list of memberships.
pub type MemberConnection<N> =
    Connection<String, N, Total, EmptyFields, MemberConnectionName, MemberEdgeName>;

pub struct MemberConnectionName;
impl ConnectionNameType for MemberConnectionName {
    fn type_name<T: OutputType>() -> String {
        "MemberConnection".into()
    }
}

pub struct MemberEdgeName;
impl EdgeNameType for MemberEdgeName {
    fn type_name<T: OutputType>() -> String {
        "MemberEdge".into()
    }
}

/// A connection over one page, each edge's cursor naming `list` and the row id.
pub fn connect<T, N, F, Name, EdgeName>(
    list: &str,
    page: Page<T>,
    id: impl Fn(&T) -> Uuid,
    mut node: impl FnMut(T) -> N,
    fields: F,
    after: bool,
) -> Connection<String, N, F, EmptyFields, Name, EdgeName>
where
    N: OutputType,
    F: ObjectType,
    Name: ConnectionNameType,
    EdgeName: EdgeNameType,
{
    let mut connection = Connection::with_additional_fields(after, page.has_next, fields);
    connection.edges = page
        .rows
        .into_iter()
        .map(|row| Edge::new(cursor::encode(list, &id(&row).to_string()), node(row)))
        .collect();
    connection
}

/// [`connect`] without extra fields, under the default names.
pub fn simple<T, N: OutputType>(
    list: &str,
    page: Page<T>,
    id: impl Fn(&T) -> Uuid,
    node: impl FnMut(T) -> N,
    after: bool,
) -> Connection<String, N> {
    connect::<T, N, EmptyFields, DefaultConnectionName, DefaultEdgeName>(
        list,
        page,
        id,
        node,
        EmptyFields,
        after,
    )
}
