//! An executor lost in the middle of a job (issue 21 §3). Ballista 55 runs a lost executor's
//! tasks again on the others when it notices the loss in time; when it does not — a task was
//! reading the lost executor's shuffle output at that moment and the job fails, or a writing
//! task ran twice and its files stay — the step is done again, on the executors left, up to
//! [`ATTEMPTS`] times. Any other error is final at once. A step that still fails says which
//! executor was lost.

use anyhow::{bail, Result};
use std::future::Future;
use std::time::Duration;

/// Tries of one step.
pub const ATTEMPTS: u32 = 3;

/// What Ballista and its transport say when an executor went away.
const SIGNS: &[&str] = &[
    "transport error",
    "tcp connect error",
    "connection refused",
    "connection reset",
    "broken pipe",
    "h2 protocol error",
    "shuffle fetch partition error",
    "code: unavailable",
    "error connecting to ballista",
    "ran twice or not at all",
];

/// When `message` tells of an executor that went away: that executor, as well as the message
/// names it (its id or its address), else "an executor".
pub fn lost_executor(message: &str) -> Option<String> {
    let lower = message.to_ascii_lowercase();
    if !SIGNS.iter().any(|s| lower.contains(s)) {
        return None;
    }
    let token = |from: usize| -> String {
        message[from..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || "-.:/_".contains(*c))
            .collect()
    };
    let named = if let Some(i) = message.find("Executor ") {
        token(i + "Executor ".len())
    } else if let Some(i) = message.find("http://") {
        token(i + "http://".len())
    } else {
        String::new()
    };
    let named = named.trim_end_matches([',', '.', ':']).to_string();
    Some(if named.is_empty() {
        "an executor".into()
    } else {
        format!("executor {named}")
    })
}

/// Run `step` (given its attempt number, 1 …) until it succeeds, again after an executor loss.
pub async fn again<T, F, Fut>(what: &str, mut step: F) -> Result<T>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = std::result::Result<T, String>>,
{
    for attempt in 1..=ATTEMPTS {
        let e = match step(attempt).await {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        match lost_executor(&e) {
            Some(who) if attempt < ATTEMPTS => {
                log::warn!("{who} lost during {what} (attempt {attempt}): done again on the executors left ({e})");
                // Time for the scheduler to drop the executor it cannot reach.
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
            Some(who) => bail!(
                "{who} was lost during {what}, and {ATTEMPTS} attempts on the executors left failed; nothing was kept: {e}"
            ),
            None => bail!("{e}"),
        }
    }
    unreachable!("the last attempt returns or fails")
}
