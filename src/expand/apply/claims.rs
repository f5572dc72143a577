//! Growing one claim: the merge patch with its resourceVersion, then waiting for the
//! volume (and the filesystem) to grow.

use super::super::progress::{self, Resize};
use super::super::{ClaimPlan, ExpandPlan, steps::patch_body};
use crate::act::{self, send};
use crate::model::{LivePersistentVolumeClaim, LivePod, PersistentVolumeClaim};
use kube::api::Api;
use serde_json::Value;
use std::io::Write;
use std::time::Duration;

use super::*;

/// The claim's patch with the resourceVersion it had when planned: a precondition, so the
/// server refuses (409) if the claim changed since.
pub(super) fn pvc_patch(rv: &str, size: &str) -> Value {
    act::patch::with_resource_version(patch_body(size), rv)
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn grow_claim(
    pvcs: &Api<LivePersistentVolumeClaim>,
    pods: &Api<LivePod>,
    plan: &ExpandPlan,
    c: &ClaimPlan,
    s: &Settings,
    out: &mut dyn Write,
    j: &mut Journal<'_>,
    closing: &mut Vec<String>,
) -> Result<(), String> {
    let to = plan.to.as_str();
    if c.action == super::super::ClaimAction::Grow {
        j.at(c.steps.patch, format!("growing claim {}", c.name));
        let rv = c.resource_version.as_deref().unwrap_or_default();
        let _ = writeln!(out, "\ngrow {} to {to}", c.name);
        act::patch::merge(pvcs, &c.name, &pvc_patch(rv, to), false, s.request_timeout)
            .await
            .map_err(|e| match e {
                act::ApiError::Conflict { message: m } => format!(
                    "claim {} changed since it was read (409 Conflict: {m}): it was not patched; run the same command again to plan from its current state",
                    c.name
                ),
                other => format!("patching claim {} failed: {other}", c.name),
            })?;
        j.grown.push(c.name.clone());
    } else {
        let _ = writeln!(out, "\n{} already asks for {to}: waiting for it", c.name);
    }

    j.at(
        c.steps.wait,
        format!("waiting for claim {} to grow", c.name),
    );
    let state = wait_claim(pvcs, c, plan.to_bytes, s, out, s.step_timeout, false).await?;
    if state == Resize::Grown {
        let _ = writeln!(out, "  {} grew to {to}", c.name);
        return Ok(());
    }
    // FileSystemResizePending.
    if !(c.mounted && c.filesystem()) {
        let _ = writeln!(
            out,
            "  {}: the volume grew; its filesystem grows when a pod next mounts it",
            c.name
        );
        closing.push(format!(
            "{}: the filesystem grows when its pod next starts",
            c.name
        ));
        return Ok(());
    }
    if !s.online_resize_wait.is_zero() {
        j.at(
            c.steps.wait,
            format!(
                "giving the kubelet time to grow {}'s filesystem online",
                c.name
            ),
        );
        match wait_claim(pvcs, c, plan.to_bytes, s, out, s.online_resize_wait, true).await {
            Ok(Resize::Grown) => {
                let _ = writeln!(out, "  {} grew to {to} (filesystem grown online)", c.name);
                return Ok(());
            }
            Ok(_) => {}
            // Not grown online in time: the pod must restart.
            Err(e) if e.starts_with("timed out") => {}
            Err(e) => return Err(e),
        }
    }
    restart_pod(pods, plan, c, s, out, j).await?;
    j.at(
        c.steps.ready,
        format!(
            "waiting for claim {}'s filesystem after the restart",
            c.name
        ),
    );
    let state = wait_claim(pvcs, c, plan.to_bytes, s, out, s.step_timeout, true).await?;
    if state == Resize::Grown {
        let _ = writeln!(out, "  {} grew to {to}", c.name);
    }
    Ok(())
}

/// Waits until the claim is grown, or (unless `until_grown`) reports
/// `FileSystemResizePending`. A failed expansion stops the run.
pub(super) async fn wait_claim(
    pvcs: &Api<LivePersistentVolumeClaim>,
    c: &ClaimPlan,
    target: f64,
    s: &Settings,
    out: &mut dyn Write,
    timeout: Duration,
    until_grown: bool,
) -> Result<Resize, String> {
    let name = c.name.clone();
    wait_for(s, out, &c.name, timeout, || {
        let name = name.clone();
        async move {
            let pvc = send(pvcs.get(&name), s.request_timeout)
                .await
                .map_err(|e| format!("reading claim {name} failed: {}", e.answer()))?;
            let pvc = PersistentVolumeClaim::from(pvc);
            let cap = pvc.storage_capacity().unwrap_or("?").to_string();
            Ok(match progress::resize(&pvc, target) {
                Resize::Grown => Poll::Done(Resize::Grown),
                Resize::FileSystemPending if !until_grown => Poll::Done(Resize::FileSystemPending),
                Resize::FileSystemPending => Poll::Wait(format!(
                    "capacity {cap}, FileSystemResizePending (the filesystem waits for the kubelet)"
                )),
                Resize::Failed(m) => {
                    return Err(format!("the expansion of claim {name} fails: {m}"));
                }
                Resize::InProgress(what) => Poll::Wait(format!("capacity {cap}, {what}")),
            })
        }
    })
    .await
}
