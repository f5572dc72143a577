//! Running checks over a snapshot: `run(snapshot, now, checks) -> Report`, pure. No client,
//! no clock, no printing, and no runbook id: the checks and how their findings link live in
//! `crate::checks`.

pub mod index;

use crate::finding::{Category, Finding, ObjectRef, Severity};
use crate::kubectl::Kubectl;
use crate::runbooks;
use crate::snapshot::{Skipped, Snapshot, Source};
use index::Index;
use jiff::Timestamp;
use serde::Serialize;

/// What a check reads: the snapshot, its indexes, the analysis time and how to spell
/// commands for the user's context.
pub struct Ctx<'a> {
    pub snap: &'a Snapshot,
    pub idx: Index<'a>,
    pub now: Timestamp,
    pub kubectl: &'a Kubectl,
}

impl Ctx<'_> {
    /// A finding for runbook `id`, with the runbook's default severity and category.
    pub fn finding(
        &self,
        id: &str,
        object: ObjectRef,
        statefulset: Option<&str>,
        summary: String,
    ) -> Finding {
        let rb = runbooks::get(id);
        Finding {
            runbook: id.to_string(),
            severity: rb.map(|r| r.severity).unwrap_or(Severity::Warning),
            category: rb
                .map(|r| r.category)
                .unwrap_or(crate::finding::Category::Incident),
            object,
            statefulset: statefulset.map(str::to_string),
            summary,
            evidence: Vec::new(),
            commands: Vec::new(),
        }
    }

    /// Volume usage ([`Source::VolumeStats`]) is readable when it came from the kubelets
    /// or from Prometheus: either is enough for the checks that need usage.
    pub fn readable(&self, source: Source) -> bool {
        match source {
            Source::VolumeStats => {
                self.snap.volume_stats.is_some() || self.snap.volume_trends.is_some()
            }
            Source::Prometheus => self.snap.volume_trends.is_some(),
            _ => self.snap.is_skipped(source).is_none(),
        }
    }

    /// The source to name for a missing one: volume usage that was asked of Prometheus,
    /// which failed, is Prometheus that could not be read (its reason is in `skipped`),
    /// not an opt-in flag left off.
    fn missing_as(&self, source: Source) -> Source {
        match source {
            Source::VolumeStats if self.snap.is_skipped(Source::Prometheus).is_some() => {
                Source::Prometheus
            }
            other => other,
        }
    }

    /// Events of one object as evidence lines, newest first: type, reason, how often, how
    /// long ago, and the message. `keep` picks the relevant ones; at most `max` lines.
    pub fn event_lines(
        &self,
        kind: &str,
        ns: &str,
        name: &str,
        keep: impl Fn(&crate::model::Event) -> bool,
        max: usize,
    ) -> Vec<String> {
        self.idx
            .events(kind, ns, name)
            .iter()
            .filter(|e| keep(e))
            .take(max)
            .map(|e| {
                let count = e
                    .count
                    .or_else(|| e.series.as_ref().and_then(|s| s.count))
                    .unwrap_or(1);
                let times = if count > 1 {
                    format!(" x{count}")
                } else {
                    String::new()
                };
                let ago = index::event_time(e)
                    .map(|t| {
                        format!(
                            ", last {} ago",
                            crate::k8s::time::short(crate::k8s::time::secs_since(t, self.now))
                        )
                    })
                    .unwrap_or_default();
                format!(
                    "event {} {}{times}{ago}: {}",
                    e.type_.as_deref().unwrap_or("Normal"),
                    e.reason.as_deref().unwrap_or(""),
                    e.message.as_deref().unwrap_or("").trim()
                )
            })
            .collect()
    }
}

/// A check that did not run because a source it needs could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotChecked {
    pub runbook: String,
    pub missing: Vec<Source>,
}

impl NotChecked {
    /// Only missing because an opt-in flag was not given, not because a read failed.
    pub fn opt_in_only(&self) -> bool {
        self.missing.iter().all(|s| s.opt_in_flag().is_some())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub critical: usize,
    pub warning: usize,
    pub info: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Run on manifests: only configuration risks were judged (see [`Snapshot::manifests`]).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub manifests: bool,
    pub findings: Vec<Finding>,
    pub skipped: Vec<Skipped>,
    pub not_checked: Vec<NotChecked>,
    pub summary: Counts,
    pub statefulsets_checked: usize,
}

impl Report {
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    fn recount(&mut self) {
        let mut c = Counts::default();
        for f in &self.findings {
            match f.severity {
                Severity::Critical => c.critical += 1,
                Severity::Warning => c.warning += 1,
                Severity::Info => c.info += 1,
            }
        }
        self.summary = c;
    }

    /// Narrows to one StatefulSet and/or symptom groups (`diagnose NAME --symptom ...`).
    pub fn retain(&mut self, statefulset: Option<(&str, &str)>, groups: &[String]) {
        self.findings.retain(|f| {
            let sts_ok = match statefulset {
                None => true,
                Some((ns, name)) => {
                    f.statefulset.as_deref() == Some(name)
                        && f.object.namespace.as_deref().is_none_or(|n| n == ns)
                }
            };
            let group_ok = groups.is_empty()
                || runbooks::get(&f.runbook).is_some_and(|r| groups.contains(&r.group));
            sts_ok && group_ok
        });
        if !groups.is_empty() {
            self.not_checked
                .retain(|n| runbooks::get(&n.runbook).is_some_and(|r| groups.contains(&r.group)));
        }
        if let Some((_, name)) = statefulset {
            self.statefulsets_checked = usize::from(!name.is_empty());
        }
        self.recount();
    }
}

/// Whether the object a finding attaches to carries live state. Objects not in the snapshot
/// (named only by reference) and kinds whose status says nothing count as observed.
fn observed(idx: &Index, object: &ObjectRef) -> bool {
    let ns = object.namespace.as_deref().unwrap_or("");
    let name = object.name.as_str();
    match object.kind.as_str() {
        "StatefulSet" => idx
            .statefulset
            .get(&(ns, name))
            .is_none_or(|o| o.status.is_some()),
        "Pod" => idx.pod.get(&(ns, name)).is_none_or(|o| o.status.is_some()),
        "PersistentVolumeClaim" => idx.pvc.get(&(ns, name)).is_none_or(|o| o.status.is_some()),
        "PersistentVolume" => idx.pv.get(name).is_none_or(|o| o.status.is_some()),
        "Node" => idx.node.get(name).is_none_or(|o| o.status.is_some()),
        "PodDisruptionBudget" => idx
            .pdbs_in(ns)
            .iter()
            .find(|p| p.metadata.name.as_deref() == Some(name))
            .is_none_or(|o| o.status.is_some()),
        "Deployment" => idx
            .deployments_in(ns)
            .iter()
            .find(|d| d.metadata.name.as_deref() == Some(name))
            .is_none_or(|o| o.status.is_some()),
        _ => true,
    }
}

/// Runs the checks on every core: they only read the snapshot and the index, and each
/// writes its own list. Results are merged in registry order, so the output does not depend
/// on which thread finished first.
fn run_checks(ctx: &Ctx, checks: &[&Check]) -> Vec<Finding> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(4)
        .min(checks.len().max(1));
    if workers <= 1 {
        let mut out = Vec::new();
        for c in checks {
            let from = out.len();
            (c.run)(ctx, &mut out);
            out[from..].iter_mut().for_each(Finding::shrink_to_fit);
        }
        return out;
    }
    let next = AtomicUsize::new(0);
    let mut per_check: Vec<(usize, Vec<Finding>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(c) = checks.get(i) else { break };
                        let mut out = Vec::new();
                        (c.run)(ctx, &mut out);
                        out.iter_mut().for_each(Finding::shrink_to_fit);
                        done.push((i, out));
                    }
                    done
                })
            })
            .collect();
        handles
            .into_iter()
            // A panicking check is a bug; re-raise it on the caller's thread.
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    per_check.sort_by_key(|(i, _)| *i);
    per_check.into_iter().flat_map(|(_, f)| f).collect()
}

/// One check: the runbook it reports, the sources it reads, and how it runs. The registry
/// of them is `crate::checks::CHECKS`; analysis runs whatever it is given and knows no id.
#[derive(Clone, Copy)]
pub struct Check {
    pub id: &'static str,
    /// Without these the check cannot tell healthy from unknown, so it does not run.
    pub needs: &'static [Source],
    pub run: fn(&Ctx, &mut Vec<Finding>),
}

/// Runs `checks` on `snap` at `now`, then `link` over all their findings (where one
/// finding points at another's root cause), and orders the report. Pure.
pub fn run(
    snap: &Snapshot,
    now: Timestamp,
    kubectl: &Kubectl,
    checks: &[Check],
    link: fn(&Ctx, &mut [Finding]),
) -> Report {
    let ctx = Ctx {
        snap,
        idx: Index::new(snap),
        now,
        kubectl,
    };
    let mut not_checked = Vec::new();
    let mut runnable: Vec<&Check> = Vec::new();
    // Manifests hold no live state: incidents and waste cannot be judged, so their checks
    // are out of scope (not "not checked": there is nothing they could have read).
    let in_scope = |c: &&Check| {
        !snap.manifests || runbooks::get(c.id).is_some_and(|r| r.category == Category::Risk)
    };
    for check in checks.iter().filter(in_scope) {
        let missing: Vec<Source> = check
            .needs
            .iter()
            .copied()
            .filter(|s| !ctx.readable(*s))
            .map(|s| ctx.missing_as(s))
            .collect();
        if missing.is_empty() {
            runnable.push(check);
        } else {
            not_checked.push(NotChecked {
                runbook: check.id.to_string(),
                missing,
            });
        }
    }
    let mut findings = run_checks(&ctx, &runnable);
    // An object that was never observed (a manifest mixed into live state) has no symptoms:
    // whatever a check read from its absent status is not evidence of anything.
    findings.retain(|f| f.category != Category::Incident || observed(&ctx.idx, &f.object));
    link(&ctx, &mut findings);
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let mut report = Report {
        manifests: snap.manifests,
        findings,
        skipped: snap.skipped.clone(),
        not_checked,
        summary: Counts::default(),
        statefulsets_checked: snap.statefulsets.len(),
    };
    report.recount();
    report
}
