//! `analyze(snapshot, now) -> Report`: pure. No client, no clock, no printing. Almost all the
//! logic and almost all the tests live below here.

pub mod index;

use crate::checks::{CHECKS, Check};
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

    pub fn readable(&self, source: Source) -> bool {
        match source {
            Source::VolumeStats => self.snap.volume_stats.is_some(),
            _ => self.snap.is_skipped(source).is_none(),
        }
    }

    /// Events of one object as evidence lines, newest first: type, reason, how often, how
    /// long ago, and the message. `keep` picks the relevant ones; at most `max` lines.
    pub fn event_lines(
        &self,
        kind: &str,
        ns: &str,
        name: &str,
        keep: impl Fn(&k8s_openapi::api::core::v1::Event) -> bool,
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

/// Per pod (namespace, name): the finding that explains it best, as (severity, runbook,
/// summary). A pod's own incident findings compete by severity; a root-cause finding on one
/// of its claims wins over them, since they only echo it.
fn member_causes(
    ctx: &Ctx,
    findings: &[Finding],
) -> std::collections::HashMap<(String, String), (Severity, String, String)> {
    use std::collections::HashMap;
    let mut cause: HashMap<(String, String), (Severity, String, String)> = HashMap::new();
    for f in findings.iter() {
        if f.object.kind != "Pod" || f.category != crate::finding::Category::Incident {
            continue;
        }
        let key = (
            f.object.namespace.clone().unwrap_or_default(),
            f.object.name.clone(),
        );
        let better = cause.get(&key).is_none_or(|(sev, _, _)| f.severity > *sev);
        if better {
            cause.insert(key, (f.severity, f.runbook.clone(), f.summary.clone()));
        }
    }
    // A root-cause finding on a claim (`pvc-lost`, a `pvc-pending` of its own) explains
    // every pod that mounts the claim.
    for f in findings
        .iter()
        .filter(|f| crate::checks::claim_is_root(ctx, f))
    {
        let ns = f.object.namespace.as_deref().unwrap_or_default();
        for pod in ctx.idx.pods_of_claim(ns, &f.object.name) {
            let key = (ns.to_string(), crate::k8s::name(&pod.metadata).to_string());
            cause.insert(key, (f.severity, f.runbook.clone(), f.summary.clone()));
        }
    }
    cause
}

/// Findings that list members as `pod: problem` lines: `replicas-unavailable` every member
/// that is missing or not Ready, `orderedready-blocked` the member that does not run.
const MEMBER_LISTS: &[&str] = &["replicas-unavailable", "orderedready-blocked"];

/// Where a finding already names the root cause of a listed member (the pod's own finding,
/// or one on its claim), the member line says that instead of the raw pod state, and points
/// to it; `orderedready-blocked`, which is only waiting on that member, names it in its
/// summary too.
fn link_member_findings(ctx: &Ctx, findings: &mut [Finding]) {
    let cause = member_causes(ctx, findings);
    if cause.is_empty() {
        return;
    }
    for f in findings
        .iter_mut()
        .filter(|f| MEMBER_LISTS.contains(&f.runbook.as_str()))
    {
        let ns = f.object.namespace.clone().unwrap_or_default();
        let mut linked: Vec<(String, String)> = Vec::new();
        for line in f.evidence.iter_mut() {
            let Some((pod, _)) = line.split_once(": ") else {
                continue;
            };
            if let Some((_, runbook, summary)) = cause.get(&(ns.clone(), pod.to_string())) {
                let summary = summary
                    .strip_prefix(pod)
                    .map(|s| s.trim_start_matches([':', ' ']))
                    .unwrap_or(summary);
                linked.push((pod.to_string(), runbook.clone()));
                *line = format!("{pod}: {summary} (see {runbook})");
            }
        }
        if f.runbook == "orderedready-blocked"
            && let [(pod, runbook)] = linked.as_slice()
        {
            f.summary = format!("{} (see {runbook} on {pod})", f.summary);
        }
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

/// Runbooks about a crashing container, whose findings gain what its last logs say.
const CRASH_RUNBOOKS: &[&str] = &[
    "container-crashloop",
    "container-oomkilled",
    "liveness-restart-loop",
];

/// With `--logs`, known failure patterns in the previous container's log become evidence
/// on the crash findings of that pod.
fn add_log_evidence(ctx: &Ctx, findings: &mut [Finding]) {
    let Some(logs) = ctx.snap.container_logs.as_ref() else {
        return;
    };
    for f in findings.iter_mut() {
        if f.object.kind != "Pod" || !CRASH_RUNBOOKS.contains(&f.runbook.as_str()) {
            continue;
        }
        let ns = f.object.namespace.as_deref().unwrap_or("");
        for log in logs
            .iter()
            .filter(|l| l.namespace == ns && l.pod == f.object.name)
        {
            let causes = crate::k8s::logs::classify(&log.lines);
            if causes.is_empty() && !log.lines.is_empty() {
                f.evidence.push(format!(
                    "previous log of {} ({} lines read): no known failure pattern; last line: {}",
                    log.container,
                    log.lines.len(),
                    log.lines.last().map(|l| l.trim()).unwrap_or_default()
                ));
            }
            for (cause, line) in causes {
                f.evidence.push(format!(
                    "previous log of {}: {} — \"{line}\"",
                    log.container,
                    cause.explain()
                ));
            }
        }
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
            (c.run)(ctx, &mut out);
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

pub fn analyze(snap: &Snapshot, now: Timestamp, kubectl: &Kubectl) -> Report {
    analyze_with(snap, now, kubectl, CHECKS)
}

pub fn analyze_with(
    snap: &Snapshot,
    now: Timestamp,
    kubectl: &Kubectl,
    checks: &[Check],
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
    add_log_evidence(&ctx, &mut findings);
    link_member_findings(&ctx, &mut findings);
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

#[cfg(test)]
mod tests {
    use crate::kubectl::Kubectl;
    use crate::testutil::*;
    use serde_json::json;

    fn member_line(s: &crate::snapshot::Snapshot, pod: &str) -> String {
        let report = super::analyze(s, now(), &Kubectl::default());
        let f = report
            .findings
            .iter()
            .find(|f| f.runbook == "replicas-unavailable")
            .expect("replicas-unavailable");
        f.evidence
            .iter()
            .find(|e| e.starts_with(&format!("{pod}: ")))
            .cloned()
            .unwrap_or_default()
    }

    /// db-2 cannot be scheduled; its claim data-db-2 is Pending or Lost.
    fn unscheduled_member(claim_phase: &str, msg: &str) -> crate::snapshot::Snapshot {
        let mut s = snapshot();
        s.statefulsets.push(merged(
            &with_claim_template(&sts_with_ready("shop", "db", 3, 2), Some("standard")),
            json!({}),
        ));
        s.storage_classes
            .push(storage_class_of("standard", "ebs.csi.aws.com", json!({})));
        s.nodes.push(zoned_node("n1", "z1", true));
        s.pods.push(pod("shop", "db", 0, true));
        s.pods.push(pod("shop", "db", 1, true));
        let mut p = unscheduled_pod("shop", "db", 2);
        p.status.as_mut().unwrap().conditions.as_mut().unwrap()[0].message = Some(msg.into());
        with_claim(&mut p, "data-db-2");
        s.pods.push(p);
        let mut c = bound_claim("shop", "data-db-2", "pv-2", "standard");
        c.status.as_mut().unwrap().phase = Some(claim_phase.into());
        if claim_phase == "Pending" {
            c.spec.as_mut().unwrap().volume_name = None;
        }
        s.pvcs.push(c);
        s
    }

    #[test]
    fn a_member_refused_for_its_lost_claim_points_at_pvc_lost() {
        let s = unscheduled_member(
            "Lost",
            "0/1 nodes are available: persistentvolumeclaim \"data-db-2\" bound to non-existent persistentvolume \"pv-2\". preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
        );
        let line = member_line(&s, "db-2");
        assert!(line.ends_with("(see pvc-lost)"), "{line}");
    }

    #[test]
    fn a_claim_only_waiting_for_its_pod_does_not_hide_the_pods_own_cause() {
        let s = unscheduled_member(
            "Pending",
            "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
        );
        let report = super::analyze(&s, now(), &Kubectl::default());
        assert!(
            report.findings.iter().any(|f| f.runbook == "pvc-pending"),
            "the waiting claim is reported too, as an echo"
        );
        let line = member_line(&s, "db-2");
        assert!(line.ends_with("(see pod-unschedulable)"), "{line}");
    }
}
