//! One error vocabulary for the whole API.
//!
//! [`ErrorCode`] is the stable, documented list of codes clients may match on
//! (`extensions.code` in GraphQL). [`AppError`] carries a code, a sentence in
//! French and English for the person reading it, and, for validation errors,
//! the input field at fault. Internal failures carry their cause for the log
//! only: the client receives a fixed sentence, never a database's text.

use axum::http::StatusCode;

use crate::i18n::{Locale, Text};
use crate::text;

/// A stable error code. New codes are appended; existing ones never change meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorCode {
    Unauthenticated,
    Forbidden,
    NotFound,
    Validation,
    Conflict,
    RateLimited,
    Internal,
    /// A reply or edit in a closed or archived thread.
    ThreadClosed,
    /// A moderation act or an objection given without its required reason.
    ReasonRequired,
    /// A ballot before voting opens or after it closes.
    PollClosed,
    /// A ballot from someone outside the proposal's electorate.
    NotEligible,
    /// A secretariat's decision that none of its mandates in force covers.
    OutsideMandate,
    /// A binding decision asked of a body that only recommends (a commission).
    NoDecisionPower,
    /// A designation whose holders break the position's parity rule.
    ParityViolation,
    /// A candidacy or nomination outside the time its call for candidacies allows.
    CallClosed,
    /// An agenda item after the agenda's deadline, not proposed as urgent.
    AgendaFrozen,
    /// Someone not marked present asking for the floor.
    NotPresent,
    /// The search engine cannot answer for now (try again shortly).
    SearchUnavailable,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::Validation => "VALIDATION",
            ErrorCode::Conflict => "CONFLICT",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::Internal => "INTERNAL",
            ErrorCode::ThreadClosed => "THREAD_CLOSED",
            ErrorCode::ReasonRequired => "REASON_REQUIRED",
            ErrorCode::PollClosed => "POLL_CLOSED",
            ErrorCode::NotEligible => "NOT_ELIGIBLE",
            ErrorCode::OutsideMandate => "OUTSIDE_MANDATE",
            ErrorCode::NoDecisionPower => "NO_DECISION_POWER",
            ErrorCode::ParityViolation => "PARITY_VIOLATION",
            ErrorCode::CallClosed => "CALL_CLOSED",
            ErrorCode::AgendaFrozen => "AGENDA_FROZEN",
            ErrorCode::NotPresent => "NOT_PRESENT",
            ErrorCode::SearchUnavailable => "SEARCH_UNAVAILABLE",
        }
    }

    /// The HTTP status for plain HTTP endpoints (GraphQL answers 200 and puts
    /// the code in `extensions`, as the GraphQL-over-HTTP convention wants).
    pub fn http_status(self) -> StatusCode {
        match self {
            ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
            ErrorCode::Forbidden => StatusCode::FORBIDDEN,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::Validation => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::Conflict => StatusCode::CONFLICT,
            ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::ThreadClosed => StatusCode::CONFLICT,
            ErrorCode::ReasonRequired => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::PollClosed => StatusCode::CONFLICT,
            ErrorCode::NotEligible => StatusCode::FORBIDDEN,
            ErrorCode::OutsideMandate => StatusCode::FORBIDDEN,
            ErrorCode::NoDecisionPower => StatusCode::FORBIDDEN,
            ErrorCode::ParityViolation => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::CallClosed => StatusCode::CONFLICT,
            ErrorCode::AgendaFrozen => StatusCode::CONFLICT,
            ErrorCode::NotPresent => StatusCode::FORBIDDEN,
            ErrorCode::SearchUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

/// An error as a client will see it, plus the hidden cause of internal ones.
///
/// It deliberately does not implement `Display`: async-graphql turns any
/// `Display` type into an error carrying its text, which would bypass the
/// codes and the translation below. The only way out is [`From<AppError>`].
#[derive(Debug)]
pub struct AppError {
    pub code: ErrorCode,
    pub message: Text,
    /// The input field at fault, for `VALIDATION` (camelCase, as in the API).
    pub field: Option<&'static str>,
    cause: Option<anyhow::Error>,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(code: ErrorCode, message: Text) -> Self {
        AppError {
            code,
            message,
            field: None,
            cause: None,
        }
    }

    pub fn validation(field: &'static str, message: Text) -> Self {
        AppError {
            field: Some(field),
            ..AppError::new(ErrorCode::Validation, message)
        }
    }

    /// Names the input field at fault.
    pub fn with_field(mut self, field: &'static str) -> Self {
        self.field = Some(field);
        self
    }

    pub fn unauthenticated() -> Self {
        AppError::new(
            ErrorCode::Unauthenticated,
            text!(en: "You need to log in to do this.", fr: "Vous devez vous connecter pour faire cela."),
        )
    }

    pub fn forbidden(message: Text) -> Self {
        AppError::new(ErrorCode::Forbidden, message)
    }

    pub fn not_found(message: Text) -> Self {
        AppError::new(ErrorCode::NotFound, message)
    }

    pub fn conflict(message: Text) -> Self {
        AppError::new(ErrorCode::Conflict, message)
    }

    /// A failure that is ours, not the user's: the cause goes to the log, the
    /// client gets a fixed sentence.
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        AppError {
            cause: Some(cause.into()),
            ..AppError::new(
                ErrorCode::Internal,
                text!(
                    en: "Something went wrong on our side. Nothing was changed; please try again.",
                    fr: "Une erreur est survenue de notre côté. Rien n'a été modifié ; veuillez réessayer."
                ),
            )
        }
    }
}

/// The GraphQL error: the English text as message, `extensions.code` (and
/// `extensions.field`), and both languages as its source, from which the
/// response is translated for its reader (`graphql::conventions`). Internal
/// causes are logged here, once, and never sent.
impl From<AppError> for async_graphql::Error {
    fn from(e: AppError) -> Self {
        if let Some(cause) = &e.cause {
            tracing::error!(error = ?cause, "internal error");
        }
        let mut extensions = async_graphql::ErrorExtensionValues::default();
        extensions.set("code", e.code.as_str());
        if let Some(field) = e.field {
            extensions.set("field", field);
        }
        async_graphql::Error {
            message: e.message.en.to_string(),
            source: Some(std::sync::Arc::new(e.message)),
            extensions: Some(extensions),
        }
    }
}

impl AppError {
    /// The sentence for a reader of `locale` (CLI, HTML pages).
    pub fn message_in(&self, locale: Locale) -> &str {
        self.message.in_locale(locale)
    }

    /// The internal cause, for the log of a command-line tool.
    pub fn cause(&self) -> Option<&anyhow::Error> {
        self.cause.as_ref()
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(err: sea_orm::DbErr) -> Self {
        AppError::internal(err)
    }
}

impl From<sea_orm::TransactionError<AppError>> for AppError {
    fn from(err: sea_orm::TransactionError<AppError>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(db) => AppError::internal(db),
            sea_orm::TransactionError::Transaction(app) => app,
        }
    }
}

/// True when a database error is the violation of a unique constraint, so a
/// race between two identical requests becomes a `CONFLICT`, not an `INTERNAL`.
pub fn is_unique_violation(err: &sea_orm::DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}
