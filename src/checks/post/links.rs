//! How findings point at each other once every check has run: a member listed as down
//! names the finding that explains it (its own, or a root cause on its claim), and crash
//! findings gain what the container's last log lines say (`--logs`). This is the one place
//! that knows which runbooks list members and which are about crashes.

use crate::analysis::Ctx;
use crate::finding::{Finding, Severity};
use crate::sts;

/// Every link, in order: log evidence first, so a linked member line carries the final
/// summary of its cause; commands for operator-owned sets are routed through their custom
/// resource last, once every command is in place.
pub(crate) fn link(ctx: &Ctx, findings: &mut [Finding]) {
    add_log_evidence(ctx, findings);
    link_member_findings(ctx, findings);
    super::owners::through_operators(ctx, findings);
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

/// Whether a claim finding is the root cause of every pod that mounts the claim: the pod
/// cannot start until the claim has a volume, so a member list names this finding rather
/// than the pod's own echo of it (an unschedulable or not-Ready pod). A pending claim that
/// only waits for its pod to be scheduled is no root cause.
pub(crate) fn claim_is_root(ctx: &Ctx, f: &Finding) -> bool {
    if f.object.kind != "PersistentVolumeClaim" {
        return false;
    }
    let ns = f.object.namespace.as_deref().unwrap_or_default();
    let Some(pvc) = ctx.idx.pvc.get(&(ns, f.object.name.as_str())) else {
        return false;
    };
    match f.runbook.as_str() {
        "pvc-lost" => true,
        "pvc-pending" => sts::pending::classify(ctx, pvc).is_some_and(|c| c.is_root()),
        _ => false,
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
    for f in findings.iter().filter(|f| claim_is_root(ctx, f)) {
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

#[cfg(test)]
mod tests {
    use crate::kubectl::Kubectl;
    use crate::testutil::*;
    use serde_json::json;

    fn member_line(s: &crate::snapshot::Snapshot, pod: &str) -> String {
        let report = crate::checks::analyze(s, now(), &Kubectl::default());
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
        p.status.as_mut().unwrap().conditions.as_mut().unwrap()[0].set_message(Some(msg.into()));
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
        let report = crate::checks::analyze(&s, now(), &Kubectl::default());
        assert!(
            report.findings.iter().any(|f| f.runbook == "pvc-pending"),
            "the waiting claim is reported too, as an echo"
        );
        let line = member_line(&s, "db-2");
        assert!(line.ends_with("(see pod-unschedulable)"), "{line}");
    }
}
