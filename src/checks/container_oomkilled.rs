//! `container-oomkilled`: a container's last termination was `OOMKilled`: it used more
//! memory than its limit (or the node ran out), the kernel killed it, and it restarts into
//! the same wall. For a database this often happens during recovery or compaction, when it
//! needs more memory than in steady state. The finding gives the limit and a concrete
//! higher one, as a patch of the StatefulSet template.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy, Severity};
use crate::k8s;
use crate::model::{ContainerStatus, Pod, ResourceRequirements, StatefulSet};
use crate::snapshot::Source;
use crate::sts;
use serde_json::{Value, json};

pub const CHECK: Check = Check {
    id: "container-oomkilled",
    needs: &[Source::StatefulSets, Source::Pods],
    run,
};

/// An OOM kill older than this, on a container that has run fine since, is a warning.
const RECENT_SECS: i64 = 3600;

/// The container's memory limit or request: `resources` of a pod's or a template's.
fn memory(r: Option<&ResourceRequirements>, kind: &str) -> Option<String> {
    let map = if kind == "limits" {
        &r?.limits
    } else {
        &r?.requests
    };
    map.as_ref()?.get("memory").map(|q| q.0.clone())
}

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    for sts in &ctx.snap.statefulsets {
        let ns = k8s::namespace(&sts.metadata);
        let name = k8s::name(&sts.metadata);
        for pod in ctx.idx.pods_of(ns, name) {
            for (_, cs) in sts::statuses(pod) {
                if sts::oom_killed(cs) {
                    out.push(finding(ctx, sts, pod, cs));
                }
            }
        }
    }
}

/// The JSON patch that raises the container's memory limit in the template to `new` (and its
/// request with it where they were equal, to keep Guaranteed QoS), after a test that the
/// container is still at that index; and what it raises, in words.
fn raise_limit_patch(tc: &sts::TemplateContainer, cname: &str, new: &str) -> (String, String) {
    let template_limit = memory(tc.container.resources.as_ref(), "limits");
    let path = tc.json_path();
    let resources = tc.container.resources.as_ref();
    let template_request = memory(tc.container.resources.as_ref(), "requests");
    // Keep Guaranteed QoS when the template had request == limit.
    let raise_request = template_request.is_some() && template_request == template_limit;
    let mut ops = vec![json!({"op": "test", "path": format!("{path}/name"), "value": cname})];
    match (resources.and_then(|r| r.limits.as_ref()), resources) {
        (Some(l), _) => {
            let op = if l.contains_key("memory") {
                "replace"
            } else {
                "add"
            };
            ops.push(
                json!({"op": op, "path": format!("{path}/resources/limits/memory"), "value": new}),
            );
        }
        (None, Some(_)) => {
            ops.push(json!({"op": "add", "path": format!("{path}/resources/limits"), "value": {"memory": new}}));
        }
        (None, None) => {
            ops.push(json!({"op": "add", "path": format!("{path}/resources"), "value": {"limits": {"memory": new}}}));
        }
    }
    if raise_request {
        ops.push(json!({"op": "replace", "path": format!("{path}/resources/requests/memory"), "value": new}));
    }
    let patch = Value::Array(ops).to_string();
    let what = if raise_request {
        format!("memory limit and request of {cname} to {new}")
    } else {
        format!("memory limit of {cname} to {new}")
    };
    (patch, what)
}

fn finding(ctx: &Ctx, sts: &StatefulSet, pod: &Pod, cs: &ContainerStatus) -> Finding {
    let ns = k8s::namespace(&sts.metadata);
    let name = k8s::name(&sts.metadata);
    let pod_name = k8s::name(&pod.metadata);
    let cname = cs.name.as_str();
    let spec = sts::pod_container(pod, cname);
    let limit = memory(spec.and_then(|c| c.resources.as_ref()), "limits");
    let limit_bytes = limit.as_deref().and_then(k8s::quantity::parse);
    let term = sts::last_termination(cs);
    let ago = term
        .and_then(|t| t.finished_at.as_ref())
        .map(|t| k8s::time::secs_since(t.0, ctx.now));

    let summary = match &limit {
        Some(l) => format!(
            "container {cname} of {pod_name} was OOMKilled: it needs more than its {l} memory limit"
        ),
        None => format!(
            "container {cname} of {pod_name} was OOMKilled with no memory limit: the node ran out of memory"
        ),
    };
    let mut f = ctx.finding(
        CHECK.id,
        ObjectRef::namespaced("Pod", ns, pod_name),
        Some(name),
        summary,
    );
    f.evidence.push(format!(
        "last termination: reason OOMKilled, exit code {}{}; {} restarts",
        term.map(|t| t.exit_code).unwrap_or(137),
        ago.map(|s| format!(", {} ago", k8s::time::short(s)))
            .unwrap_or_default(),
        cs.restart_count
    ));
    match (&limit, memory(spec.and_then(|c| c.resources.as_ref()), "requests")) {
        (Some(l), Some(r)) => f
            .evidence
            .push(format!("memory limit {l}, request {r} (pod spec)")),
        (Some(l), None) => f.evidence.push(format!("memory limit {l} (pod spec)")),
        (None, r) => f.evidence.push(format!(
            "no memory limit{}: the kernel's OOM killer picked this process because the node itself ran out of memory",
            r.map(|r| format!(" (request {r})")).unwrap_or_default()
        )),
    }
    let healthy_now = sts::running_now(cs) && cs.ready;
    if healthy_now && ago.is_some_and(|s| s > RECENT_SECS) {
        f.severity = Severity::Warning;
        f.evidence.push(
            "severity lowered to warning: the container has been running and Ready since; the same load will kill it again".to_string(),
        );
    } else if let Some(w) = sts::waiting_reason(cs) {
        f.evidence.push(format!("container is now {w}"));
    }

    f.commands.push(Remedy::run(
        format!("Read the events and the resources {pod_name} runs with"),
        ctx.kubectl.argv(Some(ns), &["describe", "pod", pod_name]),
    ));
    let Some(limit_bytes) = limit_bytes.filter(|b| *b > 0.0) else {
        if let Some(node) = k8s::pod::node_name(pod) {
            f.commands.push(Remedy::run(
                format!(
                    "See the memory pressure and the other pods' usage on node {node}; then give {cname} a memory request (and limit) matching its real use in the StatefulSet template, so the scheduler reserves it"
                ),
                ctx.kubectl.argv(None, &["describe", "node", node]),
            ));
        }
        return f;
    };
    let Some(tc) = sts::template_container(sts, cname) else {
        f.evidence.push(format!(
            "container {cname} is not in the StatefulSet's pod template (injected by a webhook?): raise its limit where it is injected"
        ));
        return f;
    };
    let template_limit = memory(tc.container.resources.as_ref(), "limits");
    let template_bytes = template_limit.as_deref().and_then(k8s::quantity::parse);
    if let (Some(tl), Some(tb)) = (&template_limit, template_bytes)
        && tb > limit_bytes
    {
        f.evidence.push(format!(
            "the StatefulSet template already sets a higher limit ({tl}); this pod has not been re-created with it yet"
        ));
        if let Some(r) = sts::replace_after_template_change(ctx, sts, pod) {
            f.commands.push(r);
        }
        return f;
    }
    let new = k8s::quantity::format_bytes(limit_bytes * 1.5);
    f.evidence.push(format!(
        "suggested limit {new}: 1.5 × {}, rounded up",
        limit.as_deref().unwrap_or("")
    ));
    let (patch, what) = raise_limit_patch(&tc, cname, &new);
    f.commands.push(Remedy::run(
        format!(
            "Raise the {what} in the StatefulSet template (the test op makes the patch fail if the container moved). {}",
            sts::template_change_effect(sts)
        ),
        ctx.kubectl.argv(
            Some(ns),
            &[
                "patch",
                "statefulset",
                name,
                "--type=json",
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
    use crate::finding::Severity;
    use crate::testutil::*;
    use serde_json::json;

    fn oom_pod(limit: Option<&str>, waiting: bool) -> crate::model::Pod {
        let resources = match limit {
            Some(l) => json!({"limits": {"memory": l}, "requests": {"memory": l}}),
            None => json!({}),
        };
        let finished = if waiting {
            "2026-11-22T02:58:00Z"
        } else {
            "2026-11-20T02:58:00Z"
        };
        let state = if waiting {
            json!({"waiting": {"reason": "CrashLoopBackOff"}})
        } else {
            json!({"running": {"startedAt": "2026-11-21T00:00:00Z"}})
        };
        merged(
            &pod("shop", "db", 1, !waiting),
            json!({
                "spec": {"containers": [{"name": "db", "image": "postgres:16", "resources": resources}]},
                "status": {"containerStatuses": [{"name": "db", "image": "postgres:16", "imageID": "",
                    "ready": !waiting, "restartCount": 7, "state": state,
                    "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled",
                        "finishedAt": finished}}}]}
            }),
        )
    }

    fn sts_with_limit(limit: &str) -> crate::model::StatefulSet {
        merged(
            &sts("shop", "db", 3),
            json!({"spec": {"template": {"spec": {"containers": [
                {"name": "exporter", "image": "exporter:1"},
                {"name": "db", "image": "postgres:16", "resources": {"limits": {"memory": limit}, "requests": {"memory": limit, "cpu": "1"}}}
            ]}}}}),
        )
    }

    #[test]
    fn gives_the_limit_and_a_patch_one_and_a_half_times_higher() {
        let mut s = snapshot();
        s.statefulsets.push(sts_with_limit("1Gi"));
        s.pods.push(oom_pod(Some("1Gi"), true));
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        let f = &r[0];
        assert_eq!(f.severity, Severity::Critical);
        assert_eq!(f.object.name, "db-1");
        assert!(f.summary.contains("1Gi memory limit"), "{}", f.summary);
        let patch = f
            .commands
            .iter()
            .find(|c| c.command.contains("patch statefulset"))
            .unwrap();
        assert_eq!(
            patch.command,
            r#"kubectl -n shop patch statefulset db --type=json -p '[{"op":"test","path":"/spec/template/spec/containers/1/name","value":"db"},{"op":"replace","path":"/spec/template/spec/containers/1/resources/limits/memory","value":"1536Mi"},{"op":"replace","path":"/spec/template/spec/containers/1/resources/requests/memory","value":"1536Mi"}]'"#
        );
        assert!(patch.description.contains("rolls every pod"));
        // OrderedReady: the crash-looping pod must be deleted to pick up the new template.
        assert!(
            f.commands
                .iter()
                .any(|c| c.command == "kubectl -n shop delete pod db-1")
        );
    }

    #[test]
    fn an_old_kill_on_a_healthy_container_is_a_warning() {
        let mut s = snapshot();
        s.statefulsets.push(sts_with_limit("2Gi"));
        s.pods.push(oom_pod(Some("2Gi"), false));
        let r = run_check(&s, super::CHECK);
        assert_eq!(r[0].severity, Severity::Warning);
        assert!(r[0].commands.iter().any(|c| c.command.contains("3Gi")));
        assert!(!r[0].commands.iter().any(|c| c.command.contains("delete")));
    }

    #[test]
    fn without_a_limit_it_points_at_the_node() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        s.pods.push(oom_pod(None, true));
        let r = run_check(&s, super::CHECK);
        assert!(r[0].summary.contains("no memory limit"));
        assert!(
            r[0].commands
                .iter()
                .any(|c| c.command == "kubectl describe node node-1")
        );
        assert!(!r[0].commands.iter().any(|c| c.command.contains("patch")));
    }

    #[test]
    fn a_template_already_raised_only_needs_the_pod_replaced() {
        let mut s = snapshot();
        s.statefulsets.push(sts_with_limit("4Gi"));
        s.pods.push(oom_pod(Some("1Gi"), true));
        let r = run_check(&s, super::CHECK);
        assert!(!r[0].commands.iter().any(|c| c.command.contains("patch")));
        assert!(r[0].evidence.iter().any(|e| e.contains("already sets")));
        assert!(
            r[0].commands
                .iter()
                .any(|c| c.command.contains("delete pod db-1"))
        );
    }

    #[test]
    fn quiet_for_other_terminations() {
        let mut s = snapshot();
        s.statefulsets.push(sts_with_limit("1Gi"));
        let p = merged(
            &oom_pod(Some("1Gi"), true),
            json!({"status": {"containerStatuses": [{"name": "db", "image": "x", "imageID": "", "ready": false,
                "restartCount": 2, "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                "lastState": {"terminated": {"exitCode": 137, "reason": "Error"}}}]}}),
        );
        s.pods.push(p);
        assert!(run_check(&s, super::CHECK).is_empty());
    }
}
