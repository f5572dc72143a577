//! `service-not-headless`: the StatefulSet's governing Service (`spec.serviceName`) has a
//! cluster IP. Only a headless Service (`clusterIP: None`) gives each member its own DNS
//! record (`<pod>.<service>.<namespace>.svc`); with a virtual IP the names peers use to find
//! each other do not resolve, and clients are load-balanced across members instead of
//! reaching the one they asked for. A Service without a `clusterIP` field (a manifest) is not
//! headless: the API server allocates a virtual IP (`k8s::service::is_headless`). `clusterIP` is immutable, so the Service has to be
//! deleted and re-created.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::manifest;
use crate::model::Service;
use crate::snapshot::Source;
use serde_json::{Map, Value, json};

pub const CHECK: Check = Check {
    id: "service-not-headless",
    needs: &[Source::StatefulSets, Source::Services],
    run,
};

/// The Service re-written as headless: same name, labels, selector and ports (without node
/// ports), `clusterIP: None`, and `publishNotReadyAddresses: true` so members resolve each
/// other before they are Ready (bootstrap of a quorum needs it).
fn headless_copy(svc: &Service, ns: &str, name: &str) -> Value {
    let mut meta = manifest::metadata(name, ns);
    if let Some(l) = svc.metadata.labels.as_ref().filter(|l| !l.is_empty()) {
        meta["labels"] = json!(l);
    }
    let annotations: Map<String, Value> = svc
        .metadata
        .annotations
        .iter()
        .flatten()
        .filter(|(k, _)| k.as_str() != crate::model::LAST_APPLIED)
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    if !annotations.is_empty() {
        meta["annotations"] = Value::Object(annotations);
    }
    let spec = svc.spec.as_ref();
    let mut s = json!({"clusterIP": "None", "publishNotReadyAddresses": true});
    if let Some(sel) = spec
        .and_then(|s| s.selector.as_ref())
        .filter(|s| !s.is_empty())
    {
        s["selector"] = json!(sel);
    }
    let ports: Vec<Value> = spec
        .and_then(|s| s.ports.as_deref())
        .unwrap_or_default()
        .iter()
        .filter_map(|p| serde_json::to_value(p).ok())
        .map(|mut p| {
            if let Some(o) = p.as_object_mut() {
                o.remove("nodePort");
            }
            p
        })
        .collect();
    if !ports.is_empty() {
        s["ports"] = Value::Array(ports);
    }
    json!({"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": s})
}

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    for sts in &ctx.snap.statefulsets {
        let ns = k8s::namespace(&sts.metadata);
        let name = k8s::name(&sts.metadata);
        let Some(svc_name) = sts
            .spec
            .as_ref()
            .and_then(|s| s.service_name.as_deref())
            .filter(|s| !s.is_empty())
        else {
            continue;
        };
        let Some(svc) = ctx.idx.service.get(&(ns, svc_name)) else {
            continue;
        };
        if k8s::service::is_headless(svc) {
            continue;
        }
        let spec = svc.spec.as_ref();
        let addr = k8s::service::address(svc);
        let svc_type = spec.and_then(|s| s.type_.as_deref()).unwrap_or("ClusterIP");
        let mut f = ctx.finding(
            CHECK.id,
            ObjectRef::namespaced("Service", ns, svc_name),
            Some(name),
            format!(
                "governing Service {svc_name} of {name} is not headless ({addr}): members get no per-pod DNS names, so peers cannot address each other"
            ),
        );
        f.evidence.push(format!(
            "{name}-0.{svc_name}.{ns}.svc only exists for a headless Service (clusterIP: None); with a virtual IP, peer discovery by member name fails and clients are load-balanced across members"
        ));
        f.evidence.push(format!(
            "Service {svc_name}: type {svc_type}, {addr}; clusterIP is immutable once set: it cannot be patched to None"
        ));
        if svc_type != "ClusterIP" && svc_type != "ExternalName" {
            f.evidence.push(format!(
                "type {svc_type}: clients outside the cluster use it; give them their own Service before re-creating this one as headless"
            ));
        }
        let desc = if svc_type == "ClusterIP" {
            format!(
                "Step 1, clusterIP cannot be changed: delete {svc_name} (peer and client DNS for {name} fails until step 2 is applied; clients of {svc_name}.{ns}.svc then get the members' addresses instead of a virtual IP)"
            )
        } else {
            format!(
                "Step 1, clusterIP cannot be changed: delete {svc_name} (its {svc_type} address goes away with it: move external clients to a separate Service first)"
            )
        };
        f.commands.push(Remedy::run(
            desc,
            ctx.kubectl.argv(Some(ns), &["delete", "service", svc_name]),
        ));
        f.commands.push(Remedy::with_stdin(
            format!(
                "Step 2: re-create {svc_name} as headless with the same selector and ports, publishing not-ready members so they can find each other while starting"
            ),
            ctx.kubectl.argv(None, &["apply", "-f", "-"]),
            manifest::to_yaml(&headless_copy(svc, ns, svc_name)),
        ));
        f.commands.push(Remedy::run(
            "Check that every member is listed again",
            ctx.kubectl.argv(
                Some(ns),
                &[
                    "get",
                    "endpointslices",
                    "-l",
                    &format!("kubernetes.io/service-name={svc_name}"),
                    "-o",
                    "wide",
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

    #[test]
    fn a_cluster_ip_service_fires_on_the_service_with_delete_and_recreate() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        s.services.push(merged(
            &service("shop", "db", Some("10.0.0.5")),
            json!({"spec": {"ports": [{"name": "pg", "port": 5432, "targetPort": 5432, "protocol": "TCP"}],
                            "clusterIPs": ["10.0.0.5"]}}),
        ));
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        let f = &r[0];
        assert_eq!(f.object.kind, "Service");
        assert_eq!(f.statefulset.as_deref(), Some("db"));
        assert_eq!(f.commands[0].command, "kubectl -n shop delete service db");
        let doc = f.commands[1].stdin().unwrap();
        assert!(
            doc.contains("clusterIP: None") && !doc.contains("10.0.0.5"),
            "{doc}"
        );
        assert!(
            doc.contains("port: 5432") && doc.contains("app: db"),
            "{doc}"
        );
    }

    #[test]
    fn a_service_without_the_cluster_ip_field_is_not_headless() {
        // The shape of a manifest that forgot `clusterIP: None`: the API server allocates a
        // virtual IP on create, so it must fire, and the re-created copy is headless.
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        s.services.push(from_json(json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "db", "namespace": "shop"},
            "spec": {"selector": {"app": "db"}, "ports": [{"name": "pg", "port": 5432}]}
        })));
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        assert!(
            r[0].summary.contains("no clusterIP field"),
            "{}",
            r[0].summary
        );
        assert_eq!(
            r[0].commands[0].command,
            "kubectl -n shop delete service db"
        );
        assert!(
            r[0].commands[1]
                .stdin()
                .unwrap()
                .contains("clusterIP: None")
        );
    }

    #[test]
    fn headless_or_missing_services_are_quiet() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        s.statefulsets.push(sts("shop", "other", 3));
        s.services.push(service("shop", "db", None));
        assert!(run_check(&s, super::CHECK).is_empty());
    }
}
