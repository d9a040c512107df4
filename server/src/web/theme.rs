//! Themes: how an organisation's public pages look.
//!
//! A theme is a folder `themes/<name>/` of minijinja templates and a
//! `style.css`. It overrides the default theme one file at a time: a file
//! the theme lacks is taken from the default theme, which is built into the
//! binary so that the server renders pages from any working directory. An
//! organisation names its theme in `organisation.theme`; an unknown name
//! reads as the default theme.
//!
//! Each theme is read once and kept (its minijinja environment caches what
//! it compiled): a theme changed on disk shows after a restart.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use minijinja::{AutoEscape, Environment, Output, State, Value};

/// The built-in theme's name.
pub const DEFAULT: &str = "default";

/// The default theme's files, compiled in, by name.
macro_rules! built_in {
    ($($file:literal),* $(,)?) => {
        &[$(($file, include_str!(concat!("../../../themes/default/", $file)))),*]
    };
}

/// The default theme's files, compiled in.
pub(super) const BUILT_IN: &[(&str, &str)] = built_in![
    "base.html",
    "index.html",
    "invitation.html",
    "organisation.html",
    "body.html",
    "record.html",
    "record_list.html",
    "search.html",
    "calendar.html",
    "meeting_details.html",
    "error.html",
    "style.css",
];

/// A default theme's file by name.
fn built_in(name: &str) -> Option<&'static str> {
    BUILT_IN
        .iter()
        .find(|(file, _)| *file == name)
        .map(|(_, source)| *source)
}

/// The themes of this server, each loaded on first use.
pub struct Themes {
    dir: PathBuf,
    loaded: Mutex<HashMap<String, Arc<Theme>>>,
    /// (theme, file) pairs already reported missing: each is logged once.
    warned: Arc<Mutex<HashSet<(String, String)>>>,
}

/// One theme, ready to render.
pub struct Theme {
    /// Its name as pages link to it (`default` for an unknown theme).
    pub name: String,
    env: Environment<'static>,
    css: String,
}

/// A theme's name is a plain folder name: nothing that climbs out of
/// the themes folder.
fn valid_theme_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A template's name, as templates refer to each other (`extends`,
/// `include`): relative, without `..` or hidden segments.
fn valid_file_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('/').all(|segment| {
            !segment.is_empty()
                && !segment.starts_with('.')
                && segment
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        })
}

fn warn_once(warned: &Mutex<HashSet<(String, String)>>, theme: &str, file: &str) -> bool {
    warned
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert((theme.to_owned(), file.to_owned()))
}

/// A file of a theme folder: the theme's own, else the default theme's
/// (logged once per theme and file).
fn source(
    dir: &Path,
    theme: &str,
    name: &str,
    warned: &Mutex<HashSet<(String, String)>>,
) -> Option<String> {
    if !valid_file_name(name) {
        return None;
    }
    if theme != DEFAULT {
        let path = dir.join(theme).join(name);
        match std::fs::read_to_string(&path) {
            Ok(text) => return Some(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::error!(path = %path.display(), error = %e, "theme file unreadable"),
        }
        let fallback = built_in(name);
        if fallback.is_some() && warn_once(warned, theme, name) {
            tracing::warn!(
                theme,
                file = name,
                "the theme has no such file: the default theme's is used"
            );
        }
        return fallback.map(str::to_owned);
    }
    built_in(name).map(str::to_owned)
}

/// Escapes text for HTML: `&`, `<`, `>`, `"` and `'`.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// minijinja's escaping, except that `/` stays as it is (minijinja writes
/// `&#x2f;`, which is valid but makes every link unreadable in the page's
/// source and in tests).
fn formatter(out: &mut Output, state: &mut State, value: &Value) -> Result<(), minijinja::Error> {
    if *state.auto_escape() == AutoEscape::Html
        && !value.is_safe()
        && let Some(text) = value.as_str()
    {
        return Ok(out.write_str(&escape_html(text))?);
    }
    minijinja::escape_formatter(out, state, value)
}

impl Themes {
    /// The themes of a folder (`themes/`, or a test's own).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Themes {
            dir: dir.into(),
            loaded: Mutex::new(HashMap::new()),
            warned: Arc::new(Mutex::new(HashSet::new())),
        }
    }

    /// The theme of this name; the default one when there is no such
    /// folder (logged once).
    pub fn get(&self, name: &str) -> Arc<Theme> {
        let mut loaded = self.loaded.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(theme) = loaded.get(name) {
            return theme.clone();
        }
        let theme = if self.exists(name) {
            Arc::new(self.load(name))
        } else {
            if name != DEFAULT {
                tracing::warn!(
                    theme = name,
                    dir = %self.dir.display(),
                    "no such theme: the default theme is used"
                );
            }
            match loaded.get(DEFAULT) {
                Some(default) => default.clone(),
                None => {
                    let default = Arc::new(self.load(DEFAULT));
                    loaded.insert(DEFAULT.to_owned(), default.clone());
                    default
                }
            }
        };
        loaded.insert(name.to_owned(), theme.clone());
        theme
    }

    /// The theme of this name if it is the default one or has a folder:
    /// for addresses anyone may type, which must not fill the log or the
    /// cache with names that do not exist.
    pub fn find(&self, name: &str) -> Option<Arc<Theme>> {
        (name == DEFAULT || self.exists(name)).then(|| self.get(name))
    }

    fn exists(&self, name: &str) -> bool {
        name != DEFAULT && valid_theme_name(name) && self.dir.join(name).is_dir()
    }

    fn load(&self, name: &str) -> Theme {
        let mut env = Environment::new();
        env.set_formatter(formatter);
        // Block tags on their own lines leave no blank lines behind.
        if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()
        {
            env.set_syntax(syntax);
        }
        let (dir, theme, warned) = (self.dir.clone(), name.to_owned(), self.warned.clone());
        env.set_loader(move |file| Ok(source(&dir, &theme, file, &warned)));
        let css = source(&self.dir, name, "style.css", &self.warned).unwrap_or_default();
        Theme {
            name: name.to_owned(),
            env,
            css,
        }
    }
}

impl Theme {
    /// Renders one of its templates (HTML-escaped, as its name ends in `.html`).
    pub fn render(&self, template: &str, context: Value) -> Result<String, minijinja::Error> {
        self.env.get_template(template)?.render(context)
    }

    /// Its stylesheet.
    pub fn css(&self) -> &str {
        &self.css
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;
    use minijinja::context;

    /// What every page's context holds (`web::pages` adds it), and `page`.
    fn with_frame(page: Value) -> Value {
        context! { ..page, ..context! { t => crate::web::words::table(Locale::Fr), lang => "fr" } }
    }

    fn folder_with(theme: &str, files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(theme)).unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(theme).join(name), text).unwrap();
        }
        dir
    }

    #[test]
    fn a_theme_overrides_one_template_and_takes_the_others_from_the_default_theme() {
        let dir = folder_with(
            "quartier",
            &[(
                "record.html",
                "{% extends \"base.html\" %}{% block main %}<p>Quartier {{ x }}</p>{% endblock %}",
            )],
        );
        let themes = Themes::new(dir.path());
        let theme = themes.get("quartier");
        assert_eq!(theme.name, "quartier");
        let record = theme
            .render("record.html", with_frame(context! { x => "<b>" }))
            .unwrap();
        assert!(record.contains("<p>Quartier &lt;b&gt;</p>"), "{record}");
        assert!(
            record.contains("<html lang=\"fr\">"),
            "the default base: {record}"
        );
        let error = theme
            .render("error.html", with_frame(context! { heading => "Oups" }))
            .unwrap();
        assert!(
            error.contains("<h1>Oups</h1>"),
            "the default error page: {error}"
        );
        assert_eq!(theme.css(), built_in("style.css").unwrap());
        // Each missing file is reported once, however often it is used.
        theme.render("error.html", with_frame(context! {})).unwrap();
        let warned = themes.warned.lock().unwrap();
        assert!(warned.contains(&("quartier".to_owned(), "error.html".to_owned())));
        assert!(warned.contains(&("quartier".to_owned(), "base.html".to_owned())));
        assert!(!warned.contains(&("quartier".to_owned(), "record.html".to_owned())));
    }

    #[test]
    fn values_are_escaped_but_slashes_stay_readable() {
        let theme = Themes::new("/nonexistent").get(DEFAULT);
        let page = theme
            .render(
                "error.html",
                with_frame(context! { heading => "<script>\"a/b\" & 'c'</script>" }),
            )
            .unwrap();
        assert!(
            page.contains(
                "<h1>&lt;script&gt;&quot;a/b&quot; &amp; &#39;c&#39;&lt;/script&gt;</h1>"
            ),
            "{page}"
        );
    }

    #[test]
    fn a_theme_may_bring_its_own_stylesheet() {
        let dir = folder_with("sobre", &[("style.css", "body { color: black; }")]);
        let theme = Themes::new(dir.path()).get("sobre");
        assert_eq!(theme.css(), "body { color: black; }");
    }

    #[test]
    fn an_unknown_theme_is_the_default_theme() {
        let dir = tempfile::tempdir().unwrap();
        let themes = Themes::new(dir.path());
        let theme = themes.get("absent");
        assert_eq!(theme.name, DEFAULT);
        assert!(Arc::ptr_eq(&theme, &themes.get(DEFAULT)));
        assert!(Arc::ptr_eq(&theme, &themes.get("absent")));
        assert!(themes.find("other").is_none());
        assert!(themes.find(DEFAULT).is_some());
    }

    #[test]
    fn names_that_would_leave_the_themes_folder_are_refused() {
        let dir = folder_with("propre", &[]);
        std::fs::write(dir.path().join("secret.html"), "secret").unwrap();
        let themes = Themes::new(dir.path().join("propre"));
        assert_eq!(themes.get("..").name, DEFAULT);
        assert_eq!(themes.get("../propre").name, DEFAULT);
        let warned = Mutex::new(HashSet::new());
        assert_eq!(
            source(dir.path(), "propre", "../secret.html", &warned),
            None
        );
        assert!(!valid_file_name(".hidden.html"));
        assert!(valid_file_name("parts/nav.html"));
    }

    #[test]
    fn every_built_in_template_compiles() {
        let themes = Themes::new("/nonexistent");
        let theme = themes.get(DEFAULT);
        for (name, _) in BUILT_IN.iter().filter(|(n, _)| n.ends_with(".html")) {
            theme
                .env
                .get_template(name)
                .unwrap_or_else(|e| panic!("{name}: {e:#}"));
        }
    }
}
