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

use super::progress::{self, Resize};
use super::{ClaimPlan, ExpandPlan, manifest, steps::patch_body};
use crate::act::{self, send};
use crate::finding::shell_join;
use crate::kubectl::Kubectl;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod};
use kube::Client;
use kube::api::{Api, DeleteParams, ListParams, Preconditions, PropagationPolicy};
use serde_json::Value;
use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

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

/// Where the StatefulSet object stands.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Phase {
    Untouched,
    BackedUp,
    /// The real DELETE was sent and its answer is not known.
    DeleteSent,
    /// Deleted (or terminating, its pods orphaned); not re-created.
    Deleted,
    /// The real POST was sent and its answer is not known.
    CreateSent,
    Recreated(String),
}

/// What the run has done so far, to say where it stopped. Printed from `Drop` when the run
/// is interrupted (Ctrl-C drops the future), or turned into the error when a step fails.
struct Journal<'p> {
    plan: &'p ExpandPlan,
    settings: &'p Settings,
    step: Option<usize>,
    doing: String,
    grown: Vec<String>,
    restarted: Vec<String>,
    phase: Phase,
    backup: Option<PathBuf>,
    recreate_file: Option<PathBuf>,
    finished: bool,
}

impl<'p> Journal<'p> {
    fn at(&mut self, step: Option<usize>, doing: impl Into<String>) {
        self.step = step;
        self.doing = doing.into();
    }

    fn kubectl_create(&self, file: &Path) -> String {
        let ns = &self.plan.statefulset.namespace;
        shell_join(
            &self
                .settings
                .kubectl
                .argv(Some(ns), &["create", "-f", &file.display().to_string()]),
        )
    }

    /// The whole story: which step, why, what is done, what state things are in, and what
    /// to run next.
    fn report(&self, why: &str) -> String {
        let p = self.plan;
        let (ns, name) = (&p.statefulset.namespace, &p.statefulset.name);
        let mut out = String::new();
        let step = match self.step {
            Some(i) => format!(
                "step {} of {} ({})",
                i + 1,
                p.steps.len(),
                p.steps.get(i).map(|s| s.description.as_str()).unwrap_or("")
            ),
            None => self.doing.clone(),
        };
        out.push_str(&format!("stopped at {step}: {why}\n"));
        if self.step.is_some() && !self.doing.is_empty() {
            out.push_str(&format!("  while: {}\n", self.doing));
        }
        let mut done = Vec::new();
        if !self.grown.is_empty() {
            done.push(format!(
                "claims asked to grow to {}: {}",
                p.to,
                self.grown.join(", ")
            ));
        }
        if !self.restarted.is_empty() {
            done.push(format!("pods restarted: {}", self.restarted.join(", ")));
        }
        if done.is_empty() && self.phase == Phase::Untouched {
            out.push_str("  nothing was changed\n");
        } else {
            for d in done {
                out.push_str(&format!("  done: {d}\n"));
            }
        }
        let create_new = self
            .recreate_file
            .as_deref()
            .map(|f| self.kubectl_create(f));
        let restore = self.backup.as_deref().map(|f| self.kubectl_create(f));
        let backup = self
            .backup
            .as_deref()
            .map(|b| b.display().to_string())
            .unwrap_or_default();
        match &self.phase {
            Phase::Untouched | Phase::BackedUp => {
                out.push_str(&format!(
                    "  the StatefulSet {ns}/{name} is unchanged (claim template {} still at {}){}\n",
                    p.template,
                    p.from,
                    if self.phase == Phase::BackedUp {
                        format!("; its backup is in {backup}")
                    } else {
                        String::new()
                    }
                ));
                if !(done_nothing(self)) {
                    out.push_str(&format!(
                        "  to go on, run the same command again (claims already asking for {} are not patched again):\n    {}\n",
                        p.to, self.settings.resume
                    ));
                } else {
                    out.push_str(&format!("  to try again:\n    {}\n", self.settings.resume));
                }
            }
            Phase::DeleteSent => {
                out.push_str(&format!(
                    "  the delete of the StatefulSet {ns}/{name} was sent without an answer: it may be gone or terminating (its pods and claims keep running); check with:\n    {}\n",
                    shell_join(&self.settings.kubectl.argv(Some(ns), &["get", "statefulset", name]))
                ));
                if let (Some(c), Some(r)) = (&create_new, &restore) {
                    out.push_str(&format!(
                        "  if it is gone, re-create it with the claim template at {}:\n    {c}\n  or as it was (backup {backup}):\n    {r}\n  if it is still there, unchanged, run the same command again:\n    {}\n",
                        p.to, self.settings.resume
                    ));
                }
            }
            Phase::Deleted | Phase::CreateSent => {
                if self.phase == Phase::CreateSent {
                    out.push_str(&format!(
                        "  the StatefulSet {ns}/{name} was deleted and its re-create got no clear answer: it may or may not exist again; check with:\n    {}\n  its pods and claims keep running, but until it is back nothing replaces a pod that fails\n  if it is not there:\n",
                        shell_join(&self.settings.kubectl.argv(Some(ns), &["get", "statefulset", name]))
                    ));
                } else {
                    out.push_str(&format!(
                        "  the StatefulSet {ns}/{name} is deleted; its pods and claims keep running, but nothing replaces a pod that fails until it is re-created\n"
                    ));
                }
                if let (Some(c), Some(r)) = (&create_new, &restore) {
                    out.push_str(&format!(
                        "  re-create it with the claim template at {}:\n    {c}\n  or restore it as it was from the backup {backup}:\n    {r}\n",
                        p.to
                    ));
                }
            }
            Phase::Recreated(uid) => {
                let mut args = vec!["get".to_string(), "pods".to_string()];
                if !p.selector.is_empty() {
                    args.push("-l".into());
                    args.push(p.selector.clone());
                }
                args.push("-o".into());
                args.push("custom-columns=NAME:.metadata.name,READY:.status.conditions[?(@.type==\"Ready\")].status,OWNER:.metadata.ownerReferences[0].uid".into());
                out.push_str(&format!(
                    "  the StatefulSet {ns}/{name} was re-created (uid {uid}) with claim template {} at {}; the backup of the old object is {backup}\n  check its pods (OWNER should be {uid}):\n    {}\n",
                    p.template,
                    p.to,
                    shell_join(&self.settings.kubectl.argv(Some(ns), &args))
                ));
            }
        }
        out
    }
}

fn done_nothing(j: &Journal) -> bool {
    j.grown.is_empty() && j.restarted.is_empty()
}

impl Drop for Journal<'_> {
    fn drop(&mut self) {
        if !self.finished {
            eprintln!("\n{}", self.report("interrupted"));
        }
    }
}

/// A wait's answer each time it looks.
enum Poll<T> {
    Done(T),
    /// Not yet; the status line to show.
    Wait(String),
}

/// Reads with `probe` every poll interval until it is done, for at most `timeout`; shows
/// the status (redrawn in place on a terminal, else printed when it changes).
async fn wait_for<T, F, Fut>(
    s: &Settings,
    out: &mut dyn Write,
    label: &str,
    timeout: Duration,
    mut probe: F,
) -> Result<T, String>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Poll<T>, String>>,
{
    let started = Instant::now();
    let mut last = String::new();
    loop {
        let answer = probe().await;
        let elapsed = started.elapsed();
        match answer {
            Ok(Poll::Done(t)) => {
                if s.terminal && !last.is_empty() {
                    let _ = write!(out, "\r\x1b[K");
                }
                return Ok(t);
            }
            Ok(Poll::Wait(status)) => {
                if s.terminal {
                    let _ = write!(
                        out,
                        "\r\x1b[K    {label}: {status} ({}s)",
                        elapsed.as_secs()
                    );
                    let _ = out.flush();
                } else if status != last {
                    let _ = writeln!(out, "    {label}: {status}");
                }
                if elapsed >= timeout {
                    if s.terminal {
                        let _ = writeln!(out);
                    }
                    return Err(format!(
                        "timed out after {}s; last seen: {status}",
                        timeout.as_secs()
                    ));
                }
                last = status;
                tokio::time::sleep(
                    s.poll
                        .min(timeout.saturating_sub(elapsed))
                        .max(Duration::from_millis(10)),
                )
                .await;
            }
            Err(e) => {
                if s.terminal && !last.is_empty() {
                    let _ = writeln!(out);
                }
                return Err(e);
            }
        }
    }
}

/// The claim's patch with the resourceVersion it had when planned: a precondition, so the
/// server refuses (409) if the claim changed since.
fn pvc_patch(rv: &str, size: &str) -> Value {
    act::patch::with_resource_version(patch_body(size), rv)
}

/// The StatefulSet DELETE's options: orphan its pods and claims, only if it is still the
/// object that was read. `kube` puts them (and `dryRun`) in the body, where the server reads
/// them when a body is present.
pub fn sts_delete_params(dry_run: bool, uid: &str, rv: Option<&str>) -> DeleteParams {
    DeleteParams {
        dry_run,
        propagation_policy: Some(PropagationPolicy::Orphan),
        preconditions: Some(Preconditions {
            uid: Some(uid.to_string()),
            resource_version: rv.map(str::to_string),
        }),
        ..DeleteParams::default()
    }
}

fn sts_path(ns: &str, name: Option<&str>) -> String {
    match name {
        Some(n) => format!("/apis/apps/v1/namespaces/{ns}/statefulsets/{n}"),
        None => format!("/apis/apps/v1/namespaces/{ns}/statefulsets"),
    }
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
    let pvcs: Api<PersistentVolumeClaim> = Api::namespaced(client.clone(), ns);
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
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

#[allow(clippy::too_many_arguments)]
async fn grow_claim(
    pvcs: &Api<PersistentVolumeClaim>,
    pods: &Api<Pod>,
    plan: &ExpandPlan,
    c: &ClaimPlan,
    s: &Settings,
    out: &mut dyn Write,
    j: &mut Journal<'_>,
    closing: &mut Vec<String>,
) -> Result<(), String> {
    let to = plan.to.as_str();
    if c.action == super::ClaimAction::Grow {
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
async fn wait_claim(
    pvcs: &Api<PersistentVolumeClaim>,
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
            let cap = progress::capacity(&pvc).unwrap_or("?").to_string();
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

/// Evicts the claim's pod (dry run first; a budget's 429 is waited out, as `kubectl drain`
/// does) and waits until the pod that replaces it is Ready.
async fn restart_pod(
    pods: &Api<Pod>,
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
    let old = old_uid.clone();
    wait_for(s, out, pod, s.step_timeout, || {
        let old = old.clone();
        async move {
            match send(pods.get_opt(pod), s.request_timeout).await {
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
    .await?;
    let _ = writeln!(out, "  pod {pod} is back and Ready");
    Ok(())
}

/// Writes `text` to a new file; never overwrites one.
fn write_new(path: &Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create the directory {}: {e}", dir.display()))?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    f.write_all(text.as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[allow(clippy::too_many_arguments)]
async fn replace_statefulset(
    client: &Client,
    sets: &Api<StatefulSet>,
    pods: &Api<Pod>,
    plan: &ExpandPlan,
    s: &Settings,
    out: &mut dyn Write,
    j: &mut Journal<'_>,
    closing: &mut Vec<String>,
) -> Result<(), String> {
    let Some(ts) = plan.template_steps else {
        return Ok(());
    };
    let ns = plan.statefulset.namespace.as_str();
    let name = plan.statefulset.name.as_str();
    j.at(Some(ts.save), "reading the StatefulSet as it is now");
    let _ = writeln!(
        out,
        "\nreplace the StatefulSet {ns}/{name} to change its claim template"
    );
    let get = http::Request::get(sts_path(ns, Some(name)))
        .body(Vec::new())
        .map_err(|e| e.to_string())?;
    let live: Value = send(client.request::<Value>(get), s.request_timeout)
        .await
        .map_err(|e| format!("reading the StatefulSet failed: {}", e.answer()))?;
    let uid = live
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let rv = live
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .map(str::to_string);
    let generation = live.pointer("/metadata/generation").and_then(Value::as_i64);
    if plan.sts_uid.as_deref() != Some(uid.as_str()) {
        return Err(format!(
            "the StatefulSet is not the object that was planned (uid {uid}, planned {}): it was re-created meanwhile; nothing was deleted",
            plan.sts_uid.as_deref().unwrap_or("?")
        ));
    }
    if plan.sts_generation.is_some() && generation != plan.sts_generation {
        return Err(format!(
            "the StatefulSet's spec changed since the plan (generation {} now, {} planned); nothing was deleted: run the same command again to plan from what it is now",
            generation
                .map(|g| g.to_string())
                .unwrap_or_else(|| "?".into()),
            plan.sts_generation
                .map(|g| g.to_string())
                .unwrap_or_default()
        ));
    }
    if live.pointer("/metadata/deletionTimestamp").is_some() {
        return Err(
            "the StatefulSet is being deleted by someone else; nothing was done to it".into(),
        );
    }
    if manifest::template_size(&live, &plan.template) == Some(plan.to.as_str()) {
        let _ = writeln!(
            out,
            "  claim template {} already asks for {}",
            plan.template, plan.to
        );
        return Ok(());
    }
    let backup_obj = manifest::creatable(&live);
    let new_obj = manifest::recreate(&live, &plan.template, &plan.to)?;
    let backup = PathBuf::from(&plan.backup);
    let recreate_file = PathBuf::from(&plan.recreate_manifest);
    let now = jiff::Timestamp::now();
    write_new(
        &backup,
        &manifest::to_yaml_with_header(
            &backup_obj,
            &[
                format!(
                    "StatefulSet {ns}/{name} (uid {uid}, resourceVersion {}) saved by kubectl sts pvc-expand at {now}, before replacing it.",
                    rv.as_deref().unwrap_or("?")
                ),
                "Server-managed fields are removed so that it can be created again as it was:"
                    .into(),
                format!("  {}", j.kubectl_create(&backup)),
            ],
        ),
    )?;
    j.backup = Some(backup.clone());
    j.phase = Phase::BackedUp;
    write_new(
        &recreate_file,
        &manifest::to_yaml_with_header(
            &new_obj,
            &[
                format!(
                    "StatefulSet {ns}/{name} with claim template {} at {}, written by kubectl sts pvc-expand at {now}.",
                    plan.template, plan.to
                ),
                format!("  {}", j.kubectl_create(&recreate_file)),
            ],
        ),
    )?;
    j.recreate_file = Some(recreate_file.clone());
    let _ = writeln!(
        out,
        "  saved {} (and the new manifest, {})",
        backup.display(),
        recreate_file.display()
    );

    // The pods it has now: after the re-create, the same pods must be adopted.
    let members: Vec<(String, Option<String>)> = {
        let lp = ListParams::default().labels(&plan.selector);
        let list = send(pods.list(&lp), s.request_timeout)
            .await
            .map_err(|e| format!("listing the StatefulSet's pods failed: {}", e.answer()))?;
        list.items
            .iter()
            .filter(|p| progress::controller_uid(p) == Some(uid.as_str()))
            .map(|p| {
                (
                    crate::k8s::name(&p.metadata).to_string(),
                    p.metadata.uid.clone(),
                )
            })
            .collect()
    };

    j.at(
        Some(ts.delete),
        "deleting the StatefulSet object (orphaning its pods)",
    );
    send(
        sets.delete(name, &sts_delete_params(true, &uid, rv.as_deref())),
        s.request_timeout,
    )
    .await
    .map_err(|e| format!("the dry run of the delete was refused: {}", e.answer()))?;
    j.phase = Phase::DeleteSent;
    match send(
        sets.delete(name, &sts_delete_params(false, &uid, rv.as_deref())),
        s.request_timeout,
    )
    .await
    {
        Ok(_) => {}
        Err(e) if e.code().is_some() => {
            // The server answered no: nothing was deleted.
            j.phase = Phase::BackedUp;
            return Err(match e.code() {
                Some(409) => format!(
                    "the StatefulSet changed between reading and deleting it (409 Conflict); it was not deleted: {}",
                    e.answer()
                ),
                _ => format!("deleting the StatefulSet failed: {}", e.answer()),
            });
        }
        Err(e) => return Err(format!("deleting the StatefulSet: {}", e.answer())),
    }
    j.phase = Phase::Deleted;
    let _ = writeln!(
        out,
        "  deleted statefulset {name} with --cascade=orphan: its pods keep running"
    );

    j.at(
        Some(ts.gone),
        "waiting until the StatefulSet object is gone",
    );
    let path = sts_path(ns, Some(name));
    let old_uid = uid.as_str();
    wait_for(s, out, &format!("statefulset {name}"), s.step_timeout, || {
        let path = path.clone();
        async move {
            let get = http::Request::get(path).body(Vec::new()).map_err(|e| e.to_string())?;
            match send(client.request::<Value>(get), s.request_timeout).await {
                Err(e) if e.code() == Some(404) => Ok(Poll::Done(())),
                Ok(v) if v.pointer("/metadata/uid").and_then(Value::as_str) != Some(old_uid) => {
                    Err("another StatefulSet of that name appeared (someone or something re-created it): compare it with the backup before going on".to_string())
                }
                Ok(_) => Ok(Poll::Wait("terminating (the garbage collector orphans its pods first)".into())),
                Err(e) => Err(format!("reading the StatefulSet failed: {}", e.answer())),
            }
        }
    })
    .await?;

    j.at(
        Some(ts.create),
        format!(
            "re-creating the StatefulSet with claim template {} at {}",
            plan.template, plan.to
        ),
    );
    let body = serde_json::to_vec(&new_obj).map_err(|e| e.to_string())?;
    for dry_run in [true, false] {
        let mut p = sts_path(ns, None);
        if dry_run {
            p.push_str("?dryRun=All");
        }
        let post = http::Request::post(p)
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(body.clone())
            .map_err(|e| e.to_string())?;
        if !dry_run {
            j.phase = Phase::CreateSent;
        }
        match send(client.request::<Value>(post), s.request_timeout).await {
            Ok(created) if !dry_run => {
                let new_uid = created
                    .pointer("/metadata/uid")
                    .and_then(Value::as_str)
                    .unwrap_or("?")
                    .to_string();
                j.phase = Phase::Recreated(new_uid);
            }
            Ok(_) => {}
            Err(e) => {
                // A 4xx is a clear no; a 5xx or no answer may or may not have created it.
                if dry_run || e.code().is_some_and(|c| c < 500) {
                    j.phase = Phase::Deleted;
                }
                return Err(format!(
                    "{} the StatefulSet failed: {}",
                    if dry_run {
                        "the dry run of re-creating"
                    } else {
                        "re-creating"
                    },
                    e.answer()
                ));
            }
        }
    }
    let Phase::Recreated(new_uid) = j.phase.clone() else {
        return Err("re-created, without a uid in the answer".into());
    };
    let _ = writeln!(
        out,
        "  re-created statefulset {name} (uid {new_uid}) with claim template {} at {}",
        plan.template, plan.to
    );

    j.at(
        Some(ts.verify),
        "checking the pods kept running and were adopted",
    );
    let lp = ListParams::default().labels(&plan.selector);
    let members = &members;
    let new_uid_ref = new_uid.as_str();
    wait_for(s, out, "pods", s.step_timeout, || {
        let lp = lp.clone();
        async move {
            let list = send(pods.list(&lp), s.request_timeout)
                .await
                .map_err(|e| format!("listing the pods failed: {}", e.answer()))?;
            let mut waiting = Vec::new();
            for (pod, uid) in members {
                let now = list
                    .items
                    .iter()
                    .find(|p| crate::k8s::name(&p.metadata) == pod);
                match now {
                    None => return Err(format!("pod {pod} is gone: it did not keep running")),
                    Some(p) if p.metadata.uid != *uid => {
                        return Err(format!(
                            "pod {pod} was replaced (new uid): it did not keep running"
                        ));
                    }
                    Some(p) if progress::controller_uid(p) != Some(new_uid_ref) => {
                        waiting.push(format!("{pod} not adopted yet"));
                    }
                    Some(p) if !crate::k8s::pod::is_ready(p) => {
                        waiting.push(format!("{pod} not Ready"));
                    }
                    Some(_) => {}
                }
            }
            Ok(if waiting.is_empty() {
                Poll::Done(())
            } else {
                Poll::Wait(waiting.join(", "))
            })
        }
    })
    .await?;
    let _ = writeln!(
        out,
        "  {} pod(s) kept running and were adopted by the new StatefulSet",
        members.len()
    );
    closing.push(format!(
        "the old StatefulSet is saved in {}",
        backup.display()
    ));
    Ok(())
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
