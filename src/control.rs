//! The admin socket: the operator's commands to the running bot.
//!
//! A Unix socket in the data directory, mode 0600, so only the account that
//! runs the bot can use it: no token to leak, no port to expose. One JSON
//! request per line, one JSON answer per line. `fedisec verify` uses it to
//! confirm emoji verifications; it is the place for further admin verbs.

use crate::matrix::verification::{Decision, Verifications, Waiting};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};

pub const SOCKET_FILE: &str = "admin.sock";

/// The longest request line accepted.
const MAX_LINE: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    /// The verifications waiting for the operator.
    Verifications,
    /// The operator compared the emoji of `flow_id`.
    Decide { flow_id: String, decision: Decision },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "answer", rename_all = "snake_case")]
pub enum Answer {
    Verifications { waiting: Vec<Waiting> },
    Decided { found: bool },
    Error { message: String },
}

pub fn socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join(SOCKET_FILE)
}

/// Listens on the admin socket until the process ends.
pub fn serve(data_dir: &Path, verifications: Verifications) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let path = socket_path(data_dir);
    // A socket left by a crash; the state database's lock already keeps a
    // second bot from running on this data directory.
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path)?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    tokio::spawn(async move {
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    tokio::spawn(session(stream, verifications.clone()));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "admin socket accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                }
            }
        }
    });
    Ok(())
}

async fn session(stream: UnixStream, verifications: Verifications) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read.take_limit()).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let answer = match serde_json::from_str::<Request>(&line) {
            Ok(Request::Verifications) => Answer::Verifications { waiting: verifications.waiting() },
            Ok(Request::Decide { flow_id, decision }) => match verifications.decide(&flow_id, decision).await {
                Ok(found) => Answer::Decided { found },
                Err(message) => Answer::Error { message },
            },
            Err(e) => Answer::Error { message: format!("bad request: {e}") },
        };
        let Ok(mut text) = serde_json::to_string(&answer) else { return };
        text.push('\n');
        if write.write_all(text.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// Bounds what one connection may send.
trait TakeLimit: tokio::io::AsyncRead + Sized {
    fn take_limit(self) -> tokio::io::Take<Self> {
        tokio::io::AsyncReadExt::take(self, (MAX_LINE * 64) as u64)
    }
}
impl<T: tokio::io::AsyncRead> TakeLimit for T {}

/// Sends one request to the running bot.
pub async fn call(data_dir: &Path, request: &Request) -> Result<Answer, String> {
    let path = socket_path(data_dir);
    let stream = UnixStream::connect(&path).await.map_err(|e| format!("{}: {e}", path.display()))?;
    let (read, mut write) = stream.into_split();
    let mut text = serde_json::to_string(request).map_err(|e| e.to_string())?;
    text.push('\n');
    write.write_all(text.as_bytes()).await.map_err(|e| e.to_string())?;
    let mut line = String::new();
    BufReader::new(read).read_line(&mut line).await.map_err(|e| e.to_string())?;
    serde_json::from_str(&line).map_err(|e| format!("bad answer from the bot: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn requests_are_answered_and_bad_ones_refused() {
        let dir = tempfile::tempdir().unwrap();
        serve(dir.path(), Verifications::default()).unwrap();
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(socket_path(dir.path())).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(call(dir.path(), &Request::Verifications).await.unwrap(), Answer::Verifications { waiting: vec![] });
        let decide = Request::Decide { flow_id: "nope".into(), decision: Decision::Match };
        assert_eq!(call(dir.path(), &decide).await.unwrap(), Answer::Decided { found: false });
        let mut raw = UnixStream::connect(socket_path(dir.path())).await.unwrap();
        raw.write_all(b"{\"op\":\"launch\"}\n").await.unwrap();
        let mut line = String::new();
        BufReader::new(&mut raw).read_line(&mut line).await.unwrap();
        assert!(line.contains("bad request"), "{line}");
    }
}
