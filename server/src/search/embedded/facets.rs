//! Counting facets over the hits, and marking the words found in a snippet.

use super::*;

/// Counts the hits of each facet's values, in the same pass as the top
/// hits: per segment, a counter per value of each fast field, named as
/// the values only at the end.
pub(super) struct FacetCounts;

type Counted = HashMap<(Facet, String), u64>;

impl Collector for FacetCounts {
    type Fruit = Counted;
    type Child = SegmentFacetCounts;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentFacetCounts> {
        let mut columns = Vec::with_capacity(Facet::ALL.len());
        for facet in Facet::ALL {
            if let Some(column) = segment.fast_fields().str(facet.as_str())? {
                let counts = vec![0; column.num_terms()];
                columns.push((facet, column, counts));
            }
        }
        Ok(SegmentFacetCounts { columns })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segments: Vec<Counted>) -> tantivy::Result<Counted> {
        let mut all = Counted::new();
        for counted in segments {
            for (key, count) in counted {
                *all.entry(key).or_default() += count;
            }
        }
        Ok(all)
    }
}

pub(super) struct SegmentFacetCounts {
    /// Each facet's column, and how many hits have each of its values.
    columns: Vec<(Facet, StrColumn, Vec<u64>)>,
}

impl SegmentCollector for SegmentFacetCounts {
    type Fruit = Counted;

    fn collect(&mut self, doc: DocId, _: Score) {
        for (_, column, counts) in &mut self.columns {
            if let Some(ord) = column.ords().first(doc) {
                counts[ord as usize] += 1;
            }
        }
    }

    fn harvest(self) -> Counted {
        let mut counted = Counted::new();
        let mut value = String::new();
        for (facet, column, counts) in self.columns {
            for (ord, count) in counts.into_iter().enumerate() {
                if count > 0
                    && column.ord_to_str(ord as u64, &mut value).unwrap_or(false)
                    && !value.is_empty()
                {
                    counted.insert((facet, std::mem::take(&mut value)), count);
                }
            }
        }
        counted
    }
}

/// A snippet's fragment with its matches marked; the text's beginning when
/// the match is only in the title.
pub(super) fn marked(snippet: &tantivy::snippet::Snippet, text: &str) -> String {
    let fragment = snippet.fragment();
    if fragment.is_empty() {
        return text.chars().take(SNIPPET_CHARS).collect();
    }
    let mut out = String::with_capacity(fragment.len() + 16);
    let mut at = 0;
    for range in snippet.highlighted() {
        if range.start < at || range.end > fragment.len() {
            continue;
        }
        out.push_str(&fragment[at..range.start]);
        out.push_str(MARK_START);
        out.push_str(&fragment[range.clone()]);
        out.push_str(MARK_END);
        at = range.end;
    }
    out.push_str(&fragment[at..]);
    out
}
