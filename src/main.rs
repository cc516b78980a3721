//! The `fedisec` command line: registration, checks, the Space, and the bot.

use clap::{Parser, Subcommand};
use fedisec::clock::Clock;
use fedisec::config::{Config, Setup};
use fedisec::i18n::Locale;
use fedisec::matrix::as_api::AsApi;
use fedisec::matrix::identity;
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
    /// Print the bot's recovery key, or (--set) put a stored one back.
    RecoveryKey {
        #[arg(long, default_value = "config.toml")]
        config: PathBuf,
        /// Read a recovery key from standard input and save it (0600).
        #[arg(long)]
        set: bool,
    },
    /// Give the bot a new cross-signing identity when its recovery key is lost
    /// for good (stop the bot first; every admin must verify it again).
    ResetIdentity {
        #[arg(long, default_value = "config.toml")]
        config: PathBuf,
    },
    /// Compare the emoji of an admin's verification of the bot, and confirm.
    Verify {
        #[arg(long, default_value = "config.toml")]
        config: PathBuf,
        /// The emoji of this verification match.
        #[arg(long, value_name = "FLOW_ID", conflicts_with = "mismatch")]
        confirm: Option<String>,
        /// The emoji of this verification do not match: cancel it.
        #[arg(long, value_name = "FLOW_ID")]
        mismatch: Option<String>,
        /// Wait up to this many seconds for a verification to show its emoji.
        #[arg(long, default_value_t = 0)]
        wait: u64,
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
        // Colours only on a terminal: journald and log files get plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
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
            println!(
                "{}",
                fedisec::cli_messages::registration_written(config.locale, &abs.display().to_string(), outcome)
            );
            println!("\n{}\n", fedisec::cli_messages::homeserver_instructions(config.locale));
            print!("{}", registration::homeserver_snippet(&abs));
            Ok(())
        }
        Cmd::Check { config } => {
            let setup = load_setup(&config)?;
            println!(
                "{}",
                fedisec::cli_messages::check_ok(
                    setup.config.locale,
                    setup.layout.rooms().count(),
                    setup.layout.categories.len()
                )
            );
            println!("{}", identity_line(&setup).await);
            Ok(())
        }
        Cmd::RecoveryKey { config, set } => {
            let config = Config::load(&config).map_err(|e| e.render(locale_hint(&config)))?;
            let path = identity::recovery_key_path(&config.data_dir);
            if set {
                let mut key = String::new();
                std::io::stdin().read_line(&mut key).map_err(|e| e.to_string())?;
                let key = key.trim();
                if key.is_empty() {
                    return Err(fedisec::matrix::messages::no_recovery_key(config.locale, &path.display().to_string()));
                }
                std::fs::create_dir_all(&config.data_dir).map_err(|e| e.to_string())?;
                fedisec::matrix::session::write_private(&path, format!("{key}\n").as_bytes())
                    .map_err(|e| e.to_string())?;
                println!("{}", fedisec::matrix::messages::recovery_key_set(config.locale, &path.display().to_string()));
                return Ok(());
            }
            match identity::read_recovery_key(&config.data_dir).map_err(|e| e.to_string())? {
                Some(key) => {
                    println!("{key}");
                    Ok(())
                }
                None => Err(fedisec::matrix::messages::no_recovery_key(config.locale, &path.display().to_string())),
            }
        }
        Cmd::ResetIdentity { config } => {
            let setup = load_setup(&config)?;
            // Holding the state database proves the bot is not running.
            let _store = open_store(&setup)?;
            fedisec::matrix::reset::reset_identity(&setup).await?;
            println!("{}", fedisec::matrix::messages::identity_reset(setup.config.locale));
            Ok(())
        }
        Cmd::Verify { config, confirm, mismatch, wait } => {
            let config = Config::load(&config).map_err(|e| e.render(locale_hint(&config)))?;
            verify(&config, confirm, mismatch, wait).await
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
                println!("{}", fedisec::cli_messages::plan_empty(locale));
            } else {
                println!("{}", fedisec::cli_messages::plan_header(locale, changes.len()));
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
                fedisec::cli_messages::apply_done(
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

/// `fedisec check`'s line about the bot's cross-signing identity, as the
/// homeserver publishes it.
async fn identity_line(setup: &Setup) -> String {
    let config = &setup.config;
    let api = AsApi::new(&config.homeserver_url, &setup.registration.as_token, config.bot_user_id().as_str());
    let bot = config.bot_user_id();
    let device = std::fs::read(config.data_dir.join("session.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v["device_id"].as_str().map(str::to_string))
        .unwrap_or_default();
    let has_key = identity::read_recovery_key(&config.data_dir).ok().flatten().is_some();
    match api.query_keys(bot.as_str()).await {
        Ok(keys) => {
            let p = identity::published(&keys, bot.as_str(), &device);
            fedisec::matrix::messages::identity_check(config.locale, p.master_key.as_deref(), p.device_signed, has_key)
        }
        Err(e) => fedisec::matrix::messages::identity_unknown(config.locale, &e.to_string()),
    }
}

/// `fedisec verify`: shows the emoji of waiting verifications and passes the
/// operator's decision to the running bot.
async fn verify(config: &Config, confirm: Option<String>, mismatch: Option<String>, wait: u64) -> Result<(), String> {
    use fedisec::control::{Answer, Request, call};
    use fedisec::matrix::verification::Decision;
    use std::io::IsTerminal;
    let locale = config.locale;
    let dir = &config.data_dir;
    let not_running = |e: String| fedisec::matrix::messages::bot_not_running(locale, &e);
    let decide = |flow_id: String, decision: Decision| async move {
        match call(dir, &Request::Decide { flow_id: flow_id.clone(), decision }).await.map_err(not_running)? {
            Answer::Decided { found: true } => {
                println!("{}", fedisec::matrix::messages::verify_decided(locale, decision == Decision::Match));
                Ok(())
            }
            Answer::Decided { found: false } => Err(fedisec::matrix::messages::verify_gone(locale, &flow_id)),
            Answer::Error { message } => Err(message),
            other => Err(format!("unexpected answer: {other:?}")),
        }
    };
    if let Some(flow_id) = confirm {
        return decide(flow_id, Decision::Match).await;
    }
    if let Some(flow_id) = mismatch {
        return decide(flow_id, Decision::Mismatch).await;
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(wait);
    let waiting = loop {
        let waiting = match call(dir, &Request::Verifications).await.map_err(not_running)? {
            Answer::Verifications { waiting } => waiting,
            Answer::Error { message } => return Err(message),
            other => return Err(format!("unexpected answer: {other:?}")),
        };
        if !waiting.is_empty() || std::time::Instant::now() >= deadline {
            break waiting;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    };
    if waiting.is_empty() {
        println!("{}", fedisec::matrix::messages::verify_none(locale));
        return Ok(());
    }
    let interactive = std::io::stdin().is_terminal();
    for w in waiting {
        println!(
            "{}",
            fedisec::matrix::messages::verify_waiting(locale, &w.user_id, &w.device_id, &w.flow_id, &w.emoji)
        );
        if !interactive {
            println!("{}", fedisec::matrix::messages::verify_how(locale, &w.flow_id));
            continue;
        }
        print!("{}", fedisec::matrix::messages::verify_prompt(locale));
        use std::io::Write;
        let _ = std::io::stdout().flush();
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer).map_err(|e| e.to_string())?;
        let matched = matches!(answer.trim(), "y" | "Y" | "yes" | "はい");
        decide(w.flow_id, if matched { Decision::Match } else { Decision::Mismatch }).await?;
    }
    Ok(())
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
    Store::open(&path).map_err(|e| {
        format!("{}\n({e})", fedisec::cli_messages::store_busy(setup.config.locale, &path.display().to_string()))
    })
}
