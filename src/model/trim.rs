//! Gives back the room serde leaves in vectors. JSON does not say how long an array is, so
//! serde grows a `Vec` as it reads: the first element reserves room for four (one for
//! elements over 1 KB), then it doubles. Most of an object's lists hold one or two entries
//! (a pod's container status, a StatefulSet's claim template, an owner reference), so
//! three quarters of each list's allocation was empty: 3 KB per StatefulSet for its claim
//! templates alone (a k8s-openapi claim is 1 KB inline), about 1 KB per pod (issue 15).
//!
//! Every object is trimmed as it is read (files, live lists, watches), so the room freed
//! is reused by the next object instead of held to the end.

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

/// An object whose lists can give back their unused room.
pub trait Trim {
    fn trim(&mut self);
}

/// Shrinks `v` to its length, trimming each element first.
fn list<T>(v: &mut Vec<T>, mut each: impl FnMut(&mut T)) {
    v.iter_mut().for_each(&mut each);
    if v.capacity() > v.len() {
        v.shrink_to_fit();
    }
}

/// [`list`] for an optional list.
fn opt<T>(v: &mut Option<Vec<T>>, each: impl FnMut(&mut T)) {
    if let Some(v) = v {
        list(v, each);
    }
}

fn none<T>(_: &mut T) {}

impl<T: Trim> Trim for Vec<T> {
    fn trim(&mut self) {
        list(self, T::trim);
    }
}

/// Implements [`Trim`] for a type whose optional lists are `$field`s, of plain values.
macro_rules! lists {
    ($t:ty: $($field:ident),*) => {
        impl Trim for $t {
            fn trim(&mut self) {
                $(opt(&mut self.$field, none);)*
            }
        }
    };
}
// A pod's container (held once per set, see [`super::Shared`]), and a template's, which
// also has volume devices.
lists!(super::Container: args, command, env, env_from, ports, volume_mounts);
lists!(core::Container: args, command, env, env_from, ports, volume_mounts, volume_devices);

/// What a [`super::Shared`] may hold that has no list worth trimming.
macro_rules! nothing {
    ($($t:ty),*) => {$(
        impl Trim for $t {
            fn trim(&mut self) {}
        }
    )*};
}
nothing!(
    i64,
    super::EventMeta,
    core::Affinity,
    core::ContainerState,
    core::PodSecurityContext,
    core::Toleration,
    core::TopologySpreadConstraint,
    core::VolumeNodeAffinity
);

impl Trim for ObjectMeta {
    fn trim(&mut self) {
        opt(&mut self.owner_references, none);
        opt(&mut self.finalizers, none);
        opt(&mut self.managed_fields, none);
    }
}

impl Trim for super::Meta {
    fn trim(&mut self) {
        opt(&mut self.owner_references, none);
        opt(&mut self.finalizers, none);
    }
}

/// A pod template as Deployments (few) and kube's StatefulSets hold it.
impl Trim for core::PodTemplateSpec {
    fn trim(&mut self) {
        if let Some(m) = &mut self.metadata {
            m.trim();
        }
        let Some(spec) = &mut self.spec else {
            return;
        };
        spec.containers.trim();
        opt(&mut spec.init_containers, core::Container::trim);
        opt(&mut spec.volumes, none);
        opt(&mut spec.tolerations, none);
        opt(&mut spec.image_pull_secrets, none);
        opt(&mut spec.topology_spread_constraints, none);
    }
}

impl Trim for StatefulSet {
    fn trim(&mut self) {
        self.metadata.trim();
        if let Some(spec) = &mut self.spec {
            spec.template.trim();
            opt(&mut spec.volume_claim_templates, |t| {
                t.metadata.trim();
                if let Some(s) = &mut t.spec {
                    opt(&mut s.access_modes, none);
                }
            });
        }
        if let Some(s) = &mut self.status {
            opt(&mut s.conditions, none);
        }
    }
}

/// The compact StatefulSet: its template as a pod's spec, its claim templates as claims.
impl Trim for super::StatefulSet {
    fn trim(&mut self) {
        self.metadata.trim();
        if let Some(spec) = &mut self.spec {
            if let Some(m) = &mut spec.template.metadata {
                m.trim();
            }
            if let Some(s) = &mut spec.template.spec {
                s.trim();
            }
            opt(
                &mut spec.volume_claim_templates,
                super::PersistentVolumeClaim::trim,
            );
        }
        if let Some(s) = &mut self.status {
            opt(&mut s.conditions, none);
        }
    }
}

impl Trim for Deployment {
    fn trim(&mut self) {
        self.metadata.trim();
        if let Some(spec) = &mut self.spec {
            spec.template.trim();
        }
        if let Some(s) = &mut self.status {
            opt(&mut s.conditions, none);
        }
    }
}

/// A pod's spec, or a StatefulSet template's (its containers are trimmed as they are
/// shared, see [`super::Shared`]).
impl Trim for super::PodSpec {
    fn trim(&mut self) {
        opt(&mut self.volumes, none);
        opt(&mut self.image_pull_secrets, none);
    }
}

impl<M: Trim> Trim for super::Pod<M> {
    fn trim(&mut self) {
        self.metadata.trim();
        if let Some(spec) = &mut self.spec {
            spec.trim();
        }
        if let Some(s) = &mut self.status {
            opt(&mut s.conditions, none);
            opt(&mut s.container_statuses, none);
            opt(&mut s.init_container_statuses, none);
        }
    }
}

impl<M: Trim> Trim for super::PersistentVolumeClaim<M> {
    fn trim(&mut self) {
        self.metadata.trim();
        if let Some(spec) = &mut self.spec {
            opt(&mut spec.access_modes, none);
        }
        if let Some(s) = &mut self.status {
            opt(&mut s.access_modes, none);
            opt(&mut s.conditions, none);
        }
    }
}

impl<M: Trim> Trim for super::PersistentVolume<M> {
    fn trim(&mut self) {
        self.metadata.trim();
        if let Some(spec) = &mut self.spec {
            opt(&mut spec.access_modes, none);
            opt(&mut spec.mount_options, none);
        }
    }
}

impl<M: Trim> Trim for super::EndpointSlice<M> {
    fn trim(&mut self) {
        self.metadata.trim();
        list(&mut self.endpoints, |e| list(&mut e.addresses, none));
    }
}

impl Trim for core::Node {
    fn trim(&mut self) {
        self.metadata.trim();
        if let Some(spec) = &mut self.spec {
            opt(&mut spec.taints, none);
        }
        if let Some(s) = &mut self.status {
            opt(&mut s.conditions, none);
            opt(&mut s.addresses, none);
            opt(&mut s.images, |i| opt(&mut i.names, none));
        }
    }
}

impl<M: Trim> Trim for super::Service<M> {
    fn trim(&mut self) {
        self.metadata.trim();
        if let Some(spec) = &mut self.spec {
            opt(&mut spec.ports, none);
            opt(&mut spec.cluster_ips, none);
        }
    }
}

impl Trim for PodDisruptionBudget {
    fn trim(&mut self) {
        self.metadata.trim();
        if let Some(s) = &mut self.status {
            opt(&mut s.conditions, none);
        }
    }
}

impl Trim for StorageClass {
    fn trim(&mut self) {
        self.metadata.trim();
        opt(&mut self.mount_options, none);
        opt(&mut self.allowed_topologies, none);
    }
}

/// Kinds with no list worth trimming beyond their metadata (as listed, `ObjectMeta`, or as
/// held: `Meta`, or `EventMeta`, which has no list).
macro_rules! meta_only {
    ($($t:ident),*) => {$(
        impl<M: Trim> Trim for super::$t<M> {
            fn trim(&mut self) {
                self.metadata.trim();
            }
        }
    )*};
}
meta_only!(VolumeAttachment, ControllerRevision, Event);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_statefulset_keeps_every_entry_and_holds_only_their_room() {
        let v = json!({
            "metadata": {"name": "db", "finalizers": ["a"]},
            "spec": {
                "selector": {}, "serviceName": "db",
                "template": {"spec": {"containers": [
                    {"name": "db", "ports": [{"containerPort": 5432}],
                     "volumeMounts": [{"name": "data", "mountPath": "/data"}]}]}},
                "volumeClaimTemplates": [{"metadata": {"name": "data"},
                    "spec": {"accessModes": ["ReadWriteOnce"]}}],
            }
        });
        // Parsed from text, as files and pages are: a `Value` would tell serde the lengths.
        let mut sts: StatefulSet = serde_json::from_str(&v.to_string()).unwrap();
        let before = sts.clone();
        let spec = sts.spec.as_ref().unwrap();
        // What serde leaves: room for four claim templates, four ports, four mounts.
        assert!(spec.volume_claim_templates.as_ref().unwrap().capacity() > 1);
        sts.trim();
        assert_eq!(sts, before, "trimming changes no value");
        let spec = sts.spec.as_ref().unwrap();
        assert_eq!(spec.volume_claim_templates.as_ref().unwrap().capacity(), 1);
        let c = &spec.template.spec.as_ref().unwrap().containers[0];
        assert_eq!(c.ports.as_ref().unwrap().capacity(), 1);
        assert_eq!(c.volume_mounts.as_ref().unwrap().capacity(), 1);
        assert_eq!(sts.metadata.finalizers.as_ref().unwrap().capacity(), 1);
    }

    #[test]
    fn a_pod_holds_only_the_room_of_its_statuses_and_conditions() {
        let v = json!({
            "metadata": {"name": "db-0", "ownerReferences": [
                {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "db", "uid": "u"}]},
            "status": {
                "conditions": [{"type": "Ready", "status": "True"}],
                "containerStatuses": [{"name": "db", "image": "pg", "imageID": "",
                    "ready": true, "restartCount": 0}],
            }
        });
        let mut pod: super::super::Pod = serde_json::from_str(&v.to_string()).unwrap();
        let before = pod.clone();
        let s = pod.status.as_ref().unwrap();
        assert!(s.container_statuses.as_ref().unwrap().capacity() > 1);
        pod.trim();
        assert_eq!(pod, before);
        let s = pod.status.as_ref().unwrap();
        assert_eq!(s.conditions.as_ref().unwrap().capacity(), 1);
        assert_eq!(s.container_statuses.as_ref().unwrap().capacity(), 1);
        assert_eq!(
            pod.metadata.owner_references.as_ref().unwrap().capacity(),
            1
        );
    }
}
