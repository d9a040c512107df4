//! The embedded engine: tantivy, in `server.data_dir/search`, for one server
//! process (several processes sharing a database use Meilisearch).
//!
//! Text is analysed in French and English at once ([`Stems`]): each word is
//! lower-cased, its accents folded, and indexed under its French stem and,
//! when it differs, its English stem at the same position (Snowball, by
//! rust-stemmers) — so `délibération` finds `deliberations`, and one field
//! holds both. Function words (`de`, `la`, `the`…) are not indexed, as in
//! most engines: they are some 40 % of a French text's words and would
//! find every record; the other words keep their positions, so a phrase
//! (matched on the French forms) still finds `tour de parole` as `tour`,
//! any word, then `parole`.

mod analysis;
mod facets;

use analysis::*;
use facets::*;

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use rust_stemmers::{Algorithm, Stemmer};
use rustc_hash::FxHashMap;
use tantivy::collector::{Collector, Count, SegmentCollector, TopDocs};
use tantivy::columnar::StrColumn;
use tantivy::directory::MmapDirectory;
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, Occur, PhraseQuery, Query as _, TermQuery,
};
use tantivy::schema::{
    FAST, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer, Token,
    TokenFilter, TokenStream, Tokenizer,
};
use tantivy::{
    DocId, Index, IndexReader, IndexWriter, ReloadPolicy, Score, SegmentOrdinal, SegmentReader,
    TantivyDocument, Term,
};
use uuid::Uuid;

use super::{Change, Document, FacetCount, Hit, Request, Results, SearchError, SearchIndex};
use crate::domain::search::{Facet, MARK_END, MARK_START};

/// Bumped when the schema or the analysis changes: a new folder, filled
/// from the database at the next start.
const LAYOUT: &str = "v5";
/// Both languages' forms of each word (documents, and words searched).
const BILINGUAL: &str = "plenum";
/// French forms only (phrases searched).
const FRENCH: &str = "plenum_fr";
/// Memory each indexing thread may use before it flushes a segment.
const WRITER_BUDGET: usize = 64 * 1024 * 1024;
/// A rebuild commits every so many documents, not every batch: each commit
/// flushes small segments that merges then rewrite (1,400 → 1,700–2,400
/// records/s of the benchmark's when it went from 1,000 to 10,000). Until
/// a commit the writer queues what it is given, up to 10,000 documents:
/// at 10,000 the process grew to 600 MiB, at 3,000 to 300 MiB.
const REBUILD_COMMIT: usize = 5_000;
/// The payload of a rebuild's commits until it ends: an index left so is
/// rebuilt at the next start (`needs_rebuild`).
const REBUILDING: &str = "rebuilding";
const SNIPPET_CHARS: usize = 220;
struct Fields {
    id: Field,
    organisation_id: Field,
    /// The facets, as fast fields named as `Facet::as_str` says, counted
    /// by [`FacetCounts`]; `body` is empty when the document has none.
    kind: Field,
    body: Field,
    year: Field,
    audience: Field,
    title: Field,
    url: Field,
    published_at: Field,
    /// The title's words, searched (weighing double).
    title_words: Field,
    /// The text's words, searched; stored, as snippets are cut from it.
    text: Field,
}

struct Engine {
    index: Index,
    reader: IndexReader,
    writing: Mutex<Writing>,
    fields: Fields,
}

/// The writer, and how a rebuild stands.
struct Writing {
    writer: IndexWriter,
    /// Documents a rebuild added since the last commit.
    loaded: usize,
    /// A rebuild is under way: its commits say so.
    rebuilding: bool,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let words = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(BILINGUAL)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        organisation_id: b.add_text_field("organisation_id", STRING | STORED),
        kind: b.add_text_field(Facet::Kind.as_str(), STRING | STORED | FAST),
        body: b.add_text_field(Facet::Body.as_str(), STRING | STORED | FAST),
        year: b.add_text_field(Facet::Year.as_str(), STRING | STORED | FAST),
        audience: b.add_text_field("audience", STRING),
        title: b.add_text_field("title", STORED),
        url: b.add_text_field("url", STORED),
        published_at: b.add_i64_field("published_at", STORED | FAST),
        title_words: b.add_text_field("title_words", words.clone()),
        text: b.add_text_field("text", words.set_stored()),
    };
    (b.build(), fields)
}

/// The embedded engine; clones share one index.
#[derive(Clone)]
pub struct Embedded(Arc<Engine>);

fn failed(e: impl std::fmt::Display) -> SearchError {
    SearchError::Failed(e.to_string())
}

impl Embedded {
    /// Opens (or creates) the index under `path`. Fails when another process
    /// holds it.
    pub fn open(path: &Path) -> anyhow::Result<Embedded> {
        let path = path.join(LAYOUT);
        std::fs::create_dir_all(&path).map_err(|e| {
            anyhow::anyhow!(
                "cannot create the search index folder {}: {e}",
                path.display()
            )
        })?;
        let directory = MmapDirectory::open(&path)?;
        let (schema, fields) = schema();
        let index = Index::open_or_create(directory, schema)?;
        Engine::start(index, fields).map_err(|e| {
            anyhow::anyhow!(
                "the search index in {} is in use by another process ({e}); several processes need Meilisearch (search.meilisearch_url)",
                path.display()
            )
        })
    }

    /// An index in memory, for tests and benchmarks.
    pub fn in_memory() -> anyhow::Result<Embedded> {
        let (schema, fields) = schema();
        Engine::start(Index::create_in_ram(schema), fields)
    }

    /// How many documents are searchable.
    pub fn len(&self) -> u64 {
        self.0.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Runs `work` on the engine on a thread that may block (tantivy's
    /// calls read and write files and wait for its indexing threads).
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Engine) -> Result<T, SearchError> + Send + 'static,
    ) -> Result<T, SearchError> {
        let engine = self.0.clone();
        tokio::task::spawn_blocking(move || work(&engine))
            .await
            .map_err(failed)?
    }

    /// How many segments the index is made of (merged in the background).
    pub fn segments(&self) -> usize {
        self.0.reader.searcher().segment_readers().len()
    }
}

impl Engine {
    /// Registers the analysers and opens the writer and reader.
    fn start(mut index: Index, fields: Fields) -> anyhow::Result<Embedded> {
        index.tokenizers().register(BILINGUAL, analyzer(true));
        index.tokenizers().register(FRENCH, analyzer(false));
        // One indexing thread per core, up to four; a search reads its
        // segments on as many threads.
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
        index.set_multithread_executor(threads)?;
        let writer = index.writer_with_num_threads(threads, WRITER_BUDGET * threads)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Embedded(Arc::new(Engine {
            index,
            reader,
            writing: Mutex::new(Writing {
                writer,
                loaded: 0,
                rebuilding: false,
            }),
            fields,
        })))
    }

    fn document(&self, d: &Document) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, &d.id);
        doc.add_text(f.organisation_id, d.organisation_id.to_string());
        doc.add_text(f.kind, &d.kind);
        let body = d.body_id.map(|b| b.to_string()).unwrap_or_default();
        doc.add_text(f.body, &body);
        doc.add_text(f.year, d.year.to_string());
        doc.add_text(f.audience, &d.audience);
        doc.add_text(f.title, &d.title);
        doc.add_text(f.url, &d.url);
        doc.add_i64(f.published_at, d.published_at);
        doc.add_text(f.title_words, &d.title);
        doc.add_text(f.text, &d.text);
        doc
    }

    /// The forms of a word or phrase, analysed by `analyzer`, as terms of
    /// `field`, with their positions.
    fn terms(&self, analyzer: &str, field: Field, text: &str) -> Vec<(usize, Term)> {
        let Some(mut analyzer) = self.index.tokenizers().get(analyzer) else {
            return Vec::new();
        };
        let mut stream = analyzer.token_stream(text);
        let mut terms = Vec::new();
        while let Some(token) = stream.next() {
            terms.push((token.position, Term::from_field_text(field, &token.text)));
        }
        terms
    }

    fn any_of(
        field: Field,
        values: impl IntoIterator<Item = String>,
    ) -> Box<dyn tantivy::query::Query> {
        let clauses: Vec<(Occur, Box<dyn tantivy::query::Query>)> = values
            .into_iter()
            .map(|v| {
                let q: Box<dyn tantivy::query::Query> = Box::new(TermQuery::new(
                    Term::from_field_text(field, &v),
                    IndexRecordOption::Basic,
                ));
                (Occur::Should, q)
            })
            .collect();
        Box::new(BooleanQuery::new(clauses))
    }

    /// The query: every word (in either language's form, title weighing
    /// double) and every phrase must match; the access and the filters are
    /// conditions that do not score. None when it holds only function
    /// words, which are not indexed.
    fn query(&self, r: &Request) -> Option<BooleanQuery> {
        let f = &self.fields;
        let mut must: Vec<(Occur, Box<dyn tantivy::query::Query>)> = Vec::new();
        for word in &r.query.words {
            let mut forms: Vec<(Occur, Box<dyn tantivy::query::Query>)> = Vec::new();
            for (field, boost) in [(f.title_words, 2.0), (f.text, 1.0)] {
                for (_, term) in self.terms(BILINGUAL, field, word) {
                    let q = TermQuery::new(term, IndexRecordOption::WithFreqs);
                    forms.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), boost))));
                }
            }
            if !forms.is_empty() {
                must.push((Occur::Must, Box::new(BooleanQuery::new(forms))));
            }
        }
        for phrase in &r.query.phrases {
            let text = phrase.join(" ");
            let mut places: Vec<(Occur, Box<dyn tantivy::query::Query>)> = Vec::new();
            for field in [f.title_words, f.text] {
                let mut terms = self.terms(FRENCH, field, &text);
                let q: Box<dyn tantivy::query::Query> = match terms.len() {
                    0 => continue,
                    1 => Box::new(TermQuery::new(
                        terms.remove(0).1,
                        IndexRecordOption::WithFreqs,
                    )),
                    _ => Box::new(PhraseQuery::new_with_offset(terms)),
                };
                places.push((Occur::Should, q));
            }
            if !places.is_empty() {
                must.push((Occur::Must, Box::new(BooleanQuery::new(places))));
            }
        }
        if must.is_empty() {
            return None;
        }
        let mut allowed: Vec<(Occur, Box<dyn tantivy::query::Query>)> = vec![(
            Occur::Should,
            Self::any_of(f.audience, r.access.audiences.iter().cloned()),
        )];
        if !r.access.moderated.is_empty() {
            allowed.push((
                Occur::Should,
                Self::any_of(
                    f.organisation_id,
                    r.access.moderated.iter().map(Uuid::to_string),
                ),
            ));
        }
        let mut conditions: Vec<(Occur, Box<dyn tantivy::query::Query>)> =
            vec![(Occur::Must, Box::new(BooleanQuery::new(allowed)))];
        if let Some(org) = r.organisation {
            conditions.push((
                Occur::Must,
                Self::any_of(f.organisation_id, [org.to_string()]),
            ));
        }
        if !r.filters.kinds.is_empty() {
            conditions.push((
                Occur::Must,
                Self::any_of(f.kind, r.filters.kinds.iter().cloned()),
            ));
        }
        if !r.filters.bodies.is_empty() {
            conditions.push((
                Occur::Must,
                Self::any_of(f.body, r.filters.bodies.iter().map(Uuid::to_string)),
            ));
        }
        if !r.filters.years.is_empty() {
            conditions.push((
                Occur::Must,
                Self::any_of(f.year, r.filters.years.iter().map(i32::to_string)),
            ));
        }
        // Conditions weigh nothing in the score, and are not scored at all.
        must.push((
            Occur::Must,
            Box::new(ConstScoreQuery::new(
                Box::new(BooleanQuery::new(conditions)),
                0.0,
            )),
        ));
        Some(BooleanQuery::new(must))
    }

    fn run(&self, r: &Request) -> Result<Results, SearchError> {
        let f = &self.fields;
        let Some(query) = self.query(r) else {
            return Ok(Results::default());
        };
        let searcher = self.reader.searcher();
        let top = TopDocs::with_limit(r.limit.max(1))
            .and_offset(r.offset)
            .order_by_score();
        let (top, total, counts) = searcher
            .search(&query, &(top, Count, FacetCounts))
            .map_err(failed)?;
        // Snippets are cut on the French forms (one stemmer, not two), from
        // the words the query looks for in the text.
        let mut looked_for = std::collections::BTreeMap::new();
        query.query_terms(&mut |term, _| {
            if term.field() == f.text
                && let Some(word) = term.value().as_str()
            {
                looked_for.insert(word.to_owned(), 1.0);
            }
        });
        let french = self
            .index
            .tokenizers()
            .get(FRENCH)
            .ok_or_else(|| SearchError::Failed("the French analyser is missing".into()))?;
        let snippets = SnippetGenerator::new(looked_for, french, f.text, SNIPPET_CHARS);
        let mut hits = Vec::with_capacity(top.len());
        for (_, address) in top.into_iter().take(r.limit) {
            let doc: TantivyDocument = searcher.doc(address).map_err(failed)?;
            let text = |field: Field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            };
            let body = text(f.text);
            hits.push(Hit {
                id: text(f.id),
                organisation_id: Uuid::parse_str(&text(f.organisation_id)).unwrap_or_default(),
                kind: text(f.kind),
                body_id: Uuid::parse_str(&text(f.body)).ok(),
                year: text(f.year).parse().unwrap_or_default(),
                title: text(f.title),
                url: text(f.url),
                published_at: doc
                    .get_first(f.published_at)
                    .and_then(|v| v.as_i64())
                    .unwrap_or_default(),
                snippet: marked(&snippets.snippet(&body), &body),
            });
        }
        let mut found: Vec<FacetCount> = counts
            .into_iter()
            .map(|((facet, value), count)| FacetCount {
                facet,
                value,
                count,
            })
            .collect();
        found.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        Ok(Results {
            total: total as u64,
            hits,
            facets: found,
        })
    }

    fn writing(&self) -> Result<MutexGuard<'_, Writing>, SearchError> {
        self.writing
            .lock()
            .map_err(|_| SearchError::Failed("the index writer panicked".into()))
    }

    /// Writes `changes`, committed at once unless they are part of a
    /// rebuild that has not loaded `REBUILD_COMMIT` documents since its
    /// last commit.
    fn write(&self, changes: Vec<Change>, rebuild: bool) -> Result<(), SearchError> {
        let f = &self.fields;
        let mut w = self.writing()?;
        let written = changes.len();
        for change in changes {
            match change {
                Change::Upsert(d) => {
                    w.writer.delete_term(Term::from_field_text(f.id, &d.id));
                    w.writer.add_document(self.document(&d)).map_err(failed)?;
                }
                Change::Remove(id) => {
                    w.writer.delete_term(Term::from_field_text(f.id, &id));
                }
            }
        }
        if rebuild {
            w.rebuilding = true;
            w.loaded += written;
            if w.loaded < REBUILD_COMMIT {
                return Ok(());
            }
        }
        self.commit(w)
    }

    /// Commits what was written, marked as a rebuild's while one is under
    /// way, and lets searches see it.
    fn commit(&self, mut w: MutexGuard<'_, Writing>) -> Result<(), SearchError> {
        let rebuilding = w.rebuilding;
        let mut commit = w.writer.prepare_commit().map_err(failed)?;
        if rebuilding {
            commit.set_payload(REBUILDING);
        }
        commit.commit().map_err(failed)?;
        w.loaded = 0;
        drop(w);
        self.reader.reload().map_err(failed)
    }

    fn settle(&self) -> Result<(), SearchError> {
        let mut w = self.writing()?;
        w.rebuilding = false;
        self.commit(w)
    }

    fn wipe(&self) -> Result<(), SearchError> {
        let w = self.writing()?;
        w.writer.delete_all_documents().map_err(failed)?;
        self.commit(w)
    }

    /// Did the last commit come from a rebuild that never ended?
    fn half_rebuilt(&self) -> bool {
        self.index
            .load_metas()
            .is_ok_and(|meta| meta.payload.as_deref() == Some(REBUILDING))
    }
}

#[async_trait::async_trait]
impl SearchIndex for Embedded {
    fn name(&self) -> &'static str {
        "embedded"
    }

    async fn apply(&self, changes: Vec<Change>) -> Result<(), SearchError> {
        self.blocking(move |this| this.write(changes, false)).await
    }

    async fn load(&self, changes: Vec<Change>) -> Result<(), SearchError> {
        self.blocking(move |this| this.write(changes, true)).await
    }

    async fn settle(&self) -> Result<(), SearchError> {
        self.blocking(move |this| this.settle()).await
    }

    async fn search(&self, request: &Request) -> Result<Results, SearchError> {
        let request = request.clone();
        self.blocking(move |this| this.run(&request)).await
    }

    async fn clear(&self) -> Result<(), SearchError> {
        self.blocking(move |this| this.wipe()).await
    }

    fn needs_rebuild(&self) -> bool {
        self.is_empty() || self.0.half_rebuilt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(String, usize)> {
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while let Some(token) = stream.next() {
            out.push((token.text.clone(), token.position));
        }
        out
    }

    #[test]
    fn both_languages_stems_share_a_position_and_come_back_the_same_from_the_cache() {
        let mut bilingual = analyzer(true);
        let text = "Délibérations, deliberation; housing";
        let first = tokens(&mut bilingual, text);
        assert_eq!(
            first,
            [
                ("deliber".to_owned(), 0),
                ("deliber".to_owned(), 1),
                ("housing".to_owned(), 2),
                ("hous".to_owned(), 2),
            ]
        );
        // The same words again, now read from the cache.
        assert_eq!(tokens(&mut bilingual, text), first);
        let french = tokens(&mut analyzer(false), "housing");
        assert_eq!(french, [("housing".to_owned(), 0)]);
    }

    fn record(n: u32) -> Change {
        Change::Upsert(Document {
            id: format!("record:{n}"),
            organisation_id: Uuid::nil(),
            kind: "minutes".into(),
            body_id: None,
            year: 2026,
            title: format!("Compte rendu n° {n}"),
            text: "L'assemblée adopte le budget.".into(),
            url: format!("/records/{n}"),
            published_at: 1_780_000_000,
            audience: "public".into(),
        })
    }

    #[tokio::test]
    async fn a_rebuild_commits_in_large_steps_and_one_left_unfinished_is_taken_up_again() {
        let dir = tempfile::tempdir().unwrap();
        {
            let engine = Embedded::open(dir.path()).unwrap();
            assert!(engine.needs_rebuild(), "a new index is filled at start-up");
            engine.load(vec![record(1)]).await.unwrap();
            assert_eq!(
                engine.len(),
                0,
                "a rebuild's batch waits for a larger commit"
            );
            // The outbox delivers meanwhile: its commit takes both.
            engine.apply(vec![record(2)]).await.unwrap();
            assert_eq!(engine.len(), 2);
            // The process stops here, the rebuild unfinished.
        }
        let engine = Embedded::open(dir.path()).unwrap();
        assert_eq!(engine.len(), 2);
        assert!(
            engine.needs_rebuild(),
            "an unfinished rebuild is taken up again"
        );
        engine.load(vec![record(1), record(3)]).await.unwrap();
        engine.settle().await.unwrap();
        assert_eq!(engine.len(), 3, "the record loaded twice is there once");
        drop(engine);
        assert!(!Embedded::open(dir.path()).unwrap().needs_rebuild());
    }

    #[test]
    fn function_words_are_left_out_and_the_other_words_keep_their_places() {
        let surface = "À au aux ce d de du des en et l la le les ou par pour sur un une \
                       dans avec qu que qui se sa son ses the of and to in on for";
        assert_eq!(tokens(&mut analyzer(true), surface), []);
        assert_eq!(
            tokens(&mut analyzer(false), "Le tour de parole de l'assemblée"),
            [
                ("tour".to_owned(), 1),
                ("parol".to_owned(), 3),
                ("assemble".to_owned(), 6),
            ]
        );
    }
}
