//! A real Synapse for the end-to-end tests and the benchmark.
//!
//! One Synapse per test process (startup takes ~20 s), SQLite, loopback only,
//! rate limits relaxed, open registration for test users. It is started with
//! one appservice registration per "slot", each written by the real
//! `fedisec registration` command, so tests can run bots side by side without
//! sharing a bot user or an alias namespace.

use std::io::Read;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const SERVER_NAME: &str = "localhost";

/// Where a bot for one test lives: its config, registration and data.
#[derive(Debug, Clone)]
pub struct Slot {
    pub index: usize,
    pub dir: PathBuf,
    pub config: PathBuf,
    pub as_port: u16,
    pub bot_localpart: String,
    pub alias_prefix: String,
    pub admin: String,
}

impl Slot {
    pub fn alias(&self, key: &str) -> String {
        format!("#{}{key}:{SERVER_NAME}", self.alias_prefix)
    }

    pub fn bot_user(&self) -> String {
        format!("@{}:{SERVER_NAME}", self.bot_localpart)
    }

    pub fn as_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.as_port)
    }
}

pub struct Synapse {
    child: Mutex<Child>,
    pub url: String,
    pub dir: tempfile::TempDir,
    slots: Mutex<Vec<Slot>>,
    python: PathBuf,
}

/// Kill a child when this process dies, however it dies.
pub fn die_with_parent(cmd: &mut Command) -> &mut Command {
    // SAFETY: prctl is async-signal-safe and touches only the new process.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        })
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(0)
}

pub fn repo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn bot_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_fedisec"))
}

/// The Python that has Synapse: `FEDISEC_SYNAPSE_PYTHON`, else the project virtualenv.
fn python() -> Result<PathBuf, String> {
    let python = std::env::var_os("FEDISEC_SYNAPSE_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_dir().join(".venv/bin/python"));
    let ok = Command::new(&python)
        .args(["-c", "import synapse"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if ok {
        Ok(python)
    } else {
        Err(format!(
            "Synapse is not installed for the integration tests (looked for {}).\n\
             Install it with:  scripts/install-synapse\n\
             (that is: python3 -m venv .venv && .venv/bin/pip install matrix-synapse),\n\
             or point FEDISEC_SYNAPSE_PYTHON at a Python that can `import synapse`.",
            python.display()
        ))
    }
}

fn run(cmd: &mut Command) -> Result<String, String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

impl Synapse {
    /// Starts Synapse with `slots` appservice registrations.
    pub fn start(slots: usize) -> Result<Synapse, String> {
        let python = python()?;
        let mut dir = tempfile::Builder::new().prefix("fedisec-synapse-").tempdir().map_err(|e| e.to_string())?;
        let port = free_port();
        let url = format!("http://127.0.0.1:{port}");
        let mut made = Vec::new();
        let mut appservices = String::new();
        for index in 0..slots {
            let slot_dir = dir.path().join(format!("slot{index}"));
            std::fs::create_dir_all(&slot_dir).map_err(|e| e.to_string())?;
            let as_port = free_port();
            let admin = format!("@admin{index}:{SERVER_NAME}");
            let config = fedisec::config::example_config(
                &url,
                SERVER_NAME,
                &format!("127.0.0.1:{as_port}"),
                std::slice::from_ref(&admin),
            )
            .replace("id = \"fedisec\"", &format!("id = \"fedisec{index}\""))
            .replace("bot_localpart = \"fedisec\"", &format!("bot_localpart = \"fedisec{index}\""))
            .replace("alias_prefix = \"fedisec_\"", &format!("alias_prefix = \"s{index}_\""))
            // No polling of the real feeds from tests; loopback feeds allowed.
            .replace("defaults = true", "defaults = false\nallow_private = true");
            let config_path = slot_dir.join("config.toml");
            std::fs::write(&config_path, config).map_err(|e| e.to_string())?;
            std::fs::write(slot_dir.join("rooms.toml"), fedisec::config::layout::DEFAULT_LAYOUT)
                .map_err(|e| e.to_string())?;
            std::fs::write(slot_dir.join("rules.md"), fedisec::referral::rules_doc::DEFAULT_RULES)
                .map_err(|e| e.to_string())?;
            run(Command::new(bot_binary()).arg("registration").arg("--config").arg(&config_path))?;
            appservices.push_str(&format!("  - \"{}\"\n", slot_dir.join("registration.yaml").display()));
            made.push(Slot {
                index,
                dir: slot_dir,
                config: config_path,
                as_port,
                bot_localpart: format!("fedisec{index}"),
                alias_prefix: format!("s{index}_"),
                admin,
            });
        }
        let yaml = include_str!("../../scripts/synapse/homeserver.yaml.in")
            .replace("@SERVER_NAME@", SERVER_NAME)
            .replace("@DIR@", &dir.path().display().to_string())
            .replace("@PORT@", &port.to_string())
            .replace("@SECRET@", "fedisec-test-secret")
            .replace("@OPEN_REGISTRATION@", "true")
            .replace("@APPSERVICES@\n", &appservices);
        let hs_config = dir.path().join("homeserver.yaml");
        std::fs::write(&hs_config, yaml).map_err(|e| e.to_string())?;
        run(Command::new(&python).args(["-m", "synapse.app.homeserver", "--generate-keys", "-c"]).arg(&hs_config))?;
        let child = spawn(&python, dir.path())?;
        if std::env::var_os("FEDISEC_KEEP_TEST_DIR").is_some() {
            eprintln!("keeping test directory {}", dir.path().display());
            dir.disable_cleanup(true);
        }
        let synapse = Synapse { child: Mutex::new(child), url, dir, slots: Mutex::new(made), python };
        synapse.wait_ready()?;
        Ok(synapse)
    }

    /// Starts Synapse again after `stop`, with the same database and port
    /// (a homeserver back from an outage).
    pub fn restart(&self) -> Result<(), String> {
        let child = spawn(&self.python, self.dir.path())?;
        *self.child.lock().map_err(|e| e.to_string())? = child;
        self.wait_ready()
    }

    fn wait_ready(&self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(120);
        let versions = format!("{}/_matrix/client/versions", self.url);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.lock().map_err(|e| e.to_string())?.try_wait() {
                return Err(format!("Synapse exited with {status}:\n{}", self.log_tail()));
            }
            if http_get_ok(&versions) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        Err(format!("Synapse did not start within 120 s:\n{}", self.log_tail()))
    }

    pub fn log_tail(&self) -> String {
        let mut text = String::new();
        let _ = std::fs::File::open(self.dir.path().join("synapse.log")).and_then(|mut f| f.read_to_string(&mut text));
        text.lines().rev().take(40).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n")
    }

    /// A slot no other test uses.
    pub fn take_slot(&self) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots.pop().unwrap_or_else(|| panic!("the harness started too few appservice slots"))
    }

    pub fn stop(&self) {
        if let Ok(mut child) = self.child.lock() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Runs Synapse from `dir` (its config and database), logging to `synapse.log`.
fn spawn(python: &Path, dir: &Path) -> Result<Child, String> {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("synapse.log"))
        .map_err(|e| e.to_string())?;
    let log2 = log.try_clone().map_err(|e| e.to_string())?;
    die_with_parent(
        Command::new(python)
            .args(["-m", "synapse.app.homeserver", "-c"])
            .arg(dir.join("homeserver.yaml"))
            .current_dir(dir)
            .stdout(log)
            .stderr(log2),
    )
    .spawn()
    .map_err(|e| format!("cannot start Synapse: {e}"))
}

impl Drop for Synapse {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A minimal blocking HTTP GET on loopback, for readiness checks.
pub fn http_get_ok(url: &str) -> bool {
    http_get(url).map(|(status, _)| status == 200).unwrap_or(false)
}

pub fn http_get(url: &str) -> Option<(u16, String)> {
    use std::io::Write;
    let rest = url.strip_prefix("http://")?;
    let (host, path) = rest.split_once('/').map(|(h, p)| (h, format!("/{p}"))).unwrap_or((rest, "/".into()));
    let mut stream = std::net::TcpStream::connect(host).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").ok()?;
    let mut resp = String::new();
    stream.read_to_string(&mut resp).ok()?;
    let status = resp.split_whitespace().nth(1)?.parse().ok()?;
    let body = resp.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    Some((status, body))
}

pub fn file_mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).map(|m| m.permissions().mode() & 0o777).unwrap_or(0)
}
