//! `startup-probe-missing`: a container has a livenessProbe but no startupProbe. The
//! liveness probe then runs from the first seconds of the container's life: a member that
//! needs minutes to replay its log, recover after a crash or catch up with its peers fails
//! it and is killed, and restarts recovery from the beginning, over and over.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::model::Container;
use crate::snapshot::Source;
use crate::sts::template::containers_patch;
use crate::sts::template::{pod_spec, template_change_note};
use k8s_openapi::api::core::v1::Probe;
use serde_json::{Map, Value, json};

pub const CHECK: Check = Check {
    id: "startup-probe-missing",
    needs: &[Source::StatefulSets],
    run,
};

/// Startup allowance proposed: failureThreshold × periodSeconds = 15 minutes.
const PERIOD: i32 = 10;
const FAILURES: i32 = 90;

/// A startupProbe with the liveness probe's own check (exec, httpGet, tcpSocket or grpc)
/// and a long failure allowance; the liveness probe takes over once it succeeds.
fn startup_from(liveness: &Probe) -> Option<Value> {
    let v = serde_json::to_value(liveness).ok()?;
    let mut probe = Map::new();
    for key in ["exec", "httpGet", "tcpSocket", "grpc", "timeoutSeconds"] {
        if let Some(x) = v.get(key) {
            probe.insert(key.to_string(), x.clone());
        }
    }
    if !["exec", "httpGet", "tcpSocket", "grpc"]
        .iter()
        .any(|k| probe.contains_key(*k))
    {
        return None;
    }
    probe.insert("periodSeconds".into(), json!(PERIOD));
    probe.insert("failureThreshold".into(), json!(FAILURES));
    Some(Value::Object(probe))
}

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    for sts in &ctx.snap.statefulsets {
        let Some(spec) = pod_spec(sts) else { continue };
        let missing: Vec<&Container> = spec
            .containers
            .iter()
            .filter(|c| c.liveness_probe.is_some() && c.startup_probe.is_none())
            .collect();
        if missing.is_empty() {
            continue;
        }
        let ns = k8s::namespace(&sts.metadata);
        let name = k8s::name(&sts.metadata);
        let names: Vec<&str> = missing.iter().map(|c| c.name.as_str()).collect();
        let mut f = ctx.finding(
            CHECK.id,
            ObjectRef::namespaced("StatefulSet", ns, name),
            Some(name),
            format!(
                "{name}: container {} has a livenessProbe but no startupProbe, so a slow recovery (log replay, resync) is killed before it finishes",
                names.join(", ")
            ),
        );
        let mut patches = Vec::new();
        for c in &missing {
            let Some(l) = c.liveness_probe.as_ref() else {
                continue;
            };
            let budget = i64::from(l.initial_delay_seconds.unwrap_or(0))
                + i64::from(l.period_seconds.unwrap_or(10))
                    * i64::from(l.failure_threshold.unwrap_or(3));
            f.evidence.push(format!(
                "container {}: the livenessProbe kills it if it is not healthy within about {budget}s of starting (initialDelaySeconds {}, periodSeconds {}, failureThreshold {})",
                c.name,
                l.initial_delay_seconds.unwrap_or(0),
                l.period_seconds.unwrap_or(10),
                l.failure_threshold.unwrap_or(3)
            ));
            if let Some(p) = startup_from(l) {
                patches.push(json!({"name": c.name, "startupProbe": p}));
            }
        }
        if !patches.is_empty() {
            f.commands.push(Remedy::run(
                format!(
                    "Add a startupProbe running the same check as the livenessProbe, allowing {} minutes to start ({FAILURES} × {PERIOD}s; raise it if recovery can take longer). Liveness only starts once it succeeds. {}",
                    FAILURES * PERIOD / 60,
                    template_change_note(sts)
                ),
                ctx.kubectl.argv(
                    Some(ns),
                    &[
                        "patch",
                        "statefulset",
                        name,
                        "--type=strategic",
                        "-p",
                        &containers_patch(patches),
                    ],
                ),
            ));
        } else {
            f.commands.push(Remedy::run(
                format!(
                    "Add a startupProbe to {} with a failureThreshold × periodSeconds longer than the slowest recovery. {}",
                    names.join(", "),
                    template_change_note(sts)
                ),
                ctx.kubectl.argv(Some(ns), &["edit", "statefulset", name]),
            ));
        }
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::testutil::*;
    use serde_json::json;

    #[test]
    fn liveness_without_startup_is_info_and_copies_the_check() {
        let mut s = snapshot();
        s.statefulsets.push(merged(
            &sts("shop", "db", 3),
            json!({"spec": {"template": {"spec": {"containers": [{"name": "db", "image": "x",
                "livenessProbe": {"httpGet": {"path": "/health", "port": 8080}, "periodSeconds": 5, "failureThreshold": 3, "timeoutSeconds": 2}}]}}}}),
        ));
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].severity, Severity::Info);
        assert!(
            r[0].evidence[0].contains("within about 15s"),
            "{:?}",
            r[0].evidence
        );
        assert_eq!(
            r[0].commands[0].command,
            r#"kubectl -n shop patch statefulset db --type=strategic -p '{"spec":{"template":{"spec":{"containers":[{"name":"db","startupProbe":{"failureThreshold":90,"httpGet":{"path":"/health","port":8080},"periodSeconds":10,"timeoutSeconds":2}}]}}}}'"#
        );
    }

    #[test]
    fn quiet_without_liveness_or_with_a_startup_probe() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "plain", 3));
        s.statefulsets.push(merged(
            &sts("shop", "db", 3),
            json!({"spec": {"template": {"spec": {"containers": [{"name": "db", "image": "x",
                "livenessProbe": {"tcpSocket": {"port": 1}},
                "startupProbe": {"tcpSocket": {"port": 1}, "failureThreshold": 60}}]}}}}),
        ));
        assert!(run_check(&s, super::CHECK).is_empty());
    }
}
