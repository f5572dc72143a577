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
use crate::sts;

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

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    for sts in &ctx.snap.statefulsets {
        let claims = sts::claims::claims_of(ctx, sts);
        let mut local: Vec<(String, String)> = Vec::new();
        let mut pvs: Vec<&str> = Vec::new();
        for c in claims {
            let Some(pv) = c.pv else { continue };
            if let Some((why, host)) = sts::claims::node_local(ctx, pv) {
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
