//! PersistentVolumeClaims, as many as pods. k8s-openapi's claim keeps each quantity map
//! in a `BTreeMap` (a ~540-byte node for the one `storage` entry) and every optional part
//! inline; here the maps are [`SmallMap`]s and the rarely set parts boxed. Every field of
//! the API's claim is kept: `kubectl sts snapshot` writes claims back whole.
//! A StatefulSet's claim templates are read as claims too; plans print them from the set's
//! text ([`super::StatefulSet`]).

use super::map::SmallMap;
use super::meta::{Meta, ReadMeta, read_meta};
use super::object;
use super::text::Text;
use k8s_openapi::NamespaceResourceScope;
use k8s_openapi::api::core::v1::{
    ModifyVolumeStatus, PersistentVolumeClaimCondition, TypedLocalObjectReference,
    TypedObjectReference,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(bound(deserialize = "M: ReadMeta"))]
pub struct PersistentVolumeClaim<M = Meta> {
    #[serde(default, deserialize_with = "read_meta")]
    pub metadata: M,
    #[serde(default)]
    pub spec: Option<PersistentVolumeClaimSpec>,
    #[serde(default)]
    pub status: Option<PersistentVolumeClaimStatus>,
}

object!(PersistentVolumeClaim<M>, "", "v1", "v1", "persistentvolumeclaims",
    NamespaceResourceScope, {
    spec => "spec",
    status => "status",
});

/// As kube lists and watches it (its `Resource` hands out `&ObjectMeta`).
pub type LivePersistentVolumeClaim = PersistentVolumeClaim<ObjectMeta>;

impl PersistentVolumeClaim {
    /// `spec.resources.requests.storage`, as written.
    pub fn storage_request(&self) -> Option<&str> {
        let requests = self.spec.as_ref()?.resources.as_ref()?.requests.as_ref()?;
        requests.get("storage").map(|q| q.0.as_str())
    }

    /// `status.capacity.storage`, as written.
    pub fn storage_capacity(&self) -> Option<&str> {
        let capacity = self.status.as_ref()?.capacity.as_ref()?;
        capacity.get("storage").map(|q| q.0.as_str())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PersistentVolumeClaimSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_modes: Option<Vec<Text>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_source: Option<Box<TypedLocalObjectReference>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_source_ref: Option<Box<TypedObjectReference>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<VolumeResourceRequirements>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<Box<LabelSelector>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_class_name: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_attributes_class_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_mode: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_name: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VolumeResourceRequirements {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<SmallMap<Quantity>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests: Option<SmallMap<Quantity>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PersistentVolumeClaimStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_modes: Option<Vec<Text>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocated_resource_statuses: Option<SmallMap<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocated_resources: Option<SmallMap<Quantity>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<SmallMap<Quantity>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<PersistentVolumeClaimCondition>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_volume_attributes_class_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modify_volume_status: Option<Box<ModifyVolumeStatus>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<Text>,
}
