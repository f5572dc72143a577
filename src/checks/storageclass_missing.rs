//! `storageclass-missing`: a claim template names a StorageClass that does not exist, or
//! names none while the cluster has no default class. Every claim the controller creates
//! from it (a new member, a scale-up, a replaced volume) stays Pending, and so does its pod:
//! the set cannot heal or grow. Claim templates are immutable, so the fix is either to
//! create the class or to re-create the StatefulSet object around its running pods.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::manifest;
use crate::model::StatefulSet;
use crate::snapshot::Source;
use crate::sts;
use crate::sts::classes::DEFAULT_ANNOTATION;
use serde_json::json;

pub const CHECK: Check = Check {
    id: "storageclass-missing",
    needs: &[Source::StatefulSets, Source::StorageClasses],
    run,
};

/// Option A for each missing class: create it, with the provisioner that made the set's
/// existing volumes when one is known.
fn create_the_class(
    ctx: &Ctx,
    f: &mut Finding,
    named_missing: &[(&str, &str)],
    drivers: &[(&str, String)],
) {
    for (tpl, c) in named_missing {
        // Option A: create the class. The driver is known when a bound volume of this
        // template was provisioned by CSI before the class went away.
        let driver = drivers
            .iter()
            .find(|(t, _)| t == tpl)
            .map(|(_, d)| d.clone());
        match driver {
            Some(d) => {
                let sc = json!({
                    "apiVersion": "storage.k8s.io/v1",
                    "kind": "StorageClass",
                    "metadata": {"name": c},
                    "provisioner": d,
                    "volumeBindingMode": "WaitForFirstConsumer",
                    "allowVolumeExpansion": true,
                    "reclaimPolicy": "Retain",
                });
                f.commands.push(Remedy::with_stdin(
                    format!(
                        "Option A (create the class): StorageClass {c} with the provisioner {d} that made the set's existing volumes, binding WaitForFirstConsumer, expandable, reclaim policy Retain. Add the parameters your provider needs (disk type, IOPS, encryption) before applying: a class's parameters cannot be changed later"
                    ),
                    ctx.kubectl.argv(None, &["apply", "-f", "-"]),
                    manifest::to_yaml(&sc),
                ));
            }
            None => f.commands.push(Remedy::run(
                format!(
                    "Option A (create the class): create StorageClass {c} with your cluster's CSI provisioner and parameters; this lists the classes and provisioners in use to copy from"
                ),
                ctx.kubectl.argv(None, &["get", "storageclass", "-o", "wide"]),
            )),
        }
    }
}

/// Option B: point the templates at an existing class, by re-creating the set (claim
/// templates are immutable), then re-create the Pending claims.
fn use_an_existing_class(
    ctx: &Ctx,
    f: &mut Finding,
    sts: &StatefulSet,
    named_missing: &[(&str, &str)],
    pending: &[&str],
    claims: &[sts::claims::Claim],
) {
    let ns = k8s::namespace(&sts.metadata);
    let name = k8s::name(&sts.metadata);
    // Option B: point the templates at an existing class, by re-creating the set.
    let target = sts::classes::default_class(ctx).or(match ctx.snap.storage_classes.as_slice() {
        [only] => Some(only),
        _ => None,
    });
    match target {
        Some(t) => {
            let tname = k8s::name(&t.metadata);
            let tpls: Vec<&str> = named_missing.iter().map(|(t, _)| *t).collect();
            f.commands.push(sts::classes::orphan_delete(
                ctx,
                sts,
                &format!(
                    "Option B (use existing class {tname}): claim templates are immutable, so re-create the StatefulSet. Step 1"
                ),
            ));
            let m = sts::classes::recreate_manifest(sts, |v| sts::classes::set_template_class(v, &tpls, tname));
            f.commands.push(Remedy::with_stdin(
                format!(
                    "Option B step 2: re-create {name} with storageClassName {tname} in its claim templates; it adopts the running pods, and existing bound claims keep their volumes"
                ),
                ctx.kubectl.argv(None, &["apply", "-f", "-"]),
                manifest::to_yaml(&m),
            ));
            for claim in pending {
                let pod = claims
                    .iter()
                    .find(|c| c.name == *claim)
                    .map(|c| format!("{name}-{}", c.ordinal))
                    .unwrap_or_default();
                f.commands.push(Remedy::run(
                    format!(
                        "Option B step 3: delete the Pending claim {claim} (it never got a volume, so holds no data; its class cannot be changed in place)"
                    ),
                    ctx.kubectl.argv(Some(ns), &["delete", "pvc", claim, "--wait=false"]),
                ));
                f.commands.push(Remedy::run(
                    format!(
                        "Then delete its pod {pod} so the controller re-creates pod and claim from the new template"
                    ),
                    ctx.kubectl.argv(Some(ns), &["delete", "pod", &pod]),
                ));
            }
        }
        None => f.commands.push(Remedy::run(
            format!(
                "Option B (use an existing class): claim templates are immutable, so orphan-delete {name} (kubectl -n {ns} delete statefulset {name} --cascade=orphan), re-apply its manifest with an existing storageClassName, then delete the Pending claims and their pods. The classes to choose from"
            ),
            ctx.kubectl.argv(None, &["get", "storageclass"]),
        )),
    }
}

/// Templates without a class and no default class: make one the default (or install a
/// storage provider when there is no class at all).
fn set_a_default(ctx: &Ctx) -> Remedy {
    match ctx.snap.storage_classes.as_slice() {
        [] => Remedy::run(
            "No StorageClass exists: install your storage provider's CSI driver and create a class marked default. These are the CSI drivers registered now",
            ctx.kubectl.argv(None, &["get", "csidrivers"]),
        ),
        [only] => {
            let cname = k8s::name(&only.metadata);
            Remedy::run(
                format!(
                    "Make {cname}, the only class, the default: claims without a class (Pending ones too, since Kubernetes 1.28) then get it"
                ),
                ctx.kubectl.argv(
                    None,
                    &[
                        "annotate",
                        "storageclass",
                        cname,
                        &format!("{DEFAULT_ANNOTATION}=true"),
                        "--overwrite",
                    ],
                ),
            )
        }
        _ => Remedy::run(
            format!(
                "Mark one class as the default (kubectl annotate storageclass CLASS {DEFAULT_ANNOTATION}=true, with the class your data should live on): claims without a class, Pending ones too since Kubernetes 1.28, then get it"
            ),
            ctx.kubectl.argv(None, &["get", "storageclass"]),
        ),
    }
}

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    let pvcs_read = ctx.readable(Source::PersistentVolumeClaims);
    let class_names: Vec<&str> = ctx
        .snap
        .storage_classes
        .iter()
        .map(|sc| k8s::name(&sc.metadata))
        .collect();
    for sts in &ctx.snap.statefulsets {
        let ns = k8s::namespace(&sts.metadata);
        let name = k8s::name(&sts.metadata);
        let mut named_missing: Vec<(&str, &str)> = Vec::new();
        let mut no_default: Vec<&str> = Vec::new();
        for (tpl, tc) in sts::classes::template_classes(ctx, sts) {
            match tc {
                sts::classes::TemplateClass::Named(c, None) => named_missing.push((tpl, c)),
                sts::classes::TemplateClass::Default(None) => no_default.push(tpl),
                _ => {}
            }
        }
        if named_missing.is_empty() && no_default.is_empty() {
            continue;
        }
        let summary = if let Some((tpl, c)) = named_missing.first() {
            format!(
                "claim template {tpl} of {name} names StorageClass {c}, which does not exist: a new or replaced member's volume stays Pending, so the set cannot heal or scale"
            )
        } else {
            format!(
                "claim template {} of {name} names no StorageClass and the cluster has no default class: a new or replaced member's volume stays Pending",
                no_default.join(", ")
            )
        };
        let mut f = ctx.finding(
            CHECK.id,
            ObjectRef::namespaced("StatefulSet", ns, name),
            Some(name),
            summary,
        );
        let existing = if class_names.is_empty() {
            "the cluster has no StorageClass at all".to_string()
        } else {
            format!("existing classes: {}", class_names.join(", "))
        };
        for (tpl, c) in &named_missing {
            f.evidence.push(format!(
                "claim template {tpl}: storageClassName {c}; no such StorageClass ({existing})"
            ));
        }
        for tpl in &no_default {
            f.evidence.push(format!(
                "claim template {tpl}: no storageClassName, and no class is annotated {DEFAULT_ANNOTATION}=true ({existing})"
            ));
        }
        // What the set's claims look like now.
        let claims = sts::claims::claims_of(ctx, sts);
        let mut pending: Vec<&str> = Vec::new();
        let mut drivers: Vec<(&str, String)> = Vec::new();
        for c in claims {
            let Some(pvc) = c.pvc else { continue };
            let phase = pvc
                .status
                .as_ref()
                .and_then(|s| s.phase.as_deref())
                .unwrap_or("Pending");
            let pvc_class = pvc
                .spec
                .as_ref()
                .and_then(|s| s.storage_class_name.as_deref());
            let affected = named_missing
                .iter()
                .any(|(t, cl)| *t == c.template && pvc_class == Some(*cl))
                || (no_default.contains(&c.template) && pvc_class.is_none());
            if phase == "Pending" && affected {
                pending.push(c.name.as_str());
            }
            if let Some(d) = c.pv.and_then(|pv| pv.spec.as_ref()?.csi.as_ref()) {
                drivers.push((c.template, d.driver.to_string()));
            }
        }
        if !pending.is_empty() {
            f.evidence
                .push(format!("Pending because of it now: {}", pending.join(", ")));
        } else if pvcs_read {
            f.evidence.push(
                "every existing claim is bound; the next new or replaced claim will hang"
                    .to_string(),
            );
        }

        create_the_class(ctx, &mut f, &named_missing, &drivers);
        if !named_missing.is_empty() {
            use_an_existing_class(ctx, &mut f, sts, &named_missing, &pending, claims);
        }
        if !no_default.is_empty() {
            f.commands.push(set_a_default(ctx));
        }
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::testutil::*;
    use serde_json::json;

    #[test]
    fn a_named_class_that_does_not_exist_is_critical_with_both_options() {
        let mut s = snapshot();
        s.statefulsets
            .push(with_claim_template(&sts("shop", "db", 3), Some("fast-ssd")));
        s.storage_classes.push(storage_class_of(
            "standard",
            "ebs.csi.aws.com",
            json!({"metadata": {"annotations": {"storageclass.kubernetes.io/is-default-class": "true"}}}),
        ));
        s.pvcs.push(pvc_of(
            "shop",
            "data-db-0",
            "db",
            "pv-0",
            Some("fast-ssd"),
            "2026-11-01T00:00:00Z",
        ));
        s.pvs
            .push(pv_of("pv-0", "shop", "data-db-0", "fast-ssd", json!({})));
        let mut pending = pvc_of(
            "shop",
            "data-db-1",
            "db",
            "",
            Some("fast-ssd"),
            "2026-11-01T00:00:00Z",
        );
        pending.spec.as_mut().unwrap().volume_name = None;
        pending.status.as_mut().unwrap().phase = Some("Pending".into());
        s.pvcs.push(pending);
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        let f = &r[0];
        assert_eq!(f.severity, Severity::Critical);
        assert!(
            f.evidence
                .iter()
                .any(|e| e == "Pending because of it now: data-db-1")
        );
        let doc = f.commands[0].stdin().unwrap();
        assert!(
            doc.contains("provisioner: ebs.csi.aws.com") && doc.contains("name: fast-ssd"),
            "{doc}"
        );
        assert_eq!(
            f.commands[1].command,
            "kubectl -n shop delete statefulset db --cascade=orphan"
        );
        let m = f.commands[2].stdin().unwrap();
        assert!(
            m.contains("storageClassName: standard") && !m.contains("status"),
            "{m}"
        );
        assert_eq!(
            f.commands[3].command,
            "kubectl -n shop delete pvc data-db-1 --wait=false"
        );
        assert_eq!(f.commands[4].command, "kubectl -n shop delete pod db-1");
    }

    #[test]
    fn no_class_and_no_default() {
        let mut s = snapshot();
        s.statefulsets
            .push(with_claim_template(&sts("shop", "db", 3), None));
        s.storage_classes
            .push(storage_class_of("only", "ebs.csi.aws.com", json!({})));
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        assert_eq!(
            r[0].commands[0].command,
            "kubectl annotate storageclass only storageclass.kubernetes.io/is-default-class=true --overwrite"
        );
    }

    #[test]
    fn quiet_for_existing_default_or_static_binding() {
        let mut s = snapshot();
        s.statefulsets
            .push(with_claim_template(&sts("shop", "a", 3), Some("standard")));
        s.statefulsets
            .push(with_claim_template(&sts("shop", "b", 3), None));
        s.statefulsets
            .push(with_claim_template(&sts("shop", "c", 3), Some("")));
        s.statefulsets.push(sts("shop", "d", 3));
        s.storage_classes.push(storage_class_of(
            "standard",
            "ebs.csi.aws.com",
            json!({"metadata": {"annotations": {"storageclass.beta.kubernetes.io/is-default-class": "true"}}}),
        ));
        assert!(run_check(&s, super::CHECK).is_empty());
    }
}
