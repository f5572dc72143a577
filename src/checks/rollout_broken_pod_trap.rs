//! `rollout-broken-pod-trap`: under OrderedReady with RollingUpdate, a pod whose revision
//! differs from `status.updateRevision` is not Ready. The controller stops at the first
//! member that is not Running and Ready and waits for it; it never deletes it to replace
//! it, so the pod stays broken on its old revision for good. The classic case is `kubectl
//! rollout undo` after a bad update (kubernetes/kubernetes#67250): the update revision is
//! the current one again, and the crash-looping pod runs neither. The fix is to delete that
//! pod (after the template is fixed) so it is re-created from the update revision.
//!
//! This is the precise form of a stuck rollout: `rollout-stuck`, `orderedready-blocked` and
//! `container-crashloop` stay quiet for a pod this runbook reports.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::model::Pod;
use crate::model::StatefulSet;
use crate::snapshot::Source;
use crate::sts;

pub const CHECK: Check = Check {
    id: "rollout-broken-pod-trap",
    needs: &[Source::StatefulSets, Source::Pods],
    run,
};

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    for sts in &ctx.snap.statefulsets {
        let ns = k8s::namespace(&sts.metadata);
        let name = k8s::name(&sts.metadata);
        // Joined once per StatefulSet, and only when some pod is trapped.
        let mut members = None;
        for pod in ctx.idx.pods_of(ns, name) {
            if sts::trapped(ctx, sts, pod) {
                let m = members.get_or_insert_with(|| sts::members(ctx, sts));
                out.push(finding(ctx, sts, m, pod));
            }
        }
    }
}

fn finding(ctx: &Ctx, sts: &StatefulSet, members: &[sts::Member], pod: &Pod) -> Finding {
    let ns = k8s::namespace(&sts.metadata);
    let name = k8s::name(&sts.metadata);
    let pod_name = k8s::name(&pod.metadata);
    let upd = sts::update_revision(sts).unwrap_or("");
    let cur = sts::current_revision(sts).unwrap_or("");
    let rev = k8s::pod::revision(pod).unwrap_or("");
    let mut f = ctx.finding(
        CHECK.id,
        ObjectRef::namespaced("Pod", ns, pod_name),
        Some(name),
        format!(
            "{pod_name} is not Ready on old revision {rev}: under OrderedReady the controller waits for it and will never replace it with {upd}"
        ),
    );
    f.evidence.push(format!(
        "{pod_name} runs revision {rev}; the StatefulSet's update revision is {upd} (current {cur})"
    ));
    if upd == cur && rev != cur {
        f.evidence.push(format!(
            "{upd} is the current revision again and {pod_name} runs neither: the state `kubectl rollout undo` leaves after a broken update (kubernetes/kubernetes#67250)"
        ));
    }
    f.evidence.push(format!(
        "{pod_name} ({}): {}",
        sts::not_ready_for(ctx, pod),
        sts::problem(ctx, pod)
    ));
    f.evidence.push(
        "podManagementPolicy OrderedReady: the controller stops at the first member that is not Running and Ready and waits for it to recover; it does not delete it to apply the update revision".to_string(),
    );
    let updated_ready = members
        .iter()
        .filter_map(|m| m.pod)
        .filter(|p| k8s::pod::revision(p) == Some(upd) && sts::serving(p))
        .count();
    if updated_ready > 0 {
        f.evidence.push(format!(
            "{updated_ready} Ready pod(s) already run {upd}: its template starts"
        ));
    } else {
        f.evidence.push(format!(
            "no Ready pod runs {upd} yet: make sure its template works before deleting, or the re-created pod fails the same way"
        ));
    }
    let missing: Vec<&str> = members
        .iter()
        .filter(|m| m.pod.is_none())
        .map(|m| m.name.as_str())
        .collect();
    if !missing.is_empty() {
        f.evidence.push(format!(
            "not created while it waits: {}",
            missing.join(", ")
        ));
    }
    f.commands.push(Remedy::run(
        format!("Read why {pod_name} is not Ready"),
        ctx.kubectl.argv(Some(ns), &["describe", "pod", pod_name]),
    ));
    if let Some((c, _)) = sts::failing_container(pod).filter(|(_, r)| *r == "CrashLoopBackOff") {
        f.commands.push(Remedy::run(
            format!("Read the crashed run of {c} (it runs revision {rev}'s template)"),
            ctx.kubectl.argv(
                Some(ns),
                &["logs", pod_name, "-c", c, "--previous", "--tail=50"],
            ),
        ));
    }
    let [del, wait] = sts::delete_and_wait(
        ctx,
        ns,
        pod_name,
        &format!(
            " once the template of {upd} is right: the controller re-creates it from {upd} with the same name and volume (a pod that is not Ready serves nothing, so this costs no availability)"
        ),
    );
    f.commands.push(del);
    f.commands.push(wait);
    f
}

#[cfg(test)]
mod tests {
    use crate::testutil::*;
    use serde_json::json;

    fn on_rev(p: crate::model::Pod, rev: &str) -> crate::model::Pod {
        merged(
            &p,
            json!({"metadata": {"labels": {"controller-revision-hash": rev}}}),
        )
    }

    fn crashing(p: crate::model::Pod) -> crate::model::Pod {
        merged(
            &p,
            json!({"status": {"containerStatuses": [{"name": "db", "image": "x", "imageID": "", "ready": false,
                "restartCount": 12, "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}}]}}),
        )
    }

    #[test]
    fn after_undo_the_crashing_pod_on_neither_revision_is_trapped() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        s.pods.push(pod("shop", "db", 0, true));
        s.pods.push(pod("shop", "db", 1, true));
        s.pods
            .push(crashing(on_rev(pod("shop", "db", 2, false), "db-rev2")));
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        let f = &r[0];
        assert_eq!(f.object.name, "db-2");
        assert!(f.evidence.iter().any(|e| e.contains("#67250")));
        let cmds: Vec<&str> = f.commands.iter().map(|c| c.command.as_str()).collect();
        assert!(cmds.contains(&"kubectl -n shop delete pod db-2"));
        assert!(
            cmds.contains(&"kubectl -n shop wait --for=condition=Ready pod/db-2 --timeout=10m")
        );
        assert!(cmds.contains(&"kubectl -n shop logs db-2 -c db --previous --tail=50"));
    }

    #[test]
    fn quiet_under_parallel_on_delete_or_on_the_update_revision() {
        for patch in [
            json!({"spec": {"podManagementPolicy": "Parallel"}}),
            json!({"spec": {"updateStrategy": {"type": "OnDelete"}}}),
        ] {
            let mut s = snapshot();
            s.statefulsets.push(merged(&sts("shop", "db", 3), patch));
            s.pods
                .push(crashing(on_rev(pod("shop", "db", 2, false), "db-rev2")));
            assert!(run_check(&s, super::CHECK).is_empty());
        }
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        s.pods.push(crashing(pod("shop", "db", 2, false)));
        assert!(run_check(&s, super::CHECK).is_empty());
    }

    #[test]
    fn quiet_when_the_pod_is_on_a_node_that_is_down() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        s.pods
            .push(crashing(on_rev(pod("shop", "db", 2, false), "db-rev2")));
        s.nodes.push(node("node-2", "Unknown"));
        assert!(run_check(&s, super::CHECK).is_empty());
    }

    #[test]
    fn quiet_below_the_partition() {
        let mut s = snapshot();
        s.statefulsets.push(merged(
            &sts("shop", "db", 3),
            json!({"spec": {"updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}},
                   "status": {"updateRevision": "db-rev2"}}),
        ));
        s.pods.push(crashing(pod("shop", "db", 1, false)));
        assert!(run_check(&s, super::CHECK).is_empty());
    }
}
