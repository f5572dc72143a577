//! What holds a StatefulSet's rollout or bootstrap: the controller lagging behind the
//! spec, the OrderedReady trap of a broken updated pod, the member OrderedReady waits on,
//! and the pod a rolling update waits for. `diagnose` and `kubectl sts rollout` both judge
//! a rollout through these, so they agree.

use crate::analysis::Ctx;
use crate::model::Pod;
use crate::model::StatefulSet;
use crate::snapshot::Source;
use crate::{k8s, sts};

/// (generation, observedGeneration) when the controller is behind.
pub(crate) fn lag(sts: &StatefulSet) -> Option<(i64, i64)> {
    let generation = sts.metadata.generation()?;
    let observed = sts
        .status
        .as_ref()
        .and_then(|s| s.observed_generation)
        .unwrap_or(0);
    (observed < generation).then_some((generation, observed))
}

/// Whether the controller lags on `sts` long enough (or for an unknown time) to report.
pub(crate) fn controller_lags(ctx: &Ctx, sts: &StatefulSet) -> bool {
    lag(sts).is_some()
        && sts
            .last_spec_change()
            .is_none_or(|(t, _)| k8s::time::secs_since(t, ctx.now) > sts::CONTROLLER_GRACE_SECS)
}

/// Whether `pod` of `sts` is caught in the trap: OrderedReady + RollingUpdate, the pod is a
/// desired member at or above the partition, runs a revision other than the update
/// revision, and is stuck not Ready (not terminating, not Failed: those the controller
/// handles by itself).
pub(crate) fn trapped(ctx: &Ctx, sts: &StatefulSet, pod: &Pod) -> bool {
    if !sts::ordered_ready(sts) || sts::on_delete(sts) {
        return false;
    }
    let (Some(upd), Some(rev)) = (sts::update_revision(sts), k8s::pod::revision(pod)) else {
        return false;
    };
    if rev == upd || sts::terminating(pod) {
        return false;
    }
    if matches!(k8s::pod::phase(pod), "Failed" | "Succeeded") {
        return false;
    }
    let in_range = sts::index_of(sts, pod)
        .is_some_and(|i| i >= sts::partition(sts) && i < i64::from(k8s::replicas(sts)));
    // On a node that is down, deleting the pod only leaves it Terminating: node-not-ready.
    in_range && sts::stuck_not_ready(ctx, pod) && !sts::on_down_node(ctx, pod)
}

/// The pod a RollingUpdate in progress waits on, following the controller's order.
pub(crate) fn waiting_on<'a>(ctx: &Ctx<'a>, sts: &StatefulSet) -> Option<&'a Pod> {
    if sts::on_delete(sts) {
        return None;
    }
    let upd = sts::update_revision(sts)?;
    let cur = sts::current_revision(sts)?;
    if upd == cur {
        return None;
    }
    let members = sts::members(ctx, sts);
    if sts::ordered_ready(sts) {
        // Members are processed in ordinal order; a missing one is created (progress),
        // the first one not Ready stops everything.
        for m in &members {
            let pod = m.pod?;
            if !sts::serving(pod) {
                return Some(pod);
            }
        }
        return None;
    }
    // Parallel: from the highest member down to the partition, the first pod not on the
    // update revision is replaced (progress); an updated one not Ready is waited for.
    let partition = sts::partition(sts);
    for m in members.iter().rev().filter(|m| m.index >= partition) {
        let Some(pod) = m.pod else { continue };
        if k8s::pod::revision(pod) != Some(upd) && !sts::terminating(pod) {
            return None;
        }
        if !sts::serving(pod) {
            return Some(pod);
        }
    }
    None
}

/// The member the controller waits on, and the members it therefore does not create.
pub(crate) struct Blocked<'a> {
    pub pod: &'a Pod,
    pub missing: Vec<String>,
    /// The member runs (every container up, none crash-looping) and only is not Ready: the
    /// one state in which it may be waiting for peers that OrderedReady never creates.
    pub running: bool,
}

/// The blocked state of `sts`, if it is in one.
pub(crate) fn blocked<'a>(ctx: &Ctx<'a>, sts: &StatefulSet) -> Option<Blocked<'a>> {
    if !sts::ordered_ready(sts) {
        return None;
    }
    let members = sts::members(ctx, sts);
    let highest = members.iter().rposition(|m| m.pod.is_some())?;
    if highest + 1 == members.len() {
        return None;
    }
    // A gap below the highest member is being filled by the controller: progress.
    if members[..highest].iter().any(|m| m.pod.is_none()) {
        return None;
    }
    let pod = members[..=highest]
        .iter()
        .filter_map(|m| m.pod)
        .find(|p| !sts::serving(p))?;
    if !sts::stuck_not_ready(ctx, pod) || sts::trapped(ctx, sts, pod) || sts::on_down_node(ctx, pod)
    {
        return None;
    }
    Some(Blocked {
        pod,
        missing: members[highest + 1..]
            .iter()
            .map(|m| m.name.clone())
            .collect(),
        running: runs(ctx, pod),
    })
}

/// Running and not Ready, as opposed to not running at all: phase Running, not being
/// deleted, every container running now, and none crash-looping (a crashing container is
/// briefly "running" between back-offs).
pub(crate) fn runs(ctx: &Ctx, pod: &Pod) -> bool {
    let containers: Vec<_> = sts::statuses(pod)
        .filter(|(init, _)| !init)
        .map(|(_, cs)| cs)
        .collect();
    k8s::pod::phase(pod) == "Running"
        && pod.metadata.deletion_timestamp.is_none()
        && !containers.is_empty()
        && containers
            .iter()
            .all(|cs| sts::running_now(cs) && sts::crashing(ctx, cs).is_none())
}

/// Whether `orderedready-blocked` reports `pod` as the member `sts` is blocked on.
pub(crate) fn blocked_on(ctx: &Ctx, sts: &StatefulSet, pod: &Pod) -> bool {
    blocked(ctx, sts).is_some_and(|b| std::ptr::eq(b.pod, pod))
}

/// The deadlock case: the governing Service hides not-ready pods and the waiting pod runs
/// on a node (a pod that is not even scheduled has no address to publish).
pub(crate) fn publish_would_help(ctx: &Ctx, sts: &StatefulSet, pod: &Pod) -> bool {
    ctx.readable(Source::Services)
        && k8s::pod::node_name(pod).is_some()
        && sts::governing_service(ctx, sts).is_some_and(|s| !sts::publishes_not_ready(s))
}

/// Whether `orderedready-blocked` already explains why no member of `sts` has a DNS record: it
/// advises publishing not-ready addresses, or the member the set waits on does not run at
/// all (then publishing addresses would not help either).
pub(crate) fn explains_unpublished_members(ctx: &Ctx, sts: &StatefulSet) -> bool {
    blocked(ctx, sts).is_some_and(|b| !b.running || publish_would_help(ctx, sts, b.pod))
}
