//! Restarting a pod by eviction (its PodDisruptionBudget respected) when its filesystem
//! can only grow at start, and waiting until it is back and Ready.

use super::super::progress::{self};
use super::super::{ClaimPlan, ExpandPlan};
use crate::act::{self, send};
use crate::model::{LivePod, Pod};
use kube::api::Api;
use std::io::Write;

use super::*;

/// Evicts the claim's pod (dry run first; a budget's 429 is waited out, as `kubectl drain`
/// does) and waits until the pod that replaces it is Ready.
pub(super) async fn restart_pod(
    pods: &Api<LivePod>,
    plan: &ExpandPlan,
    c: &ClaimPlan,
    s: &Settings,
    out: &mut dyn Write,
    j: &mut Journal<'_>,
) -> Result<(), String> {
    let ns = plan.statefulset.namespace.as_str();
    let pod = c.pod.as_str();
    j.at(
        c.steps.restart,
        format!(
            "restarting pod {pod} so the filesystem of {} can grow",
            c.name
        ),
    );
    let _ = writeln!(
        out,
        "  {}'s filesystem waits for a restart: evicting pod {pod}",
        c.name
    );
    // The pod as it is now: the one evicted (uid and resourceVersion as preconditions, so
    // a pod replaced meanwhile is not evicted in its place), and whose replacement is
    // waited for.
    let before = send(pods.get(pod), s.request_timeout)
        .await
        .map_err(|e| format!("reading pod {pod} failed: {}", e.answer()))?;
    let old_uid = before.metadata.uid.clone();
    let pre = std::cell::RefCell::new(act::evict::Preconditions {
        uid: old_uid.clone().unwrap_or_default(),
        resource_version: before.metadata.resource_version.clone().unwrap_or_default(),
    });
    let replaced = std::cell::Cell::new(false);
    let client = pods.clone().into_client();
    for dry_run in [true, false] {
        let label = if dry_run {
            "eviction (dry run)"
        } else {
            "eviction"
        };
        let (pre, replaced) = (&pre, &replaced);
        wait_for(s, out, &format!("{pod} {label}"), s.step_timeout, || {
            let client = client.clone();
            let current = pre.borrow().clone();
            async move {
                match act::evict::evict(
                    &client,
                    ns,
                    pod,
                    dry_run,
                    Some(&current),
                    s.request_timeout,
                )
                .await
                {
                    Ok(_) => Ok(Poll::Done(())),
                    // Refused by a disruption budget for now: try again, like kubectl drain.
                    Err(f) if f.by_budget() => Ok(Poll::Wait(f.message())),
                    // The pod changed (a status update) or went away since it was read: read
                    // it again. Still the same pod: try again with its current version; a
                    // new pod or none: it was restarted meanwhile, which is what was wanted.
                    Err(f) if matches!(f.code(), Some(409 | 404)) => {
                        match send(pods.get_opt(pod), s.request_timeout).await {
                            Ok(Some(p))
                                if p.metadata.uid.as_deref() == Some(current.uid.as_str()) =>
                            {
                                pre.borrow_mut().resource_version =
                                    p.metadata.resource_version.unwrap_or_default();
                                Ok(Poll::Wait(format!(
                                    "the pod changed since it was read ({}): trying again",
                                    f.code().unwrap_or(0)
                                )))
                            }
                            Ok(_) => {
                                replaced.set(true);
                                Ok(Poll::Done(()))
                            }
                            Err(e) => Err(format!("reading pod {pod} failed: {}", e.answer())),
                        }
                    }
                    Err(f) => Err(format!(
                        "evicting pod {pod} failed: {} {}",
                        f.code().unwrap_or(0),
                        f.message()
                    )),
                }
            }
        })
        .await?;
        if replaced.get() {
            break;
        }
    }
    j.restarted.push(pod.to_string());
    j.at(
        c.steps.ready,
        format!("waiting for pod {pod} to be Ready again"),
    );
    wait_back(pods, s, out, pod, old_uid).await?;
    let _ = writeln!(out, "  pod {pod} is back and Ready");
    Ok(())
}

/// Waits until `pod` is back (a uid other than `old`) and Ready.
async fn wait_back(
    pods: &Api<LivePod>,
    s: &Settings,
    out: &mut dyn Write,
    pod: &str,
    old: Option<String>,
) -> Result<(), String> {
    wait_for(s, out, pod, s.step_timeout, || {
        let old = old.clone();
        async move {
            match send(pods.get_opt(pod), s.request_timeout)
                .await
                .map(|p| p.map(Pod::from))
            {
                Ok(Some(p)) if progress::back_and_ready(&p, old.as_deref()) => Ok(Poll::Done(())),
                Ok(Some(p)) if p.metadata.uid == old => {
                    Ok(Poll::Wait("the evicted pod is shutting down".into()))
                }
                Ok(Some(p)) => Ok(Poll::Wait(format!(
                    "back, not Ready yet ({})",
                    crate::k8s::pod::phase(&p)
                ))),
                Ok(None) => Ok(Poll::Wait("gone, not re-created yet".into())),
                Err(e) => Err(format!("reading pod {pod} failed: {}", e.answer())),
            }
        }
    })
    .await
}
