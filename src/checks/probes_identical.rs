//! `probes-identical`: a container's livenessProbe is its readinessProbe (same check, same
//! timings). Readiness failing is the gentle signal: a busy member (a checkpoint, a long
//! query, a compaction, a resync) leaves the Service until it catches up. An identical
//! liveness probe fails at the very same moment and restarts it, so load turns into
//! restarts, the restarted member recovers under even more load, and the next one follows.
//! Reads only the pod template (a configuration risk, judged on manifests too).

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::model::Container;
use crate::snapshot::Source;
use crate::sts::template::containers_patch;
use crate::sts::template::{pod_spec, template_change_note};
use k8s_openapi::api::core::v1::Probe;
use serde_json::{Value, json};

pub const CHECK: Check = Check {
    id: "probes-identical",
    needs: &[Source::StatefulSets],
    run,
};

/// The API server's defaults, so a manifest that omits a field and a stored object that
/// shows it compare alike.
const PERIOD: i32 = 10;
const TIMEOUT: i32 = 1;
const FAILURES: i32 = 3;

/// The probe as the kubelet runs it: defaults filled in (timings, `httpGet.scheme`).
fn effective(p: &Probe) -> Value {
    let mut v = serde_json::to_value(p).unwrap_or(Value::Null);
    let Some(o) = v.as_object_mut() else {
        return v;
    };
    for (k, d) in [
        ("initialDelaySeconds", 0),
        ("periodSeconds", PERIOD),
        ("timeoutSeconds", TIMEOUT),
        ("successThreshold", 1),
        ("failureThreshold", FAILURES),
    ] {
        o.entry(k).or_insert(json!(d));
    }
    if let Some(h) = o.get_mut("httpGet").and_then(Value::as_object_mut) {
        h.entry("scheme").or_insert(json!("HTTP"));
    }
    v
}

/// The check a probe runs, for evidence: `exec sh -c zookeeper-ready 2181`,
/// `httpGet /health on port 8080`, `tcpSocket port 5432`.
fn handler(p: &Probe) -> String {
    if let Some(e) = &p.exec {
        return format!(
            "exec {}",
            e.command.as_deref().unwrap_or_default().join(" ")
        );
    }
    if let Some(h) = &p.http_get {
        return format!(
            "httpGet {} on port {}",
            h.path.as_deref().unwrap_or("/"),
            port(&h.port)
        );
    }
    if let Some(t) = &p.tcp_socket {
        return format!("tcpSocket port {}", port(&t.port));
    }
    if let Some(g) = &p.grpc {
        return format!("grpc port {}", g.port);
    }
    "no handler".to_string()
}

fn port(p: &k8s_openapi::apimachinery::pkg::util::intstr::IntOrString) -> String {
    use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
    match p {
        IntOrString::Int(i) => i.to_string(),
        IntOrString::String(s) => s.clone(),
    }
}

/// Containers whose two probes are the same, with that probe.
fn identical(containers: &[Container]) -> Vec<(&Container, &Probe)> {
    containers
        .iter()
        .filter_map(|c| {
            let (l, r) = (c.liveness_probe.as_deref()?, c.readiness_probe.as_deref()?);
            (effective(l) == effective(r)).then_some((c, l))
        })
        .collect()
}

/// The relaxed liveness timings: the same check, allowed to fail at least three times as
/// long as readiness (and at least 6 times), with at least 5 s per attempt.
fn relaxed(p: &Probe) -> (i32, i32) {
    let failures = p.failure_threshold.unwrap_or(FAILURES).max(1);
    let timeout = p.timeout_seconds.unwrap_or(TIMEOUT);
    ((failures * 3).max(6), timeout.max(5))
}

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    for sts in &ctx.snap.statefulsets {
        let Some(spec) = pod_spec(sts) else { continue };
        let same = identical(&spec.containers);
        if same.is_empty() {
            continue;
        }
        let ns = k8s::namespace(&sts.metadata);
        let name = k8s::name(&sts.metadata);
        let names: Vec<&str> = same.iter().map(|(c, _)| c.name.as_str()).collect();
        let mut f = ctx.finding(
            CHECK.id,
            ObjectRef::namespaced("StatefulSet", ns, name),
            Some(name),
            format!(
                "{name}: container {} uses the same check for liveness as for readiness, so a member that is only busy is restarted instead of just taken out of the Service",
                names.join(", ")
            ),
        );
        let mut patches = Vec::new();
        let mut why = Vec::new();
        for (c, p) in &same {
            let period = p.period_seconds.unwrap_or(PERIOD);
            let failures = p.failure_threshold.unwrap_or(FAILURES);
            let (new_failures, new_timeout) = relaxed(p);
            f.evidence.push(format!(
                "container {}: livenessProbe and readinessProbe are both {} (periodSeconds {period}, timeoutSeconds {}, failureThreshold {failures}): after about {}s of failing checks it leaves the Service and is restarted at the same moment",
                c.name,
                handler(p),
                p.timeout_seconds.unwrap_or(TIMEOUT),
                period * failures
            ));
            why.push(format!(
                "{}: out of the Service after about {}s, restarted only after about {}s",
                c.name,
                period * failures,
                period * new_failures
            ));
            patches.push(json!({
                "name": c.name,
                "livenessProbe": {"failureThreshold": new_failures, "timeoutSeconds": new_timeout},
            }));
        }
        f.evidence.push(
            "readiness failing is the right reaction to load (traffic moves to the other members); liveness failing restarts the process, which for a database means crash recovery and a resync under the same load".to_string(),
        );
        f.commands.push(Remedy::run(
            format!(
                "Keep the check but make liveness more patient than readiness, so a busy member first leaves the Service and is restarted only if it stays stuck ({}). The strategic merge keeps the probe's handler and changes only these fields. {}",
                why.join("; "),
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
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use crate::testutil::*;
    use serde_json::json;

    fn with_probes(
        liveness: serde_json::Value,
        readiness: serde_json::Value,
    ) -> crate::snapshot::Snapshot {
        let mut s = snapshot();
        s.statefulsets.push(merged(
            &sts("shop", "zk", 3),
            json!({"spec": {"template": {"spec": {"containers": [{
                "name": "kubernetes-zookeeper", "image": "registry.k8s.io/kubernetes-zookeeper:1.0-3.4.10",
                "livenessProbe": liveness, "readinessProbe": readiness}]}}}}),
        ));
        s
    }

    fn zk_probe() -> serde_json::Value {
        json!({"exec": {"command": ["sh", "-c", "zookeeper-ready 2181"]},
               "initialDelaySeconds": 10, "timeoutSeconds": 5})
    }

    #[test]
    fn the_zookeeper_docs_probes_fire_with_a_patch_that_keeps_the_handler() {
        let r = run_check(&with_probes(zk_probe(), zk_probe()), super::CHECK);
        assert_eq!(r.len(), 1);
        assert!(
            r[0].evidence[0].contains("both exec sh -c zookeeper-ready 2181 (periodSeconds 10, timeoutSeconds 5, failureThreshold 3)"),
            "{:?}",
            r[0].evidence
        );
        assert_eq!(
            r[0].commands[0].command,
            r#"kubectl -n shop patch statefulset zk --type=strategic -p '{"spec":{"template":{"spec":{"containers":[{"livenessProbe":{"failureThreshold":9,"timeoutSeconds":5},"name":"kubernetes-zookeeper"}]}}}}'"#
        );
        assert!(
            r[0].commands[0]
                .description
                .contains("out of the Service after about 30s, restarted only after about 90s")
        );
    }

    #[test]
    fn defaults_written_out_or_left_out_compare_alike() {
        // A stored object shows the API defaults; a manifest omits them.
        let mut full = zk_probe();
        full["periodSeconds"] = json!(10);
        full["successThreshold"] = json!(1);
        full["failureThreshold"] = json!(3);
        assert_eq!(
            run_check(&with_probes(full, zk_probe()), super::CHECK).len(),
            1
        );
        let http = |scheme: Option<&str>| {
            let mut h = json!({"httpGet": {"path": "/health", "port": 8080}});
            if let Some(s) = scheme {
                h["httpGet"]["scheme"] = json!(s);
            }
            h
        };
        assert_eq!(
            run_check(&with_probes(http(Some("HTTP")), http(None)), super::CHECK).len(),
            1
        );
    }

    #[test]
    fn different_checks_or_timings_are_quiet() {
        // The mysql docs example: mysqladmin ping for liveness, a query for readiness.
        let live = json!({"exec": {"command": ["mysqladmin", "ping"]}, "initialDelaySeconds": 30, "periodSeconds": 10, "timeoutSeconds": 5});
        let ready = json!({"exec": {"command": ["mysql", "-h", "127.0.0.1", "-e", "SELECT 1"]}, "initialDelaySeconds": 5, "periodSeconds": 2, "timeoutSeconds": 1});
        assert!(run_check(&with_probes(live, ready), super::CHECK).is_empty());
        // Same check, liveness already more patient.
        let mut patient = zk_probe();
        patient["failureThreshold"] = json!(6);
        assert!(run_check(&with_probes(patient, zk_probe()), super::CHECK).is_empty());
    }
}
