//! `kubectl sts diagnose [STS] --watch [--timeout D]`: one list then one watch per kind;
//! after each burst of changes (250 ms) the pure analysis runs again on the current state
//! and what changed is printed: findings opened, changed or resolved, and kinds whose watch
//! broke (their findings may be out of date until it is back) or came back. JSON lines
//! with `-o json` or when stdout is not a terminal; a line per change for people otherwise.
//! An idle cluster costs nothing: no periodic re-list, no timer unless something changed.

use super::input;
use crate::analysis::Report;
use crate::checks::analyze;
use crate::cli::{DiagnoseArgs, GlobalArgs, Output};
use crate::error::Failure;
use crate::snapshot::Source;
use crate::watch::live::{Signal, Stores};
use crate::watch::{self, Change};
use anyhow::Result;
use jiff::Timestamp;
use serde_json::json;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// Changes closer together than this are analysed once.
const SETTLE: Duration = Duration::from_millis(250);

/// Where each kind's watch stands.
#[derive(Debug, Clone, PartialEq)]
enum Health {
    /// Not listed yet.
    Starting,
    /// Listed, and the watch is running.
    Watching,
    /// Failed before it was ever listed: its checks do not run.
    Unread(String),
    /// Listed, then failed: what it holds may be out of date; being retried.
    Stale(String),
}

struct Printer {
    json: bool,
}

impl Printer {
    fn change(&self, c: &Change, now: Timestamp) {
        if self.json {
            println!(
                "{}",
                json!({"time": now, "event": c.event, "finding": c.finding})
            );
        } else {
            let f = &c.finding;
            println!(
                "{}  {:<8}  {:<8}  {}  {}: {}",
                now.strftime("%H:%M:%S"),
                serde_json::to_value(c.event)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                f.severity.as_str().to_uppercase(),
                f.runbook,
                f.object,
                f.summary
            );
        }
    }

    /// A kind's watch: `skipped` (never read), `stale` (broken, retried) or `watching`
    /// (back).
    fn health(&self, event: &str, source: Source, reason: Option<&str>, now: Timestamp) {
        if self.json {
            let mut v = json!({"time": now, "event": event, "source": source});
            if let Some(r) = reason {
                v["reason"] = json!(r);
            }
            println!("{v}");
        } else {
            let what = match event {
                "stale" => "watch broken, reconnecting; findings that need it may be out of date",
                "skipped" => "not read; the checks that need it do not run",
                _ => "watched again",
            };
            println!(
                "{}  {:<8}  {source}: {what}{}",
                now.strftime("%H:%M:%S"),
                event,
                reason.map(|r| format!(" ({r})")).unwrap_or_default()
            );
        }
    }
}

pub async fn run(g: &GlobalArgs, args: &DiagnoseArgs) -> Result<i32> {
    if !g.from_file.is_empty() {
        return Err(Failure::usage(
            "--watch follows the live cluster; a file does not change: drop --from-file",
        )
        .into());
    }
    if g.output == Output::Yaml {
        return Err(
            Failure::usage("--watch prints JSON lines (-o json) or lines for people").into(),
        );
    }
    if args.prometheus.prometheus.is_some() {
        return Err(Failure::usage(
            "--prometheus is read once per run; with --watch it would go stale: drop one of them",
        )
        .into());
    }
    let limit = match args.timeout.as_deref() {
        Some(t) => crate::cluster::parse_timeout(t)
            .map_err(Failure::usage)?
            .filter(|d| !d.is_zero()),
        None => None,
    };
    let request_timeout =
        crate::cluster::parse_timeout(&g.request_timeout).map_err(Failure::usage)?;
    let live = input::connect(g, request_timeout).await?;
    let printer = Printer {
        json: g.output == Output::Json || !std::io::stdout().is_terminal(),
    };
    if std::io::stderr().is_terminal() {
        eprintln!(
            "watching {} on {} (Ctrl-C to stop) …",
            live.scope, live.conn.server
        );
    }
    let (tx, mut rx) = mpsc::unbounded_channel();
    let stores = Stores::start(&live.conn.client, &live.scope, &tx);
    drop(tx);
    let mut health: BTreeMap<Source, Health> = Source::ALL
        .into_iter()
        .map(|s| (s, Health::Starting))
        .collect();
    let deadline = limit.map(|d| Instant::now() + d);
    let mut pending: Option<Instant> = None;
    let mut last: Option<Report> = None;
    loop {
        let ready = health.values().all(|h| *h != Health::Starting);
        tokio::select! {
            signal = rx.recv() => {
                let Some(signal) = signal else { break };
                let now = Timestamp::now();
                match signal {
                    Signal::Listed(s) => {
                        if matches!(health[&s], Health::Stale(_) | Health::Unread(_)) && last.is_some() {
                            printer.health("watching", s, None, now);
                        }
                        health.insert(s, Health::Watching);
                    }
                    Signal::Changed(_) => {}
                    Signal::Failed(s, why) => match &health[&s] {
                        Health::Starting => {
                            health.insert(s, Health::Unread(why));
                        }
                        Health::Watching => {
                            if last.is_some() {
                                printer.health("stale", s, Some(&why), now);
                            }
                            health.insert(s, Health::Stale(why));
                        }
                        Health::Unread(_) | Health::Stale(_) => {}
                    },
                }
                pending.get_or_insert(Instant::now() + SETTLE);
            }
            _ = sleep_until(pending), if ready && pending.is_some() => {
                pending = None;
                let now = Timestamp::now();
                if last.is_none() {
                    first_read(&health, &printer, now)?;
                }
                let mut snap = stores.snapshot(&live.scope, now);
                for (s, h) in &health {
                    if let Health::Unread(why) = h {
                        snap.skip(*s, why.clone());
                    }
                }
                let mut report = analyze(&snap, now, &live.kubectl);
                if let Some(name) = &args.statefulset {
                    let ns = live.namespace.as_str();
                    if last.is_none() && !snap.statefulsets.iter().any(|s| {
                        crate::k8s::name(&s.metadata) == name && crate::k8s::namespace(&s.metadata) == ns
                    }) && snap.is_skipped(Source::StatefulSets).is_none() {
                        return Err(Failure::usage(format!(
                            "statefulset {name} not found in namespace {ns}"
                        ))
                        .into());
                    }
                    report.retain(Some((ns, name)), &args.symptom);
                } else if !args.symptom.is_empty() {
                    report.retain(None, &args.symptom);
                }
                for c in watch::diff(last.as_ref(), &report) {
                    printer.change(&c, now);
                }
                last = Some(report);
            }
            _ = sleep_until(deadline), if deadline.is_some() => break,
        }
    }
    let Some(report) = last else {
        return Err(Failure::usage("the watch ended before every kind was listed").into());
    };
    Ok(super::diagnose::exit_code(&report, g.fail_on.threshold()))
}

/// Before the first analysis: the kinds that could not be read are said once; none at all
/// is a failure, as for a one-off run.
fn first_read(health: &BTreeMap<Source, Health>, printer: &Printer, now: Timestamp) -> Result<()> {
    let unread: Vec<(&Source, &String)> = health
        .iter()
        .filter_map(|(s, h)| match h {
            Health::Unread(why) => Some((s, why)),
            _ => None,
        })
        .collect();
    if unread.len() == health.len() {
        let why = unread.first().map(|(_, w)| w.as_str()).unwrap_or_default();
        return Err(Failure::usage(format!("no kind could be read: {why}")).into());
    }
    for (s, why) in unread {
        printer.health("skipped", *s, Some(why), now);
    }
    Ok(())
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}
