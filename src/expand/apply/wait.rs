//! Waiting for the cluster: poll until done, with a timeout and progress output.

use std::future::Future;
use std::io::Write;
use std::time::{Duration, Instant};

use super::*;

/// A wait's answer each time it looks.
pub(super) enum Poll<T> {
    Done(T),
    /// Not yet; the status line to show.
    Wait(String),
}

/// Reads with `probe` every poll interval until it is done, for at most `timeout`; shows
/// the status (redrawn in place on a terminal, else printed when it changes).
pub(super) async fn wait_for<T, F, Fut>(
    s: &Settings,
    out: &mut dyn Write,
    label: &str,
    timeout: Duration,
    mut probe: F,
) -> Result<T, String>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Poll<T>, String>>,
{
    let started = Instant::now();
    let mut last = String::new();
    loop {
        let answer = probe().await;
        let elapsed = started.elapsed();
        match answer {
            Ok(Poll::Done(t)) => {
                if s.terminal && !last.is_empty() {
                    let _ = write!(out, "\r\x1b[K");
                }
                return Ok(t);
            }
            Ok(Poll::Wait(status)) => {
                if s.terminal {
                    let _ = write!(
                        out,
                        "\r\x1b[K    {label}: {status} ({}s)",
                        elapsed.as_secs()
                    );
                    let _ = out.flush();
                } else if status != last {
                    let _ = writeln!(out, "    {label}: {status}");
                }
                if elapsed >= timeout {
                    if s.terminal {
                        let _ = writeln!(out);
                    }
                    return Err(format!(
                        "timed out after {}s; last seen: {status}",
                        timeout.as_secs()
                    ));
                }
                last = status;
                tokio::time::sleep(
                    s.poll
                        .min(timeout.saturating_sub(elapsed))
                        .max(Duration::from_millis(10)),
                )
                .await;
            }
            Err(e) => {
                if s.terminal && !last.is_empty() {
                    let _ = writeln!(out);
                }
                return Err(e);
            }
        }
    }
}
