//! `readiness-probe-missing`: a container of the pod template has no readinessProbe, so the
//! pod counts as Ready as soon as its processes start. A StatefulSet rollout waits for
//! each replaced member to be Ready before taking the next one down: without a probe it
//! moves on while the member is still replaying its log or rejoining, and can take a
//! second member down before the first is back (quorum loss during a routine rollout).
//! The Service also sends clients to members that cannot serve yet.

use super::Check;
use super::spread_missing::{pod_spec, template_change_note};
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::snapshot::Source;
use k8s_openapi::api::core::v1::Container;
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

/// A strategic merge patch of the pod template's containers (merged by name).
pub(crate) fn containers_patch(containers: Vec<Value>) -> String {
    json!({"spec": {"template": {"spec": {"containers": containers}}}}).to_string()
}

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    for sts in &ctx.snap.statefulsets {
        let Some(spec) = pod_spec(sts) else { continue };
        let missing: Vec<&Container> = spec
            .containers
            .iter()
            .filter(|c| c.readiness_probe.is_none())
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
                "{name}: container {} has no readinessProbe, so a rollout moves on to the next member before the restarted one has rejoined",
                names.join(", ")
            ),
        );
        f.evidence.push(
            "without a readiness probe a member is Ready as soon as its process starts: the rolling update (and the Service) treat a member that is still recovering as healthy".to_string()
        );
        let mut patches = Vec::new();
        for c in &missing {
            match probe_port(c) {
                Some(port) => {
                    f.evidence.push(format!(
                        "container {}: no readinessProbe; first port {port}",
                        c.name
                    ));
                    patches.push(json!({
                        "name": c.name,
                        "readinessProbe": {"tcpSocket": {"port": port}, "periodSeconds": 10, "failureThreshold": 3},
                    }));
                }
                None => f.evidence.push(format!(
                    "container {}: no readinessProbe and no declared port",
                    c.name
                )),
            }
        }
        if !patches.is_empty() {
            let which: Vec<&str> = patches.iter().filter_map(|p| p["name"].as_str()).collect();
            f.commands.push(Remedy::run(
                format!(
                    "Add a TCP readinessProbe on the declared port to {} (a start: prefer the application's own health check, e.g. an exec of its status command, which also proves the member rejoined its cluster). {}",
                    which.join(", "),
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
        }
        let no_port: Vec<&str> = missing
            .iter()
            .filter(|c| probe_port(c).is_none())
            .map(|c| c.name.as_str())
            .collect();
        if !no_port.is_empty() {
            f.commands.push(Remedy::run(
                format!(
                    "Add a readinessProbe to {} under spec.template.spec.containers: it declares no port, so use the application's own health command (exec) or HTTP endpoint. {}",
                    no_port.join(", "),
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
    fn a_container_without_ports_gets_an_edit_not_a_guess() {
        let mut s = snapshot();
        s.statefulsets.push(merged(
            &sts("shop", "db", 3),
            json!({"spec": {"template": {"spec": {"containers": [
                {"name": "db", "image": "x", "readinessProbe": {"exec": {"command": ["true"]}}},
                {"name": "sidecar", "image": "y"}]}}}}),
        ));
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        assert!(r[0].summary.contains("container sidecar"));
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
