//! `kubectl sts drain-check NODE... | -l SELECTOR [--plan] [--server-dry-run]`

use super::input;
use crate::cli::{DrainCheckArgs, FailOn, GlobalArgs, Output};
use crate::cmd::out::out;
use crate::drain::{self, DrainReport, ServerAnswer, Verdict};
use crate::error::Failure;
use crate::render::{self, Style};
use crate::snapshot::Source;
use anyhow::Result;
use futures::{StreamExt, stream};
use serde::Serialize;
use std::io::IsTerminal;
use std::time::Duration;

/// Dry-run evictions in flight at once.
const CONCURRENCY: usize = 5;

#[derive(Serialize)]
struct Doc<'a> {
    #[serde(flatten)]
    report: &'a DrainReport,
    evaluated_at: jiff::Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    captured_at: Option<jiff::Timestamp>,
}

pub async fn run(g: &GlobalArgs, args: &DrainCheckArgs) -> Result<i32> {
    if args.server_dry_run && !g.from_file.is_empty() {
        return Err(Failure::usage(
            "--server-dry-run asks the live API server about each eviction; it cannot be used with --from-file",
        )
        .into());
    }
    if args.nodes.is_empty() && args.selector.is_none() {
        return Err(Failure::usage(
            "name the nodes to drain (kubectl sts drain-check NODE...) or select them with -l SELECTOR",
        )
        .into());
    }
    // A drain evicts the pods of every namespace, so read them all unless -n asks otherwise.
    let mut g_all = g.clone();
    if g.namespace.is_none() {
        g_all.all_namespaces = true;
    }
    let input = input::load_live(&g_all, "drain-check").await?;
    input::print_notes(&input.snap);
    for source in [Source::Nodes, Source::Pods] {
        if let Some(s) = input.snap.is_skipped(source) {
            return Err(Failure::usage(format!(
                "cannot judge a drain: {source} could not be read ({})",
                s.reason
            ))
            .into());
        }
    }
    let nodes = drain::select::nodes(&input.snap, &args.nodes, args.selector.as_deref())
        .map_err(Failure::usage)?;
    let mut report = if args.plan {
        drain::plan(&input.snap, &nodes, input.now, &input.kubectl)
    } else {
        drain::simulate(&input.snap, &nodes, input.now, &input.kubectl)
    };
    // A drain evicts every namespace's pods: say when only one was judged, and how to
    // judge them all: -n narrowed it, or the saved state holds no more.
    let narrowed = match (&g.namespace, &input.snap.scope.namespace) {
        (Some(ns), _) => Some(format!(
            "Only namespace {ns} was judged: pods of other namespaces on these nodes are not (drop -n to judge them all)."
        )),
        (None, Some(ns)) => Some(format!(
            "The saved state holds only namespace {ns}: pods of other namespaces on these nodes are not judged (save it with `kubectl sts snapshot -A` to judge them all)."
        )),
        (None, None) => None,
    };
    if let Some(text) = narrowed {
        report.assumptions.insert(0, text);
    }
    if args.server_dry_run {
        let Some(client) = input.client.clone() else {
            return Err(Failure::usage("--server-dry-run needs a live cluster").into());
        };
        let targets = drain::server::targets(&report);
        if std::io::stderr().is_terminal() && !targets.is_empty() {
            eprintln!(
                "asking the API server about {} dry-run eviction(s) …",
                targets.len()
            );
        }
        let answers = dry_run_evictions(&client, targets, input.timeout).await;
        drain::server::merge(&mut report, &answers, &input.kubectl);
    }
    let out = match g.output {
        Output::Table => render::drain::table(
            &report,
            &render::drain::Header {
                source: &input.source,
                now: input.now,
            },
            &Style::detect(g.no_color),
        ),
        other => render::machine(
            &Doc {
                report: &report,
                evaluated_at: input.now,
                captured_at: input.snap.captured_at,
            },
            other,
        )?,
    };
    out!("{out}");
    Ok(exit_code(&report, g.fail_on))
}

/// 1 when a node is unsafe or blocked, unless `--fail-on never`.
fn exit_code(report: &DrainReport, fail_on: FailOn) -> i32 {
    match (fail_on, report.worst()) {
        (FailOn::Never, _) | (_, Verdict::Safe) => 0,
        _ => 1,
    }
}

/// One dry-run eviction per pod, a few at a time.
async fn dry_run_evictions(
    client: &kube::Client,
    targets: Vec<(String, String)>,
    timeout: Option<Duration>,
) -> Vec<((String, String), ServerAnswer)> {
    stream::iter(targets)
        .map(|(ns, name)| async move {
            let answer = evict_dry_run(client, &ns, &name, timeout).await;
            ((ns, name), answer)
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await
}

/// One dry-run eviction (`POST .../eviction?dryRun=All`): what the API server says it
/// would do, budgets included; nothing is evicted.
async fn evict_dry_run(
    client: &kube::Client,
    ns: &str,
    name: &str,
    timeout: Option<Duration>,
) -> ServerAnswer {
    match crate::act::evict::evict(client, ns, name, true, None, timeout).await {
        Ok(code) => ServerAnswer {
            allowed: true,
            code,
            message: None,
        },
        Err(e) => ServerAnswer {
            allowed: false,
            code: e.code().unwrap_or(0),
            message: Some(e.message()),
        },
    }
}
