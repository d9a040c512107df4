//! Remote images: links by default; through Plenum's image proxy when an
//! organisation chooses it, and then never loaded by the reader's browser,
//! never fetched from the server's own network, never anything but a raster
//! image of bounded size.

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{Newcomer, TestApp, data, error_code, spawn_app_with};

/// A PNG of one transparent pixel.
const PIXEL: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82,
];

/// An image server: a pixel, a page, a vector image, an image too large, a
/// redirect to the pixel.
async fn image_server() -> MockServer {
    let server = MockServer::start().await;
    let routes: [(&str, ResponseTemplate); 5] = [
        (
            "/pixel.png",
            ResponseTemplate::new(200).set_body_raw(PIXEL, "image/png"),
        ),
        (
            "/page",
            ResponseTemplate::new(200).set_body_raw("<p>hello</p>", "text/html"),
        ),
        (
            "/vector.svg",
            ResponseTemplate::new(200).set_body_raw("<svg onload=\"alert(1)\"/>", "image/svg+xml"),
        ),
        (
            "/big.png",
            ResponseTemplate::new(200).set_body_raw(vec![0u8; 4096], "image/png"),
        ),
        (
            "/moved",
            ResponseTemplate::new(302).insert_header("location", "/pixel.png"),
        ),
    ];
    for (at, response) in routes {
        Mock::given(method("GET"))
            .and(path(at))
            .respond_with(response)
            .mount(&server)
            .await;
    }
    server
}

struct World {
    app: TestApp,
    admin: String,
    member: String,
    org: String,
    space: String,
}

async fn world(allow_private: bool) -> World {
    let app = spawn_app_with(|s| {
        s.media.allow_private_addresses = allow_private;
        s.media.max_image_bytes = 1024;
    })
    .await;
    let admin = app.register("admin@example.org", "Admin").await;
    let org = app.create_organisation(&admin, "images", "OPEN").await;
    let (member, _) = app
        .add_member(&admin, &org, Newcomer::new("member@example.org", "Member"))
        .await;
    let r = app
        .gql(
            Some(&admin),
            "mutation($input: CreateCategoryInput!) { createCategory(input: $input) { id } }",
            json!({ "input": { "organisationId": org, "slug": "general", "name": "General", "visibility": "MEMBERS", "threadRight": "MEMBERS", "replyRight": "MEMBERS" } }),
        )
        .await;
    let space = data(&r)["createCategory"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    World {
        app,
        admin,
        member,
        org,
        space,
    }
}

impl World {
    /// The HTML of a new thread's opening post.
    async fn post(&self, body: &str) -> String {
        let r = self
            .app
            .gql(
                Some(&self.member),
                "mutation($input: StartThreadInput!) { startThread(input: $input) { post { bodyHtml } } }",
                json!({ "input": { "categoryId": self.space, "title": "Affiche", "body": body } }),
            )
            .await;
        data(&r)["startThread"]["post"]["bodyHtml"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn set_remote_images(&self, token: &str, value: &str) -> Value {
        self.app
            .gql(
                Some(token),
                "mutation($id: ID!, $v: RemoteImages!) { updateOrganisation(id: $id, input: { remoteImages: $v }) { remoteImages } }",
                json!({ "id": self.org, "v": value }),
            )
            .await
    }

    /// What the proxy answers at `src` (as written in the HTML).
    async fn fetch(&self, src: &str) -> reqwest::Response {
        self.app
            .client
            .get(format!("{}{}", self.app.address, src.replace("&amp;", "&")))
            .send()
            .await
            .unwrap()
    }
}

/// The `src` of every image in `html`.
fn sources(html: &str) -> Vec<String> {
    html.split("<img ")
        .skip(1)
        .filter_map(|tag| tag.split("src=\"").nth(1))
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn images_are_links_until_the_organisation_shows_them_through_the_proxy() {
    let w = world(true).await;
    let images = image_server().await;
    let pixel = format!("{}/pixel.png", images.uri());
    let body = format!("Voici l'affiche : ![Affiche de l'AG]({pixel})");

    let html = w.post(&body).await;
    assert!(!html.contains("<img"), "{html}");
    assert!(html.contains(&format!("<a href=\"{pixel}\"")), "{html}");
    let r = w
        .app
        .gql(
            Some(&w.member),
            "query($s: String!) { organisation(slug: $s) { remoteImages } }",
            json!({ "s": "images" }),
        )
        .await;
    assert_eq!(data(&r)["organisation"]["remoteImages"], "LINKS");

    let refused = w.set_remote_images(&w.member, "PROXIED").await;
    assert_eq!(error_code(&refused), "FORBIDDEN", "{refused}");
    let r = w.set_remote_images(&w.admin, "PROXIED").await;
    assert_eq!(data(&r)["updateOrganisation"]["remoteImages"], "PROXIED");

    let html = w.post(&body).await;
    let srcs = sources(&html);
    assert_eq!(srcs.len(), 1, "{html}");
    assert!(srcs[0].starts_with("/media/image?u="), "{html}");
    assert!(html.contains("alt=\"Affiche de l'AG\""), "{html}");
    assert!(!html.contains(&format!("src=\"{pixel}")), "{html}");
    assert!(
        images.received_requests().await.unwrap().is_empty(),
        "writing fetches nothing"
    );

    let answer = w.fetch(&srcs[0]).await;
    assert_eq!(answer.status(), 200);
    let headers = answer.headers().clone();
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    assert_eq!(answer.bytes().await.unwrap().as_ref(), PIXEL);
    let asked = images.received_requests().await.unwrap();
    assert_eq!(asked.len(), 1);
    for header in ["cookie", "authorization", "referer"] {
        assert!(!asked[0].headers.contains_key(header), "{header} passed on");
    }
    // Kept: a second view asks the image's server nothing.
    assert_eq!(w.fetch(&srcs[0]).await.status(), 200);
    assert_eq!(images.received_requests().await.unwrap().len(), 1);

    // Back to links: new texts link again.
    w.set_remote_images(&w.admin, "LINKS").await;
    assert!(!w.post(&body).await.contains("<img"));
}

#[tokio::test]
async fn the_proxy_fetches_only_signed_addresses_and_passes_on_only_small_raster_images() {
    let w = world(true).await;
    w.set_remote_images(&w.admin, "PROXIED").await;
    let images = image_server().await;
    let base = images.uri();
    let html = w
        .post(&format!(
            "![a]({base}/pixel.png) ![b]({base}/page) ![c]({base}/vector.svg) ![d]({base}/big.png) ![e]({base}/moved) ![f]({base}/missing.png)"
        ))
        .await;
    let srcs = sources(&html);
    assert_eq!(srcs.len(), 6, "{html}");
    let mut statuses = Vec::new();
    for src in &srcs {
        statuses.push(w.fetch(src).await.status().as_u16());
    }
    assert_eq!(statuses, [200, 415, 415, 413, 200, 502]);

    // Tampered: another address under the pixel's signature, a changed
    // signature, none, or one of a different length.
    let pixel = srcs[0].replace("&amp;", "&");
    let (address, signature) = pixel.split_once("&s=").unwrap();
    let forged = [
        format!("/media/image?u=http%3A%2F%2F127.0.0.1%3A5432%2F&s={signature}"),
        format!("{address}&s={}", "0".repeat(signature.len())),
        format!("{address}&s="),
        format!("{address}&s={signature}00"),
        address.to_owned(),
        "/media/image".to_owned(),
    ];
    let before = images.received_requests().await.unwrap().len();
    for src in forged {
        let status = w.fetch(&src).await.status().as_u16();
        assert!(status == 404 || status == 400, "{src}: {status}");
    }
    assert_eq!(images.received_requests().await.unwrap().len(), before);
}

#[tokio::test]
async fn the_proxy_never_reaches_the_servers_own_network() {
    let w = world(false).await;
    w.set_remote_images(&w.admin, "PROXIED").await;
    let images = image_server().await;
    let port = images.address().port();
    let html = w
        .post(&format!(
            "![a](http://127.0.0.1:{port}/pixel.png) ![b](http://localhost:{port}/pixel.png) ![c](http://[::1]:{port}/pixel.png) ![d](http://169.254.169.254/latest/meta-data/)"
        ))
        .await;
    let srcs = sources(&html);
    assert_eq!(srcs.len(), 4, "{html}");
    for src in &srcs {
        assert_eq!(w.fetch(src).await.status(), 502, "{src}");
    }
    assert!(images.received_requests().await.unwrap().is_empty());
}
