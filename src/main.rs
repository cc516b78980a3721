//! The `fedisec` command line: registration, checks, the Space, and the bot.

use clap::{Parser, Subcommand};
use fedisec::clock::Clock;
use fedisec::config::{Config, Setup};
use fedisec::i18n::{self, Locale};
use fedisec::matrix::as_api::AsApi;
use fedisec::matrix::space_sync;
use fedisec::registration::{self, Registration};
use fedisec::store::Store;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "fedisec", version, about = "Matrix appservice bot for a Fediverse security-sharing community")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Write a commented config.toml and rooms.toml to start from.
    Init {
        /// Directory to write into.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        #[arg(long, default_value = "http://127.0.0.1:8008")]
        homeserver_url: String,
        #[arg(long, default_value = "localhost")]
        server_name: String,
        #[arg(long, default_value = "127.0.0.1:9009")]
        listen: String,
        /// Matrix ID of an admin (repeatable).
        #[arg(long = "admin")]
        admins: Vec<String>,
    },
    /// Write registration.yaml for Synapse and print the homeserver.yaml lines.
    Registration {
        #[arg(long, default_value = "config.toml")]
        config: PathBuf,
        /// Replace the tokens (Synapse must be restarted afterwards).
        #[arg(long)]
        rotate: bool,
    },
    /// Validate config.toml, rooms.toml and registration.yaml.
    Check {
        #[arg(long, default_value = "config.toml")]
        config: PathBuf,
    },
    /// Run the bot.
    Run {
        #[arg(long, default_value = "config.toml")]
        config: PathBuf,
    },
    /// Show or apply the difference between the Space and rooms.toml.
    Space {
        #[command(subcommand)]
        action: SpaceCmd,
    },
    /// Write the whole community state as JSON (stop the bot first).
    Export {
        #[arg(long, default_value = "config.toml")]
        config: PathBuf,
        /// File to write; standard output if absent.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Read the audit log (stop the bot first).
    Audit {
        #[command(subcommand)]
        action: AuditCmd,
    },
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Write every audit entry, oldest first, as JSON lines.
    Export {
        #[arg(long, default_value = "config.toml")]
        config: PathBuf,
        /// File to write; standard output if absent.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum SpaceCmd {
    /// Print what would change, changing nothing.
    Plan {
        #[arg(long, default_value = "config.toml")]
        config: PathBuf,
    },
    /// Make the Space match rooms.toml (stop the bot first; `run` also does this).
    Apply {
        #[arg(long, default_value = "config.toml")]
        config: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // matrix_sdk::http_client logs expected 404s (state and account-data probes)
    // as errors; real request failures come back to fedisec and are logged there.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
            "fedisec=info,matrix_sdk=warn,matrix_sdk::http_client=off,matrix_sdk_crypto=warn,matrix_sdk_crypto::backups=error,warn".into()
        }))
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(dispatch(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

/// Loads the full setup or renders every problem in the configured language.
fn load_setup(path: &Path) -> Result<Setup, String> {
    Setup::load(path).map_err(|e| e.render(locale_hint(path)))
}

/// The locale for error messages: the config's if it can be read, else the environment's.
fn locale_hint(path: &Path) -> Locale {
    Config::load(path).map(|c| c.locale).unwrap_or_else(|_| Locale::from_env())
}

async fn dispatch(cmd: Cmd) -> Result<(), String> {
    match cmd {
        Cmd::Init { dir, homeserver_url, server_name, listen, admins } => {
            std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            for (name, text) in [
                ("config.toml", fedisec::config::example_config(&homeserver_url, &server_name, &listen, &admins)),
                ("rooms.toml", fedisec::config::layout::DEFAULT_LAYOUT.to_string()),
                ("rules.md", fedisec::referral::rules_doc::DEFAULT_RULES.to_string()),
            ] {
                let path = dir.join(name);
                if path.exists() {
                    println!("{} exists; left as it is", path.display());
                    continue;
                }
                std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
                println!("wrote {}", path.display());
            }
            Ok(())
        }
        Cmd::Registration { config, rotate } => {
            let config = Config::load(&config).map_err(|e| e.render(locale_hint(&config)))?;
            let path = &config.appservice.registration;
            let existing =
                if path.exists() { Some(Registration::load(path).map_err(|e| e.render(config.locale))?) } else { None };
            let (reg, outcome) = Registration::generate(&config.wanted_registration(), existing.as_ref(), rotate);
            fedisec::matrix::session::write_private(path, reg.to_yaml().as_bytes()).map_err(|e| e.to_string())?;
            let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
            println!("{}", i18n::registration_written(config.locale, &abs.display().to_string(), outcome));
            println!("\n{}\n", i18n::homeserver_instructions(config.locale));
            print!("{}", registration::homeserver_snippet(&abs));
            Ok(())
        }
        Cmd::Check { config } => {
            let setup = load_setup(&config)?;
            println!(
                "{}",
                i18n::check_ok(setup.config.locale, setup.layout.rooms().count(), setup.layout.categories.len())
            );
            Ok(())
        }
        Cmd::Run { config } => {
            let setup = load_setup(&config)?;
            fedisec::app::run(setup, Clock::from_env()).await.map_err(|e| format!("{e:#}"))
        }
        Cmd::Space { action: SpaceCmd::Plan { config } } => {
            let setup = load_setup(&config)?;
            let locale = setup.config.locale;
            let api = AsApi::new(
                &setup.config.homeserver_url,
                &setup.registration.as_token,
                setup.config.bot_user_id().as_str(),
            );
            // The plan is read-only: a store held by a running bot is not needed,
            // only the list of rooms it manages, which the aliases also give.
            let store = open_store(&setup).or_else(|_| Store::temporary().map_err(|e| e.to_string()))?;
            let changes = space_sync::plan(&api, &setup, &store).await.map_err(|e| e.to_string())?;
            if changes.is_empty() {
                println!("{}", i18n::plan_empty(locale));
            } else {
                println!("{}", i18n::plan_header(locale, changes.len()));
                for c in &changes {
                    println!("{}", c.describe(locale, setup.config.server_name.as_str()));
                }
            }
            Ok(())
        }
        Cmd::Space { action: SpaceCmd::Apply { config } } => {
            let setup = load_setup(&config)?;
            let store = open_store(&setup)?;
            let api = AsApi::new(
                &setup.config.homeserver_url,
                &setup.registration.as_token,
                setup.config.bot_user_id().as_str(),
            );
            let report =
                space_sync::apply(&api, &setup, &store, fedisec::clock::now_ms()).await.map_err(|e| e.to_string())?;
            for f in &report.failed {
                eprintln!("{f}");
            }
            println!(
                "{}",
                i18n::apply_done(
                    setup.config.locale,
                    report.created,
                    report.changed,
                    report.invited,
                    report.failed.len()
                )
            );
            if report.failed.is_empty() { Ok(()) } else { Err(String::new()) }
        }
        Cmd::Export { config, output } => {
            let setup = load_setup(&config)?;
            let store = open_store(&setup)?;
            let json = store.export().map_err(|e| e.to_string())?;
            let text = serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?;
            write_output(output, &text)
        }
        Cmd::Audit { action: AuditCmd::Export { config, output } } => {
            let setup = load_setup(&config)?;
            let store = open_store(&setup)?;
            let mut text = String::new();
            for entry in store.audit.entries().map_err(|e| e.to_string())? {
                text.push_str(&serde_json::to_string(&entry).map_err(|e| e.to_string())?);
                text.push('\n');
            }
            write_output(output, text.trim_end())
        }
    }
}

fn write_output(output: Option<PathBuf>, text: &str) -> Result<(), String> {
    match output {
        Some(path) => std::fs::write(&path, format!("{text}\n")).map_err(|e| format!("{}: {e}", path.display())),
        None => {
            println!("{text}");
            Ok(())
        }
    }
}

fn open_store(setup: &Setup) -> Result<Store, String> {
    let path = setup.config.data_dir.join("state");
    Store::open(&path)
        .map_err(|e| format!("{}\n({e})", i18n::store_busy(setup.config.locale, &path.display().to_string())))
}
