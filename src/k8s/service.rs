//! What a Service gives a StatefulSet's members: per-pod DNS records only when it is
//! headless.

use crate::model::Service;

/// Whether `svc` is headless. Only `clusterIP: None` is: a Service created without the
/// field (a manifest, `kubectl create service clusterip`) gets a virtual IP allocated by the
/// API server, and an ExternalName Service is a DNS alias. Neither publishes
/// `<pod>.<service>` records. `clusterIPs: [None]` alone counts too, because the API server
/// fills `clusterIP` from its first entry.
pub fn is_headless(svc: &Service) -> bool {
    let Some(spec) = svc.spec.as_ref() else {
        return false;
    };
    match spec.cluster_ip.as_deref().filter(|ip| !ip.is_empty()) {
        Some(ip) => ip == "None",
        None => spec
            .cluster_ips
            .as_deref()
            .and_then(|ips| ips.first())
            .is_some_and(|ip| ip == "None"),
    }
}

/// How the Service is addressed instead, for evidence: `cluster IP 10.0.0.5`, `no clusterIP
/// field, so a virtual IP is allocated on create`, `type ExternalName`.
pub fn address(svc: &Service) -> String {
    let spec = svc.spec.as_ref();
    if spec.and_then(|s| s.type_.as_deref()) == Some("ExternalName") {
        return "type ExternalName (a DNS alias)".to_string();
    }
    match spec
        .and_then(|s| s.cluster_ip.as_deref())
        .filter(|ip| !ip.is_empty())
    {
        Some(ip) => format!("cluster IP {ip}"),
        None => "no clusterIP field, so a virtual IP is allocated on create".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn svc(spec: serde_json::Value) -> Service {
        serde_json::from_value(json!({"metadata": {"name": "s"}, "spec": spec})).unwrap()
    }

    #[test]
    fn only_cluster_ip_none_is_headless() {
        assert!(is_headless(&svc(json!({"clusterIP": "None"}))));
        assert!(is_headless(&svc(json!({"clusterIPs": ["None"]}))));
        // The manifest shape: no field at all gets a virtual IP.
        assert!(!is_headless(&svc(json!({"ports": [{"port": 80}]}))));
        assert!(!is_headless(&svc(json!({"clusterIP": ""}))));
        assert!(!is_headless(&svc(json!({"clusterIP": "10.96.0.12"}))));
        assert!(!is_headless(&svc(
            json!({"type": "ExternalName", "externalName": "db.example.com"})
        )));
        assert!(!is_headless(
            &serde_json::from_value(json!({"metadata": {"name": "s"}})).unwrap()
        ));
    }

    #[test]
    fn the_address_says_what_replaces_per_pod_records() {
        assert_eq!(
            address(&svc(json!({"clusterIP": "10.96.0.12"}))),
            "cluster IP 10.96.0.12"
        );
        assert!(address(&svc(json!({}))).starts_with("no clusterIP field"));
        assert!(address(&svc(json!({"type": "ExternalName"}))).contains("ExternalName"));
    }
}
