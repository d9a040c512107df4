//! What makes every response follow the conventions: errors translated for
//! their reader, every error with a stable `extensions.code`, and the
//! request's cost bounded before the engine executes it ([`super::limits`]).
//!
//! It wraps the schema as the executor that HTTP and WebSocket requests go
//! through, rather than being a schema extension: with any extension
//! registered, async-graphql sends every field through the extension chain
//! (a boxed future and two registry lookups per field), which a page of 50
//! posts, 300 fields, paid on every request.

use std::any::TypeId;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_graphql::parser::types::OperationType;
use async_graphql::{Data, Executor, Request, Response, ServerError};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;

use crate::config::GraphqlSettings;
use crate::domain::token::{Credential, Scope};
use crate::error::{AppError, ErrorCode};
use crate::graphql::AppSchema;
use crate::graphql::context::RequestContext;
use crate::graphql::limits::{self, Shape};
use crate::i18n::{Locale, Text};
use crate::service::sessions;
use crate::state::AppState;
use crate::text;

/// The schema, executed by the conventions.
#[derive(Clone)]
pub struct Conventional {
    schema: AppSchema,
    limits: Arc<(GraphqlSettings, Shape)>,
    /// To check a WebSocket's session again (none: a schema without state).
    state: Option<AppState>,
}

impl Conventional {
    pub fn new(schema: AppSchema, limits: GraphqlSettings) -> Self {
        let shape = Shape::from_sdl(&schema.sdl());
        Conventional {
            schema,
            limits: Arc::new((limits, shape)),
            state: None,
        }
    }

    pub fn with_state(mut self, state: AppState) -> Self {
        self.state = Some(state);
        self
    }

    /// Refuses a request over the limits (see [`super::limits`]) before the
    /// engine parses it deeper, and parses it once: execution reuses it.
    fn admit(
        &self,
        request: &mut Request,
        credential: Option<Credential>,
    ) -> Result<(), ServerError> {
        let (limits, shape) = &*self.limits;
        limits::check_nesting(&request.query, limits.max_nesting).map_err(server_error)?;
        limits::check_variables(&request.variables, limits.max_nesting).map_err(refused)?;
        let variables = std::mem::take(&mut request.variables);
        let checked = request.parsed_query().and_then(|document| {
            limits::check_document(document, &variables, shape, limits).map_err(refused)
        });
        request.variables = variables;
        checked?;
        self.check_scope(request, credential)
    }

    /// A credential that may only read (a `read` API token) runs no mutation.
    fn check_scope(
        &self,
        request: &mut Request,
        credential: Option<Credential>,
    ) -> Result<(), ServerError> {
        let Some(credential) = credential.filter(|c| c.scope() < Scope::Write) else {
            return Ok(());
        };
        let name = request.operation_name.clone();
        let document = request.parsed_query()?;
        let mutates = document.operations.iter().any(|(op_name, op)| {
            op.node.ty == OperationType::Mutation
                && name
                    .as_deref()
                    .is_none_or(|n| op_name.is_some_and(|o| o.as_str() == n))
        });
        if !mutates {
            return Ok(());
        }
        sessions::require_scope(credential, Scope::Write).map_err(server_error)
    }
}

/// A request refused by the limits, naming the argument or variable at fault.
fn refused(refusal: limits::Refusal) -> ServerError {
    let mut error = server_error(refusal.error);
    if let Some(field) = refusal.field {
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("field", field);
    }
    error
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
        let credential = credential_in(&request.data);
        let response = match self.admit(&mut request, credential) {
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
        let held = session_data
            .as_deref()
            .and_then(|d| d.get(&TypeId::of::<Subscriptions>()))
            .and_then(|d| d.downcast_ref::<Subscriptions>())
            .map(|s| s.hold(self.limits.0.max_subscriptions));
        let admitted = match held {
            Some(None) => {
                let max = self.limits.0.max_subscriptions;
                Err(server_error(AppError::new(
                    ErrorCode::RateLimited,
                    text!(en: "This connection already holds {max} subscriptions: stop one first.", fr: "Cette connexion suit déjà {max} abonnements : arrêtez-en un d'abord."),
                )))
            }
            _ => {
                let credential = session_data
                    .as_deref()
                    .and_then(credential_in)
                    .or_else(|| credential_in(&request.data));
                self.admit(&mut request, credential)
            }
        };
        // A WebSocket's viewer was read once, when it connected: each
        // operation on it first checks that the session still opens.
        let connected = session_data
            .as_deref()
            .and_then(request_in)
            .and_then(|r| r.viewer.clone());
        let responses = match admitted {
            Ok(()) => Executor::execute_stream(&self.schema, request, session_data),
            Err(error) => {
                futures_util::stream::once(async { Response::from_errors(vec![error]) }).boxed()
            }
        };
        let responses = match (connected, self.state.clone()) {
            (None, _) | (_, None) => responses,
            (Some(viewer), Some(state)) => async_stream::stream! {
                if let Err(error) = sessions::revalidate(&state, &viewer).await {
                    yield Response::from_errors(vec![server_error(error)]);
                    return;
                }
                let mut responses = responses;
                while let Some(response) = responses.next().await {
                    yield response;
                }
            }
            .boxed(),
        };
        // The place is given back when the stream ends or is stopped.
        let held = held.flatten();
        responses
            .map(move |r| {
                let _ = &held;
                localise(r, locale)
            })
            .boxed()
    }
}

/// The subscriptions one WebSocket connection holds (in its connection data).
#[derive(Default, Clone)]
pub struct Subscriptions(Arc<AtomicUsize>);

impl Subscriptions {
    /// A place for one more, if fewer than `max` are held.
    fn hold(&self, max: usize) -> Option<Held> {
        let taken = self
            .0
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            })
            .is_ok();
        taken.then(|| Held(self.0.clone()))
    }
}

/// One subscription's place, given back when dropped.
struct Held(Arc<AtomicUsize>);

impl Drop for Held {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

fn request_in(data: &Data) -> Option<&RequestContext> {
    data.get(&TypeId::of::<RequestContext>())
        .and_then(|d| d.downcast_ref::<RequestContext>())
}

fn locale_in(data: &Data) -> Option<Locale> {
    request_in(data).map(|r| r.locale)
}

fn credential_in(data: &Data) -> Option<Credential> {
    request_in(data)?.viewer.as_ref().map(|v| v.credential)
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
