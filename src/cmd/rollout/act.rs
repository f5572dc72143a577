//! The rollout actions, end to end: consent, a fresh read, the guard, the plan, the server
//! dry run, the confirmation, the change sent once, and what follows it (waiting for an
//! evicted pod, the OrderedReady trap after an undo).

use super::input::{self, Input};
use super::live::{Live, POLL, Progress, get_opt, reread, wait_replaced};
use crate::act::{self, Consent};
use crate::cli::{GlobalArgs, Output, RolloutActArgs};
use crate::cmd::out::out;
use crate::error::Failure;
use crate::k8s;
use crate::render::{self, Style};
use crate::rollout::status::StsRef;
use crate::rollout::{self, Action, ActionPlan, Change};
use crate::snapshot::Snapshot;
use anyhow::Result;
use jiff::Timestamp;
use k8s_openapi::api::apps::v1::StatefulSet;
use kube::Api;
use serde::Serialize;
use std::io::Write;
use std::time::{Duration, Instant};

pub(super) async fn act_on(
    g: &GlobalArgs,
    a: &RolloutActArgs,
    action: Action,
    timeout: &str,
) -> Result<i32> {
    // Refused before anything is read: neither case can end in a change.
    if !g.from_file.is_empty() {
        return Err(Failure::usage(format!(
            "rollout {} changes the live cluster and --from-file reads a saved snapshot: run it without --from-file",
            action.verb()
        ))
        .into());
    }
    let limit = super::parse_limit(timeout)?;
    let terminal = act::consent::terminal(g.no_interactive);
    let consent = act::decide(terminal, a.yes, &format!("rollout {}", action.verb()))?;
    let input = input::load_live(g, "rollout").await?;
    input::print_notes(&input.snap);
    let (ns, name) = crate::cmd::input::resolve_statefulset(&input, &a.statefulset, None)?;
    perform(g, &input, &ns, &name, action, consent, limit).await
}

/// How an action ended, for the exit code and the machine document.
struct Ended {
    result: &'static str,
    code: i32,
    message: Option<String>,
}

impl Ended {
    fn done(message: impl Into<String>) -> Self {
        Ended {
            result: "done",
            code: 0,
            message: Some(message.into()),
        }
    }

    fn not_done(result: &'static str, message: impl Into<String>) -> Self {
        Ended {
            result,
            code: 1,
            message: Some(message.into()),
        }
    }
}

/// The `-o json|yaml` document of an action.
#[derive(Serialize)]
struct ActionDoc<'a> {
    action: &'a str,
    statefulset: StsRef,
    /// "done", "not-confirmed", "refused" (the guard), "refused-by-budget", "conflict"
    /// (changed since read), "not-ready" (the replaced pod was not Ready in time).
    result: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    reasons: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    plan: Option<&'a ActionPlan>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

/// What an interruption (Ctrl-C drops the future) leaves behind, said on the way out.
struct Stage {
    note: Option<String>,
}

impl Stage {
    fn set(&mut self, note: impl Into<String>) {
        self.note = Some(note.into());
    }
}

impl Drop for Stage {
    fn drop(&mut self) {
        if let Some(n) = self.note.take() {
            eprintln!("\ninterrupted {n}");
        }
    }
}

pub(super) async fn perform(
    g: &GlobalArgs,
    input: &Input,
    ns: &str,
    name: &str,
    action: Action,
    consent: Consent,
    limit: Duration,
) -> Result<i32> {
    let Some(client) = input.client.clone() else {
        return Err(
            Failure::usage(format!("rollout {} needs the live cluster", action.verb())).into(),
        );
    };
    let table = g.output == Output::Table;
    // With machine output, stdout holds the document only; the action talks on stderr.
    let mut out: Box<dyn Write> = if table {
        Box::new(std::io::stdout())
    } else {
        Box::new(std::io::stderr())
    };
    let style = if table {
        Style::detect(g.no_color)
    } else {
        Style::plain()
    };
    let now = input::parse_now(g)?.unwrap_or_else(Timestamp::now);
    let Live { snap, raw } = reread(&client, &input.snap, ns, name, input.timeout)
        .await
        .map_err(Failure::usage)?;
    let doc = |result: &'static str,
               reasons: Vec<String>,
               plan: Option<&ActionPlan>,
               message: Option<String>|
     -> Result<()> {
        if !table {
            out!(
                "{}",
                render::machine(
                    &ActionDoc {
                        action: action.verb(),
                        statefulset: StsRef {
                            namespace: ns.to_string(),
                            name: name.to_string(),
                        },
                        result,
                        reasons,
                        plan,
                        message,
                    },
                    g.output,
                )?
            );
        }
        Ok(())
    };
    let plan =
        match rollout::actions::plan(&snap, ns, name, &action, now, &input.kubectl, Some(&raw)) {
            Ok(p) => p,
            Err(r) => {
                write!(out, "{}", render::rollout::refusal(&r, &style))?;
                doc("refused", r.reasons.clone(), None, None)?;
                return Ok(1);
            }
        };
    write!(out, "{}", render::rollout::plan(&plan))?;
    let mut stage = Stage { note: None };
    let ended = run_plan(
        &client, input, ns, name, &snap, &plan, consent, limit, &mut *out, &mut stage,
    )
    .await;
    // Finished (well or not): nothing to say about an interruption any more.
    stage.note = None;
    let ended = ended?;
    if let Some(m) = &ended.message {
        writeln!(out, "{m}")?;
    }
    out.flush()?;
    doc(ended.result, Vec::new(), Some(&plan), ended.message.clone())?;
    Ok(ended.code)
}

#[allow(clippy::too_many_arguments)]
async fn run_plan(
    client: &kube::Client,
    input: &Input,
    ns: &str,
    name: &str,
    snap: &Snapshot,
    plan: &ActionPlan,
    consent: Consent,
    limit: Duration,
    out: &mut dyn Write,
    stage: &mut Stage,
) -> Result<Ended> {
    let sts_api: Api<StatefulSet> = Api::namespaced(client.clone(), ns);
    writeln!(out, "\nServer-side dry run (nothing changes):")?;
    out.flush()?;
    stage.set("during the server-side dry run: nothing was changed");
    match &plan.change {
        Change::Patch { body } => {
            if let Err(e) = act::patch::merge(&sts_api, name, body, true, input.timeout).await {
                return patch_failed(e, true);
            }
        }
        Change::Evict {
            pod,
            uid,
            resource_version,
            ..
        } => {
            let pre = act::evict::Preconditions {
                uid: uid.clone(),
                resource_version: resource_version.clone(),
            };
            if let Err(f) =
                act::evict::evict(client, ns, pod, true, Some(&pre), input.timeout).await
            {
                return eviction_failed(pod, f, true);
            }
        }
    }
    writeln!(out, "  dry-run ok")?;
    stage.note = None;
    if consent == Consent::Prompt {
        writeln!(out)?;
        out.flush()?;
        if !act::consent::confirm(&format!("Apply: {}?", plan.plan.title))? {
            return Ok(Ended {
                result: "not-confirmed",
                code: 0,
                message: Some("Not confirmed; nothing was changed.".to_string()),
            });
        }
    }
    stage.set(format!(
        "while the change was in flight: it may or may not have been applied; see `kubectl sts rollout status {name} -n {ns}`"
    ));
    match &plan.change {
        Change::Patch { body } => {
            let patched = match act::patch::merge(&sts_api, name, body, false, input.timeout).await
            {
                Ok(s) => s,
                Err(e) => return patch_failed(e, false),
            };
            writeln!(out, "\napplied: {}", plan.plan.title)?;
            out.flush()?;
            match &plan.target_revision {
                Some(target) => {
                    stage.set(format!(
                        "after the undo was applied, before every trapped pod was handled: see `kubectl sts rollout status {name} -n {ns}`"
                    ));
                    after_undo(
                        client, input, ns, name, snap, patched, target, consent, limit, out,
                    )
                    .await
                }
                None => Ok(Ended::done(format!(
                    "Follow it with: kubectl sts rollout status {name} -n {ns} --watch"
                ))),
            }
        }
        Change::Evict {
            pod,
            uid,
            resource_version,
            revision,
        } => {
            let pre = act::evict::Preconditions {
                uid: uid.clone(),
                resource_version: resource_version.clone(),
            };
            if let Err(f) =
                act::evict::evict(client, ns, pod, false, Some(&pre), input.timeout).await
            {
                return eviction_failed(pod, f, false);
            }
            writeln!(
                out,
                "\nevicted {pod}; waiting for it to come back on {revision} and be Ready …"
            )?;
            out.flush()?;
            stage.set(format!(
                "after {pod} was evicted, while waiting for it to be Ready again: see `kubectl -n {ns} get pod {pod}`"
            ));
            match wait_replaced(client, ns, pod, uid, revision, limit, input.timeout, out).await? {
                Ok(()) => Ok(Ended::done(format!(
                    "{pod} is back on {revision} and Ready; run step again for the next pod"
                ))),
                Err(why) => Ok(Ended::not_done("not-ready", why)),
            }
        }
    }
}

fn patch_failed(e: act::ApiError, dry_run: bool) -> Result<Ended> {
    use act::ApiError;
    let when = if dry_run { "the dry run" } else { "the change" };
    match e {
        // The precondition did its job: nothing changed, and only a fresh read can say
        // what to do now. Never retried.
        ApiError::Conflict { .. } => Ok(Ended::not_done(
            "conflict",
            format!("{when} was not applied: {e}"),
        )),
        // No answer: the real change may have landed. Said as such, never retried.
        other @ (ApiError::Timeout(_) | ApiError::Transport(_)) if !dry_run => {
            Err(Failure::usage(format!(
                "{when} got no answer ({other}); it may or may not have been applied: check with kubectl sts rollout status before running again; nothing was retried"
            ))
            .into())
        }
        other => Err(Failure::usage(format!(
            "{when} was refused{}: {other}",
            if dry_run {
                "; nothing was changed"
            } else {
                "; nothing was retried"
            }
        ))
        .into()),
    }
}

fn eviction_failed(pod: &str, f: act::ApiError, dry_run: bool) -> Result<Ended> {
    let when = if dry_run {
        "the dry-run eviction"
    } else {
        "the eviction"
    };
    if f.by_budget() {
        return Ok(Ended::not_done(
            "refused-by-budget",
            format!(
                "{when} of {pod} was refused by its PodDisruptionBudget ({}: {}); nothing was changed: wait until the budget allows a disruption (kubectl get pdb)",
                f.code().unwrap_or(0),
                f.message()
            ),
        ));
    }
    match f {
        act::ApiError::Conflict { message } => Ok(Ended::not_done(
            "conflict",
            format!(
                "{when} of {pod} was not applied: it changed since it was read: re-run to see the current state (409 Conflict: {message})"
            ),
        )),
        // No answer: the pod may be on its way out. Said as such, never retried.
        act::ApiError::Timeout(_) | act::ApiError::Transport(_) if !dry_run => {
            Err(Failure::usage(format!(
                "{when} of {pod} got no answer ({}); it may or may not have been evicted: check with kubectl get pod {pod} before running again; nothing was retried",
                f.message()
            ))
            .into())
        }
        other => {
            let what = match other.code() {
                Some(code) => format!("{code}: {}", other.message()),
                None => other.message(),
            };
            Err(Failure::usage(format!(
                "{when} of {pod} failed ({what}); nothing was retried"
            ))
            .into())
        }
    }
}

/// Waits until the controller has processed the undo (`generation`) and checks it took
/// the template as revision `target`; says why not when it did not, or in time.
async fn taken(
    client: &kube::Client,
    input: &Input,
    (ns, name): (&str, &str),
    generation: i64,
    target: &str,
    limit: Duration,
) -> Option<Ended> {
    let sts_api: Api<StatefulSet> = Api::namespaced(client.clone(), ns);
    let start = Instant::now();
    let mut progress = Progress::new();
    loop {
        let live = get_opt(&sts_api, name, input.timeout).await;
        if let Ok(Some(s)) = &live {
            let st = s.status.as_ref();
            let observed = st.and_then(|s| s.observed_generation).unwrap_or(0);
            if observed >= generation {
                let upd = st.and_then(|s| s.update_revision.as_deref()).unwrap_or("");
                progress.clear();
                if upd != target {
                    return Some(Ended::not_done(
                        "not-ready",
                        format!(
                            "the controller took the restored template as revision {upd}, not {target}: no pod was deleted; see kubectl sts rollout status {name} -n {ns}"
                        ),
                    ));
                }
                return None;
            }
        }
        let elapsed = start.elapsed();
        if elapsed >= limit {
            progress.clear();
            return Some(Ended::not_done(
                "not-ready",
                format!(
                    "the StatefulSet controller has not processed the undo (generation {generation}) within {}: no pod was deleted",
                    k8s::time::short(limit.as_secs() as i64)
                ),
            ));
        }
        progress.show(&format!(
            "  waiting for the controller to take revision {target} …"
        ));
        tokio::time::sleep(POLL.min(limit - elapsed)).await;
    }
}

/// After an undo: wait until the controller has taken the restored template as its update
/// revision (a pod deleted earlier would be re-created from the bad one), then offer each
/// pod left not Ready on another revision for deletion, lowest ordinal first, one at a time.
#[allow(clippy::too_many_arguments)]
async fn after_undo(
    client: &kube::Client,
    input: &Input,
    ns: &str,
    name: &str,
    snap: &Snapshot,
    patched: StatefulSet,
    target: &str,
    consent: Consent,
    limit: Duration,
    out: &mut dyn Write,
) -> Result<Ended> {
    let generation = patched.metadata.generation.unwrap_or(0);
    if let Some(ended) = taken(client, input, (ns, name), generation, target, limit).await {
        return Ok(ended);
    }
    let fresh = reread(client, snap, ns, name, input.timeout)
        .await
        .map_err(Failure::usage)?;
    let now = Timestamp::now();
    let trapped = rollout::undo::trapped_in(&fresh.snap, ns, name, target, now, &input.kubectl);
    if trapped.is_empty() {
        return Ok(Ended::done(format!(
            "No pod is left not Ready on another revision: the controller rolls back by itself. Follow it with: kubectl sts rollout status {name} -n {ns} --watch"
        )));
    }
    writeln!(
        out,
        "\n{} pod(s) are not Ready on another revision; under OrderedReady the controller waits for them and never replaces them (kubernetes/kubernetes#67250):",
        trapped.len()
    )?;
    for (i, t) in trapped.iter().enumerate() {
        writeln!(
            out,
            "\n{}. {} runs {}, not Ready: {}",
            i + 1,
            t.name,
            t.revision,
            t.problem
        )?;
        for step in rollout::replace::eviction_steps(&input.kubectl, ns, &t.name) {
            writeln!(out, "   {}", step.command)?;
        }
        out.flush()?;
        let (Some(uid), Some(pod_rv)) = (t.uid.clone(), t.resource_version.clone()) else {
            writeln!(
                out,
                "   its uid and resourceVersion were not read, so it cannot be evicted safely; left as it is"
            )?;
            continue;
        };
        if consent == Consent::Prompt
            && !act::consent::confirm(&format!(
                "Evict {} so it is re-created from {target}? (its volume and name are kept)",
                t.name
            ))?
        {
            writeln!(out, "   left as it is")?;
            continue;
        }
        // Through the Eviction API like every restart here, so a budget that cannot spare
        // even a pod that is down says so; with the pod's uid and resourceVersion, so a pod
        // that recovered or was replaced meanwhile is left alone (409).
        let pre = act::evict::Preconditions {
            uid: uid.clone(),
            resource_version: pod_rv,
        };
        for dry_run in [true, false] {
            if let Err(f) =
                act::evict::evict(client, ns, &t.name, dry_run, Some(&pre), input.timeout).await
            {
                // The undo itself landed: whatever went wrong now, that is said first.
                let ended = eviction_failed(&t.name, f, dry_run).map_err(|e| {
                    Failure::usage(format!(
                        "the undo was applied (the template is {target} again), then {}; the remaining pods were not touched",
                        crate::error::one_line(&e)
                    ))
                })?;
                return Ok(Ended {
                    message: ended.message.map(|m| {
                        format!(
                            "{m}; the remaining pods were not touched (a pod that is not Ready can also be deleted by hand: kubectl -n {ns} delete pod {})",
                            t.name
                        )
                    }),
                    ..ended
                });
            }
        }
        writeln!(out, "   evicted")?;
        if let Err(why) =
            wait_replaced(client, ns, &t.name, &uid, target, limit, input.timeout, out).await?
        {
            return Ok(Ended::not_done(
                "not-ready",
                format!("{why}; the remaining pods were not touched"),
            ));
        }
    }
    Ok(Ended::done(format!(
        "Follow the rollback with: kubectl sts rollout status {name} -n {ns} --watch"
    )))
}
