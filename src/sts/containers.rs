//! Container states that explain restarts: a crash loop, an OOM kill, liveness kills.
//! The generic crash-loop finding defers to the specific ones through these.

use crate::analysis::Ctx;
use crate::model::Event;
use crate::model::{ContainerStatus, Pod};
use crate::{k8s, sts};

/// "Restarts rising" without a second snapshot: this many restarts, the last one this
/// recent.
pub(crate) const RISING_RESTARTS: i32 = 3;

pub(crate) const RISING_WINDOW_SECS: i64 = 3600;

/// Whether the container is crash-looping (in back-off, or restarted 3+ times within the
/// hour): `Some(state)` with the state's word.
pub(crate) fn crashing(ctx: &Ctx, cs: &ContainerStatus) -> Option<&'static str> {
    if sts::waiting_reason(cs) == Some("CrashLoopBackOff") {
        return Some("CrashLoopBackOff");
    }
    let recent = sts::last_termination(cs)
        .and_then(|t| t.finished_at.as_ref())
        .is_some_and(|t| k8s::time::secs_since(t.0, ctx.now) <= RISING_WINDOW_SECS);
    (cs.restart_count >= RISING_RESTARTS && recent).then_some("restarting")
}

/// Whether `container-oomkilled` explains the container's restarts (its last termination was an
/// OOM kill), so the generic crash-loop finding stays quiet.
pub(crate) fn oom_killed(cs: &ContainerStatus) -> bool {
    sts::last_termination(cs).is_some_and(|t| t.reason.as_deref() == Some("OOMKilled"))
}

pub(crate) fn is_liveness_kill(e: &Event) -> bool {
    e.reason.as_deref() == Some("Killing")
        && e.message
            .as_deref()
            .is_some_and(|m| m.contains("failed liveness probe"))
}

pub(crate) fn is_liveness_failure(e: &Event) -> bool {
    e.reason.as_deref() == Some("Unhealthy")
        && e.message
            .as_deref()
            .is_some_and(|m| m.starts_with("Liveness probe failed"))
}

/// How far back a kill or probe failure still counts as the current loop (the API server
/// keeps events for about an hour, too).
pub(crate) const LOOP_WINDOW_SECS: i64 = 3600;

/// Restarts, with the last one recent and by SIGKILL, that make a loop when no event says
/// why the kubelet killed the container.
pub(crate) const REPEATED_KILLS: i32 = 3;

/// Whether an event happened within the loop window (an event without a time is kept: it
/// is at most as old as the API server's event retention).
pub(crate) fn recent(ctx: &Ctx, e: &Event) -> bool {
    crate::analysis::index::event_time(e)
        .is_none_or(|t| k8s::time::secs_since(t, ctx.now) <= LOOP_WINDOW_SECS)
}

/// Whether the container's last exit happened within the loop window. A container waiting
/// in CrashLoopBackOff exited at most a back-off (5 min) ago, whatever its status says.
pub(crate) fn exited_recently(ctx: &Ctx, cs: &ContainerStatus) -> bool {
    sts::waiting_reason(cs) == Some("CrashLoopBackOff")
        || sts::last_termination(cs)
            .and_then(|t| t.finished_at.as_ref())
            .is_some_and(|t| k8s::time::secs_since(t.0, ctx.now) <= LOOP_WINDOW_SECS)
}

/// The kubelet stopping the container for another reason than liveness (`Stopping
/// container X`): a SIGKILL then is the end of a too-short grace period at shutdown,
/// `grace-period-short`'s case, not a probe loop.
pub(crate) fn is_shutdown_kill(e: &Event) -> bool {
    e.reason.as_deref() == Some("Killing") && !is_liveness_kill(e)
}

/// Whether failed liveness probes explain the container's restarts now: it has a liveness
/// probe and no startupProbe, it restarted, it was not OOM-killed, and the kills repeat
/// recently. Either the kubelet's events say so (2 or more liveness kills in the last hour,
/// or one while the container is still not Ready, or liveness failures around a recent
/// exit), or, with no event, its last exits were SIGKILLs: at least 3 restarts, the last one
/// within the hour, still not Ready, and no other kill (a shutdown) recorded. One SIGKILL
/// hours ago on a container that is Ready now is no loop.
pub(crate) fn liveness_kills(ctx: &Ctx, pod: &Pod, cs: &ContainerStatus) -> bool {
    let Some(spec) = sts::pod_container(pod, &cs.name) else {
        return false;
    };
    if spec.liveness_probe.is_none() || spec.startup_probe.is_some() || cs.restart_count == 0 {
        return false;
    }
    if sts::oom_killed(cs) {
        return false;
    }
    let ns = k8s::namespace(&pod.metadata);
    let events: Vec<&Event> = ctx
        .idx
        .events("Pod", ns, k8s::name(&pod.metadata))
        .iter()
        .filter(|e| sts::event_is_about(e, &cs.name) && recent(ctx, e))
        .copied()
        .collect();
    let kills: i32 = events
        .iter()
        .filter(|e| is_liveness_kill(e))
        .map(|e| e.count.unwrap_or(1).max(1))
        .sum();
    let failing = events.iter().any(|e| is_liveness_failure(e));
    if kills >= 2 || (kills >= 1 && !cs.ready) {
        return true;
    }
    let recent_exit = exited_recently(ctx, cs);
    if failing && recent_exit && !cs.ready {
        return true;
    }
    let sigkill = sts::last_termination(cs).is_some_and(|t| t.exit_code == 137);
    sigkill
        && recent_exit
        && !cs.ready
        && cs.restart_count >= REPEATED_KILLS
        && !events.iter().any(|e| is_shutdown_kill(e))
}
