//! EndpointSlices: one or more per Service, an entry per pod. Kept: each endpoint's
//! addresses, conditions, host and the pod it points to. Dropped: ports, topology hints
//! and the deprecated topology map, which nothing reads.

use super::meta::{Meta, ReadMeta, read_meta};
use super::text::Text;
use super::{nullable, object};
use k8s_openapi::NamespaceResourceScope;
use k8s_openapi::api::discovery::v1::EndpointConditions;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[serde(bound(deserialize = "M: ReadMeta"))]
pub struct EndpointSlice<M = Meta> {
    #[serde(default, deserialize_with = "read_meta")]
    pub metadata: M,
    #[serde(default, deserialize_with = "nullable")]
    pub address_type: String,
    #[serde(default, deserialize_with = "nullable")]
    pub endpoints: Vec<Endpoint>,
}

object!(EndpointSlice<M>, "discovery.k8s.io", "v1", "discovery.k8s.io/v1", "endpointslices",
    NamespaceResourceScope, {
    address_type => "addressType",
    endpoints => "endpoints",
});

/// As kube lists and watches it (its `Resource` hands out `&ObjectMeta`).
pub type LiveEndpointSlice = EndpointSlice<ObjectMeta>;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoint {
    #[serde(default, deserialize_with = "nullable")]
    pub addresses: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<EndpointConditions>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_name: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_ref: Option<TargetRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<Text>,
}

/// The object an endpoint stands for (a pod): an `ObjectReference` without the field path,
/// API version and resourceVersion.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TargetRef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
}
