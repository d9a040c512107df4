//! Typed configuration: defaults in code, then `plenum.toml`, then `PLENUM_*`
//! environment variables (and `DATABASE_URL`), each overriding the previous.
//!
//! Environment variables name a key with its section and a double underscore:
//! `PLENUM_SERVER__BIND=0.0.0.0:8080`, `PLENUM_ACCOUNTS__OPEN_REGISTRATION=false`.
//! Invalid configuration stops start-up with one line saying which key is wrong.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::i18n::Locale;

/// A secret value (a database URL with its password, an API key): printed as
/// `[redacted]` by `Debug`, so it never reaches a log by accident.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() {
            "\"\""
        } else {
            "[redacted]"
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub graphql: GraphqlSettings,
    pub accounts: AccountSettings,
    pub forum: ForumSettings,
    pub meetings: MeetingSettings,
    pub ballots: BallotSettings,
    pub search: SearchSettings,
    pub outbox: OutboxSettings,
    pub media: MediaSettings,
    pub log: LogSettings,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    pub bind: String,
    pub public_url: String,
    pub data_dir: PathBuf,
    pub themes_dir: PathBuf,
    pub default_locale: Locale,
    pub body_limit_bytes: usize,
    pub trust_forwarded_for: bool,
    pub trusted_proxies: u32,
    pub header_timeout_seconds: u64,
    pub request_timeout_seconds: u64,
    pub max_connections_per_address: usize,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            bind: "127.0.0.1:8080".into(),
            public_url: String::new(),
            data_dir: PathBuf::from("data"),
            themes_dir: PathBuf::from("themes"),
            default_locale: Locale::Fr,
            body_limit_bytes: 1024 * 1024,
            trust_forwarded_for: false,
            trusted_proxies: 1,
            header_timeout_seconds: 10,
            request_timeout_seconds: 30,
            max_connections_per_address: 256,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    pub url: Secret,
    pub max_connections: u32,
    pub busy_timeout_ms: u64,
    pub sqlite_synchronous: SqliteSynchronous,
}

/// When SQLite waits for the disk (PRAGMA synchronous, in WAL mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SqliteSynchronous {
    /// Every commit reaches the disk before it is acknowledged: nothing
    /// acknowledged is lost, even on a power cut.
    Full,
    /// Commits reach the disk at checkpoints: nothing is lost if Plenum
    /// crashes, but a power cut may lose the last commits. Faster writes.
    Normal,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        DatabaseSettings {
            url: Secret::default(),
            max_connections: 10,
            busy_timeout_ms: 5000,
            sqlite_synchronous: SqliteSynchronous::Full,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GraphqlSettings {
    pub playground: bool,
    pub introspection: bool,
    pub max_depth: usize,
    pub max_complexity: usize,
    pub max_aliases: usize,
    pub max_nesting: usize,
    pub max_websockets: usize,
    pub max_subscriptions: usize,
}

impl Default for GraphqlSettings {
    fn default() -> Self {
        GraphqlSettings {
            playground: true,
            introspection: true,
            max_depth: 16,
            max_complexity: 5000,
            max_aliases: 30,
            max_nesting: 40,
            max_websockets: 10_000,
            max_subscriptions: 100,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccountSettings {
    pub open_registration: bool,
    /// A new account waits until its address is confirmed by mail.
    pub confirm_email: bool,
    pub session_days: u32,
    pub invitation_days: u32,
    pub login_max_failures: u32,
    pub login_failure_window_minutes: u32,
    pub address_max_failures: u32,
    pub account_max_failures: u32,
    pub registrations_per_address: u32,
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    /// How long who is asking (their session, account and memberships) is
    /// kept in memory, in seconds (0: read for every request).
    pub cache_seconds: u32,
}

impl Default for AccountSettings {
    fn default() -> Self {
        AccountSettings {
            open_registration: true,
            confirm_email: true,
            session_days: 30,
            invitation_days: 14,
            login_max_failures: 5,
            login_failure_window_minutes: 15,
            address_max_failures: 50,
            account_max_failures: 50,
            registrations_per_address: 20,
            // OWASP's first recommended argon2id setting: 19 MiB, 2 passes.
            argon2_memory_kib: 19 * 1024,
            argon2_iterations: 2,
            cache_seconds: 10,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MeetingSettings {
    /// Hours after a meeting ends by which its minutes are due.
    pub minutes_due_hours: u32,
}

impl Default for MeetingSettings {
    fn default() -> Self {
        MeetingSettings {
            minutes_due_hours: 24,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SearchSettings {
    /// Empty: the embedded engine under `server.data_dir/search`.
    pub meilisearch_url: String,
    pub meilisearch_key: Secret,
    /// The Meilisearch index's uid.
    pub index: String,
    /// Under a stream of writes, the engine takes what changed at most this
    /// often, in milliseconds (many changes per commit, as Elasticsearch's
    /// refresh interval); a change after a quiet moment goes at once.
    pub refresh_ms: u64,
}

impl Default for SearchSettings {
    fn default() -> Self {
        SearchSettings {
            meilisearch_url: String::new(),
            meilisearch_key: Secret::default(),
            index: "plenum".into(),
            refresh_ms: 1000,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BallotSettings {
    /// The ballot-box key (32 bytes in base64url); empty: the file
    /// `ballot-box.key` under `server.data_dir`, made on first start.
    pub key: Secret,
    /// A secret vote's live result moves in steps of at least this many ballots.
    pub live_step: u32,
}

impl Default for BallotSettings {
    fn default() -> Self {
        BallotSettings {
            key: Secret::default(),
            live_step: 10,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutboxSettings {
    /// The first retry's wait, in milliseconds; each next one doubles, up to an hour.
    pub retry_first_ms: u64,
    /// Failed attempts after which a message is set aside.
    pub max_attempts: u32,
    /// How long a worker holds the messages it claimed, in seconds.
    pub lease_seconds: u32,
}

impl Default for OutboxSettings {
    fn default() -> Self {
        OutboxSettings {
            retry_first_ms: 2000,
            max_attempts: 12,
            lease_seconds: 120,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MediaSettings {
    /// Largest image the proxy passes on, in bytes.
    pub max_image_bytes: usize,
    /// How long the proxy waits for an image, in seconds.
    pub fetch_timeout_seconds: u64,
    /// Images fetched at once; more wait their turn.
    pub max_concurrent_fetches: usize,
    /// Memory for images fetched lately, in MiB (0: none).
    pub cache_mib: u64,
    /// Let the proxy reach private and loopback addresses (tests only).
    pub allow_private_addresses: bool,
}

impl Default for MediaSettings {
    fn default() -> Self {
        MediaSettings {
            max_image_bytes: 5 * 1024 * 1024,
            fetch_timeout_seconds: 10,
            max_concurrent_fetches: 16,
            cache_mib: 32,
            allow_private_addresses: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ForumSettings {
    pub max_body_bytes: usize,
    /// Memory for pages of posts read lately, in MiB (0: none).
    pub page_cache_mib: u64,
    /// The longest a discussion's rows are kept in memory, in seconds.
    pub cache_seconds: u32,
}

impl Default for ForumSettings {
    fn default() -> Self {
        ForumSettings {
            max_body_bytes: 64 * 1024,
            page_cache_mib: 64,
            cache_seconds: 300,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    pub format: LogFormat,
    pub filter: String,
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings {
            format: LogFormat::Text,
            filter: "info,sqlx=warn,sea_orm=warn".into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// Why configuration could not be used, in one line.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(String);

impl Settings {
    /// Reads defaults, then `path` (or `./plenum.toml` when it exists), then the environment.
    pub fn load(path: Option<&Path>) -> Result<Settings, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        match path {
            Some(path) if !path.exists() => {
                return Err(ConfigError(format!(
                    "the file {} does not exist",
                    path.display()
                )));
            }
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            None if Path::new("plenum.toml").exists() => {
                figment = figment.merge(Toml::file_exact("plenum.toml"))
            }
            None => {}
        }
        let settings: Settings = figment
            .merge(
                Env::prefixed("PLENUM_")
                    .filter(|key| key.as_str().contains("__"))
                    .split("__"),
            )
            .merge(
                Env::raw()
                    .only(&["DATABASE_URL"])
                    .map(|_| "database.url".into()),
            )
            .extract()
            .map_err(|e| ConfigError(e.to_string()))?;
        settings.check()?;
        Ok(settings)
    }

    fn check(&self) -> Result<(), ConfigError> {
        self.bind_address()?;
        let url = &self.server.public_url;
        if !(url.is_empty() || url.starts_with("http://") || url.starts_with("https://")) {
            return Err(ConfigError(format!(
                "server.public_url `{url}` must start with http:// or https://"
            )));
        }
        let db = self.database.url.expose();
        if !(db.is_empty()
            || db.starts_with("sqlite:")
            || db.starts_with("postgres://")
            || db.starts_with("postgresql://"))
        {
            return Err(ConfigError(
                "database.url must be empty (SQLite under server.data_dir), sqlite:…, or postgres://…".into(),
            ));
        }
        let g = &self.graphql;
        if g.max_nesting < 4 || g.max_depth == 0 || g.max_complexity == 0 {
            return Err(ConfigError(
                "graphql.max_nesting must be at least 4, graphql.max_depth and graphql.max_complexity at least 1".into(),
            ));
        }
        if self.server.header_timeout_seconds == 0 || self.server.request_timeout_seconds == 0 {
            return Err(ConfigError(
                "server.header_timeout_seconds and server.request_timeout_seconds must be at least 1".into(),
            ));
        }
        if self.database.max_connections == 0 {
            return Err(ConfigError(
                "database.max_connections must be at least 1".into(),
            ));
        }
        if self.accounts.argon2_memory_kib < 8 || self.accounts.argon2_iterations == 0 {
            return Err(ConfigError(
                "accounts.argon2_memory_kib must be at least 8 and accounts.argon2_iterations at least 1".into(),
            ));
        }
        if self.ballots.live_step == 0 {
            return Err(ConfigError("ballots.live_step must be at least 1".into()));
        }
        let key = self.ballots.key.expose();
        if !key.is_empty() && crate::domain::ballot_box::BoxKey::from_text(key).is_none() {
            return Err(ConfigError(
                "ballots.key must be 32 bytes in base64 (e.g. from `openssl rand -base64 32`), or empty".into(),
            ));
        }
        if self.accounts.session_days == 0 || self.accounts.invitation_days == 0 {
            return Err(ConfigError(
                "accounts.session_days and accounts.invitation_days must be at least 1".into(),
            ));
        }
        Ok(())
    }

    pub fn bind_address(&self) -> Result<SocketAddr, ConfigError> {
        self.server.bind.parse().map_err(|_| {
            ConfigError(format!(
                "server.bind `{}` is not an address such as 127.0.0.1:8080",
                self.server.bind
            ))
        })
    }

    /// The address people use to reach Plenum, without a trailing slash:
    /// `server.public_url`, or `http://` and the bound address.
    pub fn public_url(&self) -> String {
        let url = self.server.public_url.trim_end_matches('/');
        if url.is_empty() {
            format!("http://{}", self.server.bind)
        } else {
            url.to_owned()
        }
    }

    /// The database to use: `database.url`, or a SQLite file under the data directory.
    pub fn database_url(&self) -> String {
        let url = self.database.url.expose();
        if url.is_empty() {
            format!(
                "sqlite://{}?mode=rwc",
                self.server.data_dir.join("plenum.db").display()
            )
        } else {
            url.to_owned()
        }
    }
}

/// What each key means, in the order `plenum.example.toml` lists them. A key
/// without a line here fails the drift test, so documentation cannot lag.
const DOCS: &[(&str, &str)] = &[
    ("server", "The HTTP server."),
    (
        "server.bind",
        "Address and port to listen on. Use 0.0.0.0:8080 to accept connections from other machines.",
    ),
    (
        "server.public_url",
        "The address people use to reach Plenum; invitation links and cookies are built from it.",
    ),
    (
        "server.data_dir",
        "Where Plenum keeps its files (the SQLite database when database.url is empty).",
    ),
    (
        "server.themes_dir",
        "Where themes of the public pages live: a folder per theme (themes/<name>/); the default theme is built in.",
    ),
    (
        "server.default_locale",
        "Language of messages when neither the account nor the browser says: \"fr\" or \"en\".",
    ),
    (
        "server.body_limit_bytes",
        "Largest request body accepted, in bytes.",
    ),
    (
        "server.trust_forwarded_for",
        "Read the client address from X-Forwarded-For (only behind a reverse proxy you run).",
    ),
    (
        "server.trusted_proxies",
        "With trust_forwarded_for: how many proxies of yours add to X-Forwarded-For. The client address is that many entries from the right; entries further left are written by the client and ignored.",
    ),
    (
        "server.header_timeout_seconds",
        "A connection that has not sent a request's headers within this time is closed, in seconds (so is one idle for that long between requests).",
    ),
    (
        "server.request_timeout_seconds",
        "Longest a request may take, its body included, in seconds; then it is answered 408 (slow senders cannot hold a connection open).",
    ),
    (
        "server.max_connections_per_address",
        "Open connections allowed from one network address, WebSockets included; more are closed at once (0: no limit). Behind a reverse proxy every connection comes from the proxy: raise it, or set 0 and limit at the proxy.",
    ),
    (
        "database",
        "Storage. SQLite needs no set-up; use PostgreSQL for real deployments.",
    ),
    (
        "database.url",
        "Empty for SQLite under server.data_dir, or e.g. postgres://plenum@localhost/plenum. DATABASE_URL overrides it.",
    ),
    ("database.max_connections", "Size of the connection pool."),
    (
        "database.busy_timeout_ms",
        "SQLite only: how long a write waits for another to finish, in milliseconds.",
    ),
    (
        "database.sqlite_synchronous",
        "SQLite only: \"full\" (every commit on disk before it is acknowledged, safe on a power cut) or \"normal\" (faster writes; safe if Plenum crashes, a power cut may lose the last commits).",
    ),
    ("graphql", "The GraphQL API."),
    (
        "graphql.playground",
        "Serve the GraphiQL playground at GET /graphql (it needs introspection).",
    ),
    (
        "graphql.introspection",
        "Answer introspection queries (__schema, __type), as GraphiQL and client generators need; when false, errors stop suggesting field names too. The schema stays public in schema/schema.graphql.",
    ),
    (
        "graphql.max_depth",
        "Deepest nesting of fields a query may have (GraphiQL's own schema query needs 13).",
    ),
    (
        "graphql.max_complexity",
        "Largest cost a query may have: the fields its answer may hold, each connection's page (`first`, else 20) and each plain list (counted as 10) multiplying what is selected under it.",
    ),
    (
        "graphql.max_aliases",
        "Most aliases a query may use (stops one request from asking the same thing a thousand times).",
    ),
    (
        "graphql.max_nesting",
        "Deepest nesting of brackets ({, [, () in a query, and of lists and objects in its variables.",
    ),
    (
        "graphql.max_websockets",
        "Most WebSocket connections (subscriptions) open at once in this process; more are refused with 503.",
    ),
    (
        "graphql.max_subscriptions",
        "Most subscriptions one WebSocket connection may hold at once.",
    ),
    ("accounts", "Accounts, sessions and logging in."),
    (
        "accounts.open_registration",
        "Anyone may create an account; when false, only with an invitation.",
    ),
    (
        "accounts.confirm_email",
        "A new account is created once its owner opens the link mailed to the address (valid 24 hours), and registering answers the same whether or not the address has an account. When false, registering logs in at once and says when an address is taken: only for closed deployments and load tests.",
    ),
    (
        "accounts.session_days",
        "How long a login session lasts, in days.",
    ),
    (
        "accounts.invitation_days",
        "How long an invitation link stays valid, in days.",
    ),
    (
        "accounts.login_max_failures",
        "Failed logins allowed for one account from one network address within the window; then that address waits (the owner elsewhere does not). Also the wrong current passwords allowed when changing a password.",
    ),
    (
        "accounts.login_failure_window_minutes",
        "The window over which failed logins are counted, in minutes.",
    ),
    (
        "accounts.address_max_failures",
        "Failed logins allowed from one network address within the window, whatever the account.",
    ),
    (
        "accounts.account_max_failures",
        "Failed logins allowed for one account from anywhere within the window (slows guessing spread over many addresses).",
    ),
    (
        "accounts.registrations_per_address",
        "Accounts one network address may create within the window.",
    ),
    (
        "accounts.argon2_memory_kib",
        "Memory used to hash one password (argon2id), in KiB.",
    ),
    (
        "accounts.argon2_iterations",
        "Passes of argon2id over that memory.",
    ),
    (
        "accounts.cache_seconds",
        "How long a session, an account and its memberships are kept in memory between requests, in seconds. A change made through Plenum (a logout, a password or a membership changed) applies at once, in every process; one made beside it (`plenum user set-password`, a database edited by hand) within this time. 0: read them for every request.",
    ),
    ("forum", "Discussions."),
    (
        "forum.max_body_bytes",
        "Largest message, in bytes of Markdown.",
    ),
    (
        "forum.page_cache_mib",
        "Memory kept for pages of messages read lately, in MiB; a page is read again once its discussion changes (0: nothing kept, not even the discussions themselves: every read goes to the database).",
    ),
    (
        "forum.cache_seconds",
        "The longest a discussion and its pages are kept in memory, in seconds, even unchanged: the most a change can go unseen in one process if word of it from another process was lost (PostgreSQL's NOTIFY failing). A lost link to the other processes drops everything kept at once.",
    ),
    ("meetings", "Meetings."),
    (
        "meetings.minutes_due_hours",
        "Hours after a meeting ends by which its minutes and decision record are due (then flagged as late).",
    ),
    ("ballots", "Secret ballots."),
    (
        "ballots.key",
        "The key that seals secret ballots while a vote is open (32 random bytes in base64url, e.g. `openssl rand -base64 32`). Empty: the file ballot-box.key under server.data_dir, made on first start. Every process of a deployment needs the same key, and the key must not be kept with the database's backups: whoever holds both can link open ballots to voters. A process started with another key than the database's ballots were sealed with stops at once.",
    ),
    (
        "ballots.live_step",
        "A secret vote whose results show while it is open shows them in steps of at least this many new ballots (and at least a tenth of those already counted), so that watching the figures never reveals one ballot.",
    ),
    ("search", "Full-text search."),
    (
        "search.meilisearch_url",
        "Empty for the embedded engine (files under server.data_dir/search, one server process); or the address of a Meilisearch, e.g. http://127.0.0.1:7700.",
    ),
    (
        "search.meilisearch_key",
        "Meilisearch's API key (its master key, or a key allowed to manage the index).",
    ),
    (
        "search.index",
        "The name (uid) of Plenum's index in Meilisearch.",
    ),
    (
        "search.refresh_ms",
        "While writes keep coming, how often the search engine takes what changed, in milliseconds (a change after a quiet moment is indexed at once). Larger: fewer, bigger commits; 0: every change as soon as it is written.",
    ),
    (
        "outbox",
        "What follows a write (mail, search indexing), delivered after it commits.",
    ),
    (
        "outbox.retry_first_ms",
        "When a delivery fails, how long before the first retry, in milliseconds; each next wait doubles, up to an hour.",
    ),
    (
        "outbox.max_attempts",
        "Failed attempts after which a message is set aside as failed (operators list it with `failedDeliveries` and retry it with `retryDelivery`).",
    ),
    (
        "outbox.lease_seconds",
        "How long a worker holds the messages it claimed: several processes on one database never deliver one twice; a process that dies mid-delivery frees them after this time.",
    ),
    (
        "media",
        "The image proxy, for organisations that show remote images (`remoteImages: PROXIED`): Plenum fetches the image, so readers' browsers never contact its server.",
    ),
    (
        "media.max_image_bytes",
        "Largest image passed on, in bytes (PNG, JPEG, GIF, WebP or AVIF; never SVG).",
    ),
    (
        "media.fetch_timeout_seconds",
        "How long the proxy waits for an image's server, in seconds.",
    ),
    (
        "media.max_concurrent_fetches",
        "Images fetched at once by one process; more wait their turn.",
    ),
    (
        "media.cache_mib",
        "Memory kept for images fetched lately, in MiB (0: every view fetches again; browsers keep them a day).",
    ),
    (
        "media.allow_private_addresses",
        "Let the proxy reach loopback, private and link-local addresses. Off: a text cannot make Plenum reach what only it can reach (the cloud metadata service, the database). For tests only.",
    ),
    ("log", "Logs."),
    (
        "log.format",
        "\"text\" for people, \"json\" for log collectors.",
    ),
    (
        "log.filter",
        "Which logs to keep, in tracing's EnvFilter syntax. RUST_LOG overrides it.",
    ),
];

/// The commented example configuration, generated from the defaults.
pub fn example_toml() -> String {
    let mut out = String::from(
        "# Plenum's configuration, with every key at its default value.\n\
         # Copy to plenum.toml (or pass --config FILE), uncomment what you change.\n\
         # Any key can also be set from the environment: PLENUM_SECTION__KEY=value.\n\
         # Generated by `plenum config example`; a test fails when it drifts.\n",
    );
    let defaults = toml::Value::try_from(Settings::default())
        .unwrap_or(toml::Value::Table(Default::default()));
    let Some(sections) = defaults.as_table() else {
        return out;
    };
    for (path, doc) in DOCS {
        match path.split_once('.') {
            None => out.push_str(&format!("\n# {doc}\n[{path}]\n")),
            Some((section, key)) => {
                let value = sections.get(section).and_then(|s| s.get(key));
                let value = value.map(|v| v.to_string()).unwrap_or_default();
                out.push_str(&format!("# {doc}\n# {key} = {value}\n"));
            }
        }
    }
    out
}

/// Keys of the defaults that have no documentation line (must be empty).
pub fn undocumented_keys() -> Vec<String> {
    let Ok(toml::Value::Table(sections)) = toml::Value::try_from(Settings::default()) else {
        return vec!["<settings do not serialise>".into()];
    };
    let mut missing = Vec::new();
    for (section, keys) in &sections {
        if !DOCS.iter().any(|(p, _)| p == section) {
            missing.push(section.clone());
        }
        if let Some(keys) = keys.as_table() {
            for key in keys.keys() {
                let path = format!("{section}.{key}");
                if !DOCS.iter().any(|(p, _)| *p == path) {
                    missing.push(path);
                }
            }
        }
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_setting_is_documented() {
        assert_eq!(undocumented_keys(), Vec::<String>::new());
    }

    #[test]
    fn the_committed_example_matches_the_defaults() {
        let committed = include_str!("../../plenum.example.toml");
        assert!(
            committed == example_toml(),
            "plenum.example.toml has drifted from the defaults: run `cargo run -p plenum -- config example > plenum.example.toml`"
        );
    }

    #[test]
    fn the_example_uncommented_gives_the_defaults() {
        let uncommented: String = example_toml()
            .lines()
            .filter_map(|l| {
                l.strip_prefix("# ")
                    .filter(|l| l.contains(" = "))
                    .or(l.starts_with('[').then_some(l))
            })
            .map(|l| format!("{l}\n"))
            .collect();
        let parsed: Settings =
            toml::from_str(&uncommented).unwrap_or_else(|e| panic!("{e}\n{uncommented}"));
        assert_eq!(parsed, Settings::default());
    }

    #[test]
    fn secrets_do_not_print() {
        let s = Secret::new("postgres://u:hunter2@db/plenum");
        assert_eq!(format!("{s:?}"), "[redacted]");
    }
}
