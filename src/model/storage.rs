//! PersistentVolumes and VolumeAttachments.

use super::map::SmallMap;
use super::meta::{Meta, ReadMeta, read_meta};
use super::reference::ObjectReference;
use super::shared::Shared;
use super::text::Text;
use super::{nullable, object};
use k8s_openapi::ClusterResourceScope;
use k8s_openapi::api::core::v1::{
    AWSElasticBlockStoreVolumeSource, AzureDiskVolumeSource, GCEPersistentDiskVolumeSource,
    HostPathVolumeSource, LocalVolumeSource, NFSVolumeSource, SecretReference, VolumeNodeAffinity,
};
use k8s_openapi::api::storage::v1::VolumeError;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(bound(deserialize = "M: ReadMeta"))]
pub struct PersistentVolume<M = Meta> {
    #[serde(default, deserialize_with = "read_meta")]
    pub metadata: M,
    #[serde(default)]
    pub spec: Option<PersistentVolumeSpec>,
    #[serde(default)]
    pub status: Option<PersistentVolumeStatus>,
}

object!(PersistentVolume<M>, "", "v1", "v1", "persistentvolumes", ClusterResourceScope, {
    spec => "spec",
    status => "status",
});

/// As kube lists and watches it (its `Resource` hands out `&ObjectMeta`).
pub type LivePersistentVolume = PersistentVolume<ObjectMeta>;

/// The sources the tool names or copies (CSI and the in-tree disks, local, hostPath,
/// NFS), each boxed: a volume has one, and an unset box costs a pointer, not the struct.
/// Other sources (iSCSI, Ceph, …) are dropped: the tool reads nothing from them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PersistentVolumeSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_modes: Option<Vec<Text>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws_elastic_block_store: Option<Box<AWSElasticBlockStoreVolumeSource>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azure_disk: Option<Box<AzureDiskVolumeSource>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<SmallMap<Quantity>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim_ref: Option<Box<ObjectReference>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csi: Option<Box<CSIPersistentVolumeSource>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gce_persistent_disk: Option<Box<GCEPersistentDiskVolumeSource>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_path: Option<Box<HostPathVolumeSource>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local: Option<Box<LocalVolumeSource>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mount_options: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nfs: Option<Box<NFSVolumeSource>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_affinity: Option<Shared<VolumeNodeAffinity>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persistent_volume_reclaim_policy: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_class_name: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_mode: Option<Text>,
}

/// A CSI volume, the source of nearly every dynamically provisioned volume: k8s-openapi's
/// fields, names and order, with the driver and file system as [`Text`], the attributes
/// (the provisioner's identity on every volume) as a [`SmallMap`] instead of a
/// `BTreeMap` node, and the five secret references, rarely set, boxed (48 bytes each
/// inline otherwise).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CSIPersistentVolumeSource {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller_expand_secret_ref: Option<Box<SecretReference>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller_publish_secret_ref: Option<Box<SecretReference>>,
    #[serde(default, deserialize_with = "nullable")]
    pub driver: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fs_type: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_expand_secret_ref: Option<Box<SecretReference>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_publish_secret_ref: Option<Box<SecretReference>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_stage_secret_ref: Option<Box<SecretReference>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_attributes: Option<SmallMap<Text>>,
    #[serde(default, deserialize_with = "nullable")]
    pub volume_handle: String,
}

/// k8s-openapi's fields, names and order, with the phase (`Bound` or `Released` on
/// thousands of volumes) as [`Text`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PersistentVolumeStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_phase_transition_time: Option<Time>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(bound(deserialize = "M: ReadMeta"))]
pub struct VolumeAttachment<M = Meta> {
    #[serde(default, deserialize_with = "read_meta")]
    pub metadata: M,
    #[serde(default, deserialize_with = "nullable")]
    pub spec: VolumeAttachmentSpec,
    #[serde(default)]
    pub status: Option<VolumeAttachmentStatus>,
}

object!(VolumeAttachment<M>, "storage.k8s.io", "v1", "storage.k8s.io/v1", "volumeattachments",
    ClusterResourceScope, {
    spec => "spec",
    status => "status",
});

/// As kube lists and watches it (its `Resource` hands out `&ObjectMeta`).
pub type LiveVolumeAttachment = VolumeAttachment<ObjectMeta>;

/// Without `source.inlineVolumeSpec`: a whole PersistentVolumeSpec inline, for migrated
/// in-tree volumes, that the tool never reads.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VolumeAttachmentSpec {
    #[serde(default, deserialize_with = "nullable")]
    pub attacher: Text,
    #[serde(default, deserialize_with = "nullable")]
    pub node_name: Text,
    #[serde(default, deserialize_with = "nullable")]
    pub source: VolumeAttachmentSource,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VolumeAttachmentSource {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persistent_volume_name: Option<String>,
}

/// Without `attachmentMetadata` (driver-private keys the tool never reads).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VolumeAttachmentStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attach_error: Option<Box<VolumeError>>,
    #[serde(default, deserialize_with = "nullable")]
    pub attached: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detach_error: Option<Box<VolumeError>>,
}

impl super::Unset for VolumeAttachmentSpec {
    fn unset(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_csi_source_is_written_back_as_k8s_openapi_writes_it() {
        let json = json!({"driver": "ebs.csi.aws.com", "volumeHandle": "vol-09e2d3a43ba060ff0",
            "fsType": "ext4", "nodeStageSecretRef": {"name": "s", "namespace": "kube-system"},
            "volumeAttributes": {"storage.kubernetes.io/csiProvisionerIdentity": "1763-ebs",
                                 "a": "b"}});
        let compact = crate::model::writes_like::<
            k8s_openapi::api::core::v1::CSIPersistentVolumeSource,
            CSIPersistentVolumeSource,
        >(json);
        assert_eq!(compact.volume_attributes.map(|a| a.len()), Some(2));
        assert!(
            std::mem::size_of::<CSIPersistentVolumeSource>() + 200
                < std::mem::size_of::<k8s_openapi::api::core::v1::CSIPersistentVolumeSource>()
        );
    }

    #[test]
    fn a_volume_status_is_written_back_as_k8s_openapi_writes_it() {
        let json = json!({"lastPhaseTransitionTime": "2026-11-20T00:00:00Z",
            "message": "released by db-0", "phase": "Released", "reason": "x"});
        crate::model::writes_like::<
            k8s_openapi::api::core::v1::PersistentVolumeStatus,
            PersistentVolumeStatus,
        >(json);
    }
}
