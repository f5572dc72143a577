//! `kubectl sts diagnose [STS] --watch [--timeout D]`: one list then one watch per kind;
//! after a change (at most once every 250 ms, so a burst is analysed together) the pure
//! analysis runs again on the current state and what changed is printed: findings opened, changed or resolved, and kinds whose watch
//! broke (their findings may be out of date until it is back) or came back. JSON lines
//! with `-o json` or when stdout is not a terminal; a line per change for people otherwise.
//! An idle cluster costs nothing: no periodic re-list, no timer unless something changed.

use super::input;
use crate::analysis::Report;
use crate::checks::analyze;
use crate::cli::{DiagnoseArgs, GlobalArgs, Output};
use crate::cmd::out::outln;
use crate::error::Failure;
use crate::render::watch_view::{Action, View};
use crate::snapshot::Source;
use crate::watch::live::{Signal, Stores};
use crate::watch::{self, Change};
use anyhow::Result;
use crossterm::event::{Event as CtEvent, EventStream, KeyEvent, KeyEventKind};
use jiff::Timestamp;
use serde_json::json;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// At most one analysis this often: a change after a quiet spell is analysed at once, the
/// changes of a burst (a rollout touching many pods) together at the end of the interval.
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

/// Where changes go: JSON lines, a line per change for people, or the full-screen view.
enum Sink {
    Json,
    Lines,
    Screen(Box<View>),
}

impl Sink {
    fn change(&mut self, c: &Change, now: Timestamp) -> std::io::Result<()> {
        match self {
            Sink::Json => outln!(
                "{}",
                json!({"time": now, "event": c.event, "finding": c.finding})
            ),
            Sink::Lines => {
                let f = &c.finding;
                outln!(
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
            // The view takes a whole analysis at once (see `changes`).
            Sink::Screen(_) => {}
        }
        Ok(())
    }

    fn changes(&mut self, changes: &[Change], now: Timestamp) -> std::io::Result<()> {
        for c in changes {
            self.change(c, now)?;
        }
        if let Sink::Screen(v) = self {
            v.apply(changes, now);
        }
        Ok(())
    }

    /// A kind's watch: `skipped` (never read), `stale` (broken, retried) or `watching`
    /// (back).
    fn health(
        &mut self,
        event: &str,
        source: Source,
        reason: Option<&str>,
        now: Timestamp,
    ) -> std::io::Result<()> {
        match self {
            Sink::Json => {
                let mut v = json!({"time": now, "event": event, "source": source});
                if let Some(r) = reason {
                    v["reason"] = json!(r);
                }
                outln!("{v}");
            }
            Sink::Lines => {
                let what = match event {
                    "stale" => {
                        "watch broken, reconnecting; findings that need it may be out of date"
                    }
                    "skipped" => "not read; the checks that need it do not run",
                    _ => "watched again",
                };
                outln!(
                    "{}  {:<8}  {source}: {what}{}",
                    now.strftime("%H:%M:%S"),
                    event,
                    reason.map(|r| format!(" ({r})")).unwrap_or_default()
                );
            }
            Sink::Screen(v) => {
                let why = reason.map(|r| format!(": {r}")).unwrap_or_default();
                match event {
                    "stale" => {
                        v.health.insert(
                            source,
                            format!(
                                "stale since {}, reconnecting{why}",
                                now.strftime("%H:%M:%S")
                            ),
                        );
                    }
                    "skipped" => {
                        v.health.insert(source, format!("not read{why}"));
                    }
                    _ => {
                        v.health.remove(&source);
                    }
                }
            }
        }
        Ok(())
    }
}

/// The terminal in full-screen mode while it lives; restored however the run ends (ratatui
/// also restores it on a panic).
struct Screen(ratatui::DefaultTerminal);

impl Screen {
    fn open() -> Self {
        Screen(ratatui::init())
    }

    fn draw(&mut self, view: &View) {
        let now = Timestamp::now();
        // A failed draw (terminal gone) leaves the last frame; the watch goes on.
        let _ = self.0.draw(|f| view.draw(f, now));
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        ratatui::restore();
    }
}

pub async fn run(g: &GlobalArgs, args: &DiagnoseArgs) -> Result<i32> {
    let limit = limit_of(g, args)?;
    let request_timeout =
        crate::cluster::parse_timeout(&g.request_timeout).map_err(Failure::usage)?;
    let live = input::connect(g, request_timeout, true).await?;
    let mut sink = sink_for(g, &live);
    let mut screen = matches!(sink, Sink::Screen(_)).then(Screen::open);
    let mut keys = screen.as_ref().map(|_| EventStream::new());
    if screen.is_none() && std::io::stderr().is_terminal() {
        eprintln!(
            "watching {} on {} (Ctrl-C to stop) …",
            live.scope, live.conn.server
        );
    }
    let (tx, mut rx) = mpsc::unbounded_channel();
    let stores = Stores::start(&live.conn.client, &live.scope, &tx);
    drop(tx);
    let deadline = limit.map(|d| Instant::now() + d);
    let mut pending: Option<Instant> = None;
    let mut last_run: Option<Instant> = None;
    let mut st = State::new(&live.scope);
    // The screen's "2m ago" ages: redrawn every few seconds while it is up (nothing else
    // runs on a timer).
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    loop {
        if let (Some(scr), Sink::Screen(view)) = (screen.as_mut(), &sink) {
            scr.draw(view);
        }
        let ready = st.health.values().all(|h| *h != Health::Starting);
        tokio::select! {
            signal = rx.recv() => {
                let Some(signal) = signal else { break };
                st.on_signal(signal, &mut sink)?;
                pending.get_or_insert_with(|| {
                    Instant::now().max(last_run.map_or(Instant::now(), |t| t + SETTLE))
                });
            }
            _ = sleep_until(pending), if ready && pending.is_some() => {
                pending = None;
                last_run = Some(Instant::now());
                st.analyse(g, args, &live, &stores, &mut sink, request_timeout).await?;
            }
            key = next_key(&mut keys) => {
                let Sink::Screen(view) = &mut sink else { continue };
                match view.key(key.code, key.modifiers) {
                    Action::None => {}
                    Action::Quit => break,
                    Action::Run(finding) => {
                        // The command runner asks on the plain terminal; the view comes
                        // back when it is done.
                        drop(screen.take());
                        let one = Report {
                            findings: vec![*finding],
                            ..report_like(st.last.as_ref())
                        };
                        let ran = super::interactive::offer_commands(&one, args.yes);
                        screen = Some(Screen::open());
                        keys = Some(EventStream::new());
                        ran?;
                    }
                }
            }
            _ = tick.tick(), if screen.is_some() => {
                if let Sink::Screen(view) = &mut sink {
                    view.prune(Timestamp::now());
                }
            }
            _ = sleep_until(deadline), if deadline.is_some() => break,
        }
    }
    drop(screen);
    let Some(report) = st.last else {
        return Err(Failure::usage("the watch ended before every kind was listed").into());
    };
    Ok(super::diagnose::exit_code(&report, g.fail_on.threshold()))
}

/// The flags --watch cannot run with, and the time limit it was given (`--timeout`).
fn limit_of(g: &GlobalArgs, args: &DiagnoseArgs) -> Result<Option<Duration>> {
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
            "--prometheus (or KUBECTL_STS_PROMETHEUS) is read once per run; with --watch it would go stale: drop one of them",
        )
        .into());
    }
    Ok(match args.timeout.as_deref() {
        Some(t) => crate::cluster::parse_timeout(t)
            .map_err(Failure::usage)?
            .filter(|d| !d.is_zero()),
        None => None,
    })
}

/// Where changes go: JSON lines to a pipe or with `-o json`, lines to a small or
/// non-interactive terminal, else the full screen.
fn sink_for(g: &GlobalArgs, live: &input::Live) -> Sink {
    // A full screen needs a terminal on both ends, of a size that holds it.
    let terminal = std::io::stdout().is_terminal()
        && std::io::stdin().is_terminal()
        && crossterm::terminal::size().is_ok_and(|(w, h)| w >= 60 && h >= 12);
    match g.output {
        Output::Json => Sink::Json,
        _ if !std::io::stdout().is_terminal() => Sink::Json,
        _ if !terminal || g.no_interactive => Sink::Lines,
        _ => Sink::Screen(Box::new(View::new(match &live.conn.context {
            Some(c) => format!("context {c} · {}", live.scope),
            None => live.scope.to_string(),
        }))),
    }
}

/// What the watch has seen: each kind's health, the state analysed and the kinds changed
/// since (each copied out of its store again only when it changed), the set followed and
/// the last report.
struct State {
    health: BTreeMap<Source, Health>,
    snap: crate::snapshot::Snapshot,
    changed: std::collections::BTreeSet<Source>,
    /// `diagnose NAME --watch`: the set, found in the first state listed.
    target: Option<(String, String)>,
    last: Option<Report>,
}

impl State {
    fn new(scope: &crate::snapshot::Scope) -> State {
        State {
            health: Source::ALL
                .into_iter()
                .map(|s| (s, Health::Starting))
                .collect(),
            snap: crate::snapshot::Snapshot {
                scope: scope.clone(),
                ..Default::default()
            },
            changed: Source::ALL.into_iter().collect(),
            target: None,
            last: None,
        }
    }

    /// A store listed, changed or failed: its health, said once the first report is out.
    fn on_signal(&mut self, signal: Signal, sink: &mut Sink) -> Result<()> {
        let (health, changed, last) = (&mut self.health, &mut self.changed, &self.last);
        let now = Timestamp::now();
        match signal {
            Signal::Listed(s) => {
                changed.insert(s);
                if matches!(health[&s], Health::Stale(_) | Health::Unread(_)) && last.is_some() {
                    sink.health("watching", s, None, now)?;
                }
                health.insert(s, Health::Watching);
            }
            Signal::Changed(s) => {
                changed.insert(s);
            }
            Signal::Failed(s, why) => match &health[&s] {
                Health::Starting => {
                    health.insert(s, Health::Unread(why));
                }
                Health::Watching => {
                    if last.is_some() {
                        sink.health("stale", s, Some(&why), now)?;
                    }
                    health.insert(s, Health::Stale(why));
                }
                Health::Unread(_) | Health::Stale(_) => {}
            },
        }
        Ok(())
    }

    /// Analyses the state as it is now and reports what changed since the last run.
    async fn analyse(
        &mut self,
        g: &GlobalArgs,
        args: &DiagnoseArgs,
        live: &input::Live,
        stores: &Stores,
        sink: &mut Sink,
        request_timeout: Option<Duration>,
    ) -> Result<()> {
        let now = Timestamp::now();
        if self.last.is_none() {
            first_read(&self.health, sink, now)?;
        }
        stores.refresh(&mut self.snap, &std::mem::take(&mut self.changed), now);
        if self.last.is_none() {
            // Operators' custom resources are read once, for the StatefulSets of the first
            // listing; they are not watched.
            let client = &live.conn.client;
            crate::snapshot::custom::read_custom(client, &mut self.snap, request_timeout).await;
        }
        for (s, h) in &self.health {
            if let Health::Unread(why) = h {
                self.snap.skip(*s, why.clone());
            }
        }
        let mut report = analyze(&self.snap, now, &live.kubectl);
        if let (Some(name), None) = (&args.statefulset, &self.target) {
            let only = (!g.all_namespaces).then_some(live.namespace.as_str());
            self.target = Some(resolve(&self.snap, name, only)?);
        }
        if self.target.is_some() || !args.symptom.is_empty() {
            report.retain(
                self.target
                    .as_ref()
                    .map(|(ns, n)| (ns.as_str(), n.as_str())),
                &args.symptom,
            );
        }
        sink.changes(&watch::diff(self.last.as_ref(), &report), now)?;
        self.last = Some(report);
        Ok(())
    }
}

/// The namespace and name of the StatefulSet `name` (in `only`, or in any namespace).
fn resolve(
    snap: &crate::snapshot::Snapshot,
    name: &str,
    only: Option<&str>,
) -> Result<(String, String)> {
    let found: Vec<&str> = snap
        .statefulsets
        .iter()
        .filter(|s| crate::k8s::name(&s.metadata) == name)
        .map(|s| crate::k8s::namespace(&s.metadata))
        .filter(|ns| only.is_none_or(|o| o == *ns))
        .collect();
    let where_ = only
        .map(|o| format!(" in namespace {o}"))
        .unwrap_or_default();
    match (found.as_slice(), snap.is_skipped(Source::StatefulSets)) {
        ([ns], _) => Ok((ns.to_string(), name.to_string())),
        ([], Some(s)) => Err(Failure::usage(format!(
            "cannot look up statefulset {name}: statefulsets were not read ({})",
            s.reason
        ))
        .into()),
        ([], None) => Err(Failure::usage(format!("statefulset {name} not found{where_}")).into()),
        (many, _) => Err(Failure::usage(format!(
            "statefulset {name} exists in several namespaces ({}); pass -n",
            many.join(", ")
        ))
        .into()),
    }
}

/// Before the first analysis: the kinds that could not be read are said once; none at all
/// is a failure, as for a one-off run.
fn first_read(health: &BTreeMap<Source, Health>, sink: &mut Sink, now: Timestamp) -> Result<()> {
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
        sink.health("skipped", *s, Some(why), now)?;
    }
    Ok(())
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

/// The next key pressed, when the screen is up (never otherwise).
async fn next_key(keys: &mut Option<EventStream>) -> KeyEvent {
    use futures::StreamExt;
    let Some(stream) = keys else {
        return std::future::pending().await;
    };
    loop {
        match stream.next().await {
            Some(Ok(CtEvent::Key(k))) if k.kind == KeyEventKind::Press => return k,
            Some(Ok(_)) => continue,
            // The terminal is gone: no more keys (the watch goes on until its end).
            Some(Err(_)) | None => return std::future::pending().await,
        }
    }
}

/// An empty report with the fields a one-finding report for the command runner needs.
fn report_like(r: Option<&Report>) -> Report {
    Report {
        manifests: false,
        findings: Vec::new(),
        skipped: r.map(|r| r.skipped.clone()).unwrap_or_default(),
        not_checked: Vec::new(),
        summary: Default::default(),
        statefulsets_checked: 0,
    }
}
