//! `replicas-colocated`: members of one StatefulSet actually running together: two or more
//! on one node, or all of them in one zone while schedulable nodes span several zones. One
//! node or zone failure then takes several members at once. Critical when one node holds
//! more members than the set can lose (`> n - quorum`): that node alone can break quorum.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy, Severity};
use crate::k8s;
use crate::model::Pod;
use crate::model::StatefulSet;
use crate::snapshot::Source;
use crate::sts;
use crate::sts::spread::{has_spread, has_zone_rule, schedulable_zones, spread_fix, spread_patch};
use std::collections::BTreeMap;

pub const CHECK: Check = Check {
    id: "replicas-colocated",
    needs: &[Source::StatefulSets, Source::Pods, Source::Nodes],
    run,
};

/// A member that occupies a node: scheduled, not terminating, not finished.
fn placed(pod: &Pod) -> Option<&str> {
    if pod.metadata.deletion_timestamp.is_some()
        || matches!(k8s::pod::phase(pod), "Succeeded" | "Failed")
    {
        return None;
    }
    k8s::pod::node_name(pod)
}

/// Moves the extra members off each crowded node, one at a time: delete, wait for Ready.
/// A member whose volume is node-local cannot move; that is said instead.
fn move_crowded(ctx: &Ctx, f: &mut Finding, name: &str, crowded: &[(&str, &Vec<&Pod>)]) {
    let ns = f.object.namespace.clone().unwrap_or_default();
    let ns = ns.as_str();
    for (node, pods) in crowded {
        let mut pods: Vec<&&Pod> = pods.iter().collect();
        pods.sort_by_key(|p| std::cmp::Reverse(k8s::ordinal_suffix(k8s::name(&p.metadata), name)));
        // Keep one member on the node (the lowest ordinal); move the others.
        for pod in pods.iter().take(pods.len().saturating_sub(1)) {
            let pod_name = k8s::name(&pod.metadata);
            if let Some(pin) = sts::claims::pod_pinned_to_node(ctx, pod) {
                f.evidence.push(format!(
                    "{pod_name} cannot move off {node}: its volume is node-local ({pin})"
                ));
                continue;
            }
            f.commands.push(Remedy::run(
                format!(
                    "Move {pod_name} off {node}: delete it so the scheduler places it again under the spread rules. Its claim and identity are kept. kubectl delete pod bypasses the PodDisruptionBudget, so do one member at a time"
                ),
                ctx.kubectl.argv(Some(ns), &["delete", "pod", pod_name]),
            ));
            f.commands.push(Remedy::run(
                format!(
                    "Wait until {pod_name} is Ready again (and check its new node with -o wide) before moving the next one ({})",
                    sts::WAIT_NOT_FOUND
                ),
                ctx.kubectl.wait_ready(ns, pod_name, "10m"),
            ));
        }
    }
}

/// All members in one zone: check the volumes' zones, and move one member (the highest
/// ordinal) to another zone on a new, empty volume, when no node is crowded too.
fn leave_zone(
    ctx: &Ctx,
    f: &mut Finding,
    sts: &StatefulSet,
    zone: &str,
    by_node: &BTreeMap<&str, Vec<&Pod>>,
    no_crowded_node: bool,
) {
    let ns = k8s::namespace(&sts.metadata);
    let name = k8s::name(&sts.metadata);
    let claims = sts::claims::claims_of(ctx, sts);
    let pvs: Vec<&str> = claims
        .iter()
        .filter_map(|c| c.pv)
        .map(|pv| k8s::name(&pv.metadata))
        .collect();
    if !pvs.is_empty() {
        let mut args = vec!["describe", "pv"];
        args.extend(pvs.iter().copied());
        f.commands.push(Remedy::run(
            "A member stays in the zone of its volume when the volume is zonal, whatever the spread rules say: check the volumes' zones (Node Affinity)",
            ctx.kubectl.argv(None, &args),
        ));
    }
    // Moving a member across zones with zonal volumes means a new, empty volume:
    // one member (the highest ordinal), to be repeated one at a time if needed. When
    // members also share a node, that is fixed first (the steps above).
    let mover = by_node
        .values()
        .flatten()
        .max_by_key(|p| k8s::ordinal_suffix(k8s::name(&p.metadata), name));
    if let Some(pod) = mover
        && no_crowded_node
        && sts::claims::pod_pinned_to_node(ctx, pod).is_none()
    {
        let pod_name = k8s::name(&pod.metadata);
        let ordinal = k8s::ordinal_suffix(pod_name, name);
        let own: Vec<&str> = claims
            .iter()
            .filter(|c| Some(c.ordinal) == ordinal.and_then(|o| i64::try_from(o).ok()))
            .filter(|c| c.pvc.is_some())
            .map(|c| c.name.as_str())
            .collect();
        for claim in &own {
            f.commands.push(
                Remedy::run(
                    format!(
                        "To move {pod_name} out of {zone}: delete its claim {claim} (removed once the pod has stopped; with reclaim policy Retain the old disk stays as a Released volume). The member comes back on a NEW, EMPTY volume and must re-sync from its peers: only while every other member is healthy, one member at a time. With a WaitForFirstConsumer class the new volume is created in the zone the scheduler picks"
                    ),
                    ctx.kubectl.argv(Some(ns), &["delete", "pvc", claim, "--wait=false"]),
                )
                .destructive(),
            );
        }
        f.commands.push(Remedy::run(
            format!(
                "Then delete {pod_name} so it is re-created (with a new claim) in another zone; kubectl delete pod bypasses the PodDisruptionBudget"
            ),
            ctx.kubectl.argv(Some(ns), &["delete", "pod", pod_name]),
        ));
        f.commands.push(Remedy::run(
            format!(
                "Wait until {pod_name} is Ready and has re-synced before moving another member ({})",
                sts::WAIT_NOT_FOUND
            ),
            ctx.kubectl.wait_ready(ns, pod_name, "30m"),
        ));
    }
}

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    let zones = schedulable_zones(ctx);
    for sts in &ctx.snap.statefulsets {
        let n = k8s::replicas(sts);
        if n < 2 {
            continue;
        }
        let ns = k8s::namespace(&sts.metadata);
        let name = k8s::name(&sts.metadata);
        let mut by_node: BTreeMap<&str, Vec<&Pod>> = BTreeMap::new();
        for pod in ctx.idx.pods_of(ns, name) {
            if let Some(node) = placed(pod) {
                by_node.entry(node).or_default().push(pod);
            }
        }
        let placed_count: usize = by_node.values().map(Vec::len).sum();
        let crowded: Vec<(&str, &Vec<&Pod>)> = by_node
            .iter()
            .filter(|(_, p)| p.len() >= 2)
            .map(|(n, p)| (*n, p))
            .collect();
        // All placed members in one zone, though the cluster offers more.
        let mut pod_zones: Vec<Option<&str>> = by_node
            .keys()
            .map(|node| ctx.idx.node.get(node).and_then(|n| k8s::node::zone(n)))
            .collect();
        pod_zones.sort_unstable();
        pod_zones.dedup();
        let one_zone = match pod_zones.as_slice() {
            [Some(z)] if placed_count >= 2 && zones.len() >= 2 => Some(*z),
            _ => None,
        };
        if crowded.is_empty() && one_zone.is_none() {
            continue;
        }
        let q = k8s::quorum(n);
        let spare = n - q;
        let worst = crowded.iter().map(|(_, p)| p.len()).max().unwrap_or(0) as i32;
        let breaks_quorum = worst > spare && !crowded.is_empty();
        let summary = if let Some((node, pods)) = crowded.iter().max_by_key(|(_, p)| p.len()) {
            if breaks_quorum {
                format!(
                    "{} of {name}'s {n} members run on node {node}: losing that one node breaks quorum ({q} of {n})",
                    pods.len()
                )
            } else {
                format!(
                    "{} of {name}'s {n} members run on node {node}: one node failure takes them down together",
                    pods.len()
                )
            }
        } else {
            format!(
                "all {placed_count} running members of {name} are in zone {}: a zone outage takes the whole set down",
                one_zone.unwrap_or_default()
            )
        };
        let mut f = ctx.finding(
            CHECK.id,
            ObjectRef::namespaced("StatefulSet", ns, name),
            Some(name),
            summary,
        );
        if breaks_quorum {
            f.severity = Severity::Critical;
            f.evidence.push(format!(
                "severity raised to critical: {worst} members on one node is more than the {spare} the set can lose and keep quorum ({q} of {n})"
            ));
        }
        for (node, pods) in &crowded {
            let names: Vec<&str> = pods.iter().map(|p| k8s::name(&p.metadata)).collect();
            f.evidence
                .push(format!("node {node} runs {}", names.join(", ")));
        }
        if let Some(z) = one_zone {
            f.evidence.push(format!(
                "every member is in zone {z} while schedulable nodes span {} zones ({})",
                zones.len(),
                zones.join(", ")
            ));
        }
        let rules = sts::spread::spread_rules(sts);
        if rules.is_empty() {
            f.evidence.push(
                "the pod template has no anti-affinity or spread rule over its own pods (spread-missing)".to_string(),
            );
        } else {
            f.evidence.push(format!(
                "the template's rules ({}) did not keep them apart: soft rules yield when no other node fits, and rules added later only apply at the next scheduling",
                rules.join(", ")
            ));
        }

        let multi_zone = zones.len() >= 2;
        if !has_spread(sts) {
            // The patch rolls every pod, and each re-created pod is placed under the
            // corrected or new rule.
            f.commands.push(spread_fix(ctx, sts, multi_zone));
        } else if one_zone.is_some() && !has_zone_rule(sts) {
            f.commands.push(spread_patch(ctx, sts, multi_zone));
        } else {
            // Rules exist: move the extra members by deleting them one at a time.
            move_crowded(ctx, &mut f, name, &crowded);
        }
        if let Some(zone) = one_zone {
            leave_zone(ctx, &mut f, sts, zone, &by_node, crowded.is_empty());
        }
        if f.commands.is_empty() {
            f.commands.push(Remedy::run(
                "See where each member runs",
                ctx.kubectl.argv(Some(ns), &["get", "pods", "-o", "wide"]),
            ));
        }
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::testutil::*;
    use serde_json::json;

    fn on(node: &str, ordinal: u32) -> crate::model::Pod {
        merged(
            &pod("shop", "db", ordinal, true),
            json!({"spec": {"nodeName": node}}),
        )
    }

    fn nodes(s: &mut crate::snapshot::Snapshot, zones: &[(&str, &str)]) {
        for (n, z) in zones {
            s.nodes.push(node_in_zone(n, z));
        }
    }

    #[test]
    fn two_of_three_on_one_node_is_critical() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        nodes(&mut s, &[("a", "z1"), ("b", "z2"), ("c", "z3")]);
        s.pods.extend([on("a", 0), on("a", 1), on("b", 2)]);
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].severity, Severity::Critical);
        assert!(r[0].summary.contains("2 of db's 3 members run on node a"));
        assert!(r[0].evidence.iter().any(|e| e == "node a runs db-0, db-1"));
        // No rule yet: the fix is the spread patch (which rolls the pods).
        assert!(r[0].commands[0].command.contains("patch statefulset db"));
    }

    #[test]
    fn two_of_five_on_one_node_is_a_warning_and_moves_the_higher_ordinal() {
        let mut s = snapshot();
        s.statefulsets.push(merged(
            &sts("shop", "db", 5),
            json!({"spec": {"template": {"spec": {"affinity": {"podAntiAffinity": {
                "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 100, "podAffinityTerm": {
                    "topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchLabels": {"app": "db"}}}}]}}}}}}),
        ));
        nodes(
            &mut s,
            &[("a", "z1"), ("b", "z1"), ("c", "z2"), ("d", "z2")],
        );
        s.pods
            .extend([on("a", 0), on("b", 1), on("c", 2), on("a", 3), on("d", 4)]);
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].severity, Severity::Warning);
        assert_eq!(r[0].commands[0].command, "kubectl -n shop delete pod db-3");
        assert_eq!(
            r[0].commands[1].command,
            "kubectl -n shop wait --for=condition=Ready pod/db-3 --timeout=10m"
        );
    }

    #[test]
    fn all_in_one_zone_of_a_multi_zone_cluster() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        nodes(
            &mut s,
            &[("a", "z1"), ("b", "z1"), ("c", "z1"), ("d", "z2")],
        );
        s.pods.extend([on("a", 0), on("b", 1), on("c", 2)]);
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].severity, Severity::Warning);
        assert!(r[0].summary.contains("zone z1"), "{}", r[0].summary);
    }

    #[test]
    fn spread_members_and_single_zone_clusters_are_quiet() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        nodes(&mut s, &[("a", "z1"), ("b", "z1"), ("c", "z1")]);
        s.pods.extend([on("a", 0), on("b", 1), on("c", 2)]);
        assert!(run_check(&s, super::CHECK).is_empty());
        // A terminating pod does not count as placed.
        let mut s2 = s.clone();
        let mut gone = on("a", 1);
        gone.metadata.deletion_timestamp =
            Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(now()));
        s2.pods[1] = gone;
        assert!(run_check(&s2, super::CHECK).is_empty());
    }
}
