//! `kubectl sts diagnose [STATEFULSET] [--symptom GROUP]...`

use super::input::{self, Input};
use super::interactive;
use crate::analysis::Report;
use crate::checks::analyze;
use crate::cli::{DiagnoseArgs, GlobalArgs, Output};
use crate::cmd::out::out;
use crate::render::{self, Style};
use crate::snapshot::extras;
use anyhow::Result;
use serde::Serialize;
use std::io::IsTerminal;

#[derive(Serialize)]
struct Doc<'a> {
    #[serde(flatten)]
    report: &'a Report,
    evaluated_at: jiff::Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    captured_at: Option<jiff::Timestamp>,
}

pub async fn run(g: &GlobalArgs, args: &DiagnoseArgs) -> Result<i32> {
    let prometheus = input::prometheus_endpoint(&args.prometheus)?;
    let mut input = input::load(g).await?;
    input::print_notes(&input.snap);
    for note in operator_pods(&input.snap) {
        eprintln!("note: {note}");
    }
    let interactive = g.output == Output::Table && interactive::allowed(g.no_interactive);
    let mut name = args.statefulset.clone();
    if name.is_none()
        && interactive
        && !g.all_namespaces
        && let Some(ns) = input.namespace.clone()
    {
        name = interactive::pick_statefulset(&input.snap, &ns)?;
    }
    let target = match &name {
        Some(name) => Some(input::resolve_statefulset(&input, name, None)?),
        None => None,
    };
    read_opt_in(&mut input, args, target.as_ref()).await;
    if let Some(endpoint) = &prometheus {
        input::read_prometheus(&mut input, &args.prometheus, endpoint).await;
    }
    let mut report = analyze(&input.snap, input.now, &input.kubectl);
    if target.is_some() || !args.symptom.is_empty() {
        report.retain(
            target.as_ref().map(|(ns, n)| (ns.as_str(), n.as_str())),
            &args.symptom,
        );
    }
    // The report holds all that is printed: the cluster's objects are let go before the
    // output is built, so the two never add up (on a big cluster, the peak of the run).
    let captured_at = input.snap.captured_at;
    let scope = match &target {
        Some((ns, n)) => format!("statefulset {ns}/{n}"),
        None => input.snap.scope.to_string(),
    };
    drop(std::mem::take(&mut input.snap));
    let out = match g.output {
        Output::Table => {
            let header = render::diagnose::Header {
                source: &input.source,
                scope,
                now: input.now,
            };
            render::diagnose::table(&report, &header, &Style::detect(g.no_color))
        }
        other => render::machine(
            &Doc {
                report: &report,
                evaluated_at: input.now,
                captured_at,
            },
            other,
        )?,
    };
    out!("{out}");
    if interactive {
        interactive::offer_commands(&report, args.yes)?;
    }
    Ok(exit_code(&report, g.fail_on.threshold()))
}

/// `--volume-stats` and `--logs`: bounded per-node / per-pod reads, live only.
pub(super) async fn read_opt_in(
    input: &mut Input,
    args: &DiagnoseArgs,
    target: Option<&(String, String)>,
) {
    if !(args.volume_stats || args.logs) {
        return;
    }
    let Some(client) = input.client.clone() else {
        eprintln!(
            "note: --volume-stats and --logs read the live cluster; with --from-file they use what the snapshot recorded"
        );
        return;
    };
    let only = target.map(|(ns, n)| (ns.as_str(), n.as_str()));
    if args.volume_stats {
        let nodes = extras::stats_nodes(&input.snap, only);
        if std::io::stderr().is_terminal() {
            eprintln!("reading volume stats from {} node(s) …", nodes.len());
        }
        extras::collect_volume_stats(&client, &mut input.snap, nodes, input.timeout).await;
    }
    if args.logs {
        let targets = extras::log_targets(&input.snap, only);
        if std::io::stderr().is_terminal() && !targets.is_empty() {
            eprintln!(
                "reading the previous logs of {} container(s) …",
                targets.len()
            );
        }
        extras::collect_logs(&client, &mut input.snap, targets, input.timeout).await;
    }
}

/// 1 when a finding is at or above the threshold, else 0.
pub fn exit_code(report: &Report, threshold: Option<crate::finding::Severity>) -> i32 {
    match (threshold, report.worst()) {
        (Some(t), Some(w)) if w >= t => 1,
        _ => 0,
    }
}

/// Pods an operator runs without a StatefulSet (Strimzi, CloudNativePG): nothing here
/// judges them, and silence would read as "healthy".
fn operator_pods(snap: &crate::snapshot::Snapshot) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    for pod in &snap.pods {
        if let Some((operator, controller)) =
            crate::k8s::operators::pod_controller_without_statefulset(&pod.metadata)
        {
            let ns = crate::k8s::namespace(&pod.metadata);
            seen.insert(format!(
                "the pods of {controller} in namespace {ns} are run by {operator} without a StatefulSet: kubectl sts does not judge them; use {operator}'s own tooling"
            ));
        }
    }
    seen.into_iter().collect()
}
