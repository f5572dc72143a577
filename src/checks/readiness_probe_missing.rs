//! `readiness-probe-missing`: no container of the pod template has a readinessProbe, so the
//! pod counts as Ready as soon as its processes start. One gated container (the server) is
//! enough: a sidecar without a probe (wal-g, an exporter, xtrabackup, istio-proxy, a log
//! shipper) is not a finding, since pod readiness already waits for the server. A StatefulSet rollout waits for
//! each replaced member to be Ready before taking the next one down: without a probe it
//! moves on while the member is still replaying its log or rejoining, and can take a
//! second member down before the first is back (quorum loss during a routine rollout).
//! The Service also sends clients to members that cannot serve yet.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::model::Service;
use crate::model::{Container, PodSpec, StatefulSet};
use crate::snapshot::Source;
use crate::sts;
use crate::sts::template::{pod_spec, template_change_note};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::{Value, json};

pub const CHECK: Check = Check {
    id: "readiness-probe-missing",
    needs: &[Source::StatefulSets],
    run,
};

/// The container's first declared port, by name when it has one, for a TCP probe.
pub(crate) fn probe_port(c: &Container) -> Option<Value> {
    let p = c.ports.as_deref()?.first()?;
    Some(match p.name.as_deref().filter(|n| !n.is_empty()) {
        Some(n) => json!(n),
        None => json!(p.container_port),
    })
}

/// Whether `c` listens on one of the Service's ports (its `targetPort`, by number or name,
/// else its `port`).
fn serves(c: &Container, svc: &Service) -> bool {
    let ports = svc
        .spec
        .as_ref()
        .and_then(|s| s.ports.as_deref())
        .unwrap_or_default();
    c.ports.iter().flatten().any(|cp| {
        ports.iter().any(|sp| match &sp.target_port {
            Some(IntOrString::Int(n)) => *n == cp.container_port,
            Some(IntOrString::String(name)) => cp.name.as_deref() == Some(name.as_str()),
            None => sp.port == cp.container_port,
        })
    })
}

/// The container whose readiness the pod should be gated on: the one serving a port of the
/// governing Service, else the first (sidecars are conventionally listed after it), and why.
fn main_container<'a>(
    ctx: &Ctx<'a>,
    sts: &'a StatefulSet,
    spec: &'a PodSpec,
) -> Option<(&'a Container, String)> {
    let ns = k8s::namespace(&sts.metadata);
    let svc_name = sts
        .spec
        .as_ref()
        .and_then(|s| s.service_name.as_deref())
        .filter(|s| !s.is_empty());
    if let Some(svc) = svc_name.and_then(|n| ctx.idx.service.get(&(ns, n)))
        && let Some(c) = spec.containers.iter().find(|c| serves(c, svc))
    {
        let why = format!(
            "it serves a port of the governing Service {}",
            k8s::name(&svc.metadata)
        );
        return Some((c, why));
    }
    let c = spec.containers.first()?;
    Some((c, "it is the pod's first container".to_string()))
}

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    for sts in &ctx.snap.statefulsets {
        let Some(spec) = pod_spec(sts) else { continue };
        // Readiness is per pod: one gated container (the server) holds the whole pod out of
        // rollouts and endpoints until it is ready. A backup agent, exporter, mesh proxy or
        // log shipper without a probe of its own is normal and gates nothing that matters.
        if spec.containers.iter().any(|c| c.readiness_probe.is_some()) {
            continue;
        }
        let Some((main, why)) = main_container(ctx, sts, spec) else {
            continue;
        };
        let ns = k8s::namespace(&sts.metadata);
        let name = k8s::name(&sts.metadata);
        let mut f = ctx.finding(
            CHECK.id,
            ObjectRef::namespaced("StatefulSet", ns, name),
            Some(name),
            format!(
                "{name}: no container has a readinessProbe (main container {}), so a rollout moves on to the next member before the restarted one has rejoined",
                main.name
            ),
        );
        f.evidence.push(
            "without a readiness probe a member is Ready as soon as its processes start: the rolling update (and the Service) treat a member that is still recovering as healthy".to_string()
        );
        let others: Vec<&str> = spec
            .containers
            .iter()
            .filter(|c| c.name != main.name)
            .map(|c| c.name.as_str())
            .collect();
        let rest = if others.is_empty() {
            String::new()
        } else {
            format!(
                "; the others ({}) need none once it has one",
                others.join(", ")
            )
        };
        match probe_port(main) {
            Some(port) => {
                f.evidence.push(format!(
                    "container {} is the one to gate on: {why}; first port {port}{rest}",
                    main.name
                ));
                let patch = json!({
                    "name": main.name,
                    "readinessProbe": {"tcpSocket": {"port": port}, "periodSeconds": 10, "failureThreshold": 3},
                });
                f.commands.push(Remedy::run(
                    format!(
                        "Add a TCP readinessProbe on the declared port to {} (a start: prefer the application's own health check, e.g. an exec of its status command, which also proves the member rejoined its cluster). {}",
                        main.name,
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
                            &sts::template::containers_patch(vec![patch]),
                        ],
                    ),
                ));
            }
            None => {
                f.evidence.push(format!(
                    "container {} is the one to gate on: {why}; it declares no port{rest}",
                    main.name
                ));
                f.commands.push(Remedy::run(
                    format!(
                        "Add a readinessProbe to {} under spec.template.spec.containers: it declares no port, so use the application's own health command (exec) or HTTP endpoint. {}",
                        main.name,
                        template_change_note(sts)
                    ),
                    ctx.kubectl.argv(Some(ns), &["edit", "statefulset", name]),
                ));
            }
        }
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use crate::testutil::*;
    use serde_json::json;

    #[test]
    fn fires_with_a_tcp_probe_on_the_named_port() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        assert_eq!(
            r[0].commands[0].command,
            r#"kubectl -n shop patch statefulset db --type=strategic -p '{"spec":{"template":{"spec":{"containers":[{"name":"db","readinessProbe":{"failureThreshold":3,"periodSeconds":10,"tcpSocket":{"port":"pg"}}}]}}}}'"#
        );
        assert!(r[0].commands[0].description.contains("rolling restart"));
    }

    #[test]
    fn a_sidecar_without_a_probe_is_not_a_finding() {
        // The k8s docs mysql example: mysql is gated, xtrabackup (port 3307) is not.
        let mut s = snapshot();
        s.statefulsets.push(merged(
            &sts("shop", "db", 3),
            json!({"spec": {"template": {"spec": {"containers": [
                {"name": "mysql", "image": "mysql:5.7", "ports": [{"name": "mysql", "containerPort": 3306}],
                 "readinessProbe": {"exec": {"command": ["mysql", "-h", "127.0.0.1", "-e", "SELECT 1"]}}},
                {"name": "xtrabackup", "image": "gcr.io/google-samples/xtrabackup:1.0",
                 "ports": [{"name": "xtrabackup", "containerPort": 3307}]}]}}}}),
        ));
        assert!(run_check(&s, super::CHECK).is_empty());
    }

    #[test]
    fn names_the_container_serving_the_governing_service() {
        // The exporter is listed first; the Service's targetPort names postgres's port.
        let mut s = snapshot();
        s.statefulsets.push(merged(
            &sts("shop", "db", 3),
            json!({"spec": {"template": {"spec": {"containers": [
                {"name": "metrics", "image": "quay.io/prometheuscommunity/postgres-exporter:v0.15.0",
                 "ports": [{"name": "http-metrics", "containerPort": 9187}]},
                {"name": "postgresql", "image": "postgres:16",
                 "ports": [{"name": "tcp-postgresql", "containerPort": 5432}]}]}}}}),
        ));
        s.services.push(merged(
            &service("shop", "db", None),
            json!({"spec": {"ports": [{"name": "tcp-postgresql", "port": 5432, "targetPort": "tcp-postgresql"}]}}),
        ));
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        assert!(
            r[0].summary.contains("main container postgresql"),
            "{}",
            r[0].summary
        );
        assert!(
            r[0].evidence[1].contains("serves a port of the governing Service db"),
            "{:?}",
            r[0].evidence
        );
        assert!(
            r[0].evidence[1].contains("the others (metrics) need none"),
            "{:?}",
            r[0].evidence
        );
        assert_eq!(
            r[0].commands[0].command,
            r#"kubectl -n shop patch statefulset db --type=strategic -p '{"spec":{"template":{"spec":{"containers":[{"name":"postgresql","readinessProbe":{"failureThreshold":3,"periodSeconds":10,"tcpSocket":{"port":"tcp-postgresql"}}}]}}}}'"#
        );
        // Without a matching Service the first container is the guess.
        s.services.clear();
        let r = run_check(&s, super::CHECK);
        assert!(
            r[0].summary.contains("main container metrics"),
            "{}",
            r[0].summary
        );
        assert!(r[0].evidence[1].contains("first container"));
    }

    #[test]
    fn a_main_container_without_ports_gets_an_edit_not_a_guess() {
        let mut s = snapshot();
        s.statefulsets.push(merged(
            &sts("shop", "db", 3),
            json!({"spec": {"template": {"spec": {"containers": [
                {"name": "worker", "image": "x"}, {"name": "sidecar", "image": "y"}]}}}}),
        ));
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        assert!(r[0].summary.contains("main container worker"));
        assert_eq!(r[0].commands.len(), 1);
        assert_eq!(
            r[0].commands[0].command,
            "kubectl -n shop edit statefulset db"
        );
    }

    #[test]
    fn quiet_when_every_container_has_one() {
        let mut s = snapshot();
        s.statefulsets.push(merged(
            &sts("shop", "db", 3),
            json!({"spec": {"template": {"spec": {"containers": [
                {"name": "db", "image": "x", "readinessProbe": {"tcpSocket": {"port": 5432}}}]}}}}),
        ));
        assert!(run_check(&s, super::CHECK).is_empty());
    }
}
