//! The real `fedisec` binary, run as a child process against the test Synapse.

use super::synapse::{Slot, bot_binary, die_with_parent, http_get};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub struct Bot {
    child: Child,
    pub slot: Slot,
}

impl Bot {
    /// Starts `fedisec run` and waits until `/health` says it is ready.
    pub fn start(slot: &Slot) -> Result<Bot, String> {
        Bot::start_with_env(slot, &[])
    }

    /// Starts the bot with extra environment variables, e.g. a clock offset.
    pub fn start_with_env(slot: &Slot, env: &[(&str, &str)]) -> Result<Bot, String> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(slot.dir.join("bot.log"))
            .map_err(|e| e.to_string())?;
        let child = die_with_parent(
            Command::new(bot_binary())
                .args(["run", "--config"])
                .arg(&slot.config)
                .env(
                    "RUST_LOG",
                    std::env::var("FEDISEC_TEST_BOT_LOG").unwrap_or_else(|_| {
                        "fedisec=debug,matrix_sdk=warn,matrix_sdk::http_client=off,matrix_sdk_crypto=warn,matrix_sdk_crypto::backups=error,warn"
                            .into()
                    }),
                )
                .envs(env.iter().copied())
                .stdout(Stdio::null())
                .stderr(log),
        )
        .spawn()
        .map_err(|e| format!("cannot start the bot: {e}"))?;
        let mut bot = Bot { child, slot: slot.clone() };
        bot.wait_ready()?;
        Ok(bot)
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(180);
        let health = format!("{}/health", self.slot.as_url());
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("the bot exited with {status}:\n{}", self.log()));
            }
            if matches!(http_get(&health), Some((200, _))) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        Err(format!("the bot was not ready within 180 s:\n{}", self.log()))
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.slot.dir.join("bot.log")).unwrap_or_default()
    }

    /// SIGKILL: a crash, with no chance to flush anything.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM and wait: a clean shutdown.
    pub fn stop(mut self) {
        // SAFETY: sending a signal to our own child process.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs a `fedisec` subcommand to completion.
pub fn cli(args: &[&str], config: &Path) -> Output {
    let mut cmd = Command::new(bot_binary());
    cmd.args(args).arg("--config").arg(config);
    cmd.output().unwrap_or_else(|e| panic!("cannot run fedisec {args:?}: {e}"))
}
