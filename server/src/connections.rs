//! Accepting connections: HTTP/1.1 served by hyper with a deadline for each
//! request's headers, and a cap on the connections one address holds open.
//!
//! `axum::serve` sets no timer, so hyper's header timeout never applied and a
//! client sending one byte of headers at a time held its connection forever
//! (200 such sockets, and 200 slow bodies, were held for 30 s by the probe).
//! The body and the handling of a request are bounded by a timeout layer of
//! the router ([`crate::app`]); WebSockets by [`crate::graphql::http`].

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tower::ServiceExt;

use crate::config::ServerSettings;

/// Serves `router` on `listener` until `stop` completes, then lets the
/// requests under way finish (WebSockets are closed with the process).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    settings: &ServerSettings,
    stop: impl Future<Output = ()>,
) -> io::Result<()> {
    let header_timeout = Duration::from_secs(settings.header_timeout_seconds);
    let open = Open::new(settings.max_connections_per_address);
    // Each connection holds a receiver: told to stop by it, and done when
    // every one is dropped.
    let (stopping, stopped) = watch::channel(false);
    tokio::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, or the peer gave up: wait a
                    // little rather than spin, as axum::serve does.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let Some(slot) = open.take(peer.ip()) else {
            tracing::debug!(address = %peer.ip(), "too many connections from one address: closed");
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service =
            router
                .clone()
                .map_request(move |mut request: axum::http::Request<Incoming>| {
                    request.extensions_mut().insert(ConnectInfo(peer));
                    request.map(Body::new)
                });
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(header_timeout);
        let io = TokioIo::new(Counted {
            stream,
            _slot: slot,
        });
        let mut stopping = stopping.subscribe();
        tokio::spawn(async move {
            let connection = builder
                .serve_connection(io, TowerToHyperService::new(service))
                .with_upgrades();
            tokio::pin!(connection);
            loop {
                tokio::select! {
                    result = connection.as_mut() => {
                        if let Err(e) = result {
                            tracing::trace!(error = %e, "connection ended");
                        }
                        break;
                    }
                    _ = stopping.changed() => connection.as_mut().graceful_shutdown(),
                }
            }
        });
    }
    drop(listener);
    drop(stopped);
    let _ = stopping.send(true);
    // A request under way has `request_timeout_seconds` to finish.
    let grace = Duration::from_secs(settings.request_timeout_seconds + 1);
    let _ = tokio::time::timeout(grace, stopping.closed()).await;
    Ok(())
}

/// The connections open per address, with their cap (0: none).
#[derive(Clone)]
struct Open {
    per_address: Arc<Mutex<HashMap<IpAddr, usize>>>,
    max: usize,
}

impl Open {
    fn new(max: usize) -> Self {
        Open {
            per_address: Arc::default(),
            max,
        }
    }

    /// A place for one more connection from `address`, if it has room.
    fn take(&self, address: IpAddr) -> Option<Slot> {
        let mut open = self.per_address.lock().unwrap_or_else(|p| p.into_inner());
        let count = open.entry(address).or_insert(0);
        if self.max != 0 && *count >= self.max {
            return None;
        }
        *count += 1;
        Some(Slot {
            open: self.clone(),
            address,
        })
    }
}

/// One open connection, counted until it is dropped.
struct Slot {
    open: Open,
    address: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self
            .open
            .per_address
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(count) = open.get_mut(&self.address) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.address);
            }
        }
    }
}

/// A socket that keeps its slot for as long as it lives — through a
/// WebSocket upgrade too, which hands the socket on.
struct Counted {
    stream: TcpStream,
    _slot: Slot,
}

impl AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_holds_at_most_its_share_of_connections() {
        let open = Open::new(2);
        let here: IpAddr = "127.0.0.1".parse().unwrap();
        let there: IpAddr = "127.0.0.2".parse().unwrap();
        let a = open.take(here).unwrap();
        let _b = open.take(here).unwrap();
        assert!(open.take(here).is_none());
        assert!(
            open.take(there).is_some(),
            "another address is not affected"
        );
        drop(a);
        assert!(
            open.take(here).is_some(),
            "a closed connection frees its place"
        );
        assert!(Open::new(0).take(here).is_some());
    }
}
