//! `pvc-expand --apply`: carries an [`ExpandPlan`] out against the live cluster. The only
//! part of `expand` that talks to the API server.
//!
//! The order, and why:
//! 1. A server-side dry run of every claim patch and of the StatefulSet's orphan delete,
//!    before anything changes: a quota, a class, a missing permission shows up here, while
//!    nothing has been touched.
//! 2. Each claim, highest ordinal first: a merge patch of its storage request carrying the
//!    resourceVersion it had when planned (a concurrent change is a 409, not an overwrite);
//!    then a GET every poll interval until its capacity grows or it reports
//!    `FileSystemResizePending`. A mounted filesystem that does not grow online within
//!    `online_resize_wait` gets its pod restarted by eviction (so its PodDisruptionBudget is
//!    respected), and the next claim waits until that pod is back and Ready.
//! 3. The StatefulSet: read it again (it must be the object that was planned, same uid and
//!    generation), save it and the re-create manifest to files, delete it with orphan
//!    propagation and uid + resourceVersion preconditions (the backup is then exactly what
//!    was deleted), wait until it is gone, create it again (dry run first), and wait until
//!    every pod it had is still the same pod, Ready, and adopted by the new object.
//!
//! Every wait has a timeout. A failure, a timeout or Ctrl-C stops the run and says which
//! step stopped, what state the claims and the StatefulSet are in, and the command that
//! resumes (re-running is safe: see `expand`) or restores (the backup file).

mod claims;
mod journal;
mod replace;
mod restart;
mod wait;

use super::ExpandPlan;
use crate::act::{self, send};
use crate::kubectl::Kubectl;
use crate::model::{LivePersistentVolumeClaim, LivePod};
use k8s_openapi::api::apps::v1::StatefulSet;
use kube::Client;
use kube::api::Api;
use std::io::Write;
use std::time::Duration;

use claims::*;
use journal::*;
pub use replace::sts_delete_params;
use replace::*;
use restart::*;
use wait::*;

/// How the run behaves.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Each API request.
    pub request_timeout: Option<Duration>,
    /// Each wait (a claim growing, a pod coming back, the StatefulSet going and its pods
    /// being adopted).
    pub step_timeout: Duration,
    /// How long a mounted filesystem may take to grow online before its pod is restarted.
    pub online_resize_wait: Duration,
    /// How often a wait reads the object again.
    pub poll: Duration,
    /// Progress lines are redrawn in place (a person watches a terminal).
    pub terminal: bool,
    /// The command that runs the expansion again (the same `--apply`).
    pub resume: String,
    pub kubectl: Kubectl,
}

/// Runs the plan. `Ok` carries the closing lines; `Err` the full report of where it stopped.
pub async fn run(
    client: &Client,
    plan: &ExpandPlan,
    s: &Settings,
    out: &mut dyn Write,
) -> Result<Vec<String>, String> {
    let mut j = Journal {
        plan,
        settings: s,
        step: None,
        doing: "the server-side dry run".into(),
        grown: Vec::new(),
        restarted: Vec::new(),
        phase: Phase::Untouched,
        backup: None,
        recreate_file: None,
        finished: false,
    };
    let result = carry_out(client, plan, s, out, &mut j).await;
    j.finished = true;
    match result {
        Ok(lines) => Ok(lines),
        Err(why) => Err(j.report(&why)),
    }
}

async fn carry_out(
    client: &Client,
    plan: &ExpandPlan,
    s: &Settings,
    out: &mut dyn Write,
    j: &mut Journal<'_>,
) -> Result<Vec<String>, String> {
    let ns = plan.statefulset.namespace.as_str();
    let name = plan.statefulset.name.as_str();
    let pvcs: Api<LivePersistentVolumeClaim> = Api::namespaced(client.clone(), ns);
    let pods: Api<LivePod> = Api::namespaced(client.clone(), ns);
    let sets: Api<StatefulSet> = Api::namespaced(client.clone(), ns);
    let order = plan.work_order();

    // 1. Dry run of everything that can be dry-run now.
    let _ = writeln!(out, "\nServer-side dry run (nothing changes):");
    for c in order
        .iter()
        .filter(|c| c.action == super::ClaimAction::Grow)
    {
        let rv = c
            .resource_version
            .as_deref()
            .ok_or_else(|| format!("claim {} was read without a resourceVersion", c.name))?;
        act::patch::merge(
            &pvcs,
            &c.name,
            &pvc_patch(rv, &plan.to),
            true,
            s.request_timeout,
        )
        .await
        .map_err(|e| format!("the dry run of growing claim {} was refused: {e}", c.name))?;
        let _ = writeln!(out, "  dry-run ok  grow pvc {}", c.name);
    }
    if plan.recreate {
        let uid = plan
            .sts_uid
            .as_deref()
            .ok_or("the StatefulSet was read without a uid")?;
        send(
            sets.delete(name, &sts_delete_params(true, uid, None)),
            s.request_timeout,
        )
        .await
        .map_err(|e| {
            format!(
                "the dry run of deleting the StatefulSet (orphaning its pods) was refused: {}",
                e.answer()
            )
        })?;
        let _ = writeln!(
            out,
            "  dry-run ok  delete statefulset {name} --cascade=orphan"
        );
    }

    // 2. The claims, one at a time.
    let mut closing = Vec::new();
    for c in &order {
        grow_claim(&pvcs, &pods, plan, c, s, out, j, &mut closing).await?;
    }

    // 3. The claim template.
    if plan.recreate {
        replace_statefulset(client, &sets, &pods, plan, s, out, j, &mut closing).await?;
    }
    Ok(closing)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_orphan_delete_carries_its_options_and_preconditions_in_the_body() {
        let b = serde_json::to_value(sts_delete_params(true, "u-1", Some("42"))).unwrap();
        assert_eq!(
            b,
            json!({"dryRun": ["All"], "propagationPolicy": "Orphan",
                   "preconditions": {"uid": "u-1", "resourceVersion": "42"}})
        );
        let b = serde_json::to_value(sts_delete_params(false, "u-1", None)).unwrap();
        assert_eq!(
            b,
            json!({"propagationPolicy": "Orphan", "preconditions": {"uid": "u-1"}})
        );
    }

    #[test]
    fn the_claim_patch_carries_its_resource_version() {
        assert_eq!(
            pvc_patch("263", "20Gi"),
            json!({"metadata": {"resourceVersion": "263"},
                   "spec": {"resources": {"requests": {"storage": "20Gi"}}}})
        );
    }
}
