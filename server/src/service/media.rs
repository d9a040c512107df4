//! The image proxy: for an organisation that shows remote images
//! (`RemoteImages::Proxied`), Markdown images point at `/media/image`, and
//! Plenum fetches them, so that readers' browsers never contact the image's
//! server. The addresses are signed with a key every process of the
//! deployment shares, so the proxy fetches only what someone wrote in a text;
//! it reaches only the public internet, passes on only raster images of a
//! bounded size, and fetches a bounded number at once.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use quick_cache::Weighter;
use quick_cache::sync::Cache;
use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, ConnectionTrait};
use tokio::sync::{OnceCell, Semaphore};

use crate::config::MediaSettings;
use crate::domain::media::{Signer, image_type, public_address};
use crate::domain::organisation::RemoteImages;
use crate::entity::instance_secret;
use crate::error::{AppError, AppResult};

/// The name of the key that signs the proxy's addresses.
const KEY: &str = "media";

/// Makes the deployment's signing key unless it exists (every process may
/// try at start: the first one's key stays).
pub async fn ensure_key(conn: &impl ConnectionTrait) -> Result<(), DbErr> {
    let row = instance_secret::ActiveModel {
        name: Set(KEY.to_owned()),
        value: Set(Signer::new_key()),
    };
    instance_secret::Entity::insert(row)
        .on_conflict_do_nothing()
        .exec(conn)
        .await?;
    Ok(())
}

/// The signer of the proxy's addresses.
async fn load_signer(conn: &impl ConnectionTrait) -> AppResult<Signer> {
    let row = instance_secret::Entity::find_by_id(KEY.to_owned())
        .one(conn)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("the image proxy's key is missing")))?;
    Signer::from_stored(&row.value).ok_or_else(|| {
        AppError::internal(anyhow::anyhow!(
            "the image proxy's key is not 32 bytes in base64url"
        ))
    })
}

/// The signer to render `source` with, for an organisation that shows remote
/// images through the proxy; none when images stay links (or there is none).
pub async fn proxy_for(
    conn: &impl ConnectionTrait,
    remote_images: RemoteImages,
    source: &str,
) -> AppResult<Option<Signer>> {
    // Every Markdown image, inline or by reference, starts with `![`.
    if remote_images == RemoteImages::Links || !source.contains("![") {
        return Ok(None);
    }
    Ok(Some(load_signer(conn).await?))
}

/// HTML for `source` (Markdown without mentions: records, mandates, bodies),
/// its images shown as `organisation` chose.
pub async fn render(
    conn: &impl ConnectionTrait,
    organisation: &crate::entity::organisation::Model,
    source: &str,
) -> AppResult<String> {
    let proxy = proxy_for(conn, organisation.remote_images, source).await?;
    Ok(crate::domain::markdown::render(
        source,
        &std::collections::HashMap::new(),
        proxy.as_ref(),
    ))
}

/// An image as the proxy passes it on.
#[derive(Clone)]
pub struct Image {
    pub content_type: &'static str,
    pub bytes: Bytes,
}

/// Why the proxy passes nothing on.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The address was not signed by this deployment.
    NotSigned,
    /// The image's server could not be reached, refused, or is not public.
    Unreachable,
    /// What came back is not a raster image.
    NotAnImage,
    /// The image is larger than `media.max_image_bytes`.
    TooLarge,
}

/// The proxy's client, its limits and what it fetched lately.
pub struct Proxy {
    signer: OnceCell<Signer>,
    client: std::sync::OnceLock<Option<reqwest::Client>>,
    timeout: Duration,
    permits: Semaphore,
    cache: Option<Cache<String, Image, Weight>>,
    max_bytes: usize,
    allow_private: bool,
}

#[derive(Clone)]
struct Weight;

impl Weighter<String, Image> for Weight {
    fn weight(&self, url: &String, image: &Image) -> u64 {
        (url.len() + image.bytes.len()) as u64
    }
}

impl Proxy {
    pub fn new(settings: &MediaSettings) -> Self {
        Proxy {
            signer: OnceCell::new(),
            client: std::sync::OnceLock::new(),
            timeout: Duration::from_secs(settings.fetch_timeout_seconds),
            permits: Semaphore::new(settings.max_concurrent_fetches.max(1)),
            cache: (settings.cache_mib > 0)
                .then(|| Cache::with_weighter(256, settings.cache_mib << 20, Weight)),
            max_bytes: settings.max_image_bytes,
            allow_private: settings.allow_private_addresses,
        }
    }

    /// The client, made on the first fetch (not at start: most deployments
    /// never proxy an image); none when it cannot be made, and then nothing
    /// is fetched — never a client without the address filter.
    fn client(&self) -> Option<&reqwest::Client> {
        let allow_private = self.allow_private;
        self.client
            .get_or_init(|| {
                reqwest::Client::builder()
                    .timeout(self.timeout)
                    .connect_timeout(self.timeout)
                    .no_proxy()
                    .user_agent(concat!("Plenum/", env!("CARGO_PKG_VERSION"), " image proxy"))
                    .redirect(reqwest::redirect::Policy::custom(move |attempt| {
                        if attempt.previous().len() >= 3 {
                            attempt.error("too many redirects")
                        } else if reachable(attempt.url(), allow_private) {
                            attempt.follow()
                        } else {
                            attempt.stop()
                        }
                    }))
                    .dns_resolver(Arc::new(PublicResolver { allow_private }))
                    .build()
                    .inspect_err(|e| {
                        tracing::error!(error = %e, "the image proxy's client cannot be made; it fetches nothing");
                    })
                    .ok()
            })
            .as_ref()
    }
}

/// The image at `url` if `signature` is the deployment's, fetched or kept.
pub async fn image(
    state: &crate::state::AppState,
    url: &str,
    signature: &str,
) -> AppResult<Result<Image, Refusal>> {
    let proxy = &state.media;
    let signer = proxy
        .signer
        .get_or_try_init(|| load_signer(&state.db))
        .await?;
    if !signer.verify(url, signature) {
        return Ok(Err(Refusal::NotSigned));
    }
    if let Some(image) = proxy.cache.as_ref().and_then(|c| c.get(url)) {
        return Ok(Ok(image));
    }
    let Ok(_permit) = proxy.permits.acquire().await else {
        return Ok(Err(Refusal::Unreachable));
    };
    let fetched = fetch(proxy, url).await;
    if let (Ok(image), Some(cache)) = (&fetched, &proxy.cache) {
        cache.insert(url.to_owned(), image.clone());
    }
    if let Err(refusal) = &fetched {
        tracing::debug!(?refusal, "image proxy refused an image");
    }
    Ok(fetched)
}

async fn fetch(proxy: &Proxy, url: &str) -> Result<Image, Refusal> {
    let parsed = url::Url::parse(url).map_err(|_| Refusal::Unreachable)?;
    if !reachable(&parsed, proxy.allow_private) {
        return Err(Refusal::Unreachable);
    }
    let client = proxy.client().ok_or(Refusal::Unreachable)?;
    let mut response = client
        .get(parsed)
        .send()
        .await
        .map_err(|_| Refusal::Unreachable)?;
    if !response.status().is_success() {
        return Err(Refusal::Unreachable);
    }
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(image_type)
        .ok_or(Refusal::NotAnImage)?;
    if response
        .content_length()
        .is_some_and(|n| n > proxy.max_bytes as u64)
    {
        return Err(Refusal::TooLarge);
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|_| Refusal::Unreachable)? {
        if bytes.len() + chunk.len() > proxy.max_bytes {
            return Err(Refusal::TooLarge);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Image {
        content_type,
        bytes: Bytes::from(bytes),
    })
}

/// Whether the proxy may ask `url`: `http(s)`, and when its host is an
/// address rather than a name, a public one (names are checked once
/// resolved, by `PublicResolver`).
fn reachable(url: &url::Url, allow_private: bool) -> bool {
    if !matches!(url.scheme(), "http" | "https") {
        return false;
    }
    match url.host() {
        Some(url::Host::Ipv4(ip)) => allow_private || public_address(ip.into()),
        Some(url::Host::Ipv6(ip)) => allow_private || public_address(ip.into()),
        Some(url::Host::Domain(_)) => true,
        None => false,
    }
}

/// Resolves names to their public addresses only, so that a name pointing at
/// the server's own network (or changing to one between two lookups) leads
/// nowhere.
struct PublicResolver {
    allow_private: bool,
}

impl reqwest::dns::Resolve for PublicResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let found = tokio::net::lookup_host((name.as_str(), 0)).await?;
            let kept: Vec<SocketAddr> = found
                .filter(|a| allow_private || public_address(a.ip()))
                .collect();
            if kept.is_empty() {
                return Err("no public address".into());
            }
            Ok(Box::new(kept.into_iter()) as reqwest::dns::Addrs)
        })
    }
}
