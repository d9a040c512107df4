//! The schema-wide extension that makes every response follow the conventions:
//! errors translated for their reader, every error with a stable
//! `extensions.code`, and a cap on aliases (async-graphql caps depth and
//! complexity itself, not aliases).

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextRequest, NextSubscribe,
};
use async_graphql::parser::types::{
    ExecutableDocument, FragmentDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, Positioned, Response, ServerError, ServerResult, Variables};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;

use crate::error::ErrorCode;
use crate::graphql::context::RequestContext;
use crate::i18n::{Locale, Text};

pub struct Conventions {
    pub max_aliases: usize,
}

impl ExtensionFactory for Conventions {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ConventionsExtension {
            max_aliases: self.max_aliases,
        })
    }
}

struct ConventionsExtension {
    max_aliases: usize,
}

#[async_trait::async_trait]
impl Extension for ConventionsExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        // Over WebSocket the reader's locale is connection data, known here;
        // over HTTP it is request data, attached only later, so the HTTP
        // handler translates the response itself.
        let locale = locale_of(ctx);
        localise(next.run(ctx).await, locale)
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        let locale = locale_of(ctx);
        next.run(ctx, stream)
            .map(move |r| localise(r, locale))
            .boxed()
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let aliases = count_aliases(&document);
        if aliases > self.max_aliases {
            let max = self.max_aliases;
            return Err(ServerError::new(
                format!("The query uses {aliases} aliases; at most {max} are allowed."),
                None,
            ));
        }
        Ok(document)
    }
}

fn locale_of(ctx: &ExtensionContext<'_>) -> Option<Locale> {
    ctx.data_opt::<RequestContext>().map(|r| r.locale)
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
