//! `volume-resize-pending`: a claim's expansion has not finished. From the claim's
//! conditions and `status.allocatedResourceStatuses`:
//! - `FileSystemResizePending`: the disk grew, the filesystem waits for the kubelet; when
//!   the driver cannot grow it online (the condition's message asks to start a pod) or it
//!   lasts over five minutes, the pod using it must be restarted;
//! - `Resizing` for more than ten minutes: the resizer does not finish;
//! - `ControllerResizeError` / `NodeResizeError`: the expansion fails (message quoted);
//! - `ControllerResizeInfeasible` / `NodeResizeInfeasible`: the backend refuses this size;
//!   from Kubernetes 1.32 (RecoverVolumeExpansionFailure) the request may be lowered again,
//!   to any size above the current capacity.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::model::PersistentVolumeClaim;
use crate::model::Pod;
use crate::snapshot::Source;
use crate::sts;
use k8s_openapi::api::core::v1::PersistentVolumeClaimCondition;
use serde_json::json;

pub const CHECK: Check = Check {
    id: "volume-resize-pending",
    needs: &[Source::Pods, Source::PersistentVolumeClaims],
    run,
};

/// An online filesystem resize normally completes within a kubelet sync or two.
const FS_PENDING_SECS: i64 = 5 * 60;
const RESIZING_SECS: i64 = 10 * 60;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Case {
    RestartNeeded(String),
    Slow(String),
    Error(String, String),
    Infeasible(String),
}

fn condition_age(ctx: &Ctx, c: &PersistentVolumeClaimCondition) -> Option<i64> {
    c.last_transition_time
        .as_ref()
        .or(c.last_probe_time.as_ref())
        .map(|t| k8s::time::secs_since(t.0, ctx.now))
}

fn cases(ctx: &Ctx, pvc: &PersistentVolumeClaim, mounted: bool) -> Vec<Case> {
    let mut out = Vec::new();
    let status = pvc.status.as_ref();
    for c in status
        .and_then(|s| s.conditions.as_deref())
        .unwrap_or_default()
    {
        if c.status != "True" {
            continue;
        }
        let msg = c.message.clone().unwrap_or_default();
        let age = condition_age(ctx, c);
        match c.type_.as_str() {
            "FileSystemResizePending" => {
                // Offline-only drivers say so in the message; online ones finish by themselves.
                let asks_restart = msg.contains("start a pod");
                if mounted && (asks_restart || age.is_none_or(|a| a > FS_PENDING_SECS)) {
                    out.push(Case::RestartNeeded(msg));
                }
            }
            "Resizing" if age.is_some_and(|a| a > RESIZING_SECS) => {
                out.push(Case::Slow(format!(
                    "Resizing for {}{}",
                    k8s::time::short(age.unwrap_or(0)),
                    if msg.is_empty() {
                        String::new()
                    } else {
                        format!(": {msg}")
                    }
                )));
            }
            t @ ("ControllerResizeError" | "NodeResizeError") => {
                out.push(Case::Error(t.to_string(), msg));
            }
            _ => {}
        }
    }
    if let Some(st) = status
        .and_then(|s| s.allocated_resource_statuses.as_ref())
        .and_then(|m| m.get("storage"))
        && st.ends_with("Infeasible")
    {
        out.push(Case::Infeasible(st.clone()));
    }
    out
}

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    let prefixes = sts::pending::template_prefixes(ctx);
    for pvc in &ctx.snap.pvcs {
        if pvc.metadata.deletion_timestamp.is_some() {
            continue;
        }
        let ns = k8s::namespace(&pvc.metadata);
        let name = k8s::name(&pvc.metadata);
        let users: Vec<&Pod> = ctx
            .idx
            .pods_of_claim(ns, name)
            .iter()
            .copied()
            .filter(|p| k8s::pod::node_name(p).is_some() && !k8s::pod::is_terminal(p))
            .collect();
        let found = cases(ctx, pvc, !users.is_empty());
        if found.is_empty() {
            continue;
        }
        let sts = users
            .iter()
            .find_map(|p| k8s::pod::statefulset_of(p).map(str::to_string))
            .or_else(|| sts::pending::owner_of(&prefixes, ns, name).map(|(s, _)| s));
        out.push(finding(ctx, pvc, sts.as_deref(), &users, &found));
    }
}

fn finding(
    ctx: &Ctx,
    pvc: &PersistentVolumeClaim,
    sts: Option<&str>,
    users: &[&Pod],
    found: &[Case],
) -> Finding {
    let ns = k8s::namespace(&pvc.metadata);
    let name = k8s::name(&pvc.metadata);
    let requested = pvc.storage_request();
    let capacity = pvc.storage_capacity();
    let allocated = pvc
        .status
        .as_ref()
        .and_then(|s| s.allocated_resources.as_ref()?.get("storage"))
        .map(|q| q.0.as_str());
    let size = format!("{} → {}", capacity.unwrap_or("?"), requested.unwrap_or("?"));
    let summary = match &found[0] {
        Case::RestartNeeded(_) => {
            format!("claim {name} grew ({size}) but its filesystem waits for the pod to restart")
        }
        Case::Slow(_) => format!("claim {name}'s expansion ({size}) has not finished"),
        Case::Error(t, _) => format!("claim {name}'s expansion ({size}) fails: {t}"),
        Case::Infeasible(s) => {
            format!("claim {name}'s expansion ({size}) is refused by the storage: {s}")
        }
    };
    let mut f = ctx.finding(
        CHECK.id,
        ObjectRef::namespaced("PersistentVolumeClaim", ns, name),
        sts,
        summary,
    );
    f.evidence.push(format!(
        "requested {}, capacity {}{}",
        requested.unwrap_or("?"),
        capacity.unwrap_or("?"),
        allocated
            .map(|a| format!(", allocated {a}"))
            .unwrap_or_default()
    ));
    f.commands.push(Remedy::run(
        format!("Read {name}'s conditions and resize events"),
        ctx.kubectl.argv(Some(ns), &["describe", "pvc", name]),
    ));
    let (restart, lower) = case_evidence(found, &mut f.evidence);
    if restart {
        let steps = restarts(ctx, ns, users, &mut f.evidence);
        f.commands.extend(steps);
    }
    if lower {
        f.evidence.push(
            "before Kubernetes 1.32 a lower request is refused: recovery then means keeping the PV (reclaim policy Retain) and re-creating the claim bound to it"
                .to_string(),
        );
    }
    if lower && let Some(target) = capacity.and_then(lowest_allowed) {
        f.commands.push(Remedy::run(
            format!(
                "Recover from the failed expansion (Kubernetes ≥ 1.32, RecoverVolumeExpansionFailure): lower the request to {target}, the smallest size accepted (it must stay above the current capacity {}); choose any larger size the storage can provide",
                capacity.unwrap_or("?")
            ),
            ctx.kubectl.argv(
                Some(ns),
                &[
                    "patch",
                    "pvc",
                    name,
                    "--type=merge",
                    "-p",
                    &json!({"spec": {"resources": {"requests": {"storage": target}}}}).to_string(),
                ],
            ),
        ));
    }
    f
}

/// Each condition's evidence; whether a restart grows the filesystem, and whether the
/// request must come down (the expansion failed for good).
fn case_evidence(found: &[Case], evidence: &mut Vec<String>) -> (bool, bool) {
    let mut restart = false;
    let mut lower = false;
    for c in found {
        match c {
            Case::RestartNeeded(m) => {
                evidence.push(format!(
                    "condition FileSystemResizePending{}",
                    if m.is_empty() {
                        String::new()
                    } else {
                        format!(": {m}")
                    }
                ));
                restart = true;
            }
            Case::Slow(m) => {
                evidence.push(format!("condition {m}"));
                evidence.push(
                    "check the CSI driver's resizer (external-resizer sidecar) logs".to_string(),
                );
            }
            Case::Error(t, m) => {
                evidence.push(format!("condition {t}: {}", k8s::pod::message_line(m, 300)));
                if t == "NodeResizeError" {
                    restart = true;
                }
                lower = true;
            }
            Case::Infeasible(s) => {
                evidence.push(format!(
                    "allocatedResourceStatuses.storage is {s}: retrying the same size will not succeed"
                ));
                lower = true;
            }
        }
    }
    (restart, lower)
}

/// Restart each pod using the claim, one at a time, waiting for Ready in between. Only a
/// pod with a controller comes back after `kubectl delete pod`: a StatefulSet re-creates
/// it under its name, where it can be waited for; other controllers may name it anew; a
/// pod without a controller would be gone for good, so it gets no delete.
fn restarts(ctx: &Ctx, ns: &str, users: &[&Pod], evidence: &mut Vec<String>) -> Vec<Remedy> {
    let mut out = Vec::new();
    for p in users {
        let pname = k8s::name(&p.metadata);
        let Some(owner) = k8s::controller_of(&p.metadata) else {
            evidence.push(format!(
                "{pname} has no controller: deleted, it would not come back; restart it by re-creating it from its manifest"
            ));
            continue;
        };
        out.push(Remedy::run(
            format!(
                "Restart {pname} so the kubelet grows the filesystem when it mounts the volume again; one pod at a time, waiting for Ready before the next (`kubectl delete pod` bypasses the PodDisruptionBudget)"
            ),
            ctx.kubectl.argv(Some(ns), &["delete", "pod", pname]),
        ));
        if owner.kind == "StatefulSet" {
            out.push(Remedy::run(
                format!(
                    "Wait until {pname} is Ready again ({})",
                    sts::WAIT_NOT_FOUND
                ),
                ctx.kubectl.wait_ready(ns, pname, "15m"),
            ));
        } else {
            // Built-in controllers name the replacement anew; an operator's own pod sets
            // (Strimzi, CloudNativePG) keep the name, others are not known here.
            let name = if matches!(owner.kind.as_str(), "ReplicaSet" | "DaemonSet" | "Job") {
                "under a new name"
            } else {
                "under the same name or a new one"
            };
            out.push(Remedy::run(
                format!(
                    "Its {} {} replaces it {name}: see the replacement Running and Ready before the next",
                    owner.kind, owner.name
                ),
                ctx.kubectl.argv(Some(ns), &["get", "pods", "-o", "wide"]),
            ));
        }
    }
    out
}

/// The smallest request the API server accepts when lowering a failed expansion: strictly
/// above the current capacity. One Gi more, in whole Gi.
fn lowest_allowed(capacity: &str) -> Option<String> {
    let bytes = k8s::quantity::parse(capacity)?;
    let gib = 1024f64.powi(3);
    Some(k8s::quantity::format_gib_ceil(
        (bytes / gib).floor() * gib + gib,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;

    fn claim(
        conditions: serde_json::Value,
        extra_status: serde_json::Value,
    ) -> PersistentVolumeClaim {
        let mut c = bound_claim("shop", "data-db-0", "pv-0", "standard");
        c.spec.as_mut().unwrap().resources = Some(from_json(
            serde_json::json!({"requests": {"storage": "20Gi"}}),
        ));
        let mut st = serde_json::to_value(c.status.as_ref().unwrap()).unwrap();
        st["conditions"] = conditions;
        if let serde_json::Value::Object(m) = extra_status {
            for (k, v) in m {
                st[k] = v;
            }
        }
        c.status = Some(from_json(st));
        c
    }

    fn with_pod(c: PersistentVolumeClaim) -> crate::snapshot::Snapshot {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        let mut p = pod("shop", "db", 0, true);
        with_claim(&mut p, "data-db-0");
        s.pods.push(p);
        s.pvcs.push(c);
        s
    }

    #[test]
    fn filesystem_resize_waiting_for_a_restart() {
        let s = with_pod(claim(
            serde_json::json!([{"type": "FileSystemResizePending", "status": "True",
                "lastTransitionTime": "2026-11-22T02:58:00Z",
                "message": "Waiting for user to (re-)start a pod to finish file system resize of volume on node."}]),
            serde_json::json!({}),
        ));
        let r = run_check(&s, CHECK);
        assert_eq!(r.len(), 1);
        assert!(r[0].summary.contains("10Gi → 20Gi"), "{}", r[0].summary);
        let del = r[0]
            .commands
            .iter()
            .find(|c| c.command == "kubectl -n shop delete pod db-0")
            .unwrap();
        assert!(del.description.contains("bypasses the PodDisruptionBudget"));
        assert!(!del.destructive);
        let wait = r[0]
            .commands
            .iter()
            .find(|c| {
                c.command == "kubectl -n shop wait --for=condition=Ready pod/db-0 --timeout=15m"
            })
            .unwrap();
        assert!(
            wait.description.contains("NotFound"),
            "{}",
            wait.description
        );
    }

    /// A pod that is not a StatefulSet's member is re-created under another name, or, with
    /// no controller at all, not at all: waiting on its name would wait for nothing, and
    /// deleting a bare pod loses it.
    #[test]
    fn only_pods_with_a_controller_are_restarted_by_deleting_them() {
        let pending = serde_json::json!([{"type": "FileSystemResizePending", "status": "True",
            "lastTransitionTime": "2026-11-22T02:58:00Z",
            "message": "Waiting for user to (re-)start a pod to finish file system resize of volume on node."}]);
        let mut s = with_pod(claim(pending, serde_json::json!({})));
        let p = &mut s.pods[0];
        p.metadata.name = Some("web-7d9c-abcde".into());
        p.metadata.owner_references.as_mut().unwrap()[0] = from_json(serde_json::json!({
            "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7d9c", "uid": "rs-1",
            "controller": true}));
        let r = run_check(&s, CHECK);
        let commands: Vec<&str> = r[0].commands.iter().map(|c| c.command.as_str()).collect();
        assert!(
            commands.contains(&"kubectl -n shop delete pod web-7d9c-abcde"),
            "{commands:?}"
        );
        assert!(
            !commands.iter().any(|c| c.contains(" wait ")),
            "{commands:?}"
        );
        let next = r[0].commands.last().unwrap();
        assert_eq!(next.command, "kubectl -n shop get pods -o wide");
        assert!(
            next.description
                .contains("ReplicaSet web-7d9c replaces it under a new name")
        );

        s.pods[0].metadata.owner_references.as_mut().unwrap()[0] = from_json(serde_json::json!({
            "apiVersion": "core.strimzi.io/v1beta2", "kind": "StrimziPodSet", "name": "kafka",
            "uid": "sps-1", "controller": true}));
        let r = run_check(&s, CHECK);
        let next = r[0].commands.last().unwrap();
        assert!(
            next.description
                .contains("StrimziPodSet kafka replaces it under the same name or a new one"),
            "{}",
            next.description
        );

        s.pods[0].metadata.owner_references = None;
        let r = run_check(&s, CHECK);
        assert!(
            !r[0].commands.iter().any(|c| c.command.contains("delete")),
            "{:#?}",
            r[0].commands
        );
        assert!(
            r[0].evidence
                .iter()
                .any(|e| e.contains("web-7d9c-abcde has no controller")),
            "{:?}",
            r[0].evidence
        );
    }

    #[test]
    fn online_resize_in_progress_is_quiet_for_a_while() {
        let s = with_pod(claim(
            serde_json::json!([{"type": "FileSystemResizePending", "status": "True",
                "lastTransitionTime": "2026-11-22T02:58:00Z"}]),
            serde_json::json!({}),
        ));
        assert!(run_check(&s, CHECK).is_empty());
        let s = with_pod(claim(
            serde_json::json!([{"type": "Resizing", "status": "True", "lastTransitionTime": "2026-11-22T02:55:00Z"}]),
            serde_json::json!({}),
        ));
        assert!(run_check(&s, CHECK).is_empty());
        let s = with_pod(claim(
            serde_json::json!([{"type": "Resizing", "status": "True", "lastTransitionTime": "2026-11-22T02:40:00Z"}]),
            serde_json::json!({}),
        ));
        assert_eq!(run_check(&s, CHECK).len(), 1);
    }

    #[test]
    fn infeasible_expansion_offers_lowering_above_capacity() {
        let s = with_pod(claim(
            serde_json::json!([{"type": "ControllerResizeError", "status": "True",
                "message": "resize volume \"pv-0\" by resizer \"ebs.csi.aws.com\" failed: rpc error: code = OutOfRange desc = requested size exceeds maximum"}]),
            serde_json::json!({"allocatedResourceStatuses": {"storage": "ControllerResizeInfeasible"},
                               "allocatedResources": {"storage": "20Gi"}}),
        ));
        let r = run_check(&s, CHECK);
        assert_eq!(r.len(), 1);
        assert!(
            r[0].commands.iter().any(|c| c.command
                == r#"kubectl -n shop patch pvc data-db-0 --type=merge -p '{"spec":{"resources":{"requests":{"storage":"11Gi"}}}}'"#),
            "{:#?}",
            r[0].commands
        );
    }

    #[test]
    fn lowest_allowed_is_strictly_above_capacity() {
        assert_eq!(lowest_allowed("10Gi").as_deref(), Some("11Gi"));
        assert_eq!(lowest_allowed("1536Mi").as_deref(), Some("2Gi"));
        assert_eq!(lowest_allowed("bogus"), None);
    }
}
