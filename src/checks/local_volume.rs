//! `local-volume`: the StatefulSet's data lives on node-local PersistentVolumes (`spec.local`,
//! `hostPath`, a class with the `kubernetes.io/no-provisioner` provisioner, or a PV whose
//! required node affinity pins it to one host, as local-path provisioners do). Such a
//! replica cannot run anywhere else: when its node is lost, so is that copy of the data,
//! and the pod stays Pending until the node returns.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::snapshot::Source;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{PersistentVolume, Pod};

pub const CHECK: Check = Check {
    id: "local-volume",
    needs: &[
        Source::StatefulSets,
        Source::PersistentVolumeClaims,
        Source::PersistentVolumes,
        Source::StorageClasses,
    ],
    run,
};

/// Sets larger than this are not enumerated claim by claim (a `replicas` typo must not
/// allocate millions of names).
pub(crate) use crate::analysis::index::MemberClaim as Claim;

/// Names of the claim templates.
pub(crate) fn template_names(sts: &StatefulSet) -> Vec<&str> {
    sts.spec
        .as_ref()
        .and_then(|s| s.volume_claim_templates.as_deref())
        .unwrap_or_default()
        .iter()
        .map(|t| k8s::name(&t.metadata))
        .filter(|n| !n.is_empty())
        .collect()
}

/// The claims of the current members (`[start, start+replicas)`), per template, with the
/// PVC and bound PV when they exist (computed once per analysis, in the index).
pub(crate) fn claims_of<'s, 'a>(ctx: &'s Ctx<'a>, sts: &'s StatefulSet) -> &'s [Claim<'a>] {
    ctx.idx.member_claims(sts)
}

/// Why a PV is tied to one node, in a few words, and the node when known.
pub(crate) fn node_local(ctx: &Ctx, pv: &PersistentVolume) -> Option<(String, Option<String>)> {
    let spec = pv.spec.as_ref()?;
    let host = spec
        .node_affinity
        .as_ref()
        .and_then(|a| a.required.as_ref())
        .and_then(|sel| k8s::node::pinned_hosts(sel).first().map(|h| h.to_string()));
    if let Some(l) = &spec.local {
        return Some((format!("local volume {}", l.path), host));
    }
    if let Some(h) = &spec.host_path {
        return Some((format!("hostPath {}", h.path), host));
    }
    let class = spec.storage_class_name.as_deref().unwrap_or("");
    if let Some(sc) = ctx.idx.storage_class.get(class)
        && sc.provisioner == "kubernetes.io/no-provisioner"
    {
        return Some((
            format!("class {class} has provisioner kubernetes.io/no-provisioner"),
            host,
        ));
    }
    host.map(|h| (format!("node affinity pins it to host {h}"), Some(h)))
}

/// The node the pod's data is tied to, if one of its volumes is node-local: deleting the
/// pod to move it elsewhere would only leave it Pending.
pub(crate) fn pod_pinned_to_node(ctx: &Ctx, pod: &Pod) -> Option<String> {
    let ns = k8s::namespace(&pod.metadata);
    let vols = pod.spec.as_ref()?.volumes.as_deref().unwrap_or_default();
    vols.iter()
        .filter_map(|v| v.persistent_volume_claim.as_ref())
        .filter_map(|c| ctx.idx.pvc.get(&(ns, c.claim_name.as_str())))
        .filter_map(|pvc| pvc.spec.as_ref()?.volume_name.as_deref())
        .filter_map(|pv| ctx.idx.pv.get(pv))
        .find_map(|pv| node_local(ctx, pv))
        .map(|(why, host)| host.unwrap_or(why))
}

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    for sts in &ctx.snap.statefulsets {
        let claims = claims_of(ctx, sts);
        let mut local: Vec<(String, String)> = Vec::new();
        let mut pvs: Vec<&str> = Vec::new();
        for c in claims {
            let Some(pv) = c.pv else { continue };
            if let Some((why, host)) = node_local(ctx, pv) {
                let pv_name = k8s::name(&pv.metadata);
                let on = host.map(|h| format!(" on node {h}")).unwrap_or_default();
                local.push((
                    c.name.clone(),
                    format!("{} → PV {pv_name}{on}: {why}", c.name),
                ));
                pvs.push(pv_name);
            }
        }
        if local.is_empty() {
            continue;
        }
        let ns = k8s::namespace(&sts.metadata);
        let name = k8s::name(&sts.metadata);
        let n = k8s::replicas(sts);
        let mut f = ctx.finding(
            CHECK.id,
            ObjectRef::namespaced("StatefulSet", ns, name),
            Some(name),
            format!(
                "{} of {name}'s volumes are node-local: if a node is lost, its member cannot move and that copy of the data is gone with it",
                local.len()
            ),
        );
        f.evidence.push(format!(
            "a node-local volume ties the member to one node: on node failure the pod stays Pending and only the application's own replication ({n} replica(s)) keeps the data"
        ));
        f.evidence.extend(local.into_iter().map(|(_, line)| line));
        if n < 3 {
            f.evidence.push(format!(
                "with {n} replica(s) there is little or no other copy to rebuild from"
            ));
        }
        let mut describe: Vec<&str> = vec!["describe", "pv"];
        describe.extend(pvs.iter().copied());
        f.commands.push(Remedy::run(
            "See which node each volume is pinned to (Node Affinity) and where its data lives",
            ctx.kubectl.argv(None, &describe),
        ));
        f.commands.push(Remedy::run(
            format!(
                "Either keep local storage and make sure the application replicates every write to members on other nodes (3+ replicas, replication factor ≥ 2), or move {name} to network/replicated storage: claim templates are immutable, so that means re-creating the StatefulSet with another storageClassName and rebuilding members one at a time from their peers. List the classes to choose from"
            ),
            ctx.kubectl.argv(None, &["get", "storageclass"]),
        ));
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use crate::testutil::*;
    use serde_json::json;

    fn snap(pv_extra: serde_json::Value, provisioner: &str) -> crate::snapshot::Snapshot {
        let mut s = snapshot();
        s.statefulsets
            .push(with_claim_template(&sts("shop", "db", 2), Some("fast")));
        s.storage_classes
            .push(storage_class_of("fast", provisioner, json!({})));
        for i in 0..2 {
            let claim = format!("data-db-{i}");
            let pv = format!("pv-{i}");
            s.pvcs.push(pvc_of(
                "shop",
                &claim,
                "db",
                &pv,
                Some("fast"),
                "2026-11-01T00:00:00Z",
            ));
            s.pvs
                .push(pv_of(&pv, "shop", &claim, "fast", pv_extra.clone()));
        }
        s
    }

    #[test]
    fn local_and_no_provisioner_and_host_pinned_volumes_fire() {
        let host_pin = json!({"nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
            {"key": "kubernetes.io/hostname", "operator": "In", "values": ["node-a"]}]}]}}});
        let mut local = host_pin.clone();
        local["local"] = json!({"path": "/mnt/disks/ssd0"});
        local["csi"] = serde_json::Value::Null;
        for (extra, prov, expect) in [
            (local, "ebs.csi.aws.com", "local volume /mnt/disks/ssd0"),
            (json!({}), "kubernetes.io/no-provisioner", "no-provisioner"),
            (host_pin, "rancher.io/local-path", "pins it to host node-a"),
        ] {
            let r = run_check(&snap(extra, prov), super::CHECK);
            assert_eq!(r.len(), 1, "{prov}");
            assert!(r[0].evidence[1].contains(expect), "{:?}", r[0].evidence);
            assert_eq!(r[0].commands[0].command, "kubectl describe pv pv-0 pv-1");
        }
    }

    #[test]
    fn zonal_network_volumes_are_quiet() {
        let zonal = json!({"nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
            {"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["z1"]}]}]}}});
        assert!(run_check(&snap(zonal, "ebs.csi.aws.com"), super::CHECK).is_empty());
    }
}
