//! Pods: the most numerous kind. k8s-openapi's `Pod` stores every optional field inline (a
//! `Container` is 2.1 KB and a `Volume` 3.2 KB before any string), so a pod with one
//! container and one claim costs ~13 KB. These types keep what the checks, commands and
//! renderers read, under the same names and nesting; rarely set, large parts are boxed.
//! A StatefulSet's pod template is read as this `PodSpec` too ([`super::StatefulSet`]);
//! plans print the template from the set's text, which keeps every field.

use super::map::SmallMap;
use super::meta::{Meta, ReadMeta, read_meta};
use super::shared::Shared;
use super::text::Text;
use super::{nullable, object};
use k8s_openapi::NamespaceResourceScope;
use k8s_openapi::api::core::v1::{
    Affinity, ContainerPort, ContainerState, EmptyDirVolumeSource, EnvFromSource, EnvVar,
    EphemeralVolumeSource, HostPathVolumeSource, Lifecycle, LocalObjectReference,
    PersistentVolumeClaimVolumeSource, PodSecurityContext, Probe, ResourceClaim, Toleration,
    TopologySpreadConstraint, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(bound(deserialize = "M: ReadMeta"))]
pub struct Pod<M = Meta> {
    #[serde(default, deserialize_with = "read_meta")]
    pub metadata: M,
    #[serde(default)]
    pub spec: Option<PodSpec>,
    #[serde(default)]
    pub status: Option<PodStatus>,
}

object!(Pod<M>, "", "v1", "v1", "pods", NamespaceResourceScope, {
    spec => "spec",
    status => "status",
});

/// As kube lists and watches it (its `Resource` hands out `&ObjectMeta`).
pub type LivePod = Pod<ObjectMeta>;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affinity: Option<Shared<Affinity>>,
    #[serde(default, deserialize_with = "nullable")]
    pub containers: Shared<Vec<Container>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_pull_secrets: Option<Vec<LocalObjectReference>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init_containers: Option<Shared<Vec<Container>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_name: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_selector: Option<SmallMap<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overhead: Option<SmallMap<Quantity>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_class_name: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduler_name: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_context: Option<Shared<PodSecurityContext>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account_name: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subdomain: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub termination_grace_period_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerations: Option<Shared<Vec<Toleration>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topology_spread_constraints: Option<Shared<Vec<TopologySpreadConstraint>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "data_volumes")]
    pub volumes: Option<Vec<Volume>>,
}

/// A container of a pod. Probes and the environment are boxed: most pods' containers
/// have few of them, and an unset box is a pointer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Container {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<Vec<EnvVar>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env_from: Option<Vec<EnvFromSource>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Hooks: a template's preStop hook decides how long a member needs to stop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<Box<Lifecycle>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liveness_probe: Option<Box<Probe>>,
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ports: Option<Vec<ContainerPort>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readiness_probe: Option<Box<Probe>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceRequirements>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startup_probe: Option<Box<Probe>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_mounts: Option<Vec<VolumeMount>>,
}

/// A container's resources, with [`SmallMap`]s for the quantities: a `BTreeMap` node each
/// for `limits` and `requests` would be most of a small pod's container.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResourceRequirements {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claims: Option<Vec<ResourceClaim>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<SmallMap<Quantity>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests: Option<SmallMap<Quantity>>,
}

/// A pod volume: the sources the checks tell apart (a claim, scratch space, a host
/// directory, a generic ephemeral volume). Secret, ConfigMap, projected and downward-API
/// volumes are dropped as they are read (nothing reads them and they are on every pod);
/// any other source keeps only its name and `other: true`, so a volume is never mistaken
/// for missing.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Volume {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub empty_dir: Option<Box<EmptyDirVolumeSource>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ephemeral: Option<Box<EphemeralVolumeSource>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_path: Option<Box<HostPathVolumeSource>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub persistent_volume_claim: Option<PersistentVolumeClaimVolumeSource>,
    /// Another source, not kept.
    #[serde(skip)]
    pub other: bool,
    /// A Secret, ConfigMap, projected or downward-API volume: set while reading, for
    /// [`data_volumes`] to drop it.
    #[serde(skip)]
    config: bool,
}

/// A pod's volumes without its config volumes: costly (a projected service-account token
/// is on every pod) and read by nothing. A StatefulSet template's view drops them too: a
/// manifest missing a volume would break the workload, so plans print the set from its
/// text, which keeps them. Dropped as the pod is read, from the cluster or from files, so
/// no list ever holds them.
fn data_volumes<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vec<Volume>>, D::Error> {
    let mut volumes = Option::<Vec<Volume>>::deserialize(d)?;
    if let Some(v) = &mut volumes {
        v.retain(|v| !v.config);
    }
    Ok(volumes)
}

impl<'de> Deserialize<'de> for Volume {
    /// One pass over the keys, without buffering the object (`#[serde(flatten)]` would, on
    /// every volume of every pod).
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{IgnoredAny, MapAccess, Visitor};
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Volume;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a pod volume")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Volume, A::Error> {
                let mut v = Volume::default();
                let mut others = false;
                while let Some(key) = m.next_key::<String>()? {
                    match key.as_str() {
                        "name" => v.name = m.next_value::<Option<String>>()?.unwrap_or_default(),
                        "emptyDir" => v.empty_dir = m.next_value()?,
                        "ephemeral" => v.ephemeral = m.next_value()?,
                        "hostPath" => v.host_path = m.next_value()?,
                        "persistentVolumeClaim" => v.persistent_volume_claim = m.next_value()?,
                        "secret" | "configMap" | "projected" | "downwardAPI" => {
                            v.config |= m.next_value::<Option<IgnoredAny>>()?.is_some();
                        }
                        _ => {
                            m.next_value::<IgnoredAny>()?;
                            others = true;
                        }
                    }
                }
                let kept = v.empty_dir.is_some()
                    || v.ephemeral.is_some()
                    || v.host_path.is_some()
                    || v.persistent_volume_claim.is_some();
                v.other = !kept && !v.config && others;
                Ok(v)
            }
        }
        d.deserialize_map(V)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<PodCondition>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_statuses: Option<Vec<ContainerStatus>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_ip: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init_container_statuses: Option<Vec<ContainerStatus>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nominated_node_name: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qos_class: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<Time>,
}

/// A pod condition: k8s-openapi's fields, names and order, with the type, status and
/// reason (the same few words on every pod) as [`Text`]. What only a condition that is not
/// met carries (its reason and message) and the probe time (which the API server writes
/// as null) are boxed: a real pod has five conditions, and most are met.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(from = "ConditionFields", into = "ConditionFields")]
pub struct PodCondition {
    pub last_transition_time: Option<Time>,
    pub observed_generation: Option<i64>,
    pub status: Text,
    pub type_: Text,
    detail: Option<Box<ConditionDetail>>,
}

#[derive(Debug, Clone, Default, PartialEq)]
struct ConditionDetail {
    last_probe_time: Option<Time>,
    message: Option<String>,
    reason: Option<Text>,
}

impl PodCondition {
    pub fn message(&self) -> Option<&str> {
        self.detail.as_ref()?.message.as_deref()
    }

    pub fn reason(&self) -> Option<&str> {
        self.detail.as_ref()?.reason.as_deref()
    }

    pub fn set_message(&mut self, message: Option<String>) {
        self.detail.get_or_insert_default().message = message;
    }
}

/// A condition as the API writes it (k8s-openapi's field order).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConditionFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_probe_time: Option<Time>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_transition_time: Option<Time>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    observed_generation: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<Text>,
    #[serde(default, deserialize_with = "nullable")]
    status: Text,
    #[serde(default, rename = "type", deserialize_with = "nullable")]
    type_: Text,
}

impl From<ConditionFields> for PodCondition {
    fn from(f: ConditionFields) -> Self {
        PodCondition {
            last_transition_time: f.last_transition_time,
            observed_generation: f.observed_generation,
            status: f.status,
            type_: f.type_,
            detail: super::boxed_if_set(ConditionDetail {
                last_probe_time: f.last_probe_time,
                message: f.message,
                reason: f.reason,
            }),
        }
    }
}

impl From<PodCondition> for ConditionFields {
    fn from(c: PodCondition) -> Self {
        let d = c.detail.map(|d| *d).unwrap_or_default();
        ConditionFields {
            last_probe_time: d.last_probe_time,
            last_transition_time: c.last_transition_time,
            message: d.message,
            observed_generation: c.observed_generation,
            reason: d.reason,
            status: c.status,
            type_: c.type_,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_id: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub image: Text,
    #[serde(default, rename = "imageID", deserialize_with = "nullable")]
    pub image_id: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Shared: `{}` (never restarted) on most containers.
    pub last_state: Option<Shared<ContainerState>>,
    #[serde(default, deserialize_with = "nullable")]
    pub name: Text,
    #[serde(default, deserialize_with = "nullable")]
    pub ready: bool,
    #[serde(default, deserialize_with = "nullable")]
    pub restart_count: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<Box<ContainerState>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_condition_is_written_back_as_k8s_openapi_writes_it() {
        use k8s_openapi::api::core::v1::PodCondition as Full;
        let unmet = crate::model::writes_like::<Full, PodCondition>(
            json!({"lastProbeTime": null, "lastTransitionTime": "2026-11-20T00:00:00Z",
                   "message": "0/3 nodes are available", "observedGeneration": 2,
                   "reason": "Unschedulable", "status": "False", "type": "PodScheduled"}),
        );
        assert_eq!(unmet.reason(), Some("Unschedulable"));
        assert_eq!(unmet.message(), Some("0/3 nodes are available"));
        // A met condition (the API server writes its probe time as null) allocates nothing
        // beyond itself.
        let met = crate::model::writes_like::<Full, PodCondition>(
            json!({"lastProbeTime": null, "lastTransitionTime": "2026-11-20T00:00:00Z",
                   "status": "True", "type": "Ready"}),
        );
        assert!(met.detail.is_none());
        assert_eq!((met.reason(), met.message()), (None, None));
        crate::model::writes_like::<Full, PodCondition>(json!({"type": "Ready"}));
    }
}
