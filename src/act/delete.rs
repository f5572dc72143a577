//! Deleting objects so that a concurrent change fails safely: every request carries the
//! uid and resourceVersion the object had when it was listed (preconditions; a mismatch is
//! a 409 Conflict, reported and skipped), the whole batch is dry-run on the server first,
//! and the real requests go one at a time, each after a caller-supplied re-check.
//!
//! `kube::api::DeleteParams` serialises `dryRun` and `preconditions` into the request body.
//! That matters: a DELETE with a body ignores `?dryRun=All` in the query (recorded from a
//! real v1.36 server), so a dry run in the query alone would really delete.

use super::outcome::{ItemResult, Outcome, Summary};
use crate::model::MetaView;
use anyhow::Result;
use kube::Client;
use kube::api::{Api, ApiResource, DeleteParams, DynamicObject, Preconditions};
use std::future::Future;
use std::io::Write;
use std::time::Duration;

/// One object to delete, as it was when listed.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub resource: ApiResource,
    pub namespace: Option<String>,
    pub name: String,
    pub uid: Option<String>,
    pub resource_version: Option<String>,
    /// How the plan and the results name it: `pvc shop/data-db-3`.
    pub label: String,
    /// The kubectl command that does the same by hand.
    pub command: String,
}

impl Target {
    /// A target of kind `K` from the listed object's metadata.
    pub fn of<K>(meta: &impl MetaView, label: String, command: String) -> Self
    where
        K: kube::Resource<DynamicType = ()>,
    {
        let text = |s: Option<&str>| s.filter(|s| !s.is_empty()).map(str::to_string);
        Target {
            resource: ApiResource::erase::<K>(&()),
            namespace: text(meta.namespace()),
            name: meta.name().unwrap_or_default().to_string(),
            uid: text(meta.uid()),
            resource_version: text(meta.resource_version()),
            label,
            command,
        }
    }

    /// The request options: the preconditions always, `dryRun` when asked. `None` when
    /// the listing did not record a uid and resourceVersion: without them a deletion could
    /// hit an object that replaced the one the person chose.
    pub fn params(&self, dry_run: bool) -> Option<DeleteParams> {
        Some(DeleteParams {
            dry_run,
            preconditions: Some(Preconditions {
                uid: Some(self.uid.clone()?),
                resource_version: Some(self.resource_version.clone()?),
            }),
            ..DeleteParams::default()
        })
    }

    fn api(&self, client: &Client) -> Api<DynamicObject> {
        match &self.namespace {
            Some(ns) => Api::namespaced_with(client.clone(), ns, &self.resource),
            None => Api::all_with(client.clone(), &self.resource),
        }
    }
}

/// One DELETE (dry run or real) with the target's preconditions, bounded by `timeout`.
pub async fn delete(
    client: &Client,
    target: &Target,
    dry_run: bool,
    timeout: Option<Duration>,
) -> Outcome {
    let Some(dp) = target.params(dry_run) else {
        return Outcome::Skipped {
            reason: "its uid and resourceVersion were not recorded when it was listed, so it cannot be deleted safely".to_string(),
        };
    };
    let api = target.api(client);
    let res = super::send(api.delete(&target.name, &dp), timeout).await;
    match res {
        Ok(_) if dry_run => Outcome::DryRunOk,
        // The object comes back (rather than a Status) while finalizers hold it.
        Ok(answer) => {
            let finalizers = answer
                .left()
                .and_then(|obj| obj.metadata.finalizers)
                .unwrap_or_default();
            Outcome::Done {
                detail: (!finalizers.is_empty()).then(|| {
                    format!(
                        "marked for deletion; gone once its finalizer(s) {} let go",
                        finalizers.join(", ")
                    )
                }),
            }
        }
        Err(e) => Outcome::from_error(&e),
    }
}

/// Dry-runs every target on the server, in order; nothing changes.
pub async fn dry_run_all(
    client: &Client,
    targets: &[Target],
    timeout: Option<Duration>,
    out: &mut dyn Write,
) -> Vec<ItemResult> {
    let mut guard = DryRunGuard { finished: false };
    let mut results = Vec::with_capacity(targets.len());
    for t in targets {
        let outcome = delete(client, t, true, timeout).await;
        let r = ItemResult {
            item: t.label.clone(),
            outcome,
        };
        let _ = writeln!(
            out,
            "  {:<10} {}{}",
            r.outcome.word(),
            r.item,
            detail(&r.outcome)
        );
        results.push(r);
    }
    guard.finished = true;
    results
}

/// Says, if the run is interrupted during the dry run, that nothing changed.
struct DryRunGuard {
    finished: bool,
}

impl Drop for DryRunGuard {
    fn drop(&mut self) {
        if !self.finished {
            eprintln!("\ninterrupted during the server-side dry run: nothing was deleted");
        }
    }
}

fn detail(o: &Outcome) -> String {
    match o {
        Outcome::Skipped { reason } => format!(": {reason}"),
        Outcome::Failed { error } => format!(": {error}"),
        Outcome::Done { detail: Some(d) } => format!(": {d}"),
        _ => String::new(),
    }
}

/// A look at the live state right before a real request: `Some(outcome)` means do not
/// send it (skipped because the object is in use now, or failed because the look failed).
pub trait Recheck {
    fn before(&mut self, target: &Target) -> impl Future<Output = Option<Outcome>>;
}

/// No re-check beyond the preconditions.
pub struct NoRecheck;

impl Recheck for NoRecheck {
    async fn before(&mut self, _: &Target) -> Option<Outcome> {
        None
    }
}

/// Deletes the targets one at a time, each after its re-check. A failure (a 5xx, a
/// timeout, a re-check that could not read) stops the batch: the server or the connection
/// is in trouble and what the failed request did may be unknown, so nothing more is sent;
/// the rest are listed as untouched. A conflict or a vanished object is a skip, not a
/// failure: the batch goes on. If the run is interrupted (Ctrl-C drops this future), what
/// was done, what was in flight and what was not touched is printed on the way out.
pub async fn delete_each<R: Recheck>(
    client: &Client,
    targets: &[Target],
    timeout: Option<Duration>,
    recheck: &mut R,
    out: &mut dyn Write,
) -> Vec<ItemResult> {
    let mut progress = Progress {
        targets,
        results: Vec::with_capacity(targets.len()),
        in_flight: None,
        finished: false,
    };
    for (i, t) in targets.iter().enumerate() {
        let outcome = match recheck.before(t).await {
            Some(o) => o,
            None => {
                progress.in_flight = Some(i);
                let o = delete(client, t, false, timeout).await;
                progress.in_flight = None;
                o
            }
        };
        let r = ItemResult {
            item: t.label.clone(),
            outcome,
        };
        let _ = writeln!(
            out,
            "  {:<10} {}{}",
            r.outcome.word(),
            r.item,
            detail(&r.outcome)
        );
        let _ = out.flush();
        let failed = matches!(r.outcome, Outcome::Failed { .. });
        progress.results.push(r);
        if failed {
            for rest in targets.iter().skip(i + 1) {
                let _ = writeln!(
                    out,
                    "  {:<10} {} (not sent: the batch stops at a failure)",
                    "untouched", rest.label
                );
            }
            let _ = out.flush();
            break;
        }
    }
    progress.finished = true;
    std::mem::take(&mut progress.results)
}

/// Says what an interrupted batch did, from `Drop`: the only code that runs when the
/// runtime drops the future on Ctrl-C.
struct Progress<'t> {
    targets: &'t [Target],
    results: Vec<ItemResult>,
    in_flight: Option<usize>,
    finished: bool,
}

impl Drop for Progress<'_> {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let mut err = std::io::stderr().lock();
        let s = Summary::of(&self.results, self.targets.len());
        let _ = writeln!(err, "\ninterrupted: {s}");
        for r in &self.results {
            let _ = writeln!(err, "  {:<10} {}", r.outcome.word(), r.item);
        }
        if let Some(i) = self.in_flight
            && let Some(t) = self.targets.get(i)
        {
            let _ = writeln!(
                err,
                "  unknown    {} (its request was in flight: check whether it still exists before running again)",
                t.label
            );
        }
        let next = self.results.len() + usize::from(self.in_flight.is_some());
        for t in self.targets.iter().skip(next) {
            let _ = writeln!(err, "  untouched  {}", t.label);
        }
    }
}

/// Writes the final tally.
pub fn print_summary(results: &[ItemResult], total: usize, out: &mut dyn Write) -> Result<Summary> {
    let s = Summary::of(results, total);
    writeln!(out, "{s}")?;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::PersistentVolumeClaim;
    use kube::core::ObjectMeta;

    fn target(uid: Option<&str>, rv: Option<&str>) -> Target {
        let meta = ObjectMeta {
            name: Some("data-db-3".into()),
            namespace: Some("shop".into()),
            uid: uid.map(str::to_string),
            resource_version: rv.map(str::to_string),
            ..Default::default()
        };
        Target::of::<PersistentVolumeClaim>(&meta, "pvc shop/data-db-3".into(), "kubectl".into())
    }

    #[test]
    fn every_request_carries_both_preconditions_in_the_body() {
        let t = target(Some("u-1"), Some("42"));
        let body = serde_json::to_value(t.params(true).unwrap()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"dryRun": ["All"], "preconditions": {"uid": "u-1", "resourceVersion": "42"}})
        );
        let body = serde_json::to_value(t.params(false).unwrap()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"preconditions": {"uid": "u-1", "resourceVersion": "42"}})
        );
        assert_eq!(t.resource.plural, "persistentvolumeclaims");
    }

    #[test]
    fn without_a_recorded_identity_there_is_no_request() {
        assert!(target(None, Some("42")).params(false).is_none());
        assert!(target(Some("u"), None).params(true).is_none());
    }
}
