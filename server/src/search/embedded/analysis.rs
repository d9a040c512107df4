//! How text is analysed: French and English stems at once, function words left out.

use super::*;

/// Is `word` (lower-cased, accents folded) one of the French and English
/// function words, which are neither indexed nor looked up? Compared with
/// literals, which the compiler turns into a few integer comparisons.
pub(super) fn is_function_word(word: &str) -> bool {
    matches!(
        word,
        "a" | "au"
            | "aux"
            | "ce"
            | "d"
            | "de"
            | "des"
            | "du"
            | "en"
            | "et"
            | "l"
            | "la"
            | "le"
            | "les"
            | "ou"
            | "par"
            | "pour"
            | "sur"
            | "un"
            | "une"
            | "dans"
            | "avec"
            | "qu"
            | "que"
            | "qui"
            | "se"
            | "sa"
            | "son"
            | "ses"
            | "the"
            | "of"
            | "and"
            | "to"
            | "in"
            | "on"
            | "for"
    )
}

/// Words lower-cased, accents folded, then stemmed: in French and, when
/// `english`, also in English.
pub(super) fn analyzer(english: bool) -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stems { english })
        .build()
}

/// Leaves out function words, stems the others with Snowball's French
/// stemmer and, when `english`, adds their English stem at the same
/// position when it differs: one pass of tokenizing for both languages.
#[derive(Clone, Copy)]
pub(super) struct Stems {
    english: bool,
}

/// A word's French stem, and its English one when it differs.
type StemPair = (String, Option<String>);

/// Words stemmed on this thread, up to `STEM_CACHE_WORDS`: a language's
/// common words come back at every sentence, and a lookup costs a fraction
/// of two Snowball runs — when indexing, and when cutting snippets. When
/// full it keeps what it holds: by Zipf's law the words met first are the
/// frequent ones, and emptying it would lose them (on a corpus of 60,000
/// distinct words, emptying it at 50,000 cost some 15 % of the indexing
/// rate).
pub(super) const STEM_CACHE_WORDS: usize = 50_000;

thread_local! {
    static STEM_CACHE: RefCell<FxHashMap<String, StemPair>> = RefCell::default();
}

impl TokenFilter for Stems {
    type Tokenizer<T: Tokenizer> = StemsFilter<T>;

    fn transform<T: Tokenizer>(self, inner: T) -> StemsFilter<T> {
        StemsFilter {
            inner,
            english: self.english,
        }
    }
}

#[derive(Clone)]
pub(super) struct StemsFilter<T> {
    inner: T,
    english: bool,
}

impl<T: Tokenizer> Tokenizer for StemsFilter<T> {
    type TokenStream<'a> = StemsStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        StemsStream {
            tail: self.inner.token_stream(text),
            english: self.english,
            current: Token::default(),
            english_stem: String::new(),
            pending: false,
        }
    }
}

pub(super) struct StemsStream<T> {
    tail: T,
    english: bool,
    current: Token,
    /// The English stem of the last word, still to give when `pending`.
    english_stem: String,
    pending: bool,
}

/// Writes the French stem of `word` in `french` and, when `english` and it
/// differs, its English stem in `other`; says whether it did. From this
/// thread's cache, or computed (and kept).
pub(super) fn stem(word: &str, english: bool, french: &mut String, other: &mut String) -> bool {
    STEM_CACHE.with_borrow_mut(|cache| {
        let give = |(fr, en): &StemPair, french: &mut String, other: &mut String| {
            french.clone_from(fr);
            match en {
                Some(en) if english => {
                    other.clone_from(en);
                    true
                }
                _ => false,
            }
        };
        if let Some(stems) = cache.get(word) {
            return give(stems, french, other);
        }
        let fr = Stemmer::create(Algorithm::French).stem(word).into_owned();
        let en = Stemmer::create(Algorithm::English).stem(word);
        let stems = (fr.clone(), (*en != fr).then(|| en.into_owned()));
        let given = give(&stems, french, other);
        if cache.len() < STEM_CACHE_WORDS {
            cache.insert(word.to_owned(), stems);
        }
        given
    })
}

impl<T: TokenStream> TokenStream for StemsStream<T> {
    fn advance(&mut self) -> bool {
        if self.pending {
            self.pending = false;
            std::mem::swap(&mut self.current.text, &mut self.english_stem);
            return true;
        }
        let word = loop {
            if !self.tail.advance() {
                return false;
            }
            let word = self.tail.token();
            if !is_function_word(&word.text) {
                break word;
            }
        };
        self.pending = stem(
            &word.text,
            self.english,
            &mut self.current.text,
            &mut self.english_stem,
        );
        self.current.offset_from = word.offset_from;
        self.current.offset_to = word.offset_to;
        self.current.position = word.position;
        self.current.position_length = word.position_length;
        true
    }

    fn token(&self) -> &Token {
        &self.current
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.current
    }
}
