//! `container-crashloop`: a container of a StatefulSet pod is in CrashLoopBackOff, or keeps
//! restarting. The last exit code says what kind of death it was (an application error, a
//! SIGKILL that was not an OOM kill, a segfault, a SIGTERM), which decides where to look.
//! A pod that is new while its volume is old has just moved or been re-created on its data:
//! a different node may mount it with other ownership, and the previous process may have
//! been killed mid-write, so the start has to recover.
//!
//! Stays quiet where a more specific runbook explains the restarts: `container-oomkilled`,
//! `liveness-restart-loop`, and `rollout-broken-pod-trap` (a crashing pod on a revision the
//! StatefulSet is no longer rolling to is fixed by replacing the pod).

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy, Severity};
use crate::k8s;
use crate::model::StatefulSet;
use crate::model::{ContainerStatus, Pod};
use crate::snapshot::Source;
use crate::sts;

pub const CHECK: Check = Check {
    id: "container-crashloop",
    needs: &[Source::StatefulSets, Source::Pods],
    run,
};

/// The volume-moved note: a pod this young on a claim this old.
const YOUNG_POD_SECS: i64 = 3600;
const OLD_CLAIM_SECS: i64 = 86_400;

/// Why the last run ended, from its exit code, as (class, what it means).
pub(crate) fn classify(exit_code: i32, reason: Option<&str>) -> (&'static str, &'static str) {
    match (exit_code, reason) {
        (_, Some("OOMKilled")) => (
            "OOM kill",
            "it used more memory than its limit (see container-oomkilled)",
        ),
        (_, Some("ContainerCannotRun" | "StartError")) | (126..=128, _) => (
            "failed to start",
            "the runtime could not start the process: a wrong command or entrypoint, a missing binary, or a mount that failed",
        ),
        (0, _) => (
            "exited normally",
            "the main process finished with code 0; a StatefulSet container must keep running, so check its command and arguments",
        ),
        (1 | 2, _) => (
            "application error",
            "the process exited on an error it detected itself (bad configuration, unreadable data, a peer it requires); its log says which",
        ),
        (137, _) => (
            "SIGKILL, not OOM",
            "it was killed with SIGKILL and the runtime did not report an OOM kill",
        ),
        (139, _) => (
            "segfault",
            "SIGSEGV: the process crashed on invalid memory access: an image built for another CPU or libc, a bug hit by corrupt data files, or bad hardware",
        ),
        (143, _) => (
            "SIGTERM",
            "it stopped on SIGTERM: something asked it to stop (the kubelet after a failed probe, a preStop hook, a supervisor in the container)",
        ),
        (c, _) if c > 128 && c < 160 => (
            "killed by a signal",
            "it was killed by a signal (exit code 128 + signal number)",
        ),
        _ => (
            "application error",
            "the process exited with an error code of its own; its log says why",
        ),
    }
}

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    for sts in &ctx.snap.statefulsets {
        let ns = k8s::namespace(&sts.metadata);
        let name = k8s::name(&sts.metadata);
        for pod in ctx.idx.pods_of(ns, name) {
            if sts::trapped(ctx, sts, pod) {
                continue;
            }
            for (init, cs) in sts::statuses(pod) {
                let Some(state) = sts::crashing(ctx, cs) else {
                    continue;
                };
                if sts::oom_killed(cs) || sts::liveness_kills(ctx, pod, cs) {
                    continue;
                }
                out.push(finding(ctx, sts, pod, cs, init, state));
            }
        }
    }
}

/// A note when the pod is young and one of its claims is old: the volume was just attached
/// to a new pod (often on another node).
fn volume_moved(ctx: &Ctx, pod: &Pod) -> Option<String> {
    let ns = k8s::namespace(&pod.metadata);
    let pod_age = k8s::time::secs_since(pod.metadata.creation_timestamp.as_ref()?.0, ctx.now);
    if pod_age >= YOUNG_POD_SECS {
        return None;
    }
    let volumes = pod.spec.as_ref()?.volumes.as_deref().unwrap_or_default();
    volumes.iter().find_map(|v| {
        let claim = v.persistent_volume_claim.as_ref()?.claim_name.as_str();
        let pvc = ctx.idx.pvc.get(&(ns, claim))?;
        let claim_age = k8s::time::secs_since(pvc.metadata.creation_timestamp.as_ref()?.0, ctx.now);
        (claim_age > OLD_CLAIM_SECS).then(|| {
            format!(
                "volume moved/recovered recently: the pod is {} old but its claim {claim} is {} old, so the data was just attached to a new pod{}: check file ownership (securityContext.fsGroup / runAsUser) and whether the application is stuck in crash recovery",
                k8s::time::short(pod_age),
                k8s::time::short(claim_age),
                k8s::pod::node_name(pod)
                    .map(|n| format!(" (now on {n})"))
                    .unwrap_or_default()
            )
        })
    })
}

fn finding(
    ctx: &Ctx,
    sts: &StatefulSet,
    pod: &Pod,
    cs: &ContainerStatus,
    init: bool,
    state: &str,
) -> Finding {
    let ns = k8s::namespace(&sts.metadata);
    let name = k8s::name(&sts.metadata);
    let pod_name = k8s::name(&pod.metadata);
    let cname = cs.name.as_str();
    let kind = if init { "init container" } else { "container" };
    let term = sts::last_termination(cs);
    let class = term.map(|t| classify(t.exit_code, t.reason.as_deref()));
    let summary = match (term, class) {
        (Some(t), Some((c, _))) => format!(
            "{kind} {cname} of {pod_name} is {}: exit code {} ({c}), {} restarts",
            if state == "CrashLoopBackOff" {
                "crash-looping"
            } else {
                "restarting"
            },
            t.exit_code,
            cs.restart_count
        ),
        _ => format!(
            "{kind} {cname} of {pod_name} is crash-looping: {} restarts",
            cs.restart_count
        ),
    };
    let mut f = ctx.finding(
        CHECK.id,
        ObjectRef::namespaced("Pod", ns, pod_name),
        Some(name),
        summary,
    );
    if let (Some(t), Some((_, meaning))) = (term, class) {
        let ago = t
            .finished_at
            .as_ref()
            .map(|ft| format!(", {} ago", k8s::time::age(ft.0, ctx.now)))
            .unwrap_or_default();
        f.evidence.push(format!(
            "last exit code {}{}{ago}: {meaning}",
            t.exit_code,
            t.reason
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        ));
        if let Some(m) = t
            .message
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty())
        {
            let m: String = m.chars().take(200).collect();
            f.evidence.push(format!("termination message: {m}"));
        }
        if t.exit_code == 137 && t.reason.as_deref() != Some("OOMKilled") {
            f.evidence.push(sigkill_cause(pod, cname));
        }
    } else {
        f.evidence.push(
            "no termination recorded yet: read the previous log for why it stops".to_string(),
        );
    }
    if state == "restarting" {
        f.severity = Severity::Warning;
        f.evidence.push(format!(
            "severity lowered to warning: not in back-off right now, but it restarted {} times, the last within the hour",
            cs.restart_count
        ));
    }
    if let Some(note) = volume_moved(ctx, pod) {
        f.evidence.push(note);
    }
    f.evidence.extend(ctx.event_lines(
        "Pod",
        ns,
        pod_name,
        |e| {
            matches!(
                e.reason.as_deref(),
                Some("BackOff" | "Killing" | "Unhealthy")
            ) && sts::event_is_about(e, cname)
        },
        2,
    ));
    f.commands.push(Remedy::run(
        format!(
            "Read the log of {cname}'s previous (crashed) run: the last lines say why it stopped"
        ),
        ctx.kubectl.argv(
            Some(ns),
            &["logs", pod_name, "-c", cname, "--previous", "--tail=100"],
        ),
    ));
    f.commands.push(Remedy::run(
        format!(
            "Read {pod_name}'s events (Killing, BackOff, probe failures) and its container states"
        ),
        ctx.kubectl.argv(Some(ns), &["describe", "pod", pod_name]),
    ));
    f
}

/// Who sent the SIGKILL, as far as the spec tells: the liveness probe if there is one, else
/// the end of the termination grace period after a SIGTERM.
fn sigkill_cause(pod: &Pod, container: &str) -> String {
    let grace = pod
        .spec
        .as_ref()
        .and_then(|s| s.termination_grace_period_seconds)
        .unwrap_or(30);
    let has_liveness =
        sts::pod_container(pod, container).is_some_and(|c| c.liveness_probe.is_some());
    let first = if has_liveness {
        "its livenessProbe failed and the kubelet killed it (the Killing events say so)"
    } else {
        "it did not exit within the termination grace period after SIGTERM"
    };
    let short = if grace <= 30 {
        " (see grace-period-short for a longer one)"
    } else {
        ""
    };
    format!(
        "SIGKILL without an OOM kill: {first}; the grace period is {grace} s{short}: a database still flushing when it ends is killed mid-write and must run crash recovery on the next start. Otherwise something else on the node killed it"
    )
}

#[cfg(test)]
mod tests {
    use super::classify;
    use crate::finding::Severity;
    use crate::testutil::*;
    use serde_json::json;

    fn crashing_pod(exit: i32, reason: &str) -> crate::model::Pod {
        merged(
            &pod("shop", "db", 1, false),
            json!({"status": {"containerStatuses": [{"name": "db", "image": "mongo:7", "imageID": "",
                "ready": false, "restartCount": 6, "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                "lastState": {"terminated": {"exitCode": exit, "reason": reason,
                    "finishedAt": "2026-11-22T02:57:00Z"}}}]}}),
        )
    }

    #[test]
    fn exit_codes_are_classified() {
        assert_eq!(classify(1, Some("Error")).0, "application error");
        assert_eq!(classify(2, None).0, "application error");
        assert_eq!(classify(137, Some("Error")).0, "SIGKILL, not OOM");
        assert_eq!(classify(137, Some("OOMKilled")).0, "OOM kill");
        assert_eq!(classify(139, None).0, "segfault");
        assert_eq!(classify(143, None).0, "SIGTERM");
        assert_eq!(classify(0, Some("Completed")).0, "exited normally");
        assert_eq!(classify(128, Some("StartError")).0, "failed to start");
    }

    #[test]
    fn sigkill_without_a_probe_names_the_grace_period() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        s.pods.push(crashing_pod(137, "Error"));
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        let f = &r[0];
        assert_eq!(f.severity, Severity::Critical);
        assert!(
            f.summary.contains("exit code 137 (SIGKILL, not OOM)"),
            "{}",
            f.summary
        );
        assert!(
            f.evidence
                .iter()
                .any(|e| e.contains("grace period is 30 s")),
            "{:?}",
            f.evidence
        );
        assert_eq!(
            f.commands[0].command,
            "kubectl -n shop logs db-1 -c db --previous --tail=100"
        );
    }

    #[test]
    fn a_young_pod_on_an_old_claim_gets_the_volume_moved_note() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        s.pods.push(merged(
            &crashing_pod(1, "Error"),
            json!({"metadata": {"creationTimestamp": "2026-11-22T02:40:00Z"},
                   "spec": {"volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data-db-1"}}]}}),
        ));
        s.pvcs.push(from_json(json!({
            "metadata": {"name": "data-db-1", "namespace": "shop", "creationTimestamp": "2026-10-01T00:00:00Z"},
            "spec": {}
        })));
        let r = run_check(&s, super::CHECK);
        assert!(
            r[0].evidence
                .iter()
                .any(|e| e.starts_with("volume moved/recovered recently")),
            "{:?}",
            r[0].evidence
        );
    }

    #[test]
    fn rising_restarts_without_back_off_are_a_warning() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        s.pods.push(merged(
            &pod("shop", "db", 0, true),
            json!({"status": {"containerStatuses": [{"name": "db", "image": "x", "imageID": "", "ready": true,
                "restartCount": 4, "state": {"running": {}},
                "lastState": {"terminated": {"exitCode": 139, "finishedAt": "2026-11-22T02:30:00Z"}}}]}}),
        ));
        let r = run_check(&s, super::CHECK);
        assert_eq!(r[0].severity, Severity::Warning);
        assert!(r[0].summary.contains("segfault"));
    }

    #[test]
    fn quiet_for_a_pod_caught_in_the_broken_pod_trap() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        s.pods.push(pod("shop", "db", 0, true));
        s.pods.push(merged(
            &crashing_pod(1, "Error"),
            json!({"metadata": {"labels": {"controller-revision-hash": "db-rev2"}}}),
        ));
        assert!(run_check(&s, super::CHECK).is_empty());
        assert_eq!(
            run_check(&s, crate::checks::by_id("rollout-broken-pod-trap")).len(),
            1
        );
    }

    #[test]
    fn quiet_when_oom_or_liveness_explain_it_or_restarts_are_old() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        s.pods.push(crashing_pod(137, "OOMKilled"));
        assert!(run_check(&s, super::CHECK).is_empty());

        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        s.pods.push(merged(
            &crashing_pod(137, "Error"),
            json!({"spec": {"containers": [{"name": "db", "image": "mongo:7",
                "livenessProbe": {"tcpSocket": {"port": 27017}}}]}}),
        ));
        assert!(run_check(&s, super::CHECK).is_empty());

        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        s.pods.push(merged(
            &pod("shop", "db", 0, true),
            json!({"status": {"containerStatuses": [{"name": "db", "image": "x", "imageID": "", "ready": true,
                "restartCount": 9, "state": {"running": {}},
                "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2026-11-10T00:00:00Z"}}}]}}),
        ));
        assert!(run_check(&s, super::CHECK).is_empty());
    }
}
