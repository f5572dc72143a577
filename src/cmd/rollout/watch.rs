//! `rollout status --watch`: re-read every 2 s, print what changed, stop when the rollout
//! settles or `--timeout` passes.

use super::input::{self, Input};
use super::live::{Live, POLL, Progress, reread};
use super::{Doc, clock, compute, exit_code, print_status};
use crate::cli::{GlobalArgs, Output};
use crate::cmd::out::out;
use crate::error::Failure;
use crate::k8s;
use crate::render::{self, Style};
use crate::rollout::RolloutStatus;
use anyhow::Result;
use jiff::Timestamp;
use std::io::Write;
use std::time::{Duration, Instant};

pub(super) async fn watch(
    g: &GlobalArgs,
    input: &Input,
    ns: &str,
    name: &str,
    first: RolloutStatus,
    limit: Duration,
    style: &Style,
) -> Result<i32> {
    let Some(client) = input.client.clone() else {
        return Err(Failure::usage("--watch needs the live cluster").into());
    };
    let table = g.output == Output::Table;
    // With machine output, stdout holds the final document only; the changes go to stderr.
    let mut out: Box<dyn Write> = if table {
        Box::new(std::io::stdout())
    } else {
        Box::new(std::io::stderr())
    };
    if table {
        print_status(g, input, &first, input.now, style)?;
        writeln!(out)?;
    }
    let start = Instant::now();
    let mut progress = Progress::new();
    let mut last = first;
    let mut last_error: Option<String> = None;
    let mut now = input.now;
    let timed_out = loop {
        if last.state.settled() {
            break false;
        }
        let elapsed = start.elapsed();
        if elapsed >= limit {
            break true;
        }
        progress.show(&render::rollout::progress(
            &last,
            elapsed.as_secs() as i64,
            limit.as_secs() as i64,
        ));
        tokio::time::sleep(POLL.min(limit - elapsed)).await;
        match reread(&client, &input.snap, ns, name, input.timeout).await {
            Ok(Live { snap, .. }) => {
                last_error = None;
                now = input::parse_now(g)?.unwrap_or_else(Timestamp::now);
                let next = compute(&snap, ns, name, now, input)?;
                let lines = render::rollout::changes(&last, &next);
                if !lines.is_empty() {
                    progress.clear();
                    for l in lines {
                        writeln!(out, "{} {l}", clock(now))?;
                    }
                    out.flush()?;
                }
                last = next;
            }
            Err(e) => {
                if last_error.as_deref() != Some(e.as_str()) {
                    progress.clear();
                    eprintln!("warning: {e}; reading again every {}s", POLL.as_secs());
                }
                last_error = Some(e);
            }
        }
    };
    progress.clear();
    if table {
        writeln!(
            out,
            "\n{} {}",
            style.bold(&format!("state: {}", last.state.as_str().to_uppercase())),
            last.detail
        )?;
        if let Some(b) = &last.blocking {
            writeln!(
                out,
                "  blocked by {}: {}",
                b.pod.as_deref().unwrap_or("the controller"),
                b.cause
            )?;
        }
        for f in &last.findings {
            writeln!(out)?;
            write!(out, "{}", render::diagnose::finding(f, style))?;
        }
    } else {
        out!(
            "{}",
            render::machine(
                &Doc {
                    status: &last,
                    evaluated_at: now,
                    captured_at: input.snap.captured_at,
                },
                g.output,
            )?
        );
    }
    if timed_out {
        eprintln!(
            "timed out after {}: the rollout is still {} ({})",
            k8s::time::short(limit.as_secs() as i64),
            last.state.as_str(),
            last.detail
        );
        return Ok(1);
    }
    Ok(exit_code(&last, g.fail_on))
}
