//! The guarded rollout actions as pure functions: given the StatefulSet as just read and
//! its pods, each action either is refused with the reasons a person needs, or becomes a
//! plan: the exact change (a merge patch carrying `metadata.resourceVersion`, or one
//! eviction with the pod's uid and resourceVersion), the kubectl commands that do the same
//! by hand, and what to know before agreeing.
//!
//! The guards follow the controller's rules (`crate::sts`): a partition is lowered
//! only when every member at or above it runs the update revision and is Ready; under
//! OnDelete one pod at a time is replaced, and only while every other member is Ready.

use super::undo;
use crate::act::{Plan, Step, patch::with_resource_version};
use crate::analysis::{Ctx, index::Index};
use crate::finding::shell_join;
use crate::k8s;
use crate::kubectl::Kubectl;
use crate::model::Pod;
use crate::model::StatefulSet;
use crate::snapshot::Snapshot;
use crate::sts as rv;
use jiff::Timestamp;
use serde::Serialize;
use serde_json::{Value, json};

/// What a person asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Only the top `replicas` ordinals take the new template; optionally change one
    /// container's image in the same patch.
    Canary {
        replicas: i32,
        image: Option<(String, String)>,
    },
    /// One more member: the partition down by one, or (OnDelete) evict the next old pod.
    Step,
    /// Partition to 0. `force` skips the guard.
    Promote { force: bool },
    /// Raise the partition to the lowest updated ordinal.
    Pause,
    /// Restore a previous ControllerRevision's template (by its revision number).
    Undo { to_revision: Option<i64> },
}

impl Action {
    pub fn verb(&self) -> &'static str {
        match self {
            Action::Canary { .. } => "canary",
            Action::Step => "step",
            Action::Promote { .. } => "promote",
            Action::Pause => "pause",
            Action::Undo { .. } => "undo",
        }
    }
}

/// The change to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Change {
    /// A JSON merge patch of the StatefulSet; `body` carries `metadata.resourceVersion`.
    Patch { body: Value },
    /// Evict `pod` (its uid and resourceVersion as preconditions), then wait until the pod
    /// re-created in its place runs `revision` and is Ready.
    Evict {
        pod: String,
        uid: String,
        resource_version: String,
        revision: String,
    },
}

/// An action that passed its guard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionPlan {
    pub action: &'static str,
    pub plan: Plan,
    pub change: Change,
    /// `undo`: the revision the pods must end on; pods not Ready on another revision are
    /// then offered for deletion (the OrderedReady trap).
    pub target_revision: Option<String>,
}

/// An action refused by its guard: nothing is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    pub action: &'static str,
    pub reasons: Vec<String>,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} refused: {}", self.action, self.reasons.join("; "))
    }
}

/// The snapshot with the StatefulSet as just read (and, when given, its namespace's pods as
/// just listed) in place of what the collector saw: the guards judge the live state.
pub fn refreshed(snap: &Snapshot, sts: StatefulSet, pods: Option<Vec<Pod>>) -> Snapshot {
    let mut s = snap.clone();
    let ns = k8s::namespace(&sts.metadata).to_string();
    let name = k8s::name(&sts.metadata).to_string();
    match s
        .statefulsets
        .iter_mut()
        .find(|x| k8s::namespace(&x.metadata) == ns && k8s::name(&x.metadata) == name)
    {
        Some(slot) => *slot = sts,
        None => s.statefulsets.push(sts),
    }
    if let Some(pods) = pods {
        s.pods.retain(|p| k8s::namespace(&p.metadata) != ns);
        s.pods.extend(pods);
    }
    s
}

/// Plans `action` on `ns/name` in `snap`, or refuses it.
///
/// `raw` is the StatefulSet as the server sent it, when the caller has it: the patches that
/// carry a list or the template (canary's containers, undo's template) start from it, so a
/// field these API bindings do not know (a newer server's) is neither dropped nor kept by
/// mistake.
pub fn plan(
    snap: &Snapshot,
    ns: &str,
    name: &str,
    action: &Action,
    now: Timestamp,
    kubectl: &Kubectl,
    raw: Option<&Value>,
) -> Result<ActionPlan, Refusal> {
    let refuse = |reasons: Vec<String>| Refusal {
        action: action.verb(),
        reasons,
    };
    let ctx = Ctx {
        snap,
        idx: Index::new(snap),
        now,
        kubectl,
    };
    let Some(sts) = ctx.idx.statefulset.get(&(ns, name)).copied() else {
        return Err(refuse(vec![format!(
            "statefulset {ns}/{name} was not found"
        )]));
    };
    // An operator owns the update strategy (it rewrites it, or rolls pods itself): a
    // partition or a pod replaced from here would fight it, or be undone at its next pass.
    if let Some(o) = k8s::operators::owner_in(&sts.metadata, &ctx.snap.custom) {
        let (kind, ..) = o.change_target(ns);
        // Where the chain goes on, `describe` already names the resource to change.
        let caveat = match (o.note(), &o.upstream) {
            (Some(n), None) => format!(". {n}"),
            _ => String::new(),
        };
        return Err(refuse(vec![format!(
            "{name} is managed by {}: {}; roll out through the {kind} instead ({}). {}{caveat}",
            o.describe(ns),
            o.operator.rollout,
            o.get_argv(ctx.kubectl, ns).join(" "),
            o.drift_text()
        )]));
    }
    let Some(rv_) = sts
        .metadata
        .resource_version
        .as_deref()
        .filter(|r| !r.is_empty())
    else {
        return Err(refuse(vec![
            "the StatefulSet as read carries no resourceVersion, so no change could be made conditional on it".to_string(),
        ]));
    };
    let explicit_undo = matches!(
        action,
        Action::Undo {
            to_revision: Some(_)
        }
    );
    if let Some(lag) = controller_lag(sts)
        && !explicit_undo
    {
        return Err(refuse(vec![format!(
            "{lag}: the revisions and ready counts in its status describe an older spec, so the guard cannot judge; wait for the controller (kube-controller-manager) to catch up"
        )]));
    }
    let mut p = match action {
        Action::Step if rv::on_delete(sts) => super::ondelete::step(&ctx, sts),
        Action::Step => step(&ctx, sts),
        Action::Promote { force } => promote(&ctx, sts, *force),
        Action::Pause => pause(&ctx, sts),
        Action::Canary { replicas, image } => canary(&ctx, sts, *replicas, image.as_ref(), raw),
        Action::Undo { to_revision } => undo::plan(&ctx, sts, *to_revision, raw),
    }
    .map_err(refuse)?;
    if let Change::Patch { body } = &mut p.change {
        *body = with_resource_version(std::mem::take(body), rv_);
        p.plan.notes.push(format!(
            "sent as a merge patch carrying metadata.resourceVersion {rv_}: if {name} changes before it lands, the API server refuses it (409) and nothing changes; server-side dry run first"
        ));
    }
    if let Some(m) = k8s::managed::managed_by(&sts.metadata) {
        p.plan.notes.push(format!("WARNING: {}", m.hint));
    }
    Ok(p)
}

/// The actions whose guard passes now, with their plan titles (for the menu).
pub fn available(
    snap: &Snapshot,
    ns: &str,
    name: &str,
    now: Timestamp,
    kubectl: &Kubectl,
) -> Vec<(Action, String)> {
    [
        Action::Step,
        Action::Promote { force: false },
        Action::Pause,
        Action::Canary {
            replicas: 1,
            image: None,
        },
        Action::Undo { to_revision: None },
    ]
    .into_iter()
    .filter_map(|a| {
        let title = plan(snap, ns, name, &a, now, kubectl, None)
            .ok()?
            .plan
            .title;
        Some((a, title))
    })
    .collect()
}

/// `--image CONTAINER=IMAGE`.
pub fn parse_image(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((c, i)) if !c.is_empty() && !i.is_empty() && !s.contains(char::is_whitespace) => {
            Ok((c.to_string(), i.to_string()))
        }
        _ => Err(format!(
            "{s:?}: expected CONTAINER=IMAGE, e.g. postgres=postgres:16.6"
        )),
    }
}

/// "generation 3, observed 2" when the controller has not processed the latest spec.
fn controller_lag(sts: &StatefulSet) -> Option<String> {
    let generation = sts.metadata.generation()?;
    let observed = sts
        .status
        .as_ref()
        .and_then(|s| s.observed_generation)
        .unwrap_or(0);
    (observed < generation).then(|| {
        format!(
            "the StatefulSet controller has not processed the latest spec (generation {generation}, observed {observed})"
        )
    })
}

pub(super) fn on_rev(p: &Pod, rev: Option<&str>) -> bool {
    rev.is_some() && k8s::pod::revision(p) == rev
}

/// Why members at or above `from` are not all updated and Ready (empty: they are).
fn not_done(ctx: &Ctx, sts: &StatefulSet, from: i64) -> Vec<String> {
    let upd = rv::update_revision(sts);
    let start = k8s::ordinal_start(sts);
    let upd_name = upd.unwrap_or("(none recorded)");
    rv::members(ctx, sts)
        .iter()
        .filter(|m| m.index >= from)
        .rev()
        .filter_map(|m| {
            let ordinal = start + m.index;
            let Some(pod) = m.pod else {
                return Some(format!(
                    "{} (ordinal {ordinal}) does not exist yet: the controller has not created it",
                    m.name
                ));
            };
            if rv::terminating(pod) {
                return Some(format!(
                    "{} (ordinal {ordinal}) is terminating: the controller is replacing it",
                    m.name
                ));
            }
            if !on_rev(pod, upd) {
                return Some(format!(
                    "{} (ordinal {ordinal}) runs {}, not the update revision {upd_name}: the controller has not replaced it yet",
                    m.name,
                    k8s::pod::revision(pod).unwrap_or("no revision label")
                ));
            }
            if !rv::serving(pod) {
                return Some(format!(
                    "{} (ordinal {ordinal}) runs {upd_name} but is not Ready: {}",
                    m.name,
                    rv::problem(ctx, pod)
                ));
            }
            None
        })
        .collect()
}

fn partition_patch(partition: i64) -> Value {
    json!({"spec": {"updateStrategy": {"rollingUpdate": {"partition": partition}}}})
}

/// `kubectl patch statefulset NAME --type=merge -p '{...partition...}'`.
fn partition_step(ctx: &Ctx, sts: &StatefulSet, from: i64, to: i64) -> Step {
    let ns = k8s::namespace(&sts.metadata);
    let name = k8s::name(&sts.metadata);
    let body = partition_patch(to).to_string();
    Step {
        description: format!("set the partition of {name} from {from} to {to}"),
        command: shell_join(&ctx.kubectl.argv(
            Some(ns),
            &["patch", "statefulset", name, "--type=merge", "-p", &body],
        )),
    }
}

fn follow_step(ctx: &Ctx, sts: &StatefulSet) -> Step {
    let ns = k8s::namespace(&sts.metadata);
    let name = k8s::name(&sts.metadata);
    Step {
        description: "follow the rollout until it settles".to_string(),
        command: shell_join(
            &ctx.kubectl
                .sts_argv(Some(ns), &["rollout", "status", name, "--watch"]),
        ),
    }
}

/// The members a partition of `to` lets the controller replace that do not run the update
/// revision yet, highest first.
fn to_be_replaced(ctx: &Ctx, sts: &StatefulSet, to: i64) -> Vec<String> {
    let upd = rv::update_revision(sts);
    rv::members(ctx, sts)
        .iter()
        .filter(|m| m.index >= to)
        .rev()
        .filter(|m| m.pod.is_none_or(|p| !on_rev(p, upd)))
        .map(|m| m.name.clone())
        .collect()
}

fn require_rolling(sts: &StatefulSet, what: &str) -> Result<(), Vec<String>> {
    if rv::on_delete(sts) {
        return Err(vec![format!(
            "{} uses the OnDelete strategy, which has no partition: {what}",
            k8s::name(&sts.metadata)
        )]);
    }
    Ok(())
}

fn step(ctx: &Ctx, sts: &StatefulSet) -> Result<ActionPlan, Vec<String>> {
    let name = k8s::name(&sts.metadata);
    let p = rv::partition(sts);
    if p == 0 {
        return Err(vec![format!(
            "the partition of {name} is already 0: the controller rolls every member by itself, there is no step left to take"
        )]);
    }
    let blockers = not_done(ctx, sts, p);
    if !blockers.is_empty() {
        let first = k8s::ordinal_start(sts) + p;
        let mut r = vec![format!(
            "a step lowers the partition only when every member at or above it (ordinal ≥ {first}) runs the update revision and is Ready"
        )];
        r.extend(blockers);
        return Err(r);
    }
    let upd = rv::update_revision(sts).unwrap_or("");
    // A partition at or above the replica count holds every member: one step lets the
    // highest member through, whatever the number was.
    let replicas = i64::from(k8s::replicas(sts));
    let to = p.min(replicas) - 1;
    if to < 0 {
        return Err(vec![format!(
            "{name} has no members to step through (0 replicas)"
        )]);
    }
    let next = to_be_replaced(ctx, sts, to);
    let title = match next.first() {
        Some(pod) => {
            format!("step {name}: partition {p} → {to}; the controller replaces {pod} with {upd}")
        }
        None => format!("step {name}: partition {p} → {to}"),
    };
    let mut notes = Vec::new();
    if p > replicas {
        notes.push(format!(
            "partition {p} is above the {replicas} replica(s): {to} is the first value that lets a member through"
        ));
    }
    if next.is_empty() {
        notes.push(format!(
            "member {} already runs {upd}: this only moves the partition",
            k8s::ordinal_start(sts) + to
        ));
    }
    Ok(ActionPlan {
        action: "step",
        plan: Plan {
            title,
            steps: vec![partition_step(ctx, sts, p, to), follow_step(ctx, sts)],
            notes,
            destructive: false,
        },
        change: Change::Patch {
            body: partition_patch(to),
        },
        target_revision: None,
    })
}

fn promote(ctx: &Ctx, sts: &StatefulSet, force: bool) -> Result<ActionPlan, Vec<String>> {
    require_rolling(
        sts,
        "use step to replace the old pods one at a time through the Eviction API",
    )?;
    let name = k8s::name(&sts.metadata);
    let p = rv::partition(sts);
    if p == 0 {
        return Err(vec![format!(
            "the partition of {name} is already 0: nothing to promote"
        )]);
    }
    let blockers = not_done(ctx, sts, p);
    let mut notes = Vec::new();
    if !blockers.is_empty() {
        if !force {
            let first = k8s::ordinal_start(sts) + p;
            let mut r = vec![format!(
                "promote lowers the partition to 0 only when every member at or above it (ordinal ≥ {first}) runs the update revision and is Ready (--force skips this check)"
            )];
            r.extend(blockers);
            return Err(r);
        }
        notes.push("--force: the guard is skipped although the canary is not healthy:".to_string());
        notes.extend(blockers.into_iter().map(|b| format!("  {b}")));
    }
    let upd = rv::update_revision(sts).unwrap_or("");
    let next = to_be_replaced(ctx, sts, 0);
    let order = if rv::ordered_ready(sts) {
        "one at a time, highest ordinal first, each only after the previous is Ready"
    } else {
        "highest ordinal first, each after the previously replaced pod is Ready"
    };
    if !next.is_empty() {
        notes.push(format!(
            "the controller then replaces {} with {upd}, {order}",
            next.join(", ")
        ));
    }
    Ok(ActionPlan {
        action: "promote",
        plan: Plan {
            title: format!("promote {name}: partition {p} → 0, every member rolls to {upd}"),
            steps: vec![partition_step(ctx, sts, p, 0), follow_step(ctx, sts)],
            notes,
            destructive: false,
        },
        change: Change::Patch {
            body: partition_patch(0),
        },
        target_revision: None,
    })
}

fn pause(ctx: &Ctx, sts: &StatefulSet) -> Result<ActionPlan, Vec<String>> {
    require_rolling(
        sts,
        "nothing rolls by itself under OnDelete, so there is nothing to pause",
    )?;
    let name = k8s::name(&sts.metadata);
    let (upd, cur) = (rv::update_revision(sts), rv::current_revision(sts));
    if upd.is_none() || upd == cur {
        return Err(vec![format!(
            "no rollout in progress: the current and update revisions are both {}",
            cur.unwrap_or("unknown")
        )]);
    }
    let members = rv::members(ctx, sts);
    let lowest = members
        .iter()
        .filter(|m| m.pod.is_some_and(|p| on_rev(p, upd)))
        .map(|m| m.index)
        .min()
        .unwrap_or(members.len() as i64);
    let p = rv::partition(sts);
    if lowest <= p {
        return Err(vec![format!(
            "the rollout is already held: partition {p} keeps members below ordinal {} from being replaced, and the lowest updated member is ordinal {}",
            k8s::ordinal_start(sts) + p,
            k8s::ordinal_start(sts) + lowest
        )]);
    }
    let start = k8s::ordinal_start(sts);
    let kept: Vec<&str> = members
        .iter()
        .filter(|m| m.index < lowest)
        .map(|m| m.name.as_str())
        .collect();
    Ok(ActionPlan {
        action: "pause",
        plan: Plan {
            title: format!(
                "pause {name}: partition {p} → {lowest}; {} stay on their revision",
                kept.join(", ")
            ),
            steps: vec![partition_step(ctx, sts, p, lowest)],
            notes: vec![
                format!(
                    "members with ordinal ≥ {} already run {} and are left as they are; resume with step (one member) or promote (all)",
                    start + lowest,
                    upd.unwrap_or("")
                ),
                "a pod the controller is replacing right now finishes on the revision it gets: below the partition that is the current revision".to_string(),
            ],
            destructive: false,
        },
        change: Change::Patch {
            body: partition_patch(lowest),
        },
        target_revision: None,
    })
}

fn canary(
    ctx: &Ctx,
    sts: &StatefulSet,
    replicas: i32,
    image: Option<&(String, String)>,
    raw: Option<&Value>,
) -> Result<ActionPlan, Vec<String>> {
    require_rolling(
        sts,
        "a canary needs the RollingUpdate strategy; under OnDelete, change the template and use step to replace one pod at a time",
    )?;
    let name = k8s::name(&sts.metadata);
    let total = k8s::replicas(sts);
    if replicas < 1 || replicas >= total {
        return Err(vec![format!(
            "--replicas {replicas}: a canary is 1 to {} of the {total} members (all of them is a full rollout: promote)",
            total - 1
        )]);
    }
    let p = rv::partition(sts);
    let to = i64::from(total - replicas);
    let start = k8s::ordinal_start(sts);
    let mut body = partition_patch(to);
    let mut steps = Vec::new();
    if p != to {
        steps.push(partition_step(ctx, sts, p, to));
    }
    let canaries = canary_names(name, replicas, to, total, start);
    let mut notes = Vec::new();
    let title;
    match image {
        Some((container, img)) => {
            steps.push(image_step(ctx, sts, container, img, raw, &mut body)?);
            title = format!(
                "canary {name}: partition {p} → {to}, {container} → {img}; only {} take(s) it",
                canaries.join(", ")
            );
            if steps.len() == 2 {
                notes.push(
                    "both steps go in one patch, so no member outside the canary can pick up the new image in between".to_string(),
                );
            }
            if rv::update_revision(sts) != rv::current_revision(sts) {
                notes.push(format!(
                    "a rollout to {} is in progress: the new template replaces it, and members already on it are replaced again",
                    rv::update_revision(sts).unwrap_or("")
                ));
            }
        }
        None => {
            if p == to {
                return Err(vec![format!(
                    "the partition of {name} is already {to}: only {} take(s) a new template",
                    canaries.join(", ")
                )]);
            }
            title = format!(
                "canary {name}: partition {p} → {to}; only {} take(s) the next template change",
                canaries.join(", ")
            );
            let upd = rv::update_revision(sts);
            let below_updated: Vec<String> = rv::members(ctx, sts)
                .into_iter()
                .filter(|m| m.index < to)
                .filter(|m| {
                    upd != rv::current_revision(sts) && m.pod.is_some_and(|p| on_rev(p, upd))
                })
                .map(|m| m.name)
                .collect();
            if !below_updated.is_empty() {
                notes.push(format!(
                    "{} already run(s) the update revision and stay(s) on it: a partition holds members back, it does not roll them back",
                    below_updated.join(", ")
                ));
            }
            notes.push(format!(
                "then change the template (kubectl set image statefulset/{name} ..., or your usual deployment): only the canary is replaced; step or promote when it is healthy"
            ));
        }
    }
    steps.push(follow_step(ctx, sts));
    Ok(ActionPlan {
        action: "canary",
        plan: Plan {
            title,
            steps,
            notes,
            destructive: false,
        },
        change: Change::Patch { body },
        target_revision: None,
    })
}

/// The step that sets `container`'s image to `img`, and its part of the patch: the
/// container list as read with the one image changed.
fn image_step(
    ctx: &Ctx,
    sts: &StatefulSet,
    container: &str,
    img: &str,
    raw: Option<&Value>,
    body: &mut Value,
) -> Result<Step, Vec<String>> {
    let ns = k8s::namespace(&sts.metadata);
    let name = k8s::name(&sts.metadata);
    let Some(tc) = rv::template_container(sts, container) else {
        let known: Vec<&str> = sts
            .spec
            .as_ref()
            .and_then(|s| s.template.spec.as_ref())
            .map(|s| {
                s.containers
                    .iter()
                    .chain(s.init_containers.iter().flatten())
                    .map(|c| c.name.as_str())
                    .collect()
            })
            .unwrap_or_default();
        return Err(vec![format!(
            "the pod template of {name} has no container {container} (it has: {})",
            known.join(", ")
        )]);
    };
    if tc.container.image.as_deref() == Some(img) {
        return Err(vec![format!(
            "container {container} already runs {img}: the template would not change"
        )]);
    }
    let key = if tc.init {
        "initContainers"
    } else {
        "containers"
    };
    // A merge patch replaces a list whole: the list as read (every field of every
    // container, not the checks' view of them), with one image changed, under the same
    // resourceVersion precondition, so nothing else can slip in.
    let path = format!("/spec/template/spec/{key}");
    let mut list = raw
        .and_then(|r| r.pointer(&path))
        .filter(|l| l.is_array())
        .cloned()
        .or_else(|| {
            sts.object()
                .pointer(&path)
                .filter(|l| l.is_array())
                .cloned()
        })
        .unwrap_or(json!([]));
    if let Some(c) = list.as_array_mut().and_then(|l| {
        l.iter_mut()
            .find(|c| c.get("name").and_then(Value::as_str) == Some(container))
    }) {
        c["image"] = json!(img);
    }
    body["spec"]["template"] = json!({"spec": {key: list}});
    let target = format!("statefulset/{name}");
    let set = format!("{container}={img}");
    Ok(Step {
        description: format!(
            "change the image of {container} from {} to {img} (a new template revision)",
            tc.container.image.as_deref().unwrap_or("(none)")
        ),
        command: shell_join(
            &ctx.kubectl
                .argv(Some(ns), &["set", "image", target.as_str(), set.as_str()]),
        ),
    })
}

/// The members a canary of `replicas` puts on the new template: the highest ordinals.
fn canary_names(name: &str, replicas: i32, to: i64, total: i32, start: i64) -> Vec<String> {
    // Named one by one up to a few: `--replicas` may be close to 2^31 on a set that large.
    if replicas <= 10 {
        (to..i64::from(total))
            .map(|i| format!("{name}-{}", start + i))
            .collect()
    } else {
        vec![format!(
            "the {replicas} members {name}-{} to {name}-{}",
            start + to,
            start + i64::from(total) - 1
        )]
    }
}

#[cfg(test)]
mod tests;
