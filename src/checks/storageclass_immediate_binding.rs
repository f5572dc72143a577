//! `storageclass-immediate-binding`: a StatefulSet's claims come from a StorageClass with
//! `volumeBindingMode: Immediate` in a cluster whose schedulable nodes span several zones,
//! and its volumes are zonal. Immediate binding creates the volume as soon as the claim
//! exists, in a zone chosen without knowing where the pod can run; the pod is then tied
//! to that zone, and anti-affinity, taints or a full zone leave it Pending for good.
//! `WaitForFirstConsumer` creates the volume where the scheduler has placed the pod.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::k8s::node::{LEGACY_ZONE_LABEL, ZONE_LABEL};
use crate::manifest;
use crate::model::PersistentVolume;
use crate::model::StatefulSet;
use crate::snapshot::Source;
use crate::sts;
use crate::sts::classes::{
    DEFAULT_ANNOTATION, TemplateClass, orphan_delete, recreate_manifest, set_template_class,
    template_classes,
};
use k8s_openapi::api::storage::v1::StorageClass;
use serde_json::{Value, json};
use sts::spread::schedulable_zones;

pub const CHECK: Check = Check {
    id: "storageclass-immediate-binding",
    needs: &[
        Source::StatefulSets,
        Source::StorageClasses,
        Source::Nodes,
        Source::PersistentVolumeClaims,
        Source::PersistentVolumes,
    ],
    run,
};

/// Zone keys: the well-known labels and CSI drivers' own (`topology.ebs.csi.aws.com/zone`,
/// `topology.gke.io/zone`, ...).
fn zone_key(k: &str) -> bool {
    k == ZONE_LABEL || k == LEGACY_ZONE_LABEL || k.ends_with("/zone")
}

/// The zones a PV's required node affinity restricts it to.
pub(crate) fn pv_zones(pv: &PersistentVolume) -> Vec<&str> {
    let mut z: Vec<&str> = pv
        .spec
        .as_ref()
        .and_then(|s| s.node_affinity.as_ref())
        .and_then(|a| a.required.as_ref())
        .map(|sel| {
            sel.node_selector_terms
                .iter()
                .flat_map(|t| t.match_expressions.iter().flatten())
                .filter(|r| r.operator == "In" && zone_key(&r.key))
                .flat_map(|r| r.values.iter().flatten().map(String::as_str))
                .collect()
        })
        .unwrap_or_default();
    z.sort_unstable();
    z.dedup();
    z
}

fn binding_mode(sc: &StorageClass) -> &str {
    sc.volume_binding_mode.as_deref().unwrap_or("Immediate")
}

/// `<class>-wffc`, or with a number when that name is taken.
fn new_class_name(ctx: &Ctx, class: &str) -> String {
    let base = format!("{class}-wffc");
    if !ctx.idx.storage_class.contains_key(base.as_str()) {
        return base;
    }
    (2..)
        .map(|i| format!("{base}-{i}"))
        .find(|n| !ctx.idx.storage_class.contains_key(n.as_str()))
        .unwrap_or(base)
}

/// A copy of `sc` under a new name with `WaitForFirstConsumer`.
fn wffc_copy(sc: &StorageClass, new_name: &str) -> Value {
    let mut v = json!({
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {"name": new_name},
        "provisioner": sc.provisioner,
        "volumeBindingMode": "WaitForFirstConsumer",
    });
    if let Some(p) = sc.parameters.as_ref().filter(|p| !p.is_empty()) {
        v["parameters"] = json!(p);
    }
    if let Some(r) = &sc.reclaim_policy {
        v["reclaimPolicy"] = json!(r);
    }
    if let Some(a) = sc.allow_volume_expansion {
        v["allowVolumeExpansion"] = json!(a);
    }
    if let Some(m) = sc.mount_options.as_ref().filter(|m| !m.is_empty()) {
        v["mountOptions"] = json!(m);
    }
    if let Some(t) = sc.allowed_topologies.as_ref().filter(|t| !t.is_empty())
        && let Ok(tv) = serde_json::to_value(t)
    {
        v["allowedTopologies"] = tv;
    }
    v
}

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    let zones = schedulable_zones(ctx);
    if zones.len() < 2 {
        return;
    }
    for sts in &ctx.snap.statefulsets {
        let ns = k8s::namespace(&sts.metadata);
        let name = k8s::name(&sts.metadata);
        let claims = sts::claims::claims_of(ctx, sts);
        let tcs = template_classes(ctx, sts);
        let mut done: Vec<&str> = Vec::new();
        for (_, tc) in &tcs {
            let Some(sc) = tc.class() else { continue };
            let class = k8s::name(&sc.metadata);
            if binding_mode(sc) == "WaitForFirstConsumer" || done.contains(&class) {
                continue;
            }
            done.push(class);
            // Templates drawing from this class, and whether they name it or use the default.
            let tpls: Vec<(&str, bool)> = tcs
                .iter()
                .filter(|(_, t)| t.class().is_some_and(|c| std::ptr::eq(c, sc)))
                .map(|(t, kind)| (*t, matches!(kind, TemplateClass::Named(..))))
                .collect();
            let mut zonal: Vec<String> = Vec::new();
            for c in claims {
                if !tpls.iter().any(|(t, _)| *t == c.template) {
                    continue;
                }
                let Some(pv) = c.pv else { continue };
                let z = pv_zones(pv);
                if !z.is_empty() {
                    zonal.push(format!(
                        "{} → PV {} in zone {}",
                        c.name,
                        k8s::name(&pv.metadata),
                        z.join(",")
                    ));
                }
            }
            if zonal.is_empty() {
                continue;
            }
            let mut f = ctx.finding(
                CHECK.id,
                ObjectRef::cluster("StorageClass", class),
                Some(name),
                format!(
                    "StorageClass {class} binds Immediately in a {}-zone cluster: a new {name} volume is created before its pod is placed, and the pod can end up Pending in the wrong zone",
                    zones.len()
                ),
            );
            f.evidence.push(
                "Immediate binding picks the volume's zone without knowing the pod's constraints; the pod must then run in that zone, and anti-affinity, taints or a full zone leave it unschedulable. WaitForFirstConsumer creates the volume where the pod is scheduled".to_string()
            );
            let tpl_names: Vec<&str> = tpls.iter().map(|(t, _)| *t).collect();
            f.evidence.push(format!(
                "class {class}: volumeBindingMode {}, provisioner {}; used by claim template {} of {ns}/{name}",
                binding_mode(sc),
                sc.provisioner,
                tpl_names.join(", ")
            ));
            f.evidence.extend(zonal);
            f.evidence
                .push(format!("schedulable nodes span zones {}", zones.join(", ")));
            switch_class(ctx, sts, sc, &tpls, &mut f);
            out.push(f);
        }
    }
}

/// The way to WaitForFirstConsumer: a copy of the class that binds late, then the set
/// re-created to name it (templates that name the class) or the copy made the default
/// (templates that name none). `tpls`: the templates drawing from `sc`, and whether each
/// names it.
fn switch_class(
    ctx: &Ctx,
    sts: &StatefulSet,
    sc: &StorageClass,
    tpls: &[(&str, bool)],
    f: &mut Finding,
) {
    let name = k8s::name(&sts.metadata);
    let class = k8s::name(&sc.metadata);
    let new_name = new_class_name(ctx, class);
    f.commands.push(Remedy::with_stdin(
        format!(
            "A class's volumeBindingMode and parameters are immutable: create {new_name}, a copy of {class} (same provisioner and parameters) that binds WaitForFirstConsumer"
        ),
        ctx.kubectl.argv(None, &["apply", "-f", "-"]),
        manifest::to_yaml(&wffc_copy(sc, &new_name)),
    ));
    let named: Vec<&str> = tpls.iter().filter(|(_, n)| *n).map(|(t, _)| *t).collect();
    if !named.is_empty() {
        f.commands.push(orphan_delete(
            ctx,
            sts,
            &format!(
                "Claim templates are immutable too, so re-create {name} to use {new_name} (existing claims keep their volumes and zones; new members and replaced volumes get the new class). Step 1"
            ),
        ));
        let m = recreate_manifest(sts, |v| set_template_class(v, &named, &new_name));
        f.commands.push(Remedy::with_stdin(
            format!(
                "Step 2: re-create {name} with storageClassName {new_name} in claim template {}; it adopts the running pods",
                named.join(", ")
            ),
            ctx.kubectl.argv(None, &["apply", "-f", "-"]),
            manifest::to_yaml(&m),
        ));
    }
    if tpls.iter().any(|(_, n)| !*n) {
        f.commands.push(Remedy::run(
            format!(
                "{name}'s claim template names no class, so it gets the default: make {new_name} the default class (this changes the default for every new claim without a class in the cluster)"
            ),
            ctx.kubectl.argv(
                None,
                &[
                    "annotate",
                    "storageclass",
                    &new_name,
                    &format!("{DEFAULT_ANNOTATION}=true"),
                    "--overwrite",
                ],
            ),
        ));
        f.commands.push(Remedy::run(
            format!("Then stop {class} from being the default"),
            ctx.kubectl.argv(
                None,
                &[
                    "annotate",
                    "storageclass",
                    class,
                    &format!("{DEFAULT_ANNOTATION}=false"),
                    "--overwrite",
                ],
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::testutil::*;
    use serde_json::json;

    fn snap(mode: &str, zones: &[&str], class_in_template: bool) -> crate::snapshot::Snapshot {
        let mut s = snapshot();
        let class = if class_in_template { Some("gp2") } else { None };
        s.statefulsets
            .push(with_claim_template(&sts("shop", "db", 2), class));
        s.storage_classes.push(storage_class_of(
            "gp2",
            "ebs.csi.aws.com",
            json!({"volumeBindingMode": mode, "parameters": {"type": "gp2"},
                   "metadata": {"annotations": {"storageclass.kubernetes.io/is-default-class": "true"}}}),
        ));
        for (i, z) in zones.iter().enumerate() {
            s.nodes.push(node_in_zone(&format!("n{i}"), z));
        }
        for i in 0..2 {
            let claim = format!("data-db-{i}");
            let pv = format!("pv-{i}");
            s.pvcs.push(pvc_of(
                "shop",
                &claim,
                "db",
                &pv,
                Some("gp2"),
                "2026-11-01T00:00:00Z",
            ));
            s.pvs.push(pv_of(&pv, "shop", &claim, "gp2", json!({"nodeAffinity": {"required": {"nodeSelectorTerms": [
                {"matchExpressions": [{"key": "topology.ebs.csi.aws.com/zone", "operator": "In", "values": ["z1"]}]}]}}})));
        }
        s
    }

    #[test]
    fn immediate_in_multi_zone_with_zonal_volumes_fires_with_a_new_class_and_recreate() {
        let r = run_check(&snap("Immediate", &["z1", "z2"], true), super::CHECK);
        assert_eq!(r.len(), 1);
        let f = &r[0];
        assert_eq!(f.object.kind, "StorageClass");
        let sc = f.commands[0].stdin().unwrap();
        assert!(
            sc.contains("name: gp2-wffc")
                && sc.contains("volumeBindingMode: WaitForFirstConsumer")
                && sc.contains("type: gp2")
                && sc.contains("provisioner: ebs.csi.aws.com"),
            "{sc}"
        );
        assert_eq!(
            f.commands[1].command,
            "kubectl -n shop delete statefulset db --cascade=orphan"
        );
        assert!(
            f.commands[2]
                .stdin()
                .unwrap()
                .contains("storageClassName: gp2-wffc")
        );
    }

    #[test]
    fn a_default_class_template_switches_the_default_instead() {
        let r = run_check(&snap("Immediate", &["z1", "z2"], false), super::CHECK);
        assert_eq!(r.len(), 1);
        let cmds: Vec<&str> = r[0].commands.iter().map(|c| c.command.as_str()).collect();
        assert_eq!(cmds.len(), 3, "{cmds:#?}");
        assert_eq!(
            cmds[1],
            "kubectl annotate storageclass gp2-wffc storageclass.kubernetes.io/is-default-class=true --overwrite"
        );
        assert_eq!(
            cmds[2],
            "kubectl annotate storageclass gp2 storageclass.kubernetes.io/is-default-class=false --overwrite"
        );
    }

    #[test]
    fn quiet_for_wffc_or_a_single_zone() {
        assert!(
            run_check(
                &snap("WaitForFirstConsumer", &["z1", "z2"], true),
                super::CHECK
            )
            .is_empty()
        );
        assert!(run_check(&snap("Immediate", &["z1", "z1"], true), super::CHECK).is_empty());
    }
}
