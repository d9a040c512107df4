//! The `plenum` command line: serve, demo, migrate, schema, config, user.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use migrations::{Migrator, MigratorTrait};

use crate::config::Settings;
use crate::i18n::{Locale, Text};
use crate::service::accounts::{self, NewAccount};
use crate::state::AppState;
use crate::{Application, db, demo, graphql, telemetry, text};

/// Plenum — where assemblies deliberate: discussions, decisions, mandates, meetings and records.
#[derive(Parser)]
#[command(name = "plenum", version, about, long_about = None)]
pub struct Cli {
    /// Configuration file (default: ./plenum.toml when it exists).
    #[arg(long, short, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the server. With no configuration at all, it keeps its data in ./data (SQLite).
    Serve {
        /// Load the demo organisation first, and print how to log in.
        #[arg(long)]
        demo: bool,
    },
    /// Load the demo organisation (a French assembly with its members) and print how to log in.
    Demo,
    /// Apply or undo changes to the database's structure.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Print the GraphQL schema (the API's full description).
    Schema,
    /// Count a ballot file (JSON Lines: a header, then one ballot per line) and print the result.
    Tally {
        /// The ballot file, or - for standard input.
        file: PathBuf,
        /// `json` for programs, `text` for a summary to read aloud.
        #[arg(long, value_enum, default_value_t = TallyFormat::Json)]
        format: TallyFormat,
        /// Set invalid ballots aside (and count them) instead of stopping at the first one.
        #[arg(long)]
        skip_invalid: bool,
        /// Instead of counting, check that the ballot of this receipt (a
        /// secret vote's, kept by its voter) is in the file, as cast: exit 0
        /// and print it, or exit 1 when it is not there.
        #[arg(long, value_name = "RECEIPT")]
        verify: Option<String>,
    },
    /// Rebuild the search index from the database (with the embedded engine, stop the server first).
    Reindex,
    /// Show or check the configuration.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Manage accounts (for server operators).
    User {
        #[command(subcommand)]
        action: UserAction,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum TallyFormat {
    Json,
    Text,
}

#[derive(Subcommand)]
enum MigrateAction {
    /// Apply every pending change (the server also does this when it starts).
    Up,
    /// Undo the most recent changes. Data in the removed tables is lost.
    Down {
        /// How many changes to undo.
        #[arg(long, default_value_t = 1)]
        steps: u32,
    },
    /// List the changes and whether each is applied.
    Status,
}

#[derive(Subcommand)]
enum ConfigAction {
    /// Print a commented configuration file with every setting at its default.
    Example,
    /// Read the configuration and say whether it is valid.
    Check,
}

#[derive(Subcommand)]
enum UserAction {
    /// Create an account. The password is asked for, or read from standard input.
    Create {
        #[arg(long)]
        email: String,
        /// The name others will see.
        #[arg(long)]
        name: String,
        /// Make this account a server operator.
        #[arg(long)]
        operator: bool,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set an account's password and log out all its sessions.
    SetPassword {
        #[arg(long)]
        email: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

/// French help texts, shown when the system language is French.
const FRENCH_HELP: &[(&str, &str)] = &[
    (
        "serve",
        "Démarrer le serveur. Sans aucune configuration, il garde ses données dans ./data (SQLite).",
    ),
    (
        "demo",
        "Charger l'organisation de démonstration (une assemblée et ses membres) et afficher comment se connecter.",
    ),
    (
        "migrate",
        "Appliquer ou annuler des changements de structure de la base de données.",
    ),
    (
        "reindex",
        "Reconstruire l'index de recherche depuis la base de données (avec le moteur intégré, arrêtez d'abord le serveur).",
    ),
    (
        "schema",
        "Afficher le schéma GraphQL (la description complète de l'API).",
    ),
    (
        "tally",
        "Dépouiller un fichier de bulletins (JSON Lines : un en-tête, puis un bulletin par ligne) et afficher le résultat.",
    ),
    ("config", "Afficher ou vérifier la configuration."),
    (
        "user",
        "Gérer les comptes (pour les personnes qui administrent le serveur).",
    ),
];

fn cli_locale() -> Locale {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|var| std::env::var(var).ok().filter(|v| !v.is_empty()))
        .and_then(|v| Locale::parse(&v))
        .unwrap_or(Locale::En)
}

fn say(text: Text) {
    println!("{}", text.in_locale(cli_locale()));
}

fn fail(text: Text, code: u8) -> ExitCode {
    eprintln!("plenum: {}", text.in_locale(cli_locale()));
    ExitCode::from(code)
}

pub fn main() -> ExitCode {
    let mut command = Cli::command();
    if cli_locale() == Locale::Fr {
        command = command.about("Plenum — là où les assemblées délibèrent : discussions, décisions, mandats, réunions et comptes-rendus.");
        for (name, about) in FRENCH_HELP {
            command = command.mut_subcommand(*name, |c| c.about(*about));
        }
    }
    let cli = match Cli::from_arg_matches(&command.get_matches()) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    if let Command::Schema = cli.command {
        print!("{}", graphql::sdl());
        return ExitCode::SUCCESS;
    }
    if let Command::Tally {
        file,
        format,
        skip_invalid,
        verify,
    } = &cli.command
    {
        // Counting needs no configuration, no database and no runtime.
        return match verify {
            Some(receipt) => verify_ballot(file, receipt),
            None => tally(file, *format, *skip_invalid),
        };
    }
    if let Command::Config {
        action: ConfigAction::Example,
    } = cli.command
    {
        print!("{}", crate::config::example_toml());
        return ExitCode::SUCCESS;
    }
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("plenum: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&settings.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("plenum: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(cli.command, settings))
}

async fn run(command: Command, settings: Settings) -> ExitCode {
    match command {
        Command::Serve { demo } => serve(settings, demo).await,
        Command::Demo => {
            with_state(
                settings,
                false,
                |state| async move { load_demo(&state).await },
            )
            .await
        }
        Command::Reindex => {
            with_state(settings, true, |state| async move { reindex(&state).await }).await
        }
        Command::Migrate { action } => migrate(settings, action).await,
        Command::Config {
            action: ConfigAction::Check,
        } => {
            let url = settings.database_url();
            let kind = if url.starts_with("sqlite") {
                "SQLite"
            } else {
                "PostgreSQL"
            };
            let bind = &settings.server.bind;
            say(text!(
                en: "The configuration is valid: listening on {bind}, storing data in {kind}.",
                fr: "La configuration est valide : écoute sur {bind}, données dans {kind}."
            ));
            ExitCode::SUCCESS
        }
        Command::User { action } => {
            with_state(settings, false, |state| async move {
                user(&state, action).await
            })
            .await
        }
        Command::Schema
        | Command::Tally { .. }
        | Command::Config {
            action: ConfigAction::Example,
        } => ExitCode::SUCCESS,
    }
}

async fn serve(settings: Settings, with_demo: bool) -> ExitCode {
    let public_url = settings.public_url();
    let app = match Application::build(settings).await {
        Ok(app) => app,
        Err(e) => {
            return fail(
                text!(en: "cannot start: {e:#}", fr: "démarrage impossible : {e:#}"),
                1,
            );
        }
    };
    if with_demo && load_demo(app.state()).await != ExitCode::SUCCESS {
        return ExitCode::FAILURE;
    }
    let port = app.port();
    tracing::info!(port, "Plenum is listening");
    say(text!(
        en: "Plenum is running: {public_url} (port {port}). GraphQL playground: {public_url}/graphql. Stop with Ctrl-C.",
        fr: "Plenum fonctionne : {public_url} (port {port}). Bac à sable GraphQL : {public_url}/graphql. Arrêt avec Ctrl-C."
    ));
    match app.run_until_stopped().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(
            text!(en: "the server stopped: {e}", fr: "le serveur s'est arrêté : {e}"),
            1,
        ),
    }
}

/// Connects and migrates, then runs `f` with a state (commands that use
/// services); with the search engine when `search`, else without (what the
/// command writes waits in the outbox for the server).
async fn with_state<F, Fut>(settings: Settings, search: bool, f: F) -> ExitCode
where
    F: FnOnce(AppState) -> Fut,
    Fut: std::future::Future<Output = ExitCode>,
{
    let connections = match db::connect(&settings).await {
        Ok(c) => c,
        Err(e) => {
            return fail(
                text!(en: "cannot open the database: {e:#}", fr: "impossible d'ouvrir la base de données : {e:#}"),
                1,
            );
        }
    };
    if let Err(e) = db::migrate(&connections.db).await {
        return fail(
            text!(en: "cannot migrate the database: {e}", fr: "impossible de migrer la base de données : {e}"),
            1,
        );
    }
    let key = match crate::service::proposals::ballot_box::load_key(&settings, &connections.db)
        .await
    {
        Ok(key) => key,
        Err(e) => {
            return fail(
                text!(en: "cannot use the ballot-box key: {e:#}", fr: "impossible d'utiliser la clé de l'urne : {e:#}"),
                1,
            );
        }
    };
    let engine: std::sync::Arc<dyn crate::search::SearchIndex> = if search {
        match crate::search::from_settings(&settings).await {
            Ok(engine) => engine,
            Err(e) => {
                return fail(
                    text!(en: "cannot open the search index: {e:#}", fr: "impossible d'ouvrir l'index de recherche : {e:#}"),
                    1,
                );
            }
        }
    } else {
        std::sync::Arc::new(crate::search::Offline)
    };
    f(AppState::new(
        connections,
        settings,
        crate::events::EventBus::new(),
        engine,
        key,
    ))
    .await
}

/// `plenum reindex`: empties the index and sends it everything again.
async fn reindex(state: &AppState) -> ExitCode {
    let started = std::time::Instant::now();
    let engine = state.search.name();
    match crate::service::search::reindex(state, true).await {
        Ok(n) => {
            let seconds = format!("{:.1}", started.elapsed().as_secs_f64());
            say(text!(
                en: "Search index rebuilt ({engine}): {n} documents in {seconds} s.",
                fr: "Index de recherche reconstruit ({engine}) : {n} documents en {seconds} s."
            ));
            ExitCode::SUCCESS
        }
        Err(e) => fail(
            text!(en: "the reindex failed: {e:#}", fr: "la reconstruction de l'index a échoué : {e:#}"),
            1,
        ),
    }
}

async fn load_demo(state: &AppState) -> ExitCode {
    match demo::load(state).await {
        Ok(credentials) => {
            let (email, password, url) = (
                credentials.admin_email,
                credentials.password,
                state.settings.public_url(),
            );
            say(text!(
                en: "Demo data loaded. Log in as the admin {email} with the password {password} (every demo account uses it). Try it at {url}/graphql.",
                fr: "Données de démonstration chargées. Connectez-vous en administratrice avec {email} et le mot de passe {password} (commun à tous les comptes de démonstration). Essayez sur {url}/graphql."
            ));
            ExitCode::SUCCESS
        }
        Err(e) => report(e),
    }
}

fn report(e: crate::error::AppError) -> ExitCode {
    if let Some(cause) = e.cause() {
        tracing::error!(error = ?cause, "command failed");
    }
    eprintln!("plenum: {}", e.message_in(cli_locale()));
    ExitCode::FAILURE
}

async fn migrate(settings: Settings, action: MigrateAction) -> ExitCode {
    let conn = match db::connect(&settings).await {
        Ok(c) => c.db,
        Err(e) => {
            return fail(
                text!(en: "cannot open the database: {e:#}", fr: "impossible d'ouvrir la base de données : {e:#}"),
                1,
            );
        }
    };
    let result = match action {
        MigrateAction::Up => Migrator::up(&conn, None).await,
        MigrateAction::Down { steps } => Migrator::down(&conn, Some(steps)).await,
        MigrateAction::Status => match Migrator::get_migration_with_status(&conn).await {
            Ok(list) => {
                for m in list {
                    println!("{:<40} {}", m.name(), m.status());
                }
                Ok(())
            }
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(
            text!(en: "migration failed: {e}", fr: "la migration a échoué : {e}"),
            1,
        ),
    }
}

fn read_password(from_stdin: bool) -> Result<String, ExitCode> {
    if from_stdin || !std::io::stdin().is_terminal() {
        let mut line = String::new();
        return match std::io::stdin().lock().read_line(&mut line) {
            Ok(_) => Ok(line.trim_end_matches(['\n', '\r']).to_owned()),
            Err(e) => Err(fail(
                text!(en: "cannot read the password: {e}", fr: "lecture du mot de passe impossible : {e}"),
                2,
            )),
        };
    }
    let prompt = text!(en: "Password (at least 12 characters): ", fr: "Mot de passe (au moins 12 caractères) : ");
    rpassword::prompt_password(prompt.in_locale(cli_locale()))
        .map_err(|e| fail(text!(en: "cannot read the password: {e}", fr: "lecture du mot de passe impossible : {e}"), 2))
}

async fn user(state: &AppState, action: UserAction) -> ExitCode {
    match action {
        UserAction::Create {
            email,
            name,
            operator,
            password_stdin,
        } => {
            let password = match read_password(password_stdin) {
                Ok(p) => p,
                Err(code) => return code,
            };
            let new = NewAccount {
                email,
                password,
                display_name: name,
                locale: None,
                timezone: None,
                handle: None,
                invitation_token: None,
            };
            match accounts::create_by_operator(state, new, operator).await {
                Ok(account) => {
                    let email = account.email;
                    say(text!(en: "Account created for {email}.", fr: "Compte créé pour {email}."));
                    ExitCode::SUCCESS
                }
                Err(e) => report(e),
            }
        }
        UserAction::SetPassword {
            email,
            password_stdin,
        } => {
            let password = match read_password(password_stdin) {
                Ok(p) => p,
                Err(code) => return code,
            };
            match accounts::set_password_by_operator(state, &email, &password).await {
                Ok(account) => {
                    let email = account.email;
                    say(text!(
                        en: "Password changed for {email}; all its sessions were logged out.",
                        fr: "Mot de passe changé pour {email} ; toutes ses sessions ont été fermées."
                    ));
                    ExitCode::SUCCESS
                }
                Err(e) => report(e),
            }
        }
    }
}

/// Opens a ballot file, or standard input for `-`.
fn ballot_file(file: &std::path::Path) -> Result<Box<dyn std::io::BufRead>, ExitCode> {
    if file.as_os_str() == "-" {
        return Ok(Box::new(std::io::stdin().lock()));
    }
    match std::fs::File::open(file) {
        Ok(f) => Ok(Box::new(std::io::BufReader::with_capacity(1 << 16, f))),
        Err(e) => {
            let path = file.display();
            Err(fail(
                text!(en: "cannot open {path}: {e}", fr: "impossible d'ouvrir {path} : {e}"),
                2,
            ))
        }
    }
}

/// `plenum tally --verify RECEIPT FILE`: exit 0 when the receipt's ballot is
/// in the file (printed with its line), 1 when it is not, 2 when the file
/// cannot be read.
fn verify_ballot(file: &std::path::Path, receipt: &str) -> ExitCode {
    use crate::domain::{ballot_box, decision::file};
    let reader = match ballot_file(file) {
        Ok(reader) => reader,
        Err(code) => return code,
    };
    let tracker = ballot_box::tracker(receipt);
    match file::find_tracker(reader, &tracker) {
        Ok(Some((line, ballot))) => {
            let said = match cli_locale() {
                Locale::Fr => format!(
                    "Votre bulletin est compté, ligne {line} (traceur {tracker}) : {ballot}"
                ),
                Locale::En => {
                    format!("Your ballot is counted, line {line} (tracker {tracker}): {ballot}")
                }
            };
            println!("{said}");
            ExitCode::SUCCESS
        }
        Ok(None) => fail(
            text!(
                en: "no ballot with the tracker {tracker} (from this receipt) is in this file",
                fr: "aucun bulletin de ce fichier ne porte le traceur {tracker} (de ce reçu)"
            ),
            1,
        ),
        Err(e) => {
            let (line, message) = (e.line, e.message.in_locale(cli_locale()).to_owned());
            fail(
                text!(en: "line {line}: {message}", fr: "ligne {line} : {message}"),
                2,
            )
        }
    }
}

/// `plenum tally`: exit 0 with the result, 2 when the file cannot be counted.
fn tally(file: &std::path::Path, format: TallyFormat, skip_invalid: bool) -> ExitCode {
    use crate::domain::decision::file;
    let counted = match ballot_file(file) {
        Ok(reader) => file::count(reader, skip_invalid),
        Err(code) => return code,
    };
    match counted {
        Ok(outcome) => {
            match format {
                TallyFormat::Json => match serde_json::to_string_pretty(&outcome) {
                    Ok(json) => println!("{json}"),
                    Err(e) => {
                        return fail(
                            text!(en: "cannot print the result: {e}", fr: "impossible d'afficher le résultat : {e}"),
                            1,
                        );
                    }
                },
                TallyFormat::Text => {
                    let lines = match cli_locale() {
                        Locale::Fr => &outcome.explanation.fr,
                        Locale::En => &outcome.explanation.en,
                    };
                    for line in lines {
                        println!("{line}");
                    }
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            let (line, message) = (e.line, e.message.in_locale(cli_locale()).to_owned());
            fail(
                text!(en: "line {line}: {message}", fr: "ligne {line} : {message}"),
                2,
            )
        }
    }
}
