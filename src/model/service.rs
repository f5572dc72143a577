//! Services: one or two per StatefulSet (the governing one, often a client one).
//! k8s-openapi's keeps some twenty optional fields inline, a `BTreeMap` node for the
//! selector and the full `ObjectMeta`: 1.5–2.2 KB a Service (issue 15). These keep what the
//! checks read, under the same names: the addresses (headless or not), the ports, the
//! selector, the type, and whether not-ready members are published. `kubectl sts snapshot`
//! writes these fields; a headless copy is printed from them.

use super::map::SmallMap;
use super::meta::{Meta, ReadMeta, read_meta};
use super::object;
use super::text::Text;
use k8s_openapi::NamespaceResourceScope;
use k8s_openapi::api::core::v1::ServicePort;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(bound(deserialize = "M: ReadMeta"))]
pub struct Service<M = Meta> {
    #[serde(default, deserialize_with = "read_meta")]
    pub metadata: M,
    #[serde(default)]
    pub spec: Option<ServiceSpec>,
}

object!(Service<M>, "", "v1", "v1", "services", NamespaceResourceScope, {
    spec => "spec",
});

/// As kube lists and watches it (its `Resource` hands out `&ObjectMeta`).
pub type LiveService = Service<ObjectMeta>;

/// In k8s-openapi's (alphabetical) order of the API names, as it writes them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceSpec {
    #[serde(rename = "clusterIP", default, skip_serializing_if = "Option::is_none")]
    pub cluster_ip: Option<String>,
    #[serde(
        rename = "clusterIPs",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub cluster_ips: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ports: Option<Vec<ServicePort>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publish_not_ready_addresses: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<SmallMap<Text>>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<Text>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The kept fields are written as k8s-openapi writes them; the others (the status,
    /// session affinity, IP families) are dropped as the Service is read.
    #[test]
    fn keeps_what_the_checks_read_and_writes_it_as_k8s_openapi_does() {
        let kept = json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "db", "namespace": "shop", "labels": {"app": "db"}},
            "spec": {"clusterIP": "None", "clusterIPs": ["None"], "publishNotReadyAddresses": true,
                     "selector": {"app": "db"}, "type": "ClusterIP",
                     "ports": [{"name": "pg", "port": 5432, "targetPort": "pg", "protocol": "TCP"}]}});
        let svc: Service =
            crate::model::writes_like::<k8s_openapi::api::core::v1::Service, _>(kept.clone());
        assert_eq!(
            svc.spec
                .as_ref()
                .unwrap()
                .selector
                .as_ref()
                .unwrap()
                .get("app")
                .unwrap(),
            "db"
        );
        let mut full = kept.clone();
        full["spec"]["sessionAffinity"] = json!("None");
        full["spec"]["ipFamilies"] = json!(["IPv4"]);
        full["status"] = json!({"loadBalancer": {}});
        let read: Service = serde_json::from_value(full).unwrap();
        assert_eq!(read, svc);
        assert_eq!(serde_json::to_value(&read).unwrap(), kept);
    }
}
