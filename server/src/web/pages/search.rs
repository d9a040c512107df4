//! The search page: a form, results with marked snippets, facets as links
//! that narrow the search, and the next page.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::{Value, context};
use sea_orm::prelude::Uuid;

use super::Visit;
use crate::domain::search::{Facet, snippet_html};
use crate::entity::organisation;
use crate::error::ErrorCode;
use crate::i18n::Locale;
use crate::service::governance::bodies;
use crate::service::memberships::date_in;
use crate::service::search::{self, Found, SearchInput};
use crate::state::AppState;
use crate::web::words;
use crate::web::words::kind_label;

/// Results per page.
const PER_PAGE: i32 = 20;

/// The parameters that narrow a search, one value each.
const FILTERS: [&str; 3] = ["kind", "year", "body"];

/// `/o/{organisation}/search?q=&kind=&year=&body=&after=`.
pub async fn page(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    visit: Visit,
) -> Response {
    let org = match visit.organisation(&state, &slug).await {
        Ok(o) => o,
        Err(page) => return page,
    };
    let locale = visit.locale(Some(&org));
    let query = visit.param("q").unwrap_or_default().to_owned();
    let path = format!("/o/{}/search", org.slug);
    let filters: Vec<(&str, &str)> = FILTERS
        .iter()
        .filter_map(|f| visit.param(f).map(|v| (*f, v)))
        .collect();
    let form = context! {
        action => path.clone(),
        query => query.clone(),
        filters => filters.iter().map(|(k, v)| context! { name => *k, value => *v }).collect::<Vec<_>>(),
        lang => visit.asked_language(),
    };
    if query.is_empty() {
        return visit.render(
            Some(&org),
            locale,
            "search.html",
            StatusCode::OK,
            context! { form },
        );
    }
    let names = match bodies::list(&state, org.id).await {
        Ok(all) => all
            .into_iter()
            .map(|b| (b.id.to_string(), b.name))
            .collect(),
        Err(e) => return visit.failure(Some(&org), locale, e),
    };
    let input = SearchInput {
        query: query.clone(),
        organisation_id: Some(org.id),
        filters: filters
            .iter()
            .map(|(k, v)| ((*k).to_owned(), vec![(*v).to_owned()]))
            .collect(),
        first: Some(PER_PAGE),
        after: visit.param("after").map(str::to_owned),
    };
    match search::search(&state, visit.viewer(), input).await {
        Ok(found) => {
            let search = Search {
                visit: &visit,
                path: &path,
                query: &query,
                filters: &filters,
                names: &names,
                locale,
            };
            let results = search.results(&org, found);
            visit.render(
                Some(&org),
                locale,
                "search.html",
                StatusCode::OK,
                context! { form, results },
            )
        }
        // The reader can act on these: say so in the page itself.
        Err(e) if matches!(e.code, ErrorCode::Validation | ErrorCode::SearchUnavailable) => {
            let problem = e.message_in(locale).to_owned();
            visit.render(
                Some(&org),
                locale,
                "search.html",
                e.code.http_status(),
                context! { form, problem },
            )
        }
        Err(e) => visit.failure(Some(&org), locale, e),
    }
}

/// One search, to link its variations.
struct Search<'a> {
    visit: &'a Visit,
    path: &'a str,
    query: &'a str,
    filters: &'a [(&'a str, &'a str)],
    names: &'a HashMap<String, String>,
    locale: Locale,
}

impl Search<'_> {
    /// This search from its first page.
    fn first_page(&self) -> String {
        let mut params: Vec<(&str, &str)> = vec![("q", self.query)];
        params.extend(self.filters.iter().copied());
        self.visit.link(self.path, &params)
    }

    /// This search with `facet` set to `value` (or removed), from its first page.
    fn with(&self, facet: &str, value: Option<&str>) -> String {
        let mut params: Vec<(&str, &str)> = vec![("q", self.query)];
        params.extend(self.filters.iter().copied().filter(|(k, _)| *k != facet));
        if let Some(v) = value {
            params.push((facet, v));
        }
        self.visit.link(self.path, &params)
    }

    fn label(&self, facet: &str, value: &str) -> String {
        match facet {
            "kind" => kind_label(self.locale, value),
            "body" => self
                .names
                .get(value)
                .cloned()
                .unwrap_or_else(|| value.to_owned()),
            _ => value.to_owned(),
        }
    }

    fn results(&self, org: &organisation::Model, found: Found) -> Value {
        let locale = self.locale;
        let hits: Vec<Value> = found
            .results
            .hits
            .iter()
            .map(|h| {
                let day =
                    chrono::DateTime::from_timestamp(h.published_at, 0).map(|at| date_in(org, at));
                context! {
                    title => h.title.clone(),
                    url => self.visit.link(&h.url, &[]),
                    kind => kind_label(locale, &h.kind),
                    body => h.body_id.and_then(|b: Uuid| self.names.get(&b.to_string()).cloned()),
                    snippet => snippet_html(&h.snippet),
                    published => day.map(|d| words::day_value(locale, d)),
                }
            })
            .collect();
        let facets: Vec<Value> = Facet::ALL
            .iter()
            .filter_map(|facet| {
                let name = facet.as_str();
                let values: Vec<Value> = found
                    .results
                    .facets
                    .iter()
                    .filter(|c| c.facet == *facet)
                    .map(|c| {
                        let active = self.filters.iter().any(|(k, v)| *k == name && *v == c.value);
                        context! {
                            label => self.label(name, &c.value),
                            count => c.count,
                            url => self.with(name, Some(&c.value)),
                            active,
                        }
                    })
                    .collect();
                (!values.is_empty()).then(|| {
                    context! { name => words::word(locale, &format!("facet_{name}")).to_owned(), values }
                })
            })
            .collect();
        let active: Vec<Value> = self
            .filters
            .iter()
            .map(|(k, v)| {
                context! {
                    facet => words::word(locale, &format!("facet_{k}")).to_owned(),
                    label => self.label(k, v),
                    remove_url => self.with(k, None),
                }
            })
            .collect();
        let next = found.next.map(|cursor| {
            let mut params: Vec<(&str, &str)> = vec![("q", self.query)];
            params.extend(self.filters.iter().copied());
            params.push(("after", &cursor));
            self.visit.link(self.path, &params)
        });
        context! {
            total => found.results.total,
            hits,
            facets,
            active,
            next_url => next,
            first_url => (found.offset > 0).then(|| self.first_page()),
        }
    }
}
