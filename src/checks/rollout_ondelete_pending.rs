//! `rollout-ondelete-pending`: the StatefulSet uses the OnDelete update strategy and some
//! pods do not run `status.updateRevision`: the template changed, and under OnDelete the
//! controller replaces nothing by itself, so the change waits for someone to delete each
//! pod. (Under OnDelete `currentRevision` is not advanced, so only pod revisions are
//! compared with the update revision.)

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::snapshot::Source;
use crate::sts;

pub const CHECK: Check = Check {
    id: "rollout-ondelete-pending",
    needs: &[Source::StatefulSets, Source::Pods],
    run,
};

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    for sts in &ctx.snap.statefulsets {
        if !sts::on_delete(sts) {
            continue;
        }
        let Some(upd) = sts::update_revision(sts) else {
            continue;
        };
        let members = sts::members(ctx, sts);
        let pending: Vec<_> = members
            .iter()
            .filter_map(|m| m.pod)
            .filter(|p| !sts::terminating(p) && k8s::pod::revision(p) != Some(upd))
            .collect();
        if pending.is_empty() {
            continue;
        }
        let ns = k8s::namespace(&sts.metadata);
        let name = k8s::name(&sts.metadata);
        let mut f = ctx.finding(
            CHECK.id,
            ObjectRef::namespaced("StatefulSet", ns, name),
            Some(name),
            format!(
                "{} of {} pods of {name} still run an old template: the OnDelete strategy waits for each one to be deleted",
                pending.len(),
                members.iter().filter(|m| m.pod.is_some()).count()
            ),
        );
        f.evidence.push(format!(
            "update revision {upd}; not on it: {}",
            pending
                .iter()
                .map(|p| format!(
                    "{} ({})",
                    k8s::name(&p.metadata),
                    k8s::pod::revision(p).unwrap_or("no revision label")
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        if let Some((t, who)) = sts.last_spec_change() {
            f.evidence.push(format!(
                "newest spec change by {who}, {} ago",
                k8s::time::age(t, ctx.now)
            ));
        }
        if let Some(owner) = k8s::controller_of(&sts.metadata) {
            f.evidence.push(format!(
                "{name} is managed by {} {}, which may restart the pods itself: check it before deleting by hand",
                owner.kind, owner.name
            ));
        }
        f.evidence.push(
            "`kubectl delete pod` does not consult the PodDisruptionBudget: delete one pod at a time, and only while every other member is Ready".to_string(),
        );
        // An updated pod that is not Ready: the new template may be broken. Restarting more
        // pods onto it would take the set down.
        let broken_update: Vec<&str> = members
            .iter()
            .filter_map(|m| m.pod)
            .filter(|p| k8s::pod::revision(p) == Some(upd) && !sts::serving(p))
            .map(|p| k8s::name(&p.metadata))
            .collect();
        let on_down_node: Vec<&str> = members
            .iter()
            .filter_map(|m| m.pod)
            .filter(|p| sts::on_down_node(ctx, p))
            .map(|p| k8s::name(&p.metadata))
            .collect();
        if !on_down_node.is_empty() {
            f.evidence.push(format!(
                "{} {} on a node that is down (see node-not-ready): restarting other members now would take more of the set down, and a delete there hangs; bring the node back first",
                on_down_node.join(", "),
                if on_down_node.len() == 1 { "runs" } else { "run" }
            ));
            f.commands.push(Remedy::run(
                format!("See the state of {name}'s members and their nodes"),
                ctx.kubectl.sts_argv(Some(ns), &["diagnose", name]),
            ));
            out.push(f);
            continue;
        }
        if let Some(first) = broken_update.first() {
            f.evidence.push(format!(
                "{} already run(s) {upd} and is not Ready: the new template may be broken; do not delete more pods until it is Ready",
                broken_update.join(", ")
            ));
            f.commands.push(Remedy::run(
                format!("Read why {first} is not Ready on the new revision"),
                ctx.kubectl.argv(Some(ns), &["describe", "pod", first]),
            ));
            out.push(f);
            continue;
        }
        // Pods that are down anyway go first; then the highest ordinal first, as a
        // RollingUpdate would.
        let mut order = pending.clone();
        order.sort_by_key(|p| {
            (
                sts::serving(p),
                std::cmp::Reverse(sts::index_of(sts, p).unwrap_or(0)),
            )
        });
        let total = order.len();
        for (i, p) in order.iter().enumerate() {
            let pod_name = k8s::name(&p.metadata);
            let why = format!(
                " ({} of {total}): it is re-created from {upd} with the same name and volume",
                i + 1
            );
            let [del, wait] = sts::delete_and_wait(ctx, ns, pod_name, &why);
            f.commands.push(del);
            f.commands.push(wait);
        }
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use crate::testutil::*;
    use serde_json::json;

    fn on_delete() -> crate::model::StatefulSet {
        merged(
            &sts("shop", "cass", 3),
            json!({"spec": {"updateStrategy": {"type": "OnDelete"}},
                   "status": {"updateRevision": "cass-rev2"}}),
        )
    }

    #[test]
    fn deletes_highest_ordinal_first_and_waits_for_each() {
        let mut s = snapshot();
        s.statefulsets.push(on_delete());
        for i in 0..3 {
            s.pods.push(pod("shop", "cass", i, true));
        }
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        let cmds: Vec<&str> = r[0].commands.iter().map(|c| c.command.as_str()).collect();
        assert_eq!(
            cmds,
            [
                "kubectl -n shop delete pod cass-2",
                "kubectl -n shop wait --for=condition=Ready pod/cass-2 --timeout=10m",
                "kubectl -n shop delete pod cass-1",
                "kubectl -n shop wait --for=condition=Ready pod/cass-1 --timeout=10m",
                "kubectl -n shop delete pod cass-0",
                "kubectl -n shop wait --for=condition=Ready pod/cass-0 --timeout=10m",
            ]
        );
        assert!(
            r[0].evidence
                .iter()
                .any(|e| e.contains("PodDisruptionBudget"))
        );
    }

    #[test]
    fn a_broken_updated_pod_stops_the_sequence() {
        let mut s = snapshot();
        s.statefulsets.push(on_delete());
        s.pods.push(pod("shop", "cass", 0, true));
        s.pods.push(pod("shop", "cass", 1, true));
        s.pods.push(merged(
            &pod("shop", "cass", 2, false),
            json!({"metadata": {"labels": {"controller-revision-hash": "cass-rev2"}}}),
        ));
        let r = run_check(&s, super::CHECK);
        assert!(!r[0].commands.iter().any(|c| c.command.contains("delete")));
    }

    #[test]
    fn quiet_when_all_pods_are_updated_or_strategy_is_rolling() {
        let mut s = snapshot();
        s.statefulsets.push(merged(
            &on_delete(),
            json!({"status": {"updateRevision": "cass-rev1"}}),
        ));
        s.pods.push(pod("shop", "cass", 0, true));
        assert!(run_check(&s, super::CHECK).is_empty());
        let mut s = snapshot();
        s.statefulsets.push(merged(
            &sts("shop", "cass", 1),
            json!({"status": {"updateRevision": "cass-rev2"}}),
        ));
        s.pods.push(pod("shop", "cass", 0, true));
        assert!(run_check(&s, super::CHECK).is_empty());
    }
}
