//! `liveness-restart-loop`: the kubelet keeps killing a container because its liveness
//! probe fails, and there is no startupProbe. A database that restarts after an unclean
//! stop replays its log or rebuilds indexes before it answers; the liveness probe counts
//! that time as a hang, kills it, and the next start has even more to recover. The fix is
//! a startupProbe, which holds the liveness probe back until the first success.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::model::StatefulSet;
use crate::model::{ContainerStatus, Pod};
use crate::snapshot::Source;
use crate::sts;
use k8s_openapi::api::core::v1::Probe;
use serde_json::{Map, Value, json};

pub const CHECK: Check = Check {
    id: "liveness-restart-loop",
    needs: &[Source::StatefulSets, Source::Pods],
    run,
};

/// How long the suggested startupProbe lets a container start: long enough for most crash
/// recoveries, and the same allowance `startup-probe-missing` proposes, so the two never
/// suggest different probes for one container.
const STARTUP_WINDOW_SECS: i32 = 900;
const STARTUP_PERIOD_SECS: i32 = 10;

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    for sts in &ctx.snap.statefulsets {
        let ns = k8s::namespace(&sts.metadata);
        let name = k8s::name(&sts.metadata);
        for pod in ctx.idx.pods_of(ns, name) {
            for (init, cs) in sts::statuses(pod) {
                if !init && sts::liveness_kills(ctx, pod, cs) {
                    out.push(finding(ctx, sts, pod, cs));
                }
            }
        }
    }
}

fn handler_text(p: &Probe) -> String {
    if let Some(h) = &p.http_get {
        let port = match &h.port {
            k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(i) => i.to_string(),
            k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(s) => s.clone(),
        };
        format!(
            "httpGet {}:{port}{}",
            h.scheme.as_deref().unwrap_or("HTTP").to_lowercase(),
            h.path.as_deref().unwrap_or("/")
        )
    } else if let Some(t) = &p.tcp_socket {
        format!(
            "tcpSocket {}",
            serde_json::to_string(&t.port).unwrap_or_default()
        )
    } else if let Some(g) = &p.grpc {
        format!("grpc port {}", g.port)
    } else if let Some(e) = &p.exec {
        let cmd = e.command.as_deref().unwrap_or_default().join(" ");
        let cmd: String = cmd.chars().take(80).collect();
        format!("exec `{cmd}`")
    } else {
        "no handler".to_string()
    }
}

/// The suggested startupProbe: the liveness probe's handler, checked every 10 s for up to
/// 15 minutes.
fn startup_probe(live: &Probe) -> Value {
    let full = serde_json::to_value(live).unwrap_or_else(|_| json!({}));
    let mut probe = Map::new();
    for key in ["exec", "httpGet", "tcpSocket", "grpc"] {
        if let Some(v) = full.get(key) {
            probe.insert(key.to_string(), v.clone());
        }
    }
    probe.insert("periodSeconds".into(), json!(STARTUP_PERIOD_SECS));
    probe.insert(
        "failureThreshold".into(),
        json!(STARTUP_WINDOW_SECS / STARTUP_PERIOD_SECS),
    );
    if let Some(t) = live.timeout_seconds {
        probe.insert("timeoutSeconds".into(), json!(t));
    }
    Value::Object(probe)
}

fn finding(ctx: &Ctx, sts: &StatefulSet, pod: &Pod, cs: &ContainerStatus) -> Finding {
    let ns = k8s::namespace(&sts.metadata);
    let name = k8s::name(&sts.metadata);
    let pod_name = k8s::name(&pod.metadata);
    let cname = cs.name.as_str();
    let mut f = ctx.finding(
        CHECK.id,
        ObjectRef::namespaced("Pod", ns, pod_name),
        Some(name),
        format!(
            "the liveness probe keeps killing container {cname} of {pod_name} ({} restarts): with no startupProbe, a slow start or crash recovery is treated as a hang",
            cs.restart_count
        ),
    );
    let live = sts::pod_container(pod, cname).and_then(|c| c.liveness_probe.as_ref());
    if let Some(p) = live {
        let delay = p.initial_delay_seconds.unwrap_or(0);
        let period = p.period_seconds.unwrap_or(10);
        let threshold = p.failure_threshold.unwrap_or(3);
        f.evidence.push(format!(
            "livenessProbe: {}, initialDelaySeconds {delay}, periodSeconds {period}, failureThreshold {threshold}: a container that does not answer within about {} s of starting is killed",
            handler_text(p),
            i64::from(delay) + i64::from(period) * i64::from(threshold)
        ));
    }
    f.evidence.push(
        "no startupProbe: the liveness probe runs from initialDelaySeconds on, also while the process replays its log or recovers from an unclean stop".to_string(),
    );
    if let Some(t) = sts::last_termination(cs) {
        f.evidence.push(format!(
            "last termination: exit code {}{}{}",
            t.exit_code,
            t.reason
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default(),
            match t.exit_code {
                137 => ": SIGKILL after the probe's kill grace period",
                143 => ": it stopped on the SIGTERM the kubelet sent",
                _ => "",
            }
        ));
    }
    f.evidence.extend(ctx.event_lines(
        "Pod",
        ns,
        pod_name,
        |e| {
            (sts::is_liveness_kill(e) || sts::is_liveness_failure(e))
                && sts::event_is_about(e, cname)
        },
        3,
    ));
    f.commands.push(Remedy::run(
        format!("Read the probe failures and kills in {pod_name}'s events"),
        ctx.kubectl.argv(Some(ns), &["describe", "pod", pod_name]),
    ));
    f.commands.push(Remedy::run(
        format!("Read how far {cname} got before it was killed"),
        ctx.kubectl.argv(
            Some(ns),
            &["logs", pod_name, "-c", cname, "--previous", "--tail=100"],
        ),
    ));
    let (Some(live), Some(_)) = (live, sts::template_container(sts, cname)) else {
        f.evidence.push(format!(
            "container {cname} is not in the StatefulSet's pod template (injected by a webhook?): add the startupProbe where it is injected"
        ));
        return f;
    };
    let patch = json!({"spec": {"template": {"spec": {"containers": [
        {"name": cname, "startupProbe": startup_probe(live)}
    ]}}}})
    .to_string();
    f.evidence.push(format!(
        "the alternative, raising the livenessProbe's failureThreshold or periodSeconds until they cover a recovery, also delays noticing a real hang for that long; a startupProbe only holds the liveness probe back until the first success (suggested: {} × {STARTUP_PERIOD_SECS} s = {} min)",
        STARTUP_WINDOW_SECS / STARTUP_PERIOD_SECS,
        STARTUP_WINDOW_SECS / 60
    ));
    f.commands.push(Remedy::run(
        format!(
            "Add a startupProbe to {cname} using the liveness probe's own check, allowing {} minutes to start (raise failureThreshold if a recovery can take longer). {}",
            STARTUP_WINDOW_SECS / 60,
            sts::template_change_effect(sts)
        ),
        ctx.kubectl.argv(
            Some(ns),
            &[
                "patch",
                "statefulset",
                name,
                "--type=strategic",
                "-p",
                patch.as_str(),
            ],
        ),
    ));
    if let Some(r) = sts::replace_after_template_change(ctx, sts, pod) {
        f.commands.push(r);
    }
    f
}

#[cfg(test)]
mod tests {
    use crate::testutil::*;
    use serde_json::json;

    fn probed_sts(startup: bool) -> crate::model::StatefulSet {
        let mut c = json!({"name": "db", "image": "mongo:7",
            "livenessProbe": {"tcpSocket": {"port": 27017}, "initialDelaySeconds": 30, "periodSeconds": 10,
                              "failureThreshold": 3, "timeoutSeconds": 5}});
        if startup {
            c["startupProbe"] = json!({"tcpSocket": {"port": 27017}, "failureThreshold": 60});
        }
        merged(
            &sts("shop", "db", 3),
            json!({"spec": {"template": {"spec": {"containers": [c]}}}}),
        )
    }

    fn killed_pod(s: &crate::model::StatefulSet, exit: i32) -> crate::model::Pod {
        merged(
            &pod("shop", "db", 2, false),
            json!({
                "spec": s.spec.as_ref().unwrap().template.spec,
                "status": {"containerStatuses": [{"name": "db", "image": "mongo:7", "imageID": "",
                    "ready": false, "restartCount": 9, "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                    "lastState": {"terminated": {"exitCode": exit, "reason": "Error"}}}]}
            }),
        )
    }

    #[test]
    fn liveness_kills_without_a_startup_probe_get_a_startup_probe_patch() {
        let mut s = snapshot();
        let st = probed_sts(false);
        s.pods.push(killed_pod(&st, 143));
        s.statefulsets.push(st);
        s.events.push(pod_event(
            "shop",
            "db-2",
            Some("db"),
            "Killing",
            "Container db failed liveness probe, will be restarted",
            "2026-11-22T02:55:00Z",
            9,
        ));
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1, "{r:#?}");
        let f = &r[0];
        let patch = f
            .commands
            .iter()
            .find(|c| c.command.contains("patch statefulset"))
            .unwrap();
        assert_eq!(
            patch.command,
            r#"kubectl -n shop patch statefulset db --type=strategic -p '{"spec":{"template":{"spec":{"containers":[{"name":"db","startupProbe":{"failureThreshold":90,"periodSeconds":10,"tcpSocket":{"port":27017},"timeoutSeconds":5}}]}}}}'"#
        );
        assert!(f.evidence.iter().any(|e| e.contains("within about 60 s")));
        assert!(f.evidence.iter().any(|e| e.contains("Killing x9")));
        assert!(
            f.commands
                .iter()
                .any(|c| c.command == "kubectl -n shop delete pod db-2")
        );
    }

    #[test]
    fn sigkill_with_a_liveness_probe_counts_without_events() {
        let mut s = snapshot();
        let st = probed_sts(false);
        s.pods.push(killed_pod(&st, 137));
        s.statefulsets.push(st);
        assert_eq!(run_check(&s, super::CHECK).len(), 1);
    }

    /// A container that was SIGKILLed once, at `finished`, and has been Ready since.
    fn recovered_pod(s: &crate::model::StatefulSet, finished: &str) -> crate::model::Pod {
        merged(
            &pod("shop", "db", 2, true),
            json!({
                "spec": s.spec.as_ref().unwrap().template.spec,
                "status": {"containerStatuses": [{"name": "db", "image": "mongo:7", "imageID": "",
                    "ready": true, "restartCount": 1, "state": {"running": {"startedAt": finished}},
                    "lastState": {"terminated": {"exitCode": 137, "reason": "Error", "finishedAt": finished}}}]}
            }),
        )
    }

    #[test]
    fn one_sigkill_hours_ago_on_a_ready_container_is_no_loop() {
        let mut s = snapshot();
        let st = probed_sts(false);
        s.pods.push(recovered_pod(&st, "2026-11-21T22:10:00Z"));
        s.statefulsets.push(st);
        assert!(run_check(&s, super::CHECK).is_empty());
        // The kill event that came with it, also hours old, changes nothing.
        s.events.push(pod_event(
            "shop",
            "db-2",
            Some("db"),
            "Killing",
            "Container db failed liveness probe, will be restarted",
            "2026-11-21T22:09:30Z",
            1,
        ));
        assert!(run_check(&s, super::CHECK).is_empty());
        // Killed twice by the probe in the last hour: a loop, even if Ready in between.
        s.events.push(pod_event(
            "shop",
            "db-2",
            Some("db"),
            "Killing",
            "Container db failed liveness probe, will be restarted",
            "2026-11-22T02:50:00Z",
            2,
        ));
        assert_eq!(run_check(&s, super::CHECK).len(), 1);
    }

    #[test]
    fn a_sigkill_at_shutdown_is_left_to_the_crash_and_grace_period_checks() {
        let mut s = snapshot();
        let st = probed_sts(false);
        s.pods.push(killed_pod(&st, 137));
        s.statefulsets.push(st);
        s.events.push(pod_event(
            "shop",
            "db-2",
            Some("db"),
            "Killing",
            "Stopping container db",
            "2026-11-22T02:52:00Z",
            1,
        ));
        assert!(run_check(&s, super::CHECK).is_empty());
        assert_eq!(
            run_check(&s, crate::checks::by_id("container-crashloop")).len(),
            1,
            "the crash is still reported, by container-crashloop"
        );
    }

    #[test]
    fn quiet_with_a_startup_probe_or_an_application_exit() {
        let mut s = snapshot();
        let st = probed_sts(true);
        s.pods.push(killed_pod(&st, 137));
        s.statefulsets.push(st);
        assert!(run_check(&s, super::CHECK).is_empty());

        let mut s = snapshot();
        let st = probed_sts(false);
        s.pods.push(killed_pod(&st, 1));
        s.statefulsets.push(st);
        assert!(run_check(&s, super::CHECK).is_empty());
    }
}
