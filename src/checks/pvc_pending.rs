//! `pvc-pending`: a claim of a StatefulSet pod has been `Pending` for more than two
//! minutes, so the pod cannot start. Classified from the claim, its StorageClass, the PVs
//! and the claim's events: the class does not exist (or there is no default class), the
//! provisioner fails (the newest `ProvisioningFailed` is quoted), a quota refuses it, no
//! static PV matches, or, with `WaitForFirstConsumer`, the claim only waits for its pod,
//! which cannot be scheduled for another reason (then this finding is informational and
//! points to the one that explains the pod). A claim the StatefulSet could not even
//! create because of a ResourceQuota is reported on the StatefulSet.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy, Severity};
use crate::k8s;
use crate::manifest;
use crate::model::PersistentVolumeClaim;
use crate::model::Pod;
use crate::model::StatefulSet;
use crate::sts;
use serde_json::Value;

pub const CHECK: Check = Check {
    id: "pvc-pending",
    needs: sts::pending::NEEDS,
    run,
};

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    // Almost every claim is Bound: decide that first, and build the name prefixes only
    // when some claim is really pending.
    let mut prefixes = None;
    for pvc in &ctx.snap.pvcs {
        if !sts::pending::is_pending(pvc) {
            continue;
        }
        let prefixes = prefixes.get_or_insert_with(|| sts::pending::template_prefixes(ctx));
        let ns = k8s::namespace(&pvc.metadata);
        let name = k8s::name(&pvc.metadata);
        let pods = sts::pending::users(ctx, pvc);
        let sts_pod = pods.iter().find_map(|p| k8s::pod::statefulset_of(p));
        let owner = sts::pending::owner_of(prefixes, ns, name);
        let sts = sts_pod
            .map(str::to_string)
            .or_else(|| owner.as_ref().map(|(s, _)| s.clone()));
        // A claim of a StatefulSet pod (or one made from a claim template).
        let Some(sts) = sts else {
            continue;
        };
        let Some(cause) = sts::pending::classify(ctx, pvc) else {
            continue;
        };
        out.push(finding(ctx, pvc, &sts, owner.map(|(_, t)| t), &pods, cause));
    }
    quota_refused_claims(ctx, out);
}

/// The claim's class as people read it.
fn class_text(pvc: &PersistentVolumeClaim) -> &str {
    pvc.spec
        .as_ref()
        .and_then(|s| s.storage_class_name.as_deref())
        .map(|c| {
            if c.is_empty() {
                "\"\" (static binding only)"
            } else {
                c
            }
        })
        .unwrap_or("not set (the default class applies)")
}

/// The size the claim requests.
fn size_text(pvc: &PersistentVolumeClaim) -> &str {
    pvc.storage_request().unwrap_or("?")
}

/// The fixes for what keeps the claim Pending.
fn fixes(
    ctx: &Ctx,
    f: &mut Finding,
    pvc: &PersistentVolumeClaim,
    sts_name: &str,
    template: Option<String>,
    pods: &[&Pod],
    cause: &sts::pending::Cause,
) {
    let ns = k8s::namespace(&pvc.metadata);
    let name = k8s::name(&pvc.metadata);
    let spec = pvc.spec.as_ref();
    let pod_name = pods.first().map(|p| k8s::name(&p.metadata));
    match cause {
        sts::pending::Cause::ClassMissing(_) | sts::pending::Cause::NoDefaultClass => {
            class_missing_steps(ctx, f, pvc, sts_name, template.as_deref(), pod_name, cause)
        }
        sts::pending::Cause::Quota(m) => {
            f.evidence.push(format!(
                "newest ProvisioningFailed: {}",
                k8s::pod::message_line(m, 400)
            ));
            f.evidence.push(
                "a quota (a ResourceQuota in the namespace, or the cloud account's volume quota) is exhausted: raise it, or free claims nobody uses (`kubectl sts orphans`)"
                    .to_string(),
            );
            f.commands.push(Remedy::run(
                "See the namespace's quotas and how much of them is used",
                ctx.kubectl.argv(Some(ns), &["describe", "resourcequota"]),
            ));
        }
        sts::pending::Cause::ProvisionerError {
            provisioner,
            message,
        } => {
            f.evidence.push(format!(
                "newest ProvisioningFailed from {provisioner}: {}",
                k8s::pod::message_line(message, 400)
            ));
            if let Some(c) = spec
                .and_then(|s| s.storage_class_name.as_deref())
                .filter(|c| !c.is_empty())
            {
                f.commands.push(Remedy::run(
                    format!("Check StorageClass {c}'s parameters against the error (parameters cannot be edited: a fix means a new class)"),
                    ctx.kubectl.argv(None, &["describe", "storageclass", c]),
                ));
            }
        }
        sts::pending::Cause::NoStaticPv(detail) => {
            f.evidence.push(detail.clone());
            f.evidence.push(
                "with no provisioner, someone (or a local static provisioner) must create a PersistentVolume of this class, size and access mode on a usable node"
                    .to_string(),
            );
            f.commands.push(Remedy::run(
                "List the PersistentVolumes with their class, capacity, status and claim",
                ctx.kubectl.argv(None, &["get", "pv"]),
            ));
        }
        sts::pending::Cause::WaitingForPod { pod, see } => {
            f.severity = Severity::Info;
            f.evidence.push(format!(
                "severity lowered to info: the class binds WaitForFirstConsumer, so the volume is only created once {pod} has a node; {see} on {pod} is the root cause"
            ));
            f.commands.push(Remedy::run(
                format!("Read why {pod} cannot be scheduled"),
                ctx.kubectl.argv(Some(ns), &["describe", "pod", pod]),
            ));
        }
        sts::pending::Cause::WaitingForProvisioner(p) => {
            for line in ctx.event_lines(
                "PersistentVolumeClaim",
                ns,
                name,
                |e| k8s::pod::event_is_about(&pvc.metadata, e),
                2,
            ) {
                f.evidence.push(line);
            }
            f.evidence.push(format!(
                "check that the controller of provisioner {p} is running and registered (for CSI drivers: its controller pods and CSIDriver object)"
            ));
            f.commands.push(Remedy::run(
                format!("See whether CSI driver {p} is registered"),
                ctx.kubectl.argv(None, &["get", "csidriver", p]),
            ));
        }
    }
}

fn finding(
    ctx: &Ctx,
    pvc: &PersistentVolumeClaim,
    sts_name: &str,
    template: Option<String>,
    pods: &[&Pod],
    cause: sts::pending::Cause,
) -> Finding {
    let ns = k8s::namespace(&pvc.metadata);
    let name = k8s::name(&pvc.metadata);
    let age = pvc
        .metadata
        .creation_timestamp
        .as_ref()
        .map(|t| format!(" for {}", k8s::time::age(t.0, ctx.now)))
        .unwrap_or_default();
    let summary = match &cause {
        sts::pending::Cause::ClassMissing(c) => {
            format!("claim {name} is Pending{age}: StorageClass {c} does not exist")
        }
        sts::pending::Cause::NoDefaultClass => format!(
            "claim {name} is Pending{age}: it names no StorageClass and the cluster has no default class"
        ),
        sts::pending::Cause::Quota(_) => {
            format!("claim {name} is Pending{age}: a quota refuses its volume")
        }
        sts::pending::Cause::ProvisionerError { provisioner, .. } => {
            format!(
                "claim {name} is Pending{age}: provisioner {provisioner} fails to create its volume"
            )
        }
        sts::pending::Cause::NoStaticPv(_) => {
            format!("claim {name} is Pending{age}: no PersistentVolume matches it")
        }
        sts::pending::Cause::WaitingForPod { pod, see } => format!(
            "claim {name} is Pending{age} only because pod {pod} cannot be scheduled (see {see} on {pod})"
        ),
        sts::pending::Cause::WaitingForProvisioner(p) => format!(
            "claim {name} is Pending{age}: provisioner {p} has not created a volume and reports no error"
        ),
    };
    let mut f = ctx.finding(
        CHECK.id,
        ObjectRef::namespaced("PersistentVolumeClaim", ns, name),
        Some(sts_name),
        summary,
    );
    let (class, size) = (class_text(pvc), size_text(pvc));
    f.evidence
        .push(format!("requests {size}, storageClassName {class}"));
    if !pods.is_empty() {
        let names: Vec<&str> = pods.iter().map(|p| k8s::name(&p.metadata)).collect();
        f.evidence.push(format!("used by pod {}", names.join(", ")));
    }
    f.commands.push(Remedy::run(
        format!("Read {name}'s status and events"),
        ctx.kubectl.argv(Some(ns), &["describe", "pvc", name]),
    ));
    fixes(ctx, &mut f, pvc, sts_name, template, pods, &cause);
    f
}

/// A class that does not exist: create it, or point the claim template at a class that
/// does. The template is immutable: orphan-delete the StatefulSet (pods and claims stay),
/// re-create it fixed, then delete the Pending claim so it is re-created from the template.
fn class_missing_steps(
    ctx: &Ctx,
    f: &mut Finding,
    pvc: &PersistentVolumeClaim,
    sts_name: &str,
    template: Option<&str>,
    pod: Option<&str>,
    cause: &sts::pending::Cause,
) {
    let ns = k8s::namespace(&pvc.metadata);
    let name = k8s::name(&pvc.metadata);
    let missing = match cause {
        sts::pending::Cause::ClassMissing(c) => Some(c.as_str()),
        _ => None,
    };
    let existing: Vec<&str> = ctx
        .snap
        .storage_classes
        .iter()
        .map(|c| k8s::name(&c.metadata))
        .collect();
    f.evidence.push(format!(
        "StorageClasses in the cluster: {}",
        if existing.is_empty() {
            "none".to_string()
        } else {
            existing.join(", ")
        }
    ));
    if let Some(c) = missing {
        f.evidence.push(format!(
            "if {c} was deleted by mistake, re-creating a class named {c} with the right provisioner also unblocks the claim"
        ));
    }
    f.commands.push(Remedy::run(
        "List the StorageClasses (the default one is marked)",
        ctx.kubectl.argv(None, &["get", "storageclass"]),
    ));
    let sts = ctx.idx.statefulset.get(&(ns, sts_name)).copied();
    // The class to use instead: the default class, or the only class there is.
    let replacement = ctx
        .idx
        .default_storage_class
        .map(|c| k8s::name(&c.metadata))
        .or(if existing.len() == 1 {
            existing.first().copied()
        } else {
            None
        });
    let Some(sts) = sts else {
        return;
    };
    f.evidence.push(format!(
        "the claim comes from {sts_name}'s volumeClaimTemplates, which cannot be edited: fix it by re-creating the StatefulSet (its pods and claims are kept); storageclass-missing reports the same template on {sts_name}, and these steps fix both"
    ));
    f.commands.push(Remedy::run(
        format!("Save {sts_name} as it is now, to keep its full definition"),
        ctx.kubectl
            .argv(Some(ns), &["get", "statefulset", sts_name, "-o", "yaml"]),
    ));
    f.commands.push(Remedy::run(
        "Delete the StatefulSet object only: its pods keep running and its claims stay",
        ctx.kubectl.argv(
            Some(ns),
            &["delete", "statefulset", sts_name, "--cascade=orphan"],
        ),
    ));
    match replacement.and_then(|r| fixed_statefulset(sts, template, missing, r).map(|m| (r, m))) {
        Some((r, m)) => f.commands.push(Remedy::with_stdin(
            format!(
                "Re-create {sts_name} with storageClassName {r} in the claim template (make the same change in the chart or repository it is deployed from)"
            ),
            ctx.kubectl.argv(None, &["apply", "-f", "-"]),
            manifest::to_yaml(&m),
        )),
        None => f.evidence.push(format!(
            "no class to substitute could be chosen (no default class): re-create {sts_name} from the saved YAML with an existing class in volumeClaimTemplates, without its status, uid, resourceVersion and creationTimestamp"
        )),
    }
    f.commands.push(Remedy::run(
        format!("Delete the Pending claim {name} (it holds no data) so the StatefulSet re-creates it from the fixed template"),
        ctx.kubectl.argv(Some(ns), &["delete", "pvc", name]),
    ));
    if let Some(p) = pod {
        f.commands.push(Remedy::run(
            format!("If {p} then stays Pending on the missing claim, delete it so the StatefulSet re-creates it with its claim"),
            ctx.kubectl.argv(Some(ns), &["delete", "pod", p]),
        ));
    }
}

/// The StatefulSet as a manifest to re-create, with the missing class (or the absent one)
/// replaced in the claim templates; server-set fields dropped.
fn fixed_statefulset(
    sts: &StatefulSet,
    template: Option<&str>,
    missing: Option<&str>,
    replacement: &str,
) -> Option<Value> {
    let mut v = sts.object();
    let obj = v.as_object_mut()?;
    obj.remove("status");
    let name = k8s::name(&sts.metadata);
    let ns = k8s::namespace(&sts.metadata);
    let mut meta = manifest::metadata(name, ns);
    if let Some(labels) = &sts.metadata.labels {
        meta["labels"] = serde_json::to_value(labels).ok()?;
    }
    let annotations: serde_json::Map<String, Value> = sts
        .metadata
        .annotations
        .iter()
        .flatten()
        .filter(|(k, _)| k.as_str() != crate::model::LAST_APPLIED)
        .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
        .collect();
    if !annotations.is_empty() {
        meta["annotations"] = Value::Object(annotations);
    }
    obj.insert("metadata".into(), meta);
    obj.insert("apiVersion".into(), Value::String("apps/v1".into()));
    obj.insert("kind".into(), Value::String("StatefulSet".into()));
    let mut changed = false;
    for t in v
        .pointer_mut("/spec/volumeClaimTemplates")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        if let Some(o) = t.as_object_mut() {
            o.remove("status");
        }
        let tname = t
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let current = t
            .pointer("/spec/storageClassName")
            .and_then(Value::as_str)
            .map(str::to_string);
        let wrong = match missing {
            Some(m) => current.as_deref() == Some(m),
            None => current.is_none(),
        };
        if wrong
            && template.is_none_or(|tp| tp == tname)
            && let Some(spec) = t.get_mut("spec").and_then(Value::as_object_mut)
        {
            spec.insert("storageClassName".into(), Value::String(replacement.into()));
            changed = true;
        }
        if let Some(m) = t.get_mut("metadata").and_then(Value::as_object_mut) {
            m.remove("creationTimestamp");
        }
    }
    changed.then_some(v)
}

/// `create Claim data-db-2 for Pod db-2 in StatefulSet db failed error: ... exceeded quota`:
/// the claim does not exist at all, so the finding goes on the StatefulSet.
fn quota_refused_claims(ctx: &Ctx, out: &mut Vec<Finding>) {
    for sts in &ctx.snap.statefulsets {
        let ns = k8s::namespace(&sts.metadata);
        let name = k8s::name(&sts.metadata);
        let Some(e) = ctx.idx.events("StatefulSet", ns, name).iter().find(|e| {
            e.reason.as_deref() == Some("FailedCreate")
                && e.message
                    .as_deref()
                    .is_some_and(|m| m.contains("create Claim") && sts::pending::is_quota(m))
        }) else {
            continue;
        };
        let msg = e.message.as_deref().unwrap_or("");
        let Some(claim) = msg
            .split("create Claim ")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
        else {
            continue;
        };
        if ctx.idx.pvc.contains_key(&(ns, claim)) {
            continue;
        }
        let mut f = ctx.finding(
            CHECK.id,
            ObjectRef::namespaced("StatefulSet", ns, name),
            Some(name),
            format!("claim {claim} cannot be created: a ResourceQuota refuses it"),
        );
        f.evidence.push(format!(
            "newest FailedCreate on {name}: {}",
            k8s::pod::message_line(msg, 400)
        ));
        f.evidence.push(format!(
            "until {claim} exists, its pod is not created either"
        ));
        f.commands.push(Remedy::run(
            "See the namespace's quotas and how much of them is used",
            ctx.kubectl.argv(Some(ns), &["describe", "resourcequota"]),
        ));
        f.commands.push(Remedy::run(
            "Find claims nobody uses any more, which still count against the quota",
            ctx.kubectl.sts_argv(Some(ns), &["orphans"]),
        ));
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;
    use k8s_openapi::api::storage::v1::StorageClass;
    use serde_json::json;
    use std::collections::HashMap;

    fn pending_claim(name: &str, class: Option<&str>, age_min: i64) -> PersistentVolumeClaim {
        let created = now() - jiff::SignedDuration::from_mins(age_min);
        let mut spec = json!({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10Gi"}}});
        if let Some(c) = class {
            spec["storageClassName"] = json!(c);
        }
        from_json(json!({
            "apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": name, "namespace": "shop", "uid": format!("uid-{name}"),
                         "creationTimestamp": created.to_string()},
            "spec": spec,
            "status": {"phase": "Pending"}
        }))
    }

    fn class(name: &str, provisioner: &str, mode: &str, default: bool) -> StorageClass {
        let mut v = json!({
            "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": {"name": name}, "provisioner": provisioner, "volumeBindingMode": mode
        });
        if default {
            v["metadata"]["annotations"] =
                json!({"storageclass.kubernetes.io/is-default-class": "true"});
        }
        from_json(v)
    }

    fn base(claim: PersistentVolumeClaim) -> crate::snapshot::Snapshot {
        let mut s = snapshot();
        let mut st = sts("shop", "db", 3);
        st.edit(|v| {
            v["spec"]["volumeClaimTemplates"] = json!([{
                "metadata": {"name": "data"},
                "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "fast",
                         "resources": {"requests": {"storage": "10Gi"}}},
                "status": {"phase": "Pending"}
            }]);
        });
        s.statefulsets.push(st);
        let mut p = unscheduled_pod("shop", "db", 0);
        with_claim(&mut p, k8s::name(&claim.metadata));
        s.pods.push(p);
        s.pvcs.push(claim);
        s
    }

    #[test]
    fn missing_class_gives_the_orphan_delete_and_recreate_steps() {
        let mut s = base(pending_claim("data-db-0", Some("fast"), 10));
        s.storage_classes.push(class(
            "standard",
            "ebs.csi.aws.com",
            "WaitForFirstConsumer",
            true,
        ));
        let r = run_check(&s, CHECK);
        assert_eq!(r.len(), 1, "{r:#?}");
        let f = &r[0];
        assert_eq!(f.severity, Severity::Critical);
        assert!(
            f.summary.contains("StorageClass fast does not exist"),
            "{}",
            f.summary
        );
        let cmds: Vec<&str> = f.commands.iter().map(|c| c.command.as_str()).collect();
        let orphan = cmds
            .iter()
            .position(|c| *c == "kubectl -n shop delete statefulset db --cascade=orphan")
            .expect("orphan delete");
        let apply = cmds
            .iter()
            .position(|c| c.starts_with("kubectl apply -f - <<'EOF'"))
            .expect("apply");
        let del = cmds
            .iter()
            .position(|c| *c == "kubectl -n shop delete pvc data-db-0")
            .expect("delete pvc");
        assert!(orphan < apply && apply < del);
        let doc = f.commands[apply].stdin().unwrap();
        assert!(doc.contains("storageClassName: standard"), "{doc}");
        assert!(!doc.contains("storageClassName: fast"), "{doc}");
        assert!(!doc.contains("status"), "{doc}");
        assert!(!doc.contains("uid"), "{doc}");
    }

    #[test]
    fn young_claims_and_bound_claims_are_quiet() {
        let mut s = base(pending_claim("data-db-0", Some("fast"), 1));
        assert!(run_check(&s, CHECK).is_empty());
        s.pvcs[0] = bound_claim("shop", "data-db-0", "pv-1", "fast");
        assert!(run_check(&s, CHECK).is_empty());
    }

    #[test]
    fn provisioner_error_is_quoted_and_quota_recognised() {
        let mut s = base(pending_claim("data-db-0", Some("fast"), 10));
        s.storage_classes
            .push(class("fast", "ebs.csi.aws.com", "Immediate", false));
        let mut e = pod_event(
            "shop",
            "data-db-0",
            None,
            "ProvisioningFailed",
            "failed to provision volume with StorageClass \"fast\": rpc error: code = InvalidArgument desc = invalid iops",
            "2026-11-22T02:58:00Z",
            4,
        );
        e.involved_object.kind = Some("PersistentVolumeClaim".into());
        s.events.push(e.clone());
        let r = run_check(&s, CHECK);
        assert!(
            r[0].summary.contains("provisioner ebs.csi.aws.com fails"),
            "{}",
            r[0].summary
        );
        assert!(r[0].evidence.iter().any(|l| l.contains("invalid iops")));
        e.message =
            Some("failed to provision volume: VolumeLimitExceeded: quota exceeded for gp3".into());
        s.events = vec![e];
        let r = run_check(&s, CHECK);
        assert!(r[0].summary.contains("quota"), "{}", r[0].summary);
    }

    #[test]
    fn wffc_waiting_for_an_unschedulable_pod_is_info_and_does_not_explain_it() {
        let mut s = base(pending_claim("data-db-0", Some("fast"), 10));
        s.storage_classes.push(class(
            "fast",
            "ebs.csi.aws.com",
            "WaitForFirstConsumer",
            false,
        ));
        let r = run_check(&s, CHECK);
        assert_eq!(r[0].severity, Severity::Info);
        assert!(
            r[0].summary.contains("see pod-unschedulable on db-0"),
            "{}",
            r[0].summary
        );
        let k = crate::kubectl::Kubectl::default();
        let ctx = ctx_for(&s, &k);
        assert!(!crate::sts::pending::claim_pending_is_root(
            &ctx, &s.pods[0]
        ));
    }

    #[test]
    fn static_class_without_a_fitting_pv_explains_the_pod() {
        let mut s = base(pending_claim("data-db-0", Some("local"), 10));
        s.storage_classes.push(class(
            "local",
            crate::sts::pending::NO_PROVISIONER,
            "WaitForFirstConsumer",
            false,
        ));
        // A PV too small does not fit.
        let mut pv = local_pv("pv-small", "node-1", "shop", "x");
        pv.spec.as_mut().unwrap().claim_ref = None;
        pv.spec.as_mut().unwrap().capacity = Some(
            [(
                "storage".to_string(),
                k8s_openapi::apimachinery::pkg::api::resource::Quantity("5Gi".into()),
            )]
            .into(),
        );
        pv.status.as_mut().unwrap().phase = Some("Available".into());
        s.pvs.push(pv);
        s.nodes.push(zoned_node("node-1", "z1", true));
        let r = run_check(&s, CHECK);
        assert_eq!(r[0].severity, Severity::Critical);
        assert!(
            r[0].summary.contains("no PersistentVolume matches"),
            "{}",
            r[0].summary
        );
        let k = crate::kubectl::Kubectl::default();
        let ctx = ctx_for(&s, &k);
        assert!(crate::sts::pending::claim_pending_is_root(&ctx, &s.pods[0]));
    }

    #[test]
    fn quota_refused_claim_is_reported_on_the_statefulset() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        let mut e = pod_event(
            "shop",
            "db",
            None,
            "FailedCreate",
            "create Claim data-db-2 for Pod db-2 in StatefulSet db failed error: persistentvolumeclaims \"data-db-2\" is forbidden: exceeded quota: storage, requested: requests.storage=10Gi, used: requests.storage=20Gi, limited: requests.storage=20Gi",
            "2026-11-22T02:59:00Z",
            12,
        );
        e.involved_object.kind = Some("StatefulSet".into());
        s.events.push(e);
        let r = run_check(&s, CHECK);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].object.kind, "StatefulSet");
        assert!(r[0].summary.contains("data-db-2"));
    }

    #[test]
    fn claims_map_to_their_statefulset_by_template_name() {
        let mut m = HashMap::new();
        m.insert(
            ("ns".to_string(), "data-db".to_string()),
            ("db".to_string(), "data".to_string()),
        );
        assert_eq!(
            crate::sts::pending::owner_of(&m, "ns", "data-db-12"),
            Some(("db".into(), "data".into()))
        );
        assert_eq!(crate::sts::pending::owner_of(&m, "ns", "data-db-x"), None);
        assert_eq!(
            crate::sts::pending::owner_of(&m, "other", "data-db-1"),
            None
        );
    }
}
