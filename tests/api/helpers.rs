//! The test world: a real Plenum on port 0 with its own fresh database, and a
//! client that speaks GraphQL to it.
//!
//! SQLite by default (a file in a temporary folder); PostgreSQL when
//! `PLENUM_TEST_DATABASE_URL` is set, each test creating and dropping its own
//! database on that server.

use plenum::state::AppState;
use plenum::{Application, Settings};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

pub const PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub client: reqwest::Client,
    pub state: AppState,
    /// Where this server keeps its data (a second server may share it).
    pub database_url: String,
    _database: Option<TestDatabase>,
    /// Its data directory (the embedded search index), removed at the end.
    _data: tempfile::TempDir,
}

/// Where a test's data lives; removed when the test ends.
pub enum TestDatabase {
    /// The folder holding the SQLite file, deleted when dropped.
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres {
        admin_url: String,
        name: String,
    },
}

impl TestDatabase {
    /// A new, empty database and the URL to reach it.
    pub async fn create() -> (TestDatabase, String) {
        match std::env::var("PLENUM_TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())
        {
            Some(admin_url) => {
                let name = format!("plenum_test_{}", uuid::Uuid::new_v4().simple());
                let admin = Database::connect(&admin_url)
                    .await
                    .expect("PostgreSQL reachable at PLENUM_TEST_DATABASE_URL");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .expect("create test database");
                admin.close().await.ok();
                let url = with_database(&admin_url, &name);
                (TestDatabase::Postgres { admin_url, name }, url)
            }
            None => {
                let dir = tempfile::tempdir().expect("temporary folder");
                let url = format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join("plenum.db").display()
                );
                (TestDatabase::Sqlite(dir), url)
            }
        }
    }
}

/// The same server URL, naming another database.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let (server, _) = base
        .rsplit_once('/')
        .expect("a PostgreSQL URL with a database name");
    match query {
        Some(q) => format!("{server}/{name}?{q}"),
        None => format!("{server}/{name}"),
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let TestDatabase::Postgres { admin_url, name } = self {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs inside the test's runtime: use a thread with its own.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                runtime.block_on(async {
                    let admin = Database::connect(&admin_url).await.ok()?;
                    admin
                        .execute_unprepared(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .await
                        .ok()?;
                    admin.close().await.ok()
                })
            })
            .join();
        }
    }
}

/// Settings for a test server: port 0, its own database, fast password hashing.
pub fn test_settings(database_url: &str) -> Settings {
    let mut settings = Settings::default();
    settings.server.bind = "127.0.0.1:0".into();
    settings.server.default_locale = plenum::i18n::Locale::En;
    settings.database.url = plenum::config::Secret::new(database_url);
    settings.database.max_connections = 5;
    // Hashing strength is not under test; speed is welcome.
    settings.accounts.argon2_memory_kib = 64;
    settings.accounts.argon2_iterations = 1;
    // Deliveries (search indexing) retried and polled quickly.
    settings.outbox.retry_first_ms = 50;
    settings.search.refresh_ms = 0;
    settings
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let (database, url) = TestDatabase::create().await;
    let mut settings = test_settings(&url);
    configure(&mut settings);
    let mut app = start(settings, url).await;
    app._database = Some(database);
    app
}

async fn start(settings: Settings, database_url: String) -> TestApp {
    start_with_search(settings, database_url, None).await
}

/// A server whose search engine the test holds (to switch it off and on).
pub async fn spawn_app_with_search(
    engine: std::sync::Arc<dyn plenum::search::SearchIndex>,
) -> TestApp {
    let (database, url) = TestDatabase::create().await;
    let settings = test_settings(&url);
    let mut app = start_with_search(settings, url, Some(engine)).await;
    app._database = Some(database);
    app
}

async fn start_with_search(
    mut settings: Settings,
    database_url: String,
    engine: Option<std::sync::Arc<dyn plenum::search::SearchIndex>>,
) -> TestApp {
    let data_dir = tempfile::tempdir().expect("a data folder");
    settings.server.data_dir = data_dir.path().to_owned();
    let app = Application::build_with_search(settings, engine)
        .await
        .expect("the application builds");
    let port = app.port();
    let state = app.state().clone();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        client: reqwest::Client::new(),
        state,
        database_url,
        _database: None,
        _data: data_dir,
    }
}

impl TestApp {
    /// A second server process sharing this one's database, as in a deployment
    /// with several processes behind a load balancer.
    /// Like every process of a deployment, it has the same ballot-box key.
    pub async fn second_server(&self) -> TestApp {
        let mut settings = test_settings(&self.database_url);
        settings.ballots.key = plenum::config::Secret::new(self.state.ballot_key.to_text());
        start(settings, self.database_url.clone()).await
    }
}

impl TestApp {
    /// Sends a GraphQL request, with a bearer token when given.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request
            .send()
            .await
            .expect("request sent")
            .json()
            .await
            .expect("a JSON answer")
    }

    /// Registers an account, confirms its address as its owner would with
    /// the link mailed to it, and returns its session token.
    pub async fn register(&self, email: &str, name: &str) -> String {
        let input =
            json!({ "email": email, "password": PASSWORD, "displayName": name, "locale": "EN" });
        self.register_with(input).await
    }

    /// [`Self::register`] with the whole `RegisterInput`.
    pub async fn register_with(&self, input: Value) -> String {
        let email = input["email"].as_str().expect("an email").to_owned();
        let response = self
            .gql(
                None,
                "mutation($input: RegisterInput!) { register(input: $input) { confirmationSent token } }",
                json!({ "input": input }),
            )
            .await;
        let registered = &data(&response)["register"];
        if let Some(token) = registered["token"].as_str() {
            return token.to_owned();
        }
        assert_eq!(registered["confirmationSent"], true, "{response}");
        let link = self.confirmation_link(&email).await;
        let confirm = "mutation($t: String!) { confirmRegistration(token: $t) { token } }";
        let token = link.rsplit('/').next().unwrap();
        let response = self.gql(None, confirm, json!({ "t": token })).await;
        data(&response)["confirmRegistration"]["token"]
            .as_str()
            .expect("a token")
            .to_owned()
    }

    /// The newest confirmation link mailed to `email` (from the outbox, as
    /// the mail carries it).
    pub async fn confirmation_link(&self, email: &str) -> String {
        use plenum::entity::outbox;
        use plenum::service::outbox::TOPIC_MAIL_CONFIRM_REGISTRATION;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        outbox::Entity::find()
            .filter(outbox::Column::Topic.eq(TOPIC_MAIL_CONFIRM_REGISTRATION))
            .order_by_desc(outbox::Column::Id)
            .all(&self.state.db)
            .await
            .expect("the outbox is readable")
            .into_iter()
            .find(|m| m.payload["to"] == email.to_lowercase())
            .and_then(|m| m.payload["link"].as_str().map(str::to_owned))
            .unwrap_or_else(|| panic!("no confirmation link was mailed to {email}"))
    }

    /// Creates an organisation as `token` and returns its id.
    pub async fn create_organisation(&self, token: &str, slug: &str, mode: &str) -> String {
        let response = self
            .gql(
                Some(token),
                "mutation($input: CreateOrganisationInput!) { createOrganisation(input: $input) { id } }",
                json!({ "input": { "slug": slug, "name": format!("Assemblée {slug}"), "registrationMode": mode } }),
            )
            .await;
        data(&response)["createOrganisation"]["id"]
            .as_str()
            .expect("an id")
            .to_owned()
    }

    /// Invites a newcomer into `organisation` as `inviter`, registers them
    /// with the invitation, and returns (their token, their membership id).
    pub async fn add_member(
        &self,
        inviter: &str,
        organisation: &str,
        who: Newcomer<'_>,
    ) -> (String, String) {
        let invited = self
            .gql(
                Some(inviter),
                "mutation($input: InviteMemberInput!) { inviteMember(input: $input) { link } }",
                json!({ "input": { "organisationId": organisation, "email": who.email, "role": who.role, "standing": who.standing, "goodUntil": who.good_until } }),
            )
            .await;
        let link = data(&invited)["inviteMember"]["link"]
            .as_str()
            .expect("a link")
            .to_owned();
        let token = link
            .rsplit('/')
            .next()
            .expect("a token in the link")
            .to_owned();
        let registered = self
            .gql(
                None,
                "mutation($input: RegisterInput!) { register(input: $input) { token viewer { memberships { nodes { id } } } } }",
                json!({ "input": { "email": who.email, "password": PASSWORD, "displayName": who.name, "locale": "EN", "invitationToken": token } }),
            )
            .await;
        let payload = &data(&registered)["register"];
        (
            payload["token"].as_str().expect("a token").to_owned(),
            payload["viewer"]["memberships"]["nodes"][0]["id"]
                .as_str()
                .expect("a membership")
                .to_owned(),
        )
    }

    /// The account id of the person holding `token`.
    pub async fn account_id(&self, token: &str) -> String {
        let me = self
            .gql(Some(token), "{ viewer { person { id } } }", json!({}))
            .await;
        data(&me)["viewer"]["person"]["id"]
            .as_str()
            .expect("an account id")
            .to_owned()
    }

    /// How many SQL statements the server has run so far.
    pub fn queries(&self) -> u64 {
        self.state.queries.get()
    }

    /// Waits until the outbox worker has delivered everything queued (search
    /// indexing, mail), so that its queries stop landing on the counter.
    pub async fn settle_outbox(&self) {
        use plenum::entity::outbox;
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        eventually(20, async || {
            let waiting = outbox::Entity::find()
                .filter(outbox::Column::DeliveredAt.is_null())
                .count(&self.state.db)
                .await
                .expect("the outbox is readable");
            match waiting {
                0 => Ok(()),
                n => Err(format!("{n} outbox messages still undelivered")),
            }
        })
        .await
    }

    /// What a request costs in SQL statements, with its answer: the least of
    /// three runs, since the outbox worker's own queries (search indexing,
    /// mail) land on the same counter whenever they happen.
    pub async fn cost(&self, token: Option<&str>, query: &str, variables: Value) -> (Value, u64) {
        self.settle_outbox().await;
        let mut least = u64::MAX;
        let mut answer = Value::Null;
        for _ in 0..3 {
            let before = self.queries();
            answer = self.gql(token, query, variables.clone()).await;
            least = least.min(self.queries() - before);
        }
        (answer, least)
    }
}

/// Someone to invite: a member in good standing with no end date unless told otherwise.
pub struct Newcomer<'a> {
    email: &'a str,
    name: &'a str,
    role: &'a str,
    standing: &'a str,
    good_until: Option<&'a str>,
}

impl<'a> Newcomer<'a> {
    pub fn new(email: &'a str, name: &'a str) -> Self {
        Newcomer {
            email,
            name,
            role: "MEMBER",
            standing: "MEMBER",
            good_until: None,
        }
    }
    pub fn role(self, role: &'a str) -> Self {
        Newcomer { role, ..self }
    }
    pub fn supporter(self) -> Self {
        Newcomer {
            standing: "SUPPORTER",
            ..self
        }
    }
    pub fn until(self, date: &'a str) -> Self {
        Newcomer {
            good_until: Some(date),
            ..self
        }
    }
}

/// The `data` of a response that must have succeeded.
pub fn data(response: &Value) -> &Value {
    assert!(
        response.get("errors").is_none_or(Value::is_null),
        "unexpected errors: {response:#}"
    );
    &response["data"]
}

/// The `extensions.code` of the first error of a response that must have failed.
pub fn error_code(response: &Value) -> String {
    response["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an error with a code, got {response:#}"))
        .to_owned()
}

#[test]
fn database_urls_are_rewritten_to_the_test_database() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/test", "t1"),
        "postgres://postgres@127.0.0.1:5432/t1"
    );
    assert_eq!(
        with_database("postgres://u@h/db?sslmode=disable", "t1"),
        "postgres://u@h/t1?sslmode=disable"
    );
}

/// Asks `check` again until it answers `Ok` (what follows asynchronously:
/// indexing, events between processes), for at most `seconds`; then fails
/// with its last complaint.
pub async fn eventually<T, F>(seconds: u64, mut check: impl FnMut() -> F) -> T
where
    F: std::future::Future<Output = Result<T, String>>,
{
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(seconds);
    loop {
        match check().await {
            Ok(done) => return done,
            Err(complaint) => assert!(tokio::time::Instant::now() < deadline, "{complaint}"),
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
