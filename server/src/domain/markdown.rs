//! Markdown for posts: CommonMark with tables, strikethrough, task lists and
//! bare-URL links (pulldown-cmark), `@handle` mentions of the organisation's
//! members, and HTML sanitised by ammonia — no scripts, no event attributes,
//! no `javascript:` or `data:` URLs, every link `rel="nofollow ugc noopener"`.
//! Rendered once, when a post is written; the source is kept beside it.

use std::collections::HashMap;
use std::sync::LazyLock;

use pulldown_cmark::{CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};

/// Handles mentioned in `source`, outside code and links, in order, once each.
pub fn mentioned_handles(source: &str) -> Vec<String> {
    let mut handles: Vec<String> = Vec::new();
    for_each_plain_text(source, |text| {
        for piece in split(text) {
            if let Piece::Mention(handle) = piece {
                let handle = handle.to_lowercase();
                if !handles.contains(&handle) {
                    handles.push(handle);
                }
            }
        }
    });
    handles
}

/// Sanitised HTML for `source`. `members` maps the handles that are members of
/// the organisation to the address of their profile; other `@words` stay text.
///
/// Without `proxy`, images are links to the image, labelled with their
/// description: an image loaded from elsewhere tells its server who reads the
/// post and when (a tracking pixel), so a reader opens it only by choice.
/// With `proxy` (`RemoteImages::Proxied`), an image is shown from the image
/// proxy's signed address, and the reader's browser never contacts its server.
pub fn render(
    source: &str,
    members: &HashMap<String, String>,
    proxy: Option<&crate::domain::media::Signer>,
) -> String {
    let mut code = 0usize;
    let mut link = 0usize;
    // Per open image: its address, and how it is shown.
    let mut images: Vec<(CowStr<'_>, Shown)> = Vec::new();
    let mut events: Vec<Event<'_>> = Vec::new();
    for event in Parser::new_ext(source, options()) {
        match &event {
            Event::Start(Tag::CodeBlock(_)) => code += 1,
            Event::End(TagEnd::CodeBlock) => code = code.saturating_sub(1),
            Event::Start(Tag::Link { .. }) => link += 1,
            Event::End(TagEnd::Link) => link = link.saturating_sub(1),
            _ => {}
        }
        match event {
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                if let Some(src) = proxy.and_then(|p| p.proxied(&dest_url)) {
                    events.push(Event::Start(Tag::Image {
                        link_type,
                        dest_url: CowStr::from(src),
                        title,
                        id,
                    }));
                    images.push((dest_url, Shown::Image));
                    link += 1;
                    continue;
                }
                // Inside a link, the description alone (no link in a link).
                let as_link = link == 0;
                if as_link {
                    events.push(Event::Start(Tag::Link {
                        link_type: LinkType::Inline,
                        dest_url: dest_url.clone(),
                        title,
                        id,
                    }));
                }
                images.push((dest_url, if as_link { Shown::Link } else { Shown::Label }));
                link += 1;
                events.push(Event::Text(CowStr::Borrowed("🖼 ")));
            }
            Event::End(TagEnd::Image) => {
                link = link.saturating_sub(1);
                let Some((url, shown)) = images.pop() else {
                    continue;
                };
                if shown == Shown::Image {
                    events.push(Event::End(TagEnd::Image));
                    continue;
                }
                // No description: the address says what it is.
                if matches!(events.last(), Some(Event::Text(t)) if t.as_ref() == "🖼 ") {
                    events.push(Event::Text(url));
                }
                if shown == Shown::Link {
                    events.push(Event::End(TagEnd::Link));
                }
            }
            Event::Text(text) if code == 0 && link == 0 => linkify(text, members, &mut events),
            other => events.push(other),
        }
    }
    let mut html = String::with_capacity(source.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    let sanitiser = if proxy.is_some() {
        &PROXIED_SANITISER
    } else {
        &SANITISER
    };
    sanitiser.clean(&html).to_string()
}

/// How an image of the source is shown.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shown {
    /// A link « 🖼 description » to the image.
    Link,
    /// Its description alone (inside a link already).
    Label,
    /// The image itself, from the image proxy.
    Image,
}

/// The words of `source` without markup, for search: text, code and link
/// texts, blocks separated by a line break.
pub fn plain_text(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    for event in Parser::new_ext(source, options()) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::TableCell
                | TagEnd::CodeBlock,
            ) => out.push('\n'),
            _ => {}
        }
    }
    out
}

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

/// Raw HTML images would load from elsewhere: dropped (see `render`).
static SANITISER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = sanitiser();
    builder.rm_tags(["img"]);
    builder
});

/// Images only from the image proxy: an `img` whose address is anything else
/// loses it (and shows its description, if any).
static PROXIED_SANITISER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = sanitiser();
    builder
        .add_tag_attributes("img", ["loading"])
        .attribute_filter(|element, attribute, value| {
            let proxied = value
                .strip_prefix(crate::domain::media::PATH)
                .is_some_and(|query| query.starts_with('?'));
            match (element, attribute) {
                ("img", "src") if !proxied => None,
                _ => Some(value.into()),
            }
        });
    builder
});

fn sanitiser() -> ammonia::Builder<'static> {
    let mut builder = ammonia::Builder::default();
    builder
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .rm_tags(["picture", "source", "video", "audio", "track"])
        .link_rel(Some("nofollow ugc noopener"))
        .add_tags(["input"])
        .add_tag_attributes("input", ["checked", "disabled"])
        .add_tag_attribute_values("input", "type", ["checkbox"])
        .add_allowed_classes("a", ["mention"]);
    builder
}

/// Calls `f` with every piece of plain text (not code, not inside a link).
fn for_each_plain_text(source: &str, mut f: impl FnMut(&str)) {
    let (mut code, mut link) = (0usize, 0usize);
    for event in Parser::new_ext(source, options()) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => code += 1,
            Event::End(TagEnd::CodeBlock) => code = code.saturating_sub(1),
            Event::Start(Tag::Link { .. }) => link += 1,
            Event::End(TagEnd::Link) => link = link.saturating_sub(1),
            Event::Text(text) if code == 0 && link == 0 => f(&text),
            _ => {}
        }
    }
}

enum Piece<'a> {
    Text(&'a str),
    Url(&'a str),
    Mention(&'a str),
}

/// Splits text into plain runs, bare `http(s)://` URLs and `@handle` mentions.
fn split(text: &str) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut i = 0;
    let bytes = text.as_bytes();
    while i < bytes.len() {
        let at_word_start =
            i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        let rest = &text[i..];
        if at_word_start && (rest.starts_with("https://") || rest.starts_with("http://")) {
            let end = url_end(rest);
            if end > rest.find("://").map_or(0, |p| p + 3) {
                pieces.push(Piece::Text(&text[start..i]));
                pieces.push(Piece::Url(&rest[..end]));
                i += end;
                start = i;
                continue;
            }
        }
        if bytes[i] == b'@' && at_word_start {
            let len = rest[1..]
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
                .count();
            let len = rest[1..1 + len].trim_end_matches('.').len();
            if (2..=32).contains(&len) {
                pieces.push(Piece::Text(&text[start..i]));
                pieces.push(Piece::Mention(&rest[1..1 + len]));
                i += 1 + len;
                start = i;
                continue;
            }
        }
        i += rest.chars().next().map_or(1, char::len_utf8);
    }
    pieces.push(Piece::Text(&text[start..]));
    pieces
}

/// Where a bare URL ends: at white space or `<`, without trailing punctuation
/// (a closing parenthesis stays when the URL opened one).
fn url_end(rest: &str) -> usize {
    let mut end = rest
        .find(|c: char| c.is_whitespace() || c == '<')
        .unwrap_or(rest.len());
    loop {
        let url = &rest[..end];
        let Some(last) = url.chars().last() else {
            return end;
        };
        let unbalanced = last == ')' && url.matches('(').count() < url.matches(')').count();
        if matches!(last, '.' | ',' | ';' | ':' | '!' | '?' | '"' | '\'') || unbalanced {
            end -= last.len_utf8();
        } else {
            return end;
        }
    }
}

fn linkify<'a>(text: CowStr<'a>, members: &HashMap<String, String>, out: &mut Vec<Event<'a>>) {
    let owned = text.to_string();
    let pieces = split(&owned);
    if pieces.len() == 1 {
        out.push(Event::Text(text));
        return;
    }
    for piece in pieces {
        match piece {
            Piece::Text("") => {}
            Piece::Text(t) => out.push(Event::Text(CowStr::from(t.to_owned()))),
            Piece::Url(url) => push_link(out, url.to_owned(), url.to_owned(), false),
            Piece::Mention(handle) => match members.get(&handle.to_lowercase()) {
                Some(href) => push_link(out, href.clone(), format!("@{handle}"), true),
                None => out.push(Event::Text(CowStr::from(format!("@{handle}")))),
            },
        }
    }
}

fn push_link<'a>(out: &mut Vec<Event<'a>>, href: String, label: String, mention: bool) {
    if mention {
        // The class survives sanitising (it is allowed on links, and only this one).
        out.push(Event::InlineHtml(CowStr::from(format!(
            "<a class=\"mention\" href=\"{}\">",
            escape(&href)
        ))));
        out.push(Event::Text(CowStr::from(label)));
        out.push(Event::InlineHtml(CowStr::from("</a>")));
    } else {
        out.push(Event::Start(Tag::Link {
            link_type: LinkType::Autolink,
            dest_url: CowStr::from(href),
            title: CowStr::from(""),
            id: CowStr::from(""),
        }));
        out.push(Event::Text(CowStr::from(label)));
        out.push(Event::End(TagEnd::Link));
    }
}

fn escape(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members() -> HashMap<String, String> {
        HashMap::from([("camille".to_owned(), "/o/ag/members/camille".to_owned())])
    }

    #[test]
    fn markdown_features_render() {
        let html = render(
            "| a | b |\n|---|---|\n| 1 | 2 |\n\n~~non~~ **oui**\n\n- [x] fait\n- [ ] à faire\n",
            &members(),
            None,
        );
        assert!(html.contains("<table>"), "{html}");
        assert!(html.contains("<del>non</del>"));
        assert!(html.contains("<strong>oui</strong>"));
        assert!(html.contains("type=\"checkbox\""), "{html}");
    }

    #[test]
    fn bare_urls_become_safe_links() {
        let html = render(
            "Voir https://exemple.fr/compte-rendu.pdf.",
            &members(),
            None,
        );
        assert!(
            html.contains(
                "<a href=\"https://exemple.fr/compte-rendu.pdf\" rel=\"nofollow ugc noopener\">"
            ),
            "{html}"
        );
        assert!(html.ends_with(".</p>\n"), "{html}");
    }

    #[test]
    fn mentions_of_members_link_and_others_stay_text() {
        let html = render(
            "Merci @Camille et @inconnu, écrire à a@b.fr",
            &members(),
            None,
        );
        assert!(html.contains("<a class=\"mention\" href=\"/o/ag/members/camille\" rel=\"nofollow ugc noopener\">@Camille</a>"), "{html}");
        assert!(html.contains("@inconnu"));
        assert!(!html.contains("class=\"mention\" href=\"/o/ag/members/b"));
        assert_eq!(
            mentioned_handles("@camille @Lea `@code` [@lien](https://x.fr) @camille"),
            vec!["camille", "lea"]
        );
    }

    #[test]
    fn remote_images_are_links_and_never_load() {
        let html = render(
            "![Affiche de l'AG](https://evil.example/pixel.png \"AG\") et ![](https://evil.example/p2)\n\n<img src=\"https://evil.example/raw\">\n\n[![logo](https://evil.example/logo)](https://exemple.fr)",
            &members(),
            None,
        );
        assert!(!html.contains("<img"), "{html}");
        assert!(
            html.contains("<a href=\"https://evil.example/pixel.png\" title=\"AG\" rel=\"nofollow ugc noopener\">🖼 Affiche de l'AG</a>"),
            "{html}"
        );
        assert!(
            html.contains(">🖼 https://evil.example/p2</a>"),
            "an image without description shows its address: {html}"
        );
        assert!(!html.contains("evil.example/raw"), "{html}");
        assert!(
            html.contains(
                "<a href=\"https://exemple.fr\" rel=\"nofollow ugc noopener\">🖼 logo</a>"
            ),
            "an image in a link is its description: {html}"
        );
    }

    #[test]
    fn proxied_images_load_from_the_proxy_alone() {
        let signer = crate::domain::media::Signer::new([3; 32]);
        let html = render(
            "![Affiche](https://img.example/a.png \"AG\") ![rel](/local.png)\n\n<img src=\"https://evil.example/raw\" alt=\"brut\">\n\n<img src=\"/media/imagex\">\n\n[![logo](https://img.example/logo.png)](https://exemple.fr)",
            &members(),
            Some(&signer),
        );
        let src = signer.proxied("https://img.example/a.png").unwrap();
        assert!(
            html.contains(&format!(
                "<img src=\"{}\" alt=\"Affiche\" title=\"AG\">",
                src.replace('&', "&amp;")
            )),
            "{html}"
        );
        assert!(
            html.contains(">🖼 rel</a>"),
            "a relative image stays a link: {html}"
        );
        assert!(!html.contains("evil.example"), "{html}");
        assert!(!html.contains("/media/imagex"), "{html}");
        assert!(
            html.contains("<a href=\"https://exemple.fr\" rel=\"nofollow ugc noopener\"><img src=\"/media/image?"),
            "an image in a link stays an image: {html}"
        );
        assert_eq!(
            html.matches("<img").count(),
            4,
            "two proxied, two raw ones without address: {html}"
        );
        for img in html.split("<img").skip(1) {
            let src = img
                .split("src=\"")
                .nth(1)
                .map(|s| s.split('"').next().unwrap());
            assert!(
                src.is_none_or(|s| s.starts_with("/media/image?")),
                "{src:?} in {html}"
            );
        }
    }

    #[test]
    fn the_xss_corpus_comes_out_inert() {
        let corpus = include_str!("../../tests/data/xss-corpus.txt");
        let signer = crate::domain::media::Signer::new([3; 32]);
        for proxy in [None, Some(&signer)] {
            for (n, vector) in corpus.split("\n----\n").enumerate() {
                let html = render(vector, &members(), proxy);
                if let Some(problem) = dangerous(&html) {
                    panic!("vector {n}: {problem}\n{vector}\n=>\n{html}");
                }
                for img in html.split("<img").skip(1) {
                    let tag = img.split('>').next().unwrap_or_default();
                    assert!(
                        !tag.contains("src=") || tag.contains("src=\"/media/image?"),
                        "vector {n}: an image from elsewhere: {html}"
                    );
                }
            }
        }
    }

    /// What would run or load in a browser. Text is escaped by the renderer
    /// (a literal `<` is `&lt;`), so every `<` opens a real tag: only tags
    /// and their attributes are inspected.
    fn dangerous(html: &str) -> Option<String> {
        const TAGS: &[&str] = &[
            "script", "iframe", "object", "embed", "form", "style", "meta", "link", "base", "svg",
            "math", "body", "frame", "frameset", "button", "textarea", "select",
        ];
        for tag in html.split('<').skip(1) {
            let tag = tag.split('>').next().unwrap_or_default().to_lowercase();
            let name = tag
                .trim_start_matches('/')
                .split(|c: char| c.is_whitespace() || c == '/')
                .next()
                .unwrap_or_default();
            if TAGS.contains(&name) {
                return Some(format!("tag <{name}> survived"));
            }
            for attribute in tag.split_whitespace().skip(1) {
                let (key, value) = attribute.split_once('=').unwrap_or((attribute, ""));
                let value = value.trim_matches(|c| c == '"' || c == '\'');
                if key.starts_with("on")
                    || matches!(
                        key,
                        "style" | "srcdoc" | "formaction" | "background" | "xlink:href"
                    )
                {
                    return Some(format!("attribute {key} survived"));
                }
                if ["javascript:", "vbscript:", "data:"]
                    .iter()
                    .any(|s| value.trim_start().starts_with(s))
                {
                    return Some(format!("{key}={value} survived"));
                }
                if name == "input" && key == "type" && value != "checkbox" {
                    return Some(format!("input type {value}"));
                }
            }
        }
        None
    }
}
