//! The snapshot: plain data holding every object the checks may look at, plus what could
//! not be read. Built by the live collector (`collect`) or from saved files (`file`); the
//! analysis never knows which.

pub mod collect;
pub mod custom;
pub mod extras;
pub mod file;
pub mod prometheus;
pub mod versions;

use crate::model::ControllerRevision;
use crate::model::CustomResources;
use crate::model::EndpointSlice;
use crate::model::Event;
use crate::model::PersistentVolume;
use crate::model::PersistentVolumeClaim;
use crate::model::Pod;
use crate::model::Service;
use crate::model::StatefulSet;
use crate::model::VolumeAttachment;
use jiff::Timestamp;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Node;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::storage::v1::StorageClass;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Every kind the analysis reads, named as its API resource so `skipped` entries and
/// RBAC rules speak the same language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    StatefulSets,
    Pods,
    PersistentVolumeClaims,
    PersistentVolumes,
    Nodes,
    PodDisruptionBudgets,
    Services,
    EndpointSlices,
    Events,
    StorageClasses,
    VolumeAttachments,
    ControllerRevisions,
    Deployments,
    /// Kubelet volume usage: read per node only with `--volume-stats`, so not in [`Source::ALL`].
    VolumeStats,
    /// Volume usage and its trend from Prometheus (`--prometheus`), not in [`Source::ALL`].
    /// Skipped (with the reason) when Prometheus was asked and could not answer.
    Prometheus,
}

impl Source {
    pub const ALL: [Source; 13] = [
        Source::StatefulSets,
        Source::Pods,
        Source::PersistentVolumeClaims,
        Source::PersistentVolumes,
        Source::Nodes,
        Source::PodDisruptionBudgets,
        Source::Services,
        Source::EndpointSlices,
        Source::Events,
        Source::StorageClasses,
        Source::VolumeAttachments,
        Source::ControllerRevisions,
        Source::Deployments,
    ];

    /// The resource name, as in RBAC rules and `kubectl get`.
    pub fn resource(self) -> &'static str {
        match self {
            Source::StatefulSets => "statefulsets",
            Source::Pods => "pods",
            Source::PersistentVolumeClaims => "persistentvolumeclaims",
            Source::PersistentVolumes => "persistentvolumes",
            Source::Nodes => "nodes",
            Source::PodDisruptionBudgets => "poddisruptionbudgets",
            Source::Services => "services",
            Source::EndpointSlices => "endpointslices",
            Source::Events => "events",
            Source::StorageClasses => "storageclasses",
            Source::VolumeAttachments => "volumeattachments",
            Source::ControllerRevisions => "controllerrevisions",
            Source::Deployments => "deployments",
            Source::VolumeStats => "volume-stats",
            Source::Prometheus => "prometheus",
        }
    }

    /// The flag that turns an opt-in source on, for sources the default run never reads.
    /// Volume usage comes from the kubelets or from Prometheus: either flag turns it on.
    /// Prometheus has none here: it is missing only when it was asked for and failed,
    /// which is a skipped source, not an opt-in left off.
    pub fn opt_in_flag(self) -> Option<&'static str> {
        match self {
            Source::VolumeStats => Some("--volume-stats or --prometheus"),
            _ => None,
        }
    }

    pub fn from_resource(s: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|k| k.resource() == s)
    }

    /// The object kind and group/version as they appear in a manifest.
    pub fn kind(self) -> &'static str {
        match self {
            Source::StatefulSets => "StatefulSet",
            Source::Pods => "Pod",
            Source::PersistentVolumeClaims => "PersistentVolumeClaim",
            Source::PersistentVolumes => "PersistentVolume",
            Source::Nodes => "Node",
            Source::PodDisruptionBudgets => "PodDisruptionBudget",
            Source::Services => "Service",
            Source::EndpointSlices => "EndpointSlice",
            Source::Events => "Event",
            Source::StorageClasses => "StorageClass",
            Source::VolumeAttachments => "VolumeAttachment",
            Source::ControllerRevisions => "ControllerRevision",
            Source::Deployments => "Deployment",
            Source::VolumeStats => "volume stats",
            Source::Prometheus => "Prometheus volume trends",
        }
    }

    /// Kinds a release (a chart, a kustomization) ships itself. Run on manifests, a missing
    /// one is missing from the release; the others (nodes, volumes, classes, events) are the
    /// cluster's and simply not in the input.
    pub fn shipped_in_releases(self) -> bool {
        matches!(
            self,
            Source::StatefulSets
                | Source::Pods
                | Source::PersistentVolumeClaims
                | Source::PodDisruptionBudgets
                | Source::Services
                | Source::Deployments
        )
    }

    pub fn namespaced(self) -> bool {
        !matches!(
            self,
            Source::PersistentVolumes
                | Source::Nodes
                | Source::StorageClasses
                | Source::VolumeAttachments
        )
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.resource())
    }
}

/// A data source that could not be read, and why. Checks that need it do not run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    pub source: Source,
    pub reason: String,
}

/// Which namespaces the snapshot covers.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Scope {
    /// `None` means all namespaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

impl Scope {
    pub fn all() -> Self {
        Scope { namespace: None }
    }

    pub fn namespace(ns: &str) -> Self {
        Scope {
            namespace: Some(ns.to_string()),
        }
    }

    pub fn contains(&self, ns: Option<&str>) -> bool {
        match (&self.namespace, ns) {
            (None, _) => true,
            // Cluster-scoped objects are always in scope: they are read whole.
            (Some(_), None) => true,
            (Some(want), Some(ns)) => want == ns,
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "namespace {ns}"),
            None => f.write_str("all namespaces"),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub captured_at: Option<Timestamp>,
    pub scope: Scope,
    pub server_version: Option<String>,
    pub statefulsets: Vec<StatefulSet>,
    pub pods: Vec<Pod>,
    pub pvcs: Vec<PersistentVolumeClaim>,
    pub pvs: Vec<PersistentVolume>,
    pub nodes: Vec<Node>,
    pub pdbs: Vec<PodDisruptionBudget>,
    pub services: Vec<Service>,
    pub endpoint_slices: Vec<EndpointSlice>,
    pub events: Vec<Event>,
    pub storage_classes: Vec<StorageClass>,
    pub volume_attachments: Vec<VolumeAttachment>,
    pub controller_revisions: Vec<ControllerRevision>,
    pub deployments: Vec<Deployment>,
    /// The custom resources of the operators that own StatefulSets, read after the
    /// StatefulSets (one list per operator kind present), and which kinds were listed.
    pub custom: CustomResources,
    pub skipped: Vec<Skipped>,
    /// Things worth knowing about the input that are not findings (duplicates dropped,
    /// kinds ignored), shown once on stderr.
    pub notes: Vec<String>,
    /// Volume usage from the kubelets (`--volume-stats`); `None` when not collected.
    pub volume_stats: Option<Vec<VolumeStat>>,
    /// Volume usage and growth from Prometheus (`--prometheus`); `None` when not read (or
    /// when Prometheus could not answer: then [`Source::Prometheus`] is in `skipped`).
    pub volume_trends: Option<Vec<VolumeTrend>>,
    /// Previous-container logs of crash-looping containers (`--logs`); `None` when not read.
    pub container_logs: Option<Vec<ContainerLog>>,
    /// Per-object reads behind an opt-in flag that failed (one node's stats, one pod's log).
    pub partial: Vec<Partial>,
    /// The input is manifests that were never applied (`helm template`, `kustomize build`):
    /// no object carries live state, so only configuration risks can be judged, and a kind
    /// the manifests do not ship is absent from the release, not unread.
    pub manifests: bool,
}

/// Usage of one mounted PersistentVolumeClaim, as the kubelet reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VolumeStat {
    pub namespace: String,
    pub pod: String,
    pub pvc: String,
    pub node: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inodes_used: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inodes: Option<u64>,
}

/// One claim's usage and growth as Prometheus has it from the kubelet's
/// `kubelet_volume_stats_*` series: the value now and the per-second slope over `window`
/// (`deriv`, the least-squares fit `predict_linear` also uses).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VolumeTrend {
    pub namespace: String,
    pub pvc: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inodes_used: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inodes: Option<u64>,
    /// Growth of the used bytes, bytes per second (negative: shrinking).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes_per_second: Option<f64>,
    /// Growth of the used inodes, inodes per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inodes_per_second: Option<f64>,
    /// Samples of the used bytes inside `window` (how much the slope rests on).
    pub samples: u64,
    /// The range the slope was fitted over, as given to Prometheus (`6h`).
    pub window: String,
    /// When the newest used-bytes sample was scraped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_sample: Option<Timestamp>,
}

/// The tail of a container's previous run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerLog {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    pub lines: Vec<String>,
}

/// One object an opt-in per-object read could not get, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partial {
    pub source: String,
    pub object: String,
    pub reason: String,
}

/// What every object read goes through, from files, live pages and watches alike, as it
/// arrives: metadata [`collect::slim`]med (StatefulSets keep managedFields, which date spec
/// changes) and lists trimmed ([`crate::model::Trim`]). Pods' config volumes never get this
/// far: reading a pod drops them (`model::Volume`).
pub(crate) fn tidy<K>(o: &mut K)
where
    K: k8s_openapi::Resource + Object + crate::model::Trim + 'static,
{
    o.slim(K::KIND == "StatefulSet");
    o.trim();
}

/// What the snapshot's own code (loading, tidying, duplicates, `-n`) reads and writes of
/// an object's metadata, whichever type holds it: k8s-openapi's `ObjectMeta`, or the
/// compact [`crate::model::Meta`] and [`crate::model::EventMeta`].
pub trait Object {
    fn name(&self) -> Option<&str>;
    fn namespace(&self) -> Option<&str>;
    fn set_namespace(&mut self, namespace: String);
    /// Drops from the metadata what nothing reads (`collect::slim`).
    fn slim(&mut self, keep_managed_fields: bool);
}

impl<T> Object for T
where
    T: k8s_openapi::Metadata<Ty = k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta>,
{
    fn name(&self) -> Option<&str> {
        self.metadata().name.as_deref()
    }
    fn namespace(&self) -> Option<&str> {
        self.metadata().namespace.as_deref()
    }
    fn set_namespace(&mut self, namespace: String) {
        self.metadata_mut().namespace = Some(namespace);
    }
    fn slim(&mut self, keep_managed_fields: bool) {
        collect::slim(self.metadata_mut(), keep_managed_fields);
    }
}

/// The compact kinds: their metadata was read without managedFields and the last-applied
/// annotation, or converted from kube's without them; nothing is left to drop.
macro_rules! compact_objects {
    ($($t:ty),*) => {$(
        impl Object for $t {
            fn name(&self) -> Option<&str> {
                self.metadata.name.as_deref()
            }
            fn namespace(&self) -> Option<&str> {
                self.metadata.namespace.as_deref()
            }
            fn set_namespace(&mut self, namespace: String) {
                self.metadata.namespace = Some(namespace.into());
            }
            fn slim(&mut self, _: bool) {}
        }
    )*};
}
compact_objects!(
    Event,
    crate::model::Service,
    crate::model::Pod,
    crate::model::PersistentVolumeClaim,
    crate::model::PersistentVolume,
    crate::model::VolumeAttachment,
    crate::model::EndpointSlice,
    crate::model::ControllerRevision
);

/// A StatefulSet is also held as its text, which a new namespace must reach (plans print it).
impl Object for StatefulSet {
    fn name(&self) -> Option<&str> {
        self.metadata.name.as_deref()
    }
    fn namespace(&self) -> Option<&str> {
        self.metadata.namespace.as_deref()
    }
    fn set_namespace(&mut self, namespace: String) {
        self.edit(|v| v["metadata"]["namespace"] = namespace.into());
    }
    fn slim(&mut self, _: bool) {}
}

impl Snapshot {
    pub fn is_skipped(&self, source: Source) -> Option<&Skipped> {
        self.skipped.iter().find(|s| s.source == source)
    }

    pub fn skip(&mut self, source: Source, reason: impl Into<String>) {
        if self.is_skipped(source).is_none() {
            self.skipped.push(Skipped {
                source,
                reason: reason.into(),
            });
            self.skipped.sort_by_key(|s| s.source);
        }
    }

    pub fn count(&self, source: Source) -> usize {
        match source {
            Source::StatefulSets => self.statefulsets.len(),
            Source::Pods => self.pods.len(),
            Source::PersistentVolumeClaims => self.pvcs.len(),
            Source::PersistentVolumes => self.pvs.len(),
            Source::Nodes => self.nodes.len(),
            Source::PodDisruptionBudgets => self.pdbs.len(),
            Source::Services => self.services.len(),
            Source::EndpointSlices => self.endpoint_slices.len(),
            Source::Events => self.events.len(),
            Source::StorageClasses => self.storage_classes.len(),
            Source::VolumeAttachments => self.volume_attachments.len(),
            Source::ControllerRevisions => self.controller_revisions.len(),
            Source::Deployments => self.deployments.len(),
            Source::VolumeStats => self.volume_stats.as_ref().map_or(0, Vec::len),
            Source::Prometheus => self.volume_trends.as_ref().map_or(0, Vec::len),
        }
    }
}
