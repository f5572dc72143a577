//! `rollout-stuck`: a RollingUpdate is in progress (`updateRevision` differs from
//! `currentRevision`) and the pod the controller waits on is not Ready, so no further pod
//! is replaced. Under OrderedReady that is the lowest member that is not Ready; under
//! Parallel, the highest updated pod that is not Ready. The finding names the pod and its
//! own problem; the fix is to fix forward or roll back.
//!
//! Quiet when a more precise runbook reports the same pod: `rollout-broken-pod-trap` (the
//! pod runs an old revision and will never be replaced) and `orderedready-blocked` (members
//! above it are missing, so nothing at all progresses), `node-not-ready` (the pod's node is
//! down: no template change helps), and when `controller-not-progressing` says the
//! controller has not even seen the latest spec.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::model::Pod;
use crate::model::StatefulSet;
use crate::snapshot::Source;
use crate::sts;

pub const CHECK: Check = Check {
    id: "rollout-stuck",
    needs: &[Source::StatefulSets, Source::Pods],
    run,
};

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    for sts in &ctx.snap.statefulsets {
        let Some(pod) = sts::waiting_on(ctx, sts) else {
            continue;
        };
        if !sts::stuck_not_ready(ctx, pod)
            || sts::trapped(ctx, sts, pod)
            || sts::blocked_on(ctx, sts, pod)
            || sts::controller_lags(ctx, sts)
            || sts::on_down_node(ctx, pod)
        {
            continue;
        }
        out.push(finding(ctx, sts, pod));
    }
}

fn finding(ctx: &Ctx, sts: &StatefulSet, pod: &Pod) -> Finding {
    let ns = k8s::namespace(&sts.metadata);
    let name = k8s::name(&sts.metadata);
    let pod_name = k8s::name(&pod.metadata);
    let upd = sts::update_revision(sts).unwrap_or("");
    let cur = sts::current_revision(sts).unwrap_or("");
    let rev = k8s::pod::revision(pod).unwrap_or("unknown");
    let problem = sts::problem(ctx, pod);
    let mut f = ctx.finding(
        CHECK.id,
        ObjectRef::namespaced("StatefulSet", ns, name),
        Some(name),
        format!("rollout of {name} to {upd} is stuck waiting on {pod_name}: {problem}"),
    );
    f.evidence.push(format!(
        "{pod_name} runs revision {rev}, {}: {problem}",
        sts::not_ready_for(ctx, pod)
    ));
    f.evidence.extend(sts::pod_event_lines(ctx, pod, 2));
    let members = sts::members(ctx, sts);
    let updated: Vec<&str> = members
        .iter()
        .filter(|m| m.pod.is_some_and(|p| k8s::pod::revision(p) == Some(upd)))
        .map(|m| m.name.as_str())
        .collect();
    f.evidence.push(format!(
        "updating from {cur} to {upd}: {} of {} members updated{}",
        updated.len(),
        members.len(),
        if updated.is_empty() {
            String::new()
        } else {
            format!(" ({})", updated.join(", "))
        }
    ));
    let below_partition = sts::index_of(sts, pod).is_some_and(|i| i < sts::partition(sts));
    if sts::ordered_ready(sts) {
        f.evidence.push(format!(
            "podManagementPolicy OrderedReady: the controller replaces the next pod (highest ordinal first) only when every member is Running and Ready{}",
            if below_partition {
                format!("; {pod_name} is below the partition and stays on {cur}, so only healing it unblocks the rollout")
            } else {
                String::new()
            }
        ));
        f.evidence.push(
            "see rollout-broken-pod-trap: after a fix or an undo, a pod that is not Ready on a revision other than the update revision is never replaced under OrderedReady: delete it".to_string(),
        );
    } else {
        f.evidence.push(format!(
            "podManagementPolicy Parallel: the controller waits for each replaced pod to be Ready before it replaces the next one; after a fix or an undo it replaces {pod_name} by itself"
        ));
    }
    f.commands.push(Remedy::run(
        format!("Read why {pod_name} is not Ready (its pod findings say what to fix)"),
        ctx.kubectl.argv(Some(ns), &["describe", "pod", pod_name]),
    ));
    let selector = sts::spec(sts)
        .map(|s| k8s::labels::to_kubectl(&s.selector))
        .filter(|s| !s.is_empty());
    if let Some(sel) = selector {
        f.commands.push(Remedy::run(
            "See which member runs which revision",
            ctx.kubectl.argv(
                Some(ns),
                &["get", "pods", "-l", &sel, "-L", "controller-revision-hash"],
            ),
        ));
    }
    f.commands.push(Remedy::run(
        format!(
            "Option A (fix forward): correct what breaks {pod_name} in the pod template; the change creates a new revision, which the controller rolls out from the highest ordinal"
        ),
        ctx.kubectl.argv(Some(ns), &["edit", "statefulset", name]),
    ));
    f.commands.push(sts::undo(
        ctx,
        sts,
        Some(cur),
        &format!(
            "Option B (roll back): return the template to {cur}, the revision the other members run; the updated pods are replaced back"
        ),
    ));
    if sts::ordered_ready(sts) && !below_partition && k8s::pod::revision(pod) == Some(upd) {
        f.commands.push(Remedy::run(
            format!(
                "After A or B: delete {pod_name} so it is re-created from the new update revision; under OrderedReady the controller does not replace a pod that is not Ready (rollout-broken-pod-trap)"
            ),
            ctx.kubectl.argv(Some(ns), &["delete", "pod", pod_name]),
        ));
    }
    f
}

#[cfg(test)]
mod tests {
    use crate::testutil::*;
    use serde_json::json;

    fn rolling(replicas: i32) -> crate::model::StatefulSet {
        merged(
            &sts("shop", "es", replicas),
            json!({"status": {"updateRevision": "es-rev2"}}),
        )
    }

    fn updated(p: crate::model::Pod) -> crate::model::Pod {
        merged(
            &p,
            json!({"metadata": {"labels": {"controller-revision-hash": "es-rev2"}},
                   "status": {"conditions": [{"type": "Ready", "status": "False",
                       "lastTransitionTime": "2026-11-22T02:20:00Z"}]}}),
        )
    }

    #[test]
    fn names_the_updated_pod_that_is_not_ready() {
        let mut s = snapshot();
        s.statefulsets.push(rolling(3));
        s.pods.push(pod("shop", "es", 0, true));
        s.pods.push(pod("shop", "es", 1, true));
        s.pods.push(updated(pod("shop", "es", 2, false)));
        s.controller_revisions.push(from_json(json!({
            "metadata": {"name": "es-rev1", "namespace": "shop"}, "revision": 4
        })));
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        let f = &r[0];
        assert!(f.summary.contains("waiting on es-2"), "{}", f.summary);
        let cmds: Vec<&str> = f.commands.iter().map(|c| c.command.as_str()).collect();
        assert!(
            cmds.contains(&"kubectl -n shop rollout undo statefulset/es --to-revision=4"),
            "{cmds:?}"
        );
        assert!(cmds.contains(&"kubectl -n shop delete pod es-2"));
        assert!(
            f.evidence
                .iter()
                .any(|e| e.contains("rollout-broken-pod-trap"))
        );
    }

    #[test]
    fn parallel_waits_only_on_updated_pods() {
        let mut s = snapshot();
        s.statefulsets.push(merged(
            &rolling(3),
            json!({"spec": {"podManagementPolicy": "Parallel"}}),
        ));
        s.pods.push(pod("shop", "es", 0, false));
        s.pods.push(pod("shop", "es", 1, true));
        s.pods.push(updated(pod("shop", "es", 2, false)));
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        assert!(r[0].summary.contains("es-2"));
        assert!(
            !r[0]
                .commands
                .iter()
                .any(|c| c.command.contains("delete pod"))
        );
    }

    #[test]
    fn quiet_when_complete_progressing_or_trapped() {
        // No rollout.
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "es", 3));
        s.pods.push(pod("shop", "es", 0, false));
        assert!(run_check(&s, super::CHECK).is_empty());
        // All Ready: the controller is replacing the next pod.
        let mut s = snapshot();
        s.statefulsets.push(rolling(2));
        s.pods.push(pod("shop", "es", 0, true));
        s.pods.push(pod("shop", "es", 1, true));
        assert!(run_check(&s, super::CHECK).is_empty());
        // The blocking pod runs the old revision: the trap reports it.
        let mut s = snapshot();
        s.statefulsets.push(rolling(2));
        s.pods.push(merged(
            &pod("shop", "es", 0, false),
            json!({"status": {"conditions": [{"type": "Ready", "status": "False",
                "lastTransitionTime": "2026-11-22T02:20:00Z"}]}}),
        ));
        s.pods.push(pod("shop", "es", 1, true));
        assert!(run_check(&s, super::CHECK).is_empty());
    }

    #[test]
    fn quiet_when_orderedready_blocked_reports_the_same_pod() {
        // es-1 (updated) is not Ready and es-2 is missing: nothing progresses at all, which
        // orderedready-blocked reports; rollout-stuck stays quiet for that pod.
        let mut s = snapshot();
        s.statefulsets.push(rolling(3));
        s.pods.push(pod("shop", "es", 0, true));
        s.pods.push(updated(pod("shop", "es", 1, false)));
        assert!(crate::sts::blocked_on(
            &ctx_for(&s, &Default::default()),
            &s.statefulsets[0],
            &s.pods[1]
        ));
        assert!(run_check(&s, super::CHECK).is_empty());
    }
}
