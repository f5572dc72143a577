//! `rollout-partition-held`: a RollingUpdate partition above 0 holds part of the set on the
//! old revision while every member at or above it already runs the update revision and is
//! Ready: a canary that was never finished (or rolled back), leaving the fleet on two
//! versions. Mixed versions are fine for a short canary and a risk for days: replication
//! protocols, on-disk formats and feature flags drift apart.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::snapshot::Source;
use crate::sts;
use serde_json::json;

pub const CHECK: Check = Check {
    id: "rollout-partition-held",
    needs: &[Source::StatefulSets, Source::Pods],
    run,
};

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    for sts in &ctx.snap.statefulsets {
        if sts::on_delete(sts) {
            continue;
        }
        let partition = sts::partition(sts);
        let (Some(upd), Some(cur)) = (sts::update_revision(sts), sts::current_revision(sts)) else {
            continue;
        };
        if partition == 0 || upd == cur {
            continue;
        }
        let members = sts::members(ctx, sts);
        let (above, below): (Vec<_>, Vec<_>) = members.iter().partition(|m| m.index >= partition);
        let canary_done = !above.is_empty()
            && above.iter().all(|m| {
                m.pod
                    .is_some_and(|p| k8s::pod::revision(p) == Some(upd) && sts::serving(p))
            });
        let held: Vec<_> = below.iter().filter_map(|m| m.pod).collect();
        if !canary_done
            || held.is_empty()
            || held.iter().any(|p| k8s::pod::revision(p) == Some(upd))
        {
            continue;
        }
        let ns = k8s::namespace(&sts.metadata);
        let name = k8s::name(&sts.metadata);
        let first_held = k8s::ordinal_start(sts) + partition;
        let canaries: Vec<&str> = above.iter().map(|m| m.name.as_str()).collect();
        let held_names: Vec<&str> = held.iter().map(|p| k8s::name(&p.metadata)).collect();
        let mut f = ctx.finding(
            CHECK.id,
            ObjectRef::namespaced("StatefulSet", ns, name),
            Some(name),
            format!(
                "{name} runs two versions: partition {partition} holds {} on {cur} while {} {} {upd}",
                held_names.join(", "),
                canaries.join(", "),
                if canaries.len() == 1 { "runs" } else { "run" }
            ),
        );
        f.evidence.push(format!(
            "updateStrategy.rollingUpdate.partition is {partition}: only members with ordinal ≥ {first_held} are updated"
        ));
        // How long the canary has run: the age of the oldest updated pod.
        let oldest = above
            .iter()
            .filter_map(|m| m.pod)
            .filter_map(|p| p.metadata.creation_timestamp.as_ref())
            .map(|t| k8s::time::secs_since(t.0, ctx.now))
            .max();
        f.evidence.push(format!(
            "{} on {upd} and Ready{}; {} on {cur}",
            canaries.join(", "),
            oldest
                .map(|s| format!(" (updated {} ago)", k8s::time::short(s)))
                .unwrap_or_default(),
            held_names.join(", ")
        ));
        let patch =
            json!({"spec": {"updateStrategy": {"rollingUpdate": {"partition": 0}}}}).to_string();
        f.commands.push(Remedy::run(
            format!(
                "Option A (finish the rollout): set the partition to 0; the controller then replaces {} one at a time, highest ordinal first, each after the previous is Ready",
                held_names.join(", ")
            ),
            ctx.kubectl.argv(
                Some(ns),
                &["patch", "statefulset", name, "--type=merge", "-p", patch.as_str()],
            ),
        ));
        f.commands.push(sts::undo(
            ctx,
            sts,
            Some(cur),
            &format!(
                "Option B (roll the canary back): return the template to {cur}; the controller replaces {} back, and the partition can stay",
                canaries.join(", ")
            ),
        ));
        f.commands.push(Remedy::run(
            "Follow the rollout until every member is updated and Ready",
            ctx.kubectl.argv(
                Some(ns),
                &["rollout", "status", &format!("statefulset/{name}")],
            ),
        ));
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use crate::testutil::*;
    use serde_json::json;

    fn partitioned() -> crate::model::StatefulSet {
        merged(
            &sts("shop", "pg", 3),
            json!({"spec": {"updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}},
                   "status": {"updateRevision": "pg-rev2"}}),
        )
    }

    fn on_rev2(p: crate::model::Pod) -> crate::model::Pod {
        merged(
            &p,
            json!({"metadata": {"labels": {"controller-revision-hash": "pg-rev2"},
                                "creationTimestamp": "2026-11-19T03:00:00Z"}}),
        )
    }

    #[test]
    fn a_finished_canary_left_in_place_fires_with_the_exact_patch() {
        let mut s = snapshot();
        s.statefulsets.push(partitioned());
        s.pods.push(pod("shop", "pg", 0, true));
        s.pods.push(pod("shop", "pg", 1, true));
        s.pods.push(on_rev2(pod("shop", "pg", 2, true)));
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        let f = &r[0];
        assert!(
            f.evidence.iter().any(|e| e.contains("updated 3d ago")),
            "{:?}",
            f.evidence
        );
        assert_eq!(
            f.commands[0].command,
            r#"kubectl -n shop patch statefulset pg --type=merge -p '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":0}}}}'"#
        );
        assert_eq!(
            f.commands[1].command,
            "kubectl -n shop rollout undo statefulset/pg"
        );
    }

    #[test]
    fn quiet_while_the_canary_is_not_ready_or_without_a_partition() {
        let mut s = snapshot();
        s.statefulsets.push(partitioned());
        s.pods.push(pod("shop", "pg", 0, true));
        s.pods.push(pod("shop", "pg", 1, true));
        s.pods.push(on_rev2(pod("shop", "pg", 2, false)));
        assert!(run_check(&s, super::CHECK).is_empty());

        let mut s = snapshot();
        s.statefulsets.push(merged(
            &sts("shop", "pg", 3),
            json!({"status": {"updateRevision": "pg-rev2"}}),
        ));
        s.pods.push(on_rev2(pod("shop", "pg", 2, true)));
        assert!(run_check(&s, super::CHECK).is_empty());
    }
}
