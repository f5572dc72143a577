//! Fleet runs: `diagnose`, `orphans` and `snapshot` over several kubeconfig contexts
//! (`--all-contexts`, `--context a,b`, `--context 'prod-*'`). Each cluster is read with its
//! own client (so an exec credential plugin runs once per context, not per request) and
//! fails on its own: an unreachable or refused cluster is reported as such and the others
//! go on. The run fails (exit 2) only when no cluster could be read.

use super::input::{self, Input};
use crate::analysis::Report;
use crate::checks::analyze;
use crate::cli::{DiagnoseArgs, GlobalArgs, OrphansArgs, Output, PrometheusArgs};
use crate::cluster;
use crate::cmd::out::{out, outln};
use crate::error::{Failure, Unread};
use crate::orphans::cost::{Prices, round_cents};
use crate::orphans::{self, OrphanReport};
use crate::render::{self, Style};
use crate::snapshot::prometheus::Endpoint;
use crate::snapshot::{Skipped, Source};
use anyhow::Result;
use futures::stream::{self, StreamExt};
use serde::Serialize;
use std::path::Path;
use std::time::Instant;

/// How one cluster of the run went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Everything was read.
    Ok,
    /// Read, but some kinds were not (their checks did not run).
    Partial,
    /// No answer: refused, DNS, TLS, proxy, timeout.
    Unreachable,
    /// 401/403 to everything, or no credentials could be obtained.
    Unauthorized,
    /// Anything else that stopped the read (a broken context, not a Kubernetes API server).
    Error,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Partial => "partial",
            Status::Unreachable => "unreachable",
            Status::Unauthorized => "unauthorized",
            Status::Error => "error",
        }
    }
}

/// One context of the run: what was read, or why nothing was.
pub struct Member {
    pub context: String,
    pub read: Result<Input, (Status, String)>,
}

impl Member {
    fn status(&self) -> Status {
        match &self.read {
            Ok(i) if i.snap.skipped.is_empty() => Status::Ok,
            Ok(_) => Status::Partial,
            Err((s, _)) => *s,
        }
    }

    /// The reason it was not read, or the kinds that were skipped.
    fn note(&self) -> String {
        match &self.read {
            Ok(i) if i.snap.skipped.is_empty() => String::new(),
            Ok(i) => {
                let kinds: Vec<String> = i
                    .snap
                    .skipped
                    .iter()
                    .map(|s| s.source.to_string())
                    .collect();
                format!("skipped: {}", kinds.join(", "))
            }
            Err((_, why)) => why.clone(),
        }
    }

    /// For an unread cluster, every source with the reason: the contract's `skipped` says
    /// which checks did not run, and for this cluster none did.
    fn skipped(&self) -> Vec<Skipped> {
        match &self.read {
            Ok(i) => i.snap.skipped.clone(),
            Err((status, why)) => Source::ALL
                .into_iter()
                .map(|source| Skipped {
                    source,
                    reason: format!("{}: {why}", status.as_str()),
                })
                .collect(),
        }
    }
}

fn classify(e: &anyhow::Error) -> (Status, String) {
    let status = match e
        .chain()
        .find_map(|c| c.downcast_ref::<Failure>())
        .and_then(|f| f.unread)
    {
        Some(Unread::Unreachable) => Status::Unreachable,
        Some(Unread::Unauthorized) => Status::Unauthorized,
        None => Status::Error,
    };
    (status, crate::error::one_line(e))
}

/// Reads every selected context, `--parallel` at a time, in kubeconfig order. One line
/// per cluster on stderr as it is done; nothing on stdout until the result.
pub async fn read(g: &GlobalArgs, command: &str) -> Result<Vec<Member>> {
    if !g.from_file.is_empty() {
        return Err(Failure::usage(format!(
            "{command} over several contexts reads live clusters; --from-file reads saved state: drop one of them"
        ))
        .into());
    }
    // They would point every context at one cluster or one user.
    if g.cluster.is_some() || g.user.is_some() {
        return Err(Failure::usage(
            "--cluster and --user override one context's cluster or user; with several contexts each context's own are used: drop them",
        )
        .into());
    }
    let kc = cluster::load_kubeconfig(g.kubeconfig.as_deref())?.ok_or_else(|| {
        Failure::usage(
            "several contexts were asked for, and there is no kubeconfig (--kubeconfig, KUBECONFIG, ~/.kube/config)",
        )
    })?;
    let contexts = cluster::select_contexts(&kc, &g.contexts, g.all_contexts)?;
    let total = contexts.len();
    eprintln!(
        "reading {total} cluster{}, {} at a time …",
        if total == 1 { "" } else { "s" },
        g.parallel.min(total)
    );
    let done = std::sync::atomic::AtomicUsize::new(0);
    let mut members: Vec<(usize, Member)> = stream::iter(contexts.into_iter().enumerate())
        .map(|(i, context)| {
            let mut one = g.clone();
            one.context = Some(context.clone());
            one.contexts = vec![context.clone()];
            one.all_contexts = false;
            one.fleet_member = true;
            let done = &done;
            async move {
                let started = Instant::now();
                let read = input::load_live(&one, command)
                    .await
                    .map_err(|e| classify(&e));
                let m = Member { context, read };
                let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                let what = match &m.read {
                    Ok(i) => format!(
                        "{} ({} objects)",
                        m.status().as_str(),
                        Source::ALL.iter().map(|s| i.snap.count(*s)).sum::<usize>()
                    ),
                    Err((s, why)) => format!("{}: {why}", s.as_str()),
                };
                eprintln!(
                    "[{n}/{total}] {}: {what}, {:.1}s",
                    m.context,
                    started.elapsed().as_secs_f64()
                );
                (i, m)
            }
        })
        .buffer_unordered(g.parallel.max(1))
        .collect()
        .await;
    members.sort_by_key(|(i, _)| *i);
    let members: Vec<Member> = members.into_iter().map(|(_, m)| m).collect();
    for m in &members {
        if let Ok(i) = &m.read {
            for n in &i.snap.notes {
                eprintln!("note: {}: {n}", m.context);
            }
        }
    }
    Ok(members)
}

/// Exit 2 after the output when not one cluster could be read.
fn none_read(members: &[Member]) -> Result<()> {
    if members.iter().any(|m| m.read.is_ok()) {
        return Ok(());
    }
    Err(Failure::usage(format!(
        "none of the {} clusters could be read",
        members.len()
    ))
    .into())
}

#[derive(Serialize)]
struct FleetSummary {
    clusters: usize,
    read: usize,
    critical: usize,
    warning: usize,
    info: usize,
}

/// Which cluster an entry of `clusters` is, and how its read went.
#[derive(Serialize)]
struct Head<'a> {
    context: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    server: Option<&'a str>,
    status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    evaluated_at: Option<jiff::Timestamp>,
}

impl Member {
    fn head(&self) -> Head<'_> {
        let input = self.read.as_ref().ok();
        Head {
            context: &self.context,
            server: input.and_then(|i| i.server.as_deref()),
            status: self.status(),
            reason: self.read.as_ref().err().map(|(_, why)| why.as_str()),
            evaluated_at: input.map(|i| i.now),
        }
    }
}

#[derive(Serialize)]
struct DiagnoseCluster<'a> {
    #[serde(flatten)]
    head: Head<'a>,
    findings: &'a [crate::finding::Finding],
    skipped: Vec<Skipped>,
    #[serde(skip_serializing_if = "Option::is_none")]
    not_checked: Option<&'a [crate::analysis::NotChecked]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<&'a crate::analysis::Counts>,
}

#[derive(Serialize)]
struct DiagnoseDoc<'a> {
    clusters: Vec<DiagnoseCluster<'a>>,
    summary: FleetSummary,
}

/// `--prometheus` in a fleet run: `svc/NS/NAME:PORT` names a Prometheus inside each
/// cluster, read through that cluster's API server. A URL is one server: claim names
/// repeat from cluster to cluster, so its series cannot be told apart.
fn fleet_prometheus(p: &PrometheusArgs) -> Result<Option<Endpoint>> {
    let endpoint = input::prometheus_endpoint(p)?;
    if let Some(Endpoint::Url(_)) = &endpoint {
        return Err(Failure::usage(
            "--prometheus URL (or KUBECTL_STS_PROMETHEUS) is one Prometheus for one cluster: with several contexts give svc/NAMESPACE/NAME:PORT, read in each cluster through its API server",
        )
        .into());
    }
    Ok(endpoint)
}

/// The opt-in reads of a cluster of the fleet, `--parallel` clusters at a time.
async fn read_opt_in(
    members: &mut [Member],
    g: &GlobalArgs,
    args: &DiagnoseArgs,
    prometheus: Option<&Endpoint>,
) {
    if !(args.volume_stats || args.logs || prometheus.is_some()) {
        return;
    }
    stream::iter(members.iter_mut().filter_map(|m| m.read.as_mut().ok()))
        .for_each_concurrent(g.parallel.max(1), |input| async move {
            super::diagnose::read_opt_in(input, args, None).await;
            if let Some(e) = prometheus {
                input::read_prometheus(input, &args.prometheus, e).await;
            }
        })
        .await;
}

pub async fn diagnose(g: &GlobalArgs, args: &DiagnoseArgs) -> Result<i32> {
    let prometheus = fleet_prometheus(&args.prometheus)?;
    let mut members = read(g, "diagnose").await?;
    read_opt_in(&mut members, g, args, prometheus.as_ref()).await;
    let reports: Vec<Option<Report>> = members
        .iter_mut()
        .map(|m| {
            let input = m.read.as_mut().ok()?;
            let mut report = analyze(&input.snap, input.now, &input.kubectl);
            let target = match &args.statefulset {
                // In a fleet the set may live in some clusters only: elsewhere, a note.
                Some(name) => match input::resolve_statefulset(input, name, None) {
                    Ok(t) => Some(t),
                    Err(e) => {
                        eprintln!("note: {}: {}", m.context, crate::error::one_line(&e));
                        // No set of that name here: nothing of this cluster is shown.
                        report.retain(Some(("", "")), &args.symptom);
                        return Some(report);
                    }
                },
                None => None,
            };
            if target.is_some() || !args.symptom.is_empty() {
                report.retain(
                    target.as_ref().map(|(ns, n)| (ns.as_str(), n.as_str())),
                    &args.symptom,
                );
            }
            Some(report)
        })
        .collect();
    let mut summary = FleetSummary {
        clusters: members.len(),
        read: 0,
        critical: 0,
        warning: 0,
        info: 0,
    };
    for r in reports.iter().flatten() {
        summary.read += 1;
        summary.critical += r.summary.critical;
        summary.warning += r.summary.warning;
        summary.info += r.summary.info;
    }
    let out = match g.output {
        Output::Table => {
            let sources: Vec<String> = members
                .iter()
                .map(|m| {
                    m.read
                        .as_ref()
                        .map(|i| i.source.clone())
                        .unwrap_or_default()
                })
                .collect();
            let clusters: Vec<_> = members
                .iter()
                .zip(&reports)
                .zip(&sources)
                .map(|((m, r), source)| render::fleet::Cluster {
                    context: &m.context,
                    status: m.status().as_str(),
                    note: m.note(),
                    result: m.read.as_ref().ok().zip(r.as_ref()).map(|(i, r)| {
                        (
                            r,
                            render::diagnose::Header {
                                source,
                                scope: i.snap.scope.to_string(),
                                now: i.now,
                            },
                        )
                    }),
                })
                .collect();
            render::fleet::diagnose_table(&clusters, &Style::detect(g.no_color))
        }
        other => {
            let clusters = members
                .iter()
                .zip(&reports)
                .map(|(m, r)| DiagnoseCluster {
                    head: m.head(),
                    findings: r.as_ref().map_or(&[], |r| &r.findings),
                    skipped: m.skipped(),
                    not_checked: r.as_ref().map(|r| r.not_checked.as_slice()),
                    summary: r.as_ref().map(|r| &r.summary),
                })
                .collect();
            render::machine(&DiagnoseDoc { clusters, summary }, other)?
        }
    };
    out!("{out}");
    none_read(&members)?;
    let worst = reports.iter().flatten().filter_map(Report::worst).max();
    Ok(match (g.fail_on.threshold(), worst) {
        (Some(t), Some(w)) if w >= t => 1,
        _ => 0,
    })
}

#[derive(Serialize)]
struct OrphansCluster<'a> {
    #[serde(flatten)]
    head: Head<'a>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    report: Option<&'a OrphanReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    skipped: Option<Vec<Skipped>>,
}

#[derive(Serialize)]
struct OrphansDoc<'a> {
    clusters: Vec<OrphansCluster<'a>>,
    summary: OrphansSummary,
}

#[derive(Serialize)]
struct OrphansSummary {
    clusters: usize,
    read: usize,
    orphans: usize,
    total_capacity_bytes: u64,
    total_monthly_cost: f64,
}

pub async fn orphans(g: &GlobalArgs, args: &OrphansArgs) -> Result<i32> {
    if args.delete {
        // Deleting is decided object by object with a confirmation per cluster's plan:
        // one cluster at a time.
        return Err(Failure::usage(
            "--delete works on one cluster: list the fleet's orphans, then run --delete with --context naming one",
        )
        .into());
    }
    let members = read(g, "orphans").await?;
    let prices = Prices::new(args.price_per_gib, &args.prices);
    let reports: Vec<Option<OrphanReport>> = members
        .iter()
        .map(|m| {
            let i = m.read.as_ref().ok()?;
            Some(orphans::find(&i.snap, i.now, &prices, &i.kubectl))
        })
        .collect();
    let out = match g.output {
        Output::Table => {
            let clusters: Vec<_> = members
                .iter()
                .zip(&reports)
                .map(|(m, r)| render::fleet::Cluster {
                    context: &m.context,
                    status: m.status().as_str(),
                    note: m.note(),
                    result: m.read.as_ref().ok().zip(r.as_ref()).map(|(i, r)| {
                        (
                            r,
                            render::orphans::Header {
                                source: &i.source,
                                scope: i.snap.scope.to_string(),
                                namespaced: i.snap.scope.namespace.is_some(),
                                now: i.now,
                            },
                        )
                    }),
                })
                .collect();
            render::fleet::orphans_table(&clusters, &Style::detect(g.no_color))
        }
        other => {
            let summary = OrphansSummary {
                clusters: members.len(),
                read: reports.iter().flatten().count(),
                orphans: reports.iter().flatten().map(|r| r.orphans.len()).sum(),
                total_capacity_bytes: reports
                    .iter()
                    .flatten()
                    .map(|r| r.total_capacity_bytes)
                    .sum(),
                total_monthly_cost: round_cents(
                    reports.iter().flatten().map(|r| r.total_monthly_cost).sum(),
                ),
            };
            let clusters = members
                .iter()
                .zip(&reports)
                .map(|(m, r)| OrphansCluster {
                    head: m.head(),
                    report: r.as_ref(),
                    // A read cluster's report carries its own `skipped`.
                    skipped: r.is_none().then(|| m.skipped()),
                })
                .collect();
            render::machine(&OrphansDoc { clusters, summary }, other)?
        }
    };
    out!("{out}");
    none_read(&members)?;
    // Orphans are info findings: exit 1 only with `--fail-on info`, as for one cluster.
    let any = reports.iter().flatten().any(|r| !r.is_empty());
    Ok(match g.fail_on.threshold() {
        Some(crate::finding::Severity::Info) if any => 1,
        _ => 0,
    })
}

/// `snapshot` over several contexts: one file per context in `dir`, named after it.
pub async fn snapshot(g: &GlobalArgs, dir: Option<&Path>, p: &PrometheusArgs) -> Result<i32> {
    let prometheus = fleet_prometheus(p)?;
    let Some(dir) = dir else {
        return Err(Failure::usage(
            "a snapshot of several contexts is one file per context: add --output-dir DIR",
        )
        .into());
    };
    std::fs::create_dir_all(dir)
        .map_err(|e| Failure::usage(format!("cannot create {}: {e}", dir.display())))?;
    let mut members = read(g, "snapshot").await?;
    if let Some(e) = &prometheus {
        stream::iter(members.iter_mut().filter_map(|m| m.read.as_mut().ok()))
            .for_each_concurrent(g.parallel.max(1), |input| {
                input::read_prometheus(input, p, e)
            })
            .await;
    }
    let mut stems = std::collections::BTreeSet::new();
    for m in &members {
        match &m.read {
            Ok(input) => {
                // Two contexts whose names differ only in unsafe characters get two files.
                let base = super::snapshot::file_name(&m.context);
                let mut stem = base.clone();
                for k in 2.. {
                    if stems.insert(stem.clone()) {
                        break;
                    }
                    stem = format!("{base}-{k}");
                }
                let path = super::snapshot::write(input, &stem, dir, g.output)?;
                for s in &input.snap.skipped {
                    eprintln!("skipped: {}: {} ({})", m.context, s.source, s.reason);
                }
                outln!("{}: {} {}", m.context, m.status().as_str(), path.display());
            }
            Err((status, why)) => {
                outln!(
                    "{}: {} ({why}): no file written",
                    m.context,
                    status.as_str()
                );
            }
        }
    }
    none_read(&members)?;
    Ok(0)
}
