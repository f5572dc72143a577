//! `pv-node-affinity-conflict`: a Pending pod whose bound PersistentVolume may only be used
//! on nodes that cannot take it: the PV's required node affinity names a node that was
//! deleted, is NotReady or cordoned/tainted, or a zone with no schedulable node left.
//!
//! Judged from the objects, not from the scheduler's words: the PV's
//! `nodeAffinity.required` is matched against every Node (In/NotIn/Exists/DoesNotExist/
//! Gt/Lt expressions and `metadata.name` fields), and the pod is stuck when no matching node
//! is Ready and schedulable for it. Since Kubernetes 1.27 the scheduler often only says
//! `didn't satisfy plugin(s) [VolumeBinding]`, so its message is evidence, not the signal.
//! A PV's node affinity cannot be changed, so the fix is to give up this copy of the data
//! (when the application has it elsewhere) or to bring back somewhere the volume may be
//! used.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::k8s::node as kn;
use crate::model::PersistentVolume;
use crate::model::Pod;
use crate::sts;
use serde_json::json;

pub const CHECK: Check = Check {
    id: "pv-node-affinity-conflict",
    needs: sts::affinity::NEEDS,
    run,
};

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    for pod in &ctx.snap.pods {
        let found = sts::affinity::conflicts(ctx, pod);
        if found.is_empty() {
            continue;
        }
        out.push(finding(ctx, pod, &found));
    }
}

fn reclaim_policy(pv: &PersistentVolume) -> &str {
    pv.spec
        .as_ref()
        .and_then(|s| s.persistent_volume_reclaim_policy.as_deref())
        .unwrap_or("Delete")
}

/// Available PVs of a class that has no provisioner: what a fresh claim could bind to.
fn available_static_pvs(ctx: &Ctx, class: &str) -> usize {
    ctx.idx
        .available_pvs_of_class
        .get(class)
        .map_or(0, Vec::len)
}

/// Option A: give up this copy; the application rebuilds it from its peers.
fn give_up_this_copy(ctx: &Ctx, f: &mut Finding, pod: &Pod, found: &[sts::affinity::Conflict]) {
    let ns = k8s::namespace(&pod.metadata);
    let name = k8s::name(&pod.metadata);
    let sts = k8s::pod::statefulset_of(pod);
    let a = "Option A (data replicated elsewhere, losing this copy is acceptable)";
    for c in found {
        let policy = reclaim_policy(c.pv);
        let what = if policy == "Delete" {
            format!(
                "reclaim policy Delete: {} and its disk are deleted too",
                k8s::name(&c.pv.metadata)
            )
        } else {
            format!(
                "reclaim policy {policy}: {} stays behind as Released",
                k8s::name(&c.pv.metadata)
            )
        };
        f.commands.push(
            Remedy::run(
                format!(
                    "{a}: delete claim {} without waiting for its finalizer: this replica's copy of the data is given up ({what})",
                    c.claim
                ),
                ctx.kubectl
                    .argv(Some(ns), &["delete", "pvc", &c.claim, "--wait=false"]),
            )
            .destructive(),
        );
    }
    let recreated = if sts.is_some() {
        "so the StatefulSet re-creates it with a new, empty claim".to_string()
    } else {
        "(it has no controller: re-create it yourself with a new claim)".to_string()
    };
    f.commands.push(
        Remedy::run(
            format!("{a}: then delete pod {name} {recreated}"),
            ctx.kubectl.argv(Some(ns), &["delete", "pod", name]),
        )
        .destructive(),
    );
    for c in found {
        let class = c
            .pvc
            .spec
            .as_ref()
            .and_then(|s| s.storage_class_name.as_deref())
            .unwrap_or("");
        let static_class = ctx
            .idx
            .storage_class
            .get(class)
            .is_some_and(|sc| sc.provisioner == "kubernetes.io/no-provisioner");
        if static_class {
            let free = available_static_pvs(ctx, class);
            f.evidence.push(format!(
                "StorageClass {class} has no provisioner: after Option A the new claim needs an Available PV of that class on a usable node ({free} Available now)"
            ));
        }
    }
    let repair = sts::affinity::app_repair_steps(ctx, pod, a);
    if repair.is_empty() {
        f.evidence.push(format!(
            "after Option A, {name} starts on an empty volume: run the application's own repair/resync so it copies the data back from its peers before counting it as a healthy replica"
        ));
    }
    f.commands.extend(repair);
}

/// Option B: keep the data.
fn keep_the_data(ctx: &Ctx, f: &mut Finding, found: &[sts::affinity::Conflict]) {
    let b = "Option B (the data must be kept)";
    let mut described: Vec<&str> = Vec::new();
    for c in found {
        for (n, _) in &c.matching {
            let node = k8s::name(&n.metadata);
            if described.contains(&node) {
                continue;
            }
            described.push(node);
            if kn::is_cordoned(n) && kn::is_ready(n) {
                f.commands.push(Remedy::run(
                    format!(
                        "{b}: {node} is cordoned; if its maintenance is over, let pods back on it"
                    ),
                    ctx.kubectl.argv(None, &["uncordon", node]),
                ));
            } else {
                f.commands.push(Remedy::run(
                    format!("{b}: find out why {node} cannot take pods and restore it"),
                    ctx.kubectl.argv(None, &["describe", "node", node]),
                ));
            }
        }
    }
    let pinned_zone = found
        .iter()
        .flat_map(|c| c.zones.iter().map(|(z, _)| *z))
        .next();
    if let Some(z) = pinned_zone {
        f.commands.push(Remedy::run(
            format!(
                "{b}: add capacity in zone {z} (scale that zone's node group) or restore its nodes; these are the nodes it has now"
            ),
            ctx.kubectl.argv(
                None,
                &["get", "nodes", "-l", &format!("{}={z}", kn::ZONE_LABEL), "-o", "wide"],
            ),
        ));
    }
    if found.iter().any(|c| !c.missing_hosts.is_empty()) {
        let hosts: Vec<&str> = found
            .iter()
            .flat_map(|c| c.missing_hosts.iter().copied())
            .collect();
        f.evidence.push(format!(
            "Option B for a deleted node: bring back a node named {} with the same disk, or re-create the PV object pointing at where the disk is now",
            hosts.join(", ")
        ));
    }
    for c in found {
        let pv = k8s::name(&c.pv.metadata);
        if reclaim_policy(c.pv) != "Retain" {
            f.commands.push(Remedy::run(
                format!(
                    "{b}: before re-creating PV {pv} (its node affinity cannot be patched: delete and re-create the PV object), make sure deleting it keeps the data: set reclaim policy Retain"
                ),
                ctx.kubectl.argv(
                    None,
                    &[
                        "patch",
                        "pv",
                        pv,
                        "--type=merge",
                        "-p",
                        &json!({"spec": {"persistentVolumeReclaimPolicy": "Retain"}}).to_string(),
                    ],
                ),
            ));
        }
        f.commands.push(Remedy::run(
            format!(
                "{b}: save PV {pv} as it is, to re-create it with the node affinity of the node or zone that now holds the disk (reclaim policy Retain)"
            ),
            ctx.kubectl.argv(None, &["get", "pv", pv, "-o", "yaml"]),
        ));
    }
}

fn finding(ctx: &Ctx, pod: &Pod, found: &[sts::affinity::Conflict]) -> Finding {
    let ns = k8s::namespace(&pod.metadata);
    let name = k8s::name(&pod.metadata);
    let sts = k8s::pod::statefulset_of(pod);
    let first = &found[0];
    let pv_name = k8s::name(&first.pv.metadata);
    let mut f = ctx.finding(
        CHECK.id,
        ObjectRef::namespaced("Pod", ns, name),
        sts,
        format!(
            "{name} cannot be scheduled: its volume {pv_name} may only be used {}, and {}",
            first.place(),
            first.why()
        ),
    );
    for c in found {
        let pv = k8s::name(&c.pv.metadata);
        f.evidence.push(format!(
            "claim {} is bound to PersistentVolume {pv} ({}, reclaim policy {})",
            c.claim,
            sts::affinity::volume_source(c.pv),
            reclaim_policy(c.pv)
        ));
        f.evidence.push(format!(
            "{pv} requires node affinity {}; PV node affinity cannot be changed",
            kn::describe_selector(c.affinity)
        ));
        for h in &c.missing_hosts {
            f.evidence.push(format!(
                "node {h} does not exist any more (deleted or replaced)"
            ));
        }
        for (n, why) in &c.matching {
            let since = kn::ready_since(n)
                .filter(|_| !kn::is_ready(n))
                .map(|t| format!(" for {}", k8s::time::age(t, ctx.now)))
                .unwrap_or_default();
            f.evidence.push(format!(
                "node {} matches the affinity but is {why}{since}",
                k8s::name(&n.metadata)
            ));
        }
        for (z, count) in &c.zones {
            f.evidence.push(format!(
                "zone {z}: {count} node(s), none Ready and schedulable for this pod"
            ));
        }
        if sts::affinity::is_node_local(c.pv) {
            f.evidence.push(format!(
                "{pv} is node-local storage: its data exists only on that node's disk"
            ));
        }
    }
    if let Some(c) = k8s::pod::condition(pod, "PodScheduled").filter(|c| c.status == "False")
        && let Some(msg) = c.message()
    {
        f.evidence.push(format!(
            "the scheduler says: {}",
            k8s::pod::message_line(msg, 300)
        ));
    }

    give_up_this_copy(ctx, &mut f, pod, found);
    keep_the_data(ctx, &mut f, found);
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use crate::snapshot::Source;
    use crate::testutil::*;

    fn fixture(node_state: &str) -> crate::snapshot::Snapshot {
        let mut s = snapshot();
        s.statefulsets.push(sts("data", "cassandra", 3));
        let mut p = unscheduled_pod("data", "cassandra", 1);
        p.spec.as_mut().unwrap().containers[0].image = Some("cassandra:5.0.2".into());
        with_claim(&mut p, "data-cassandra-1");
        s.pods.push(p);
        s.pvcs
            .push(bound_claim("data", "data-cassandra-1", "pv-1", "local"));
        s.pvs
            .push(local_pv("pv-1", "node-2", "data", "data-cassandra-1"));
        s.nodes.push(zoned_node("node-1", "z1", true));
        match node_state {
            "gone" => {}
            "notready" => s.nodes.push(zoned_node("node-2", "z1", false)),
            "cordoned" => {
                let mut n = zoned_node("node-2", "z1", true);
                n.spec.get_or_insert_default().unschedulable = Some(true);
                s.nodes.push(n);
            }
            _ => s.nodes.push(zoned_node("node-2", "z1", true)),
        }
        s
    }

    #[test]
    fn fires_when_the_pinned_node_is_gone_and_names_it() {
        let s = fixture("gone");
        let r = run_check(&s, CHECK);
        assert_eq!(r.len(), 1, "{r:#?}");
        let f = &r[0];
        assert_eq!(f.severity, Severity::Critical);
        assert_eq!(f.object.kind, "Pod");
        assert_eq!(f.object.name, "cassandra-1");
        assert_eq!(f.statefulset.as_deref(), Some("cassandra"));
        assert!(f.summary.contains("used on node node-2"), "{}", f.summary);
        assert!(
            f.summary.contains("node-2 no longer exists"),
            "{}",
            f.summary
        );
        let cmds: Vec<&str> = f.commands.iter().map(|c| c.command.as_str()).collect();
        assert!(cmds.contains(&"kubectl -n data delete pvc data-cassandra-1 --wait=false"));
        assert!(cmds.contains(&"kubectl -n data delete pod cassandra-1"));
        assert!(f.commands.iter().filter(|c| c.destructive).count() >= 2);
        assert!(f.commands[0].description.starts_with("Option A ("));
        assert!(
            f.commands
                .iter()
                .any(|c| c.description.starts_with("Option B ("))
        );
        // Retain patch is skipped because the PV already retains.
        assert!(
            !cmds
                .iter()
                .any(|c| c.contains("persistentVolumeReclaimPolicy"))
        );
        // Cassandra image: nodetool repair is offered.
        assert!(
            cmds.iter().any(|c| c.ends_with("nodetool repair --full")),
            "{cmds:#?}"
        );
    }

    #[test]
    fn not_ready_and_cordoned_nodes_conflict_too() {
        let r = run_check(&fixture("notready"), CHECK);
        assert_eq!(r.len(), 1);
        assert!(r[0].summary.contains("NotReady"), "{}", r[0].summary);
        let r = run_check(&fixture("cordoned"), CHECK);
        assert_eq!(r.len(), 1);
        assert!(
            r[0].commands
                .iter()
                .any(|c| c.command == "kubectl uncordon node-2")
        );
    }

    #[test]
    fn quiet_when_the_pinned_node_is_usable() {
        let s = fixture("ready");
        assert!(run_check(&s, CHECK).is_empty());
        let mut s = fixture("gone");
        // A tolerated taint does not block, a zone with a Ready node does not conflict.
        s.pvs[0] = zonal_pv("pv-1", "z1", "data", "data-cassandra-1");
        assert!(run_check(&s, CHECK).is_empty());
    }

    #[test]
    fn a_zone_without_usable_nodes_conflicts() {
        let mut s = fixture("gone");
        s.pvs[0] = zonal_pv("pv-1", "z2", "data", "data-cassandra-1");
        let mut n = zoned_node("node-9", "z2", true);
        n.spec.get_or_insert_default().taints = Some(vec![k8s_openapi::api::core::v1::Taint {
            key: "dedicated".into(),
            value: Some("batch".into()),
            effect: "NoSchedule".into(),
            time_added: None,
        }]);
        s.nodes.push(n);
        let r = run_check(&s, CHECK);
        assert_eq!(r.len(), 1);
        assert!(r[0].summary.contains("used in zone z2"), "{}", r[0].summary);
        assert!(
            r[0].summary.contains("tainted dedicated=batch:NoSchedule"),
            "{}",
            r[0].summary
        );
        // The PV is not Retain: the patch is offered before re-creating it.
        assert!(r[0].commands.iter().any(|c| {
            c.command
                .contains(r#"'{"spec":{"persistentVolumeReclaimPolicy":"Retain"}}'"#)
        }));
    }

    #[test]
    fn explains_needs_nodes_read() {
        let mut s = fixture("gone");
        s.skipped.push(crate::snapshot::Skipped {
            source: Source::Nodes,
            reason: "forbidden".into(),
        });
        let k = crate::kubectl::Kubectl::default();
        let ctx = ctx_for(&s, &k);
        assert!(!crate::sts::affinity::pv_conflicts_with_node(
            &ctx, &s.pods[0]
        ));
    }

    #[test]
    fn scheduled_pods_are_not_judged() {
        let mut s = fixture("gone");
        s.pods[0].spec.as_mut().unwrap().node_name = Some("node-1".into());
        assert!(run_check(&s, CHECK).is_empty());
    }

    #[test]
    fn cassandra_is_recognised_from_the_image_only() {
        assert!(crate::sts::affinity::is_cassandra("cassandra:5.0.2"));
        assert!(crate::sts::affinity::is_cassandra(
            "docker.io/bitnami/cassandra:4.1"
        ));
        assert!(crate::sts::affinity::is_cassandra(
            "registry:5000/team/cassandra@sha256:abc"
        ));
        assert!(!crate::sts::affinity::is_cassandra("redis:7"));
        assert!(!crate::sts::affinity::is_cassandra(
            "cassandra-exporter-sidecar/x:1"
        ));
        assert!(!crate::sts::affinity::is_cassandra(
            "criteord/cassandra-exporter:2.3"
        ));
    }
}
