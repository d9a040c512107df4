//! What makes every response follow the conventions: errors translated for
//! their reader, every error with a stable `extensions.code`, and a cap on
//! aliases (async-graphql caps depth and complexity itself, not aliases).
//!
//! It wraps the schema as the executor that HTTP and WebSocket requests go
//! through, rather than being a schema extension: with any extension
//! registered, async-graphql sends every field through the extension chain
//! (a boxed future and two registry lookups per field), which a page of 50
//! posts, 300 fields, paid on every request.

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::parser::types::{
    ExecutableDocument, FragmentDefinition, Selection, SelectionSet,
};
use async_graphql::{Data, Executor, Name, Positioned, Request, Response, ServerError};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;

use crate::error::{AppError, ErrorCode};
use crate::graphql::AppSchema;
use crate::graphql::context::RequestContext;
use crate::i18n::{Locale, Text};
use crate::text;

/// The schema, executed by the conventions.
#[derive(Clone)]
pub struct Conventional {
    schema: AppSchema,
    max_aliases: usize,
}

impl Conventional {
    pub fn new(schema: AppSchema, max_aliases: usize) -> Self {
        Conventional {
            schema,
            max_aliases,
        }
    }

    /// Parses the query (once: execution reuses it) and refuses one with
    /// too many aliases.
    fn admit(&self, request: &mut Request) -> Result<(), ServerError> {
        let aliases = count_aliases(request.parsed_query()?);
        if aliases > self.max_aliases {
            let max = self.max_aliases;
            return Err(server_error(AppError::new(
                ErrorCode::Validation,
                text!(en: "The query uses {aliases} aliases; at most {max} are allowed.", fr: "La requête utilise {aliases} alias ; {max} au plus sont permis."),
            )));
        }
        Ok(())
    }
}

/// An error of the whole request, before any field is resolved.
pub fn server_error(error: AppError) -> ServerError {
    let error: async_graphql::Error = error.into();
    let mut server_error = ServerError::new(error.message, None);
    server_error.source = error.source;
    server_error.extensions = error.extensions;
    server_error
}

impl Executor for Conventional {
    async fn execute(&self, mut request: Request) -> Response {
        let locale = locale_in(&request.data);
        let response = match self.admit(&mut request) {
            Ok(()) => self.schema.execute(request).await,
            Err(error) => Response::from_errors(vec![error]),
        };
        localise(response, locale)
    }

    fn execute_stream(
        &self,
        mut request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        // Over WebSocket the reader's locale is the connection's.
        let locale = session_data
            .as_deref()
            .and_then(locale_in)
            .or_else(|| locale_in(&request.data));
        let responses = match self.admit(&mut request) {
            Ok(()) => Executor::execute_stream(&self.schema, request, session_data),
            Err(error) => {
                futures_util::stream::once(async { Response::from_errors(vec![error]) }).boxed()
            }
        };
        responses.map(move |r| localise(r, locale)).boxed()
    }
}

fn locale_in(data: &Data) -> Option<Locale> {
    data.get(&TypeId::of::<RequestContext>())
        .and_then(|d| d.downcast_ref::<RequestContext>())
        .map(|r| r.locale)
}

/// Puts each error in the reader's language (when known), and gives errors
/// raised by the GraphQL engine itself (syntax, unknown fields, limits, bad
/// argument types) the code `VALIDATION`: they are all the client's query at fault.
pub fn localise(mut response: Response, locale: Option<Locale>) -> Response {
    for error in &mut response.errors {
        if let (Some(text), Some(locale)) = (error.source::<Text>(), locale) {
            error.message = text.in_locale(locale).to_owned();
        }
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_none() {
            extensions.set("code", ErrorCode::Validation.as_str());
        }
    }
    response
}

/// Aliases in the whole document, a fragment counted each time it is spread.
fn count_aliases(document: &ExecutableDocument) -> usize {
    let fragments = &document.fragments;
    document
        .operations
        .iter()
        .map(|(_, op)| in_selection_set(&op.node.selection_set.node, fragments, 0))
        .sum()
}

fn in_selection_set(
    set: &SelectionSet,
    fragments: &HashMap<Name, Positioned<FragmentDefinition>>,
    depth: usize,
) -> usize {
    // Fragment cycles are refused later by validation; the depth bound keeps
    // this count from looping before that.
    if depth > 64 {
        return usize::MAX / 2;
    }
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(field) => {
                usize::from(field.node.alias.is_some())
                    + in_selection_set(&field.node.selection_set.node, fragments, depth + 1)
            }
            Selection::InlineFragment(inline) => {
                in_selection_set(&inline.node.selection_set.node, fragments, depth + 1)
            }
            Selection::FragmentSpread(spread) => fragments
                .get(&spread.node.fragment_name.node)
                .map(|f| in_selection_set(&f.node.selection_set.node, fragments, depth + 1))
                .unwrap_or(0),
        })
        .fold(0usize, usize::saturating_add)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_are_counted_through_fragments() {
        let doc = async_graphql::parser::parse_query(
            "query { a: viewer { id } ...F ...F } fragment F on Query { b: viewer { c: id } }",
        )
        .unwrap();
        assert_eq!(count_aliases(&doc), 5);
    }
}
