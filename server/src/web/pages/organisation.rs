//! An organisation's home page and its bodies' archives.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::response::Response;
use minijinja::{Value, context};
use sea_orm::prelude::Uuid;

use super::Visit;
use crate::domain::cursor;
use crate::domain::record::RecordKind;
use crate::entity::{body, organisation};
use crate::error::{AppError, AppResult};
use crate::i18n::Locale;
use crate::service::governance::{bodies, body_not_found};
use crate::service::memberships::date_in;
use crate::service::records::{self, Archive, Seen};
use crate::state::AppState;
use crate::text;
use crate::web::words;
use crate::web::words::{body_kind_label, kind_label, visibility_label};

/// Records shown on an organisation's home page.
const LATEST: i32 = 10;
/// Records per page of an archive.
const PER_PAGE: i32 = 20;
/// The cursor list of archives (`service::records::archive`).
const RECORDS_LIST: &str = "records";

/// `/o/{organisation}`: its description, bodies, latest records, search
/// and calendar.
pub async fn home(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    visit: Visit,
) -> Response {
    visit
        .organisation_page(&state, &slug, "organisation.html", async |org, locale| {
            home_page(&state, &visit, org, locale).await
        })
        .await
}

async fn home_page(
    state: &AppState,
    visit: &Visit,
    org: &organisation::Model,
    locale: Locale,
) -> AppResult<Value> {
    let all = bodies::list(state, org.id).await?;
    let everything = Archive {
        organisation_id: org.id,
        body_id: None,
        kind: None,
        year: None,
    };
    let latest = records::archive(state, visit.viewer(), everything, Some(LATEST), None).await?;
    let names: HashMap<Uuid, &str> = all.iter().map(|b| (b.id, b.name.as_str())).collect();
    let body_items: Vec<Value> = all
        .iter()
        .map(|b| body_item(visit, org, b, locale))
        .collect();
    let latest: Vec<Value> = latest
        .rows
        .iter()
        .map(|s| record_item(visit, s, locale, names.get(&s.record.body_id).copied()))
        .collect();
    let description: Vec<String> = org
        .description
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    Ok(context! { description, bodies => body_items, latest })
}

fn body_item(visit: &Visit, org: &organisation::Model, b: &body::Model, locale: Locale) -> Value {
    context! {
        name => b.name.clone(),
        kind => body_kind_label(locale, b),
        url => visit.link(&format!("/o/{}/bodies/{}", org.slug, b.slug), &[]),
        dissolved => b.dissolved_at.is_some(),
    }
}

/// A record in a list: its title, link, kind, body and publication day.
pub(super) fn record_item(visit: &Visit, s: &Seen, locale: Locale, body: Option<&str>) -> Value {
    let r = &s.record;
    context! {
        title => r.title.clone(),
        url => visit.link(&s.path(), &[]),
        kind => kind_label(locale, r.kind.as_str()),
        body => body,
        year => r.year,
        published => words::day_value(locale, date_in(&s.organisation, r.published_at)),
        visibility => visibility_label(locale, s.visibility()),
    }
}

fn bad_filter(field: &'static str) -> AppError {
    AppError::validation(
        field,
        text!(en: "This archive has no such filter.", fr: "Ces archives n'ont pas de tel filtre."),
    )
}

/// `/o/{organisation}/bodies/{body}?kind=&year=&after=`: a body's records,
/// newest first, with a table of contents by year and kind.
pub async fn archive(
    State(state): State<AppState>,
    Path((slug, body_slug)): Path<(String, String)>,
    visit: Visit,
) -> Response {
    visit
        .organisation_page(&state, &slug, "body.html", async |org, locale| {
            archive_page(&state, &visit, org, &body_slug, locale).await
        })
        .await
}

async fn archive_page(
    state: &AppState,
    visit: &Visit,
    org: &organisation::Model,
    body_slug: &str,
    locale: Locale,
) -> AppResult<Value> {
    let b = bodies::by_slug(&state.db, org.id, body_slug)
        .await?
        .ok_or_else(body_not_found)?;
    let kind = match visit.param("kind") {
        Some(k) => Some(RecordKind::parse(k).ok_or_else(|| bad_filter("kind"))?),
        None => None,
    };
    let year = match visit.param("year") {
        Some(y) => Some(y.parse::<i32>().map_err(|_| bad_filter("year"))?),
        None => None,
    };
    let path = format!("/o/{}/bodies/{}", org.slug, b.slug);
    let whole = Archive {
        organisation_id: org.id,
        body_id: Some(b.id),
        kind: None,
        year: None,
    };
    let contents = records::years(state, visit.viewer(), whole).await?;
    let filtered = Archive {
        organisation_id: org.id,
        body_id: Some(b.id),
        kind,
        year,
    };
    let after = visit.param("after").map(str::to_owned);
    let found = records::archive(state, visit.viewer(), filtered, Some(PER_PAGE), after).await?;
    let (kind_param, year_param) = (
        kind.map_or("", RecordKind::as_str),
        year.map(|y| y.to_string()),
    );
    let year_param = year_param.as_deref().unwrap_or("");
    let next = match (found.has_next, found.rows.last()) {
        (true, Some(last)) => {
            let cursor = cursor::encode(RECORDS_LIST, &last.record.id.to_string());
            Some(visit.link(
                &path,
                &[
                    ("kind", kind_param),
                    ("year", year_param),
                    ("after", &cursor),
                ],
            ))
        }
        _ => None,
    };
    let first_page = visit
        .param("after")
        .map(|_| visit.link(&path, &[("kind", kind_param), ("year", year_param)]));
    // The page's records under their year, as the archive is read.
    let mut years: Vec<(i32, Vec<Value>)> = Vec::new();
    for s in &found.rows {
        let item = record_item(visit, s, locale, None);
        match years.last_mut() {
            Some((y, items)) if *y == s.record.year => items.push(item),
            _ => years.push((s.record.year, vec![item])),
        }
    }
    let years: Vec<Value> = years
        .into_iter()
        .map(|(year, records)| context! { year, records })
        .collect();
    Ok(context! {
        body => context! {
            name => b.name.clone(),
            kind => body_kind_label(locale, &b),
            description_html => b.description_html.clone(),
            dissolved => b.dissolved_at.map(|at| words::day_value(locale, date_in(org, at))),
        },
        contents => table_of_contents(visit, &path, &contents, kind, year, locale),
        all_url => visit.link(&path, &[]),
        filtered => kind.is_some() || year.is_some(),
        years,
        next_url => next,
        first_url => first_page,
    })
}

/// The years of an archive, each with its count and its kinds' counts, as
/// links that filter the archive.
fn table_of_contents(
    visit: &Visit,
    path: &str,
    contents: &[(i32, RecordKind, u64)],
    kind: Option<RecordKind>,
    year: Option<i32>,
    locale: Locale,
) -> Vec<Value> {
    let mut out: Vec<(i32, u64, Vec<Value>)> = Vec::new();
    for (y, k, n) in contents {
        let year_text = y.to_string();
        let item = context! {
            label => k.label().in_locale(locale).to_owned(),
            count => *n,
            url => visit.link(path, &[("year", &year_text), ("kind", k.as_str())]),
            current => year == Some(*y) && kind == Some(*k),
        };
        match out.last_mut() {
            Some((last, total, kinds)) if last == y => {
                *total += n;
                kinds.push(item);
            }
            _ => out.push((*y, *n, vec![item])),
        }
    }
    out.into_iter()
        .map(|(y, total, kinds)| {
            context! {
                year => y,
                count => total,
                url => visit.link(path, &[("year", &y.to_string())]),
                current => year == Some(y) && kind.is_none(),
                kinds,
            }
        })
        .collect()
}
