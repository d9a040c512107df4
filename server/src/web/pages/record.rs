//! A published record by its permalink, with every version it has had.

use axum::extract::{Path, State};
use axum::response::Response;
use minijinja::{Value, context};

use super::Visit;
use crate::entity::organisation;
use crate::error::AppResult;
use crate::i18n::Locale;
use crate::service::accounts;
use crate::service::governance::bodies;
use crate::service::memberships::date_in;
use crate::service::records::{self, record_not_found};
use crate::state::AppState;
use crate::web::words;
use crate::web::words::{body_kind_label, kind_label, visibility_label};

/// `/o/{organisation}/records/{slug}` (`?version=N` for an earlier one).
pub async fn page(
    State(state): State<AppState>,
    Path((slug, record_slug)): Path<(String, String)>,
    visit: Visit,
) -> Response {
    visit
        .organisation_page(&state, &slug, "record.html", async |org, locale| {
            record_page(&state, &visit, org, &record_slug, locale).await
        })
        .await
}

async fn record_page(
    state: &AppState,
    visit: &Visit,
    org: &organisation::Model,
    slug: &str,
    locale: Locale,
) -> AppResult<Value> {
    let seen = records::by_permalink(&state.db, visit.viewer(), &org.slug, slug).await?;
    let r = &seen.record;
    let shown_number = match visit.param("version") {
        Some(n) => n.parse::<i32>().map_err(|_| record_not_found())?,
        None => r.version,
    };
    let all = records::versions(&state.db, r.id).await?;
    let shown = all
        .iter()
        .find(|v| v.number == shown_number)
        .ok_or_else(record_not_found)?;
    let body = bodies::find(&state.db, r.body_id).await?;
    let authors = accounts::by_ids(&state.db, all.iter().map(|v| v.author_id)).await?;
    let author = |id| authors.get(&id).map(|a| a.display_name.clone());
    let path = seen.path();
    let versions: Vec<Value> = all
        .iter()
        .rev()
        .map(|v| {
            let number = v.number.to_string();
            context! {
                number => v.number,
                title => v.title.clone(),
                reason => v.reason.clone(),
                author => author(v.author_id),
                date => words::day_value(locale, date_in(org, v.created_at)),
                url => visit.link(&path, &[("version", &number)]),
                current => v.number == r.version,
                shown => v.number == shown.number,
            }
        })
        .collect();
    let visibility = visibility_label(locale, seen.visibility());
    Ok(context! {
        record => context! {
            title => shown.title.clone(),
            kind => kind_label(locale, r.kind.as_str()),
            html => shown.html.clone(),
            version => shown.number,
            versions_count => all.len(),
            published => words::day_value(locale, date_in(org, r.published_at)),
            published_by => all.first().and_then(|v| author(v.author_id)),
            visibility,
            earlier => shown.number != r.version,
            current_url => visit.link(&path, &[]),
        },
        body => context! {
            name => body.name.clone(),
            kind => body_kind_label(locale, &body),
            url => visit.link(&format!("/o/{}/bodies/{}", org.slug, body.slug), &[]),
        },
        versions,
    })
}
