//! The image proxy's rules: which addresses it signs, which it fetches, and
//! what it passes on. An organisation that shows remote images
//! (`RemoteImages::Proxied`) has them fetched by Plenum, so the reader's
//! browser never contacts the image's server; the address a text links to
//! is signed, so the proxy fetches only what someone wrote in a text.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Where the proxy answers, relative to the server (as mention links are).
pub const PATH: &str = "/media/image";

/// The kinds of image the proxy passes on. No SVG: it can carry scripts and
/// load further resources.
pub const IMAGE_TYPES: [&str; 5] = [
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/avif",
];

/// Signs and checks the addresses the proxy fetches, with the deployment's key.
#[derive(Clone)]
pub struct Signer {
    key: [u8; 32],
}

impl Signer {
    pub fn new(key: [u8; 32]) -> Self {
        Signer { key }
    }

    /// A new random key, written as it is stored (base64url, as tokens are).
    pub fn new_key() -> String {
        URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
    }

    /// A signer of the key written as it is stored.
    pub fn from_stored(key: &str) -> Option<Self> {
        Some(Signer::new(
            URL_SAFE_NO_PAD.decode(key).ok()?.try_into().ok()?,
        ))
    }

    /// The proxy's address for the image at `url`, or none when `url` is not
    /// an absolute `http(s)` address (such an image stays a link).
    pub fn proxied(&self, url: &str) -> Option<String> {
        let parsed = url::Url::parse(url).ok()?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
            return None;
        }
        let address: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("u", url)
            .append_pair("s", &self.signature(url))
            .finish();
        Some(format!("{PATH}?{address}"))
    }

    /// Whether `signature` is this key's signature of `url` (in constant time).
    pub fn verify(&self, url: &str, signature: &str) -> bool {
        URL_SAFE_NO_PAD.decode(signature).is_ok_and(|bytes| {
            bytes.len() == SIGNATURE_BYTES && self.mac(url).verify_truncated_left(&bytes).is_ok()
        })
    }

    fn signature(&self, url: &str) -> String {
        URL_SAFE_NO_PAD.encode(&self.mac(url).finalize().into_bytes()[..SIGNATURE_BYTES])
    }

    fn mac(&self, url: &str) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
        mac.update(url.as_bytes());
        mac
    }
}

/// 128 bits of HMAC-SHA-256: plenty against forgery, short in an address.
const SIGNATURE_BYTES: usize = 16;

/// Whether the proxy may connect to `ip`: only addresses of the public
/// internet, never the server's own network (loopback, private, link-local,
/// carrier-grade NAT, documentation, multicast and reserved ranges), so that
/// a text cannot make Plenum reach what only it can reach.
pub fn public_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => public_v4(v4),
            None => public_v6(v6),
        },
    }
}

fn public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0
        || a >= 240
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (18..20).contains(&b)))
}

fn public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || first == 0x2001 && ip.segments()[1] == 0x0db8
        || first == 0x0064 && ip.segments()[1] == 0xff9b)
}

/// The image type of a `Content-Type` header, when the proxy passes it on.
pub fn image_type(content_type: &str) -> Option<&'static str> {
    let essence = content_type.split(';').next()?.trim().to_ascii_lowercase();
    IMAGE_TYPES.into_iter().find(|t| *t == essence)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> Signer {
        Signer::new([7; 32])
    }

    fn query_of(address: &str) -> (String, String) {
        let query = address.strip_prefix("/media/image?").unwrap();
        let pairs: std::collections::HashMap<String, String> =
            url::form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect();
        (pairs["u"].clone(), pairs["s"].clone())
    }

    #[test]
    fn a_signed_address_verifies_and_nothing_else_does() {
        let url = "https://example.org/a b.png?x=1&y=2";
        let address = signer().proxied(url).unwrap();
        let (u, s) = query_of(&address);
        assert_eq!(u, url);
        assert!(signer().verify(&u, &s));
        assert!(!signer().verify("https://example.org/other.png", &s));
        assert!(!Signer::new([8; 32]).verify(&u, &s));
        assert!(!signer().verify(&u, &s[..s.len() - 2]), "truncated");
        assert!(!signer().verify(&u, ""), "empty");
        assert!(!signer().verify(&u, "z!"), "not base64");
        assert!(!signer().verify(&u, &format!("{s}00")), "too long");
        assert!(!signer().verify(&u, "é"), "not ascii");
    }

    #[test]
    fn only_absolute_web_addresses_are_proxied() {
        for url in [
            "/relative.png",
            "data:image/png;base64,AAAA",
            "javascript:alert(1)",
            "file:///etc/passwd",
            "ftp://example.org/a.png",
            "",
        ] {
            assert_eq!(signer().proxied(url), None, "{url}");
        }
        assert!(signer().proxied("http://example.org/a.png").is_some());
    }

    #[test]
    fn the_proxy_reaches_only_the_public_internet() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "240.0.0.1",
            "192.0.0.8",
            "198.18.0.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "2001:db8::1",
            "64:ff9b::7f00:1",
            "ff02::1",
        ] {
            assert!(!public_address(ip.parse().unwrap()), "{ip} is not public");
        }
        for ip in [
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(public_address(ip.parse().unwrap()), "{ip} is public");
        }
    }

    #[test]
    fn only_raster_images_pass() {
        assert_eq!(image_type("image/PNG; charset=binary"), Some("image/png"));
        assert_eq!(image_type("image/jpeg"), Some("image/jpeg"));
        for other in ["image/svg+xml", "text/html", "application/octet-stream", ""] {
            assert_eq!(image_type(other), None, "{other}");
        }
    }
}
