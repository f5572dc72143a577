//! Compact owned types for the kinds that are many and whose k8s-openapi structs are large
//! (issue 15): those store every optional field inline, so a `PersistentVolume` is 3.4 KB
//! and a `VolumeAttachment` 3.6 KB before any string. These mirror k8s-openapi's field
//! names and nesting for exactly the fields the tool reads, so code written against the
//! full types reads them unchanged; the rest of each object is dropped as it is read (from
//! files and from live pages alike). Metadata is compact too: [`Meta`] (k8s-openapi's
//! fields with small maps) and, for Events, the most numerous kind, [`EventMeta`]. Each
//! kind is generic over its metadata: kube lists, watches and mutates `Live…` types
//! (`Pod<ObjectMeta>`: its `Resource` hands out `&ObjectMeta`), converted to the compact
//! ones page by page; helpers read either through [`MetaView`], the snapshot's own code
//! through `snapshot::Object`. Strings that many objects repeat (namespaces, label keys
//! and values, node names, images, phases) are [`Text`], one shared copy each, and parts
//! a StatefulSet's members repeat word for word are [`Shared`]. StatefulSets are few but
//! large: the checks read a compact view of each, and plans and snapshots write the text
//! it was read from ([`StatefulSet`]).
//!
//! Serialising writes `apiVersion` and `kind` as the full types do, so `kubectl sts
//! snapshot` output is read back as the same objects.

mod claim;
mod custom;
mod endpoints;
mod event;
mod map;
mod meta;
mod pod;
mod reference;
mod revision;
mod service;
mod shared;
mod statefulset;
mod storage;
mod text;
mod trim;

pub use claim::{
    LivePersistentVolumeClaim, PersistentVolumeClaim, PersistentVolumeClaimSpec,
    PersistentVolumeClaimStatus, VolumeResourceRequirements,
};
pub use custom::{CrState, CustomResource, CustomResources, resource_name};
pub use endpoints::{Endpoint, EndpointSlice, LiveEndpointSlice, TargetRef};
pub use event::{Event, EventMeta, LiveEvent};
pub use map::SmallMap;
pub use meta::{LAST_APPLIED, Labels, Meta, MetaView};
pub use pod::{
    Container, ContainerStatus, LivePod, Pod, PodCondition, PodSpec, PodStatus,
    ResourceRequirements, Volume,
};
pub use reference::ObjectReference;
pub use revision::{ControllerRevision, LiveControllerRevision};
pub use service::{LiveService, Service, ServiceSpec};
pub use shared::Shared;
pub use statefulset::{PodTemplateSpec, StatefulSet, StatefulSetSpec};
pub use text::Text;
pub use trim::Trim;

pub use storage::{
    CSIPersistentVolumeSource, LivePersistentVolume, LiveVolumeAttachment, PersistentVolume,
    PersistentVolumeSpec, PersistentVolumeStatus, VolumeAttachment, VolumeAttachmentSource,
    VolumeAttachmentSpec, VolumeAttachmentStatus,
};

use serde::{Deserialize, Deserializer};

/// A required field as k8s-openapi reads it: absent or `null` is the default.
pub(crate) fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Implements k8s-openapi's `Resource` and `Metadata` (and so kube's `Resource`, for live
/// lists) and a `Serialize` that writes `apiVersion` and `kind` first, then each field
/// that is set, under its API name.
///
/// `object!(Pod<M>, …)` is for a kind generic over its metadata: the compact type the
/// snapshot holds, and `Pod<ObjectMeta>` for kube, which alone gets `Metadata`, and a
/// conversion from the second to the first. The field list names every field but
/// `metadata`.
macro_rules! object {
    (@kind [$($m:ident)?] ($($ty:tt)+) $t:ident, $group:literal, $version:literal,
     $api_version:literal, $plural:literal, $scope:ty,
     { $($field:ident => $name:literal),* $(,)? }) => {
        impl<$($m)?> k8s_openapi::Resource for $($ty)+ {
            const API_VERSION: &'static str = $api_version;
            const GROUP: &'static str = $group;
            const KIND: &'static str = stringify!($t);
            const VERSION: &'static str = $version;
            const URL_PATH_SEGMENT: &'static str = $plural;
            type Scope = $scope;
        }

        impl<$($m)?> k8s_openapi::ListableResource for $($ty)+ {
            const LIST_KIND: &'static str = concat!(stringify!($t), "List");
        }

        impl<$($m: serde::Serialize)?> serde::Serialize for $($ty)+ {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap;
                use $crate::model::Unset;
                let mut m = s.serialize_map(None)?;
                m.serialize_entry("apiVersion", $api_version)?;
                m.serialize_entry("kind", stringify!($t))?;
                m.serialize_entry("metadata", &self.metadata)?;
                $(if !self.$field.unset() {
                    m.serialize_entry($name, &self.$field)?;
                })*
                m.end()
            }
        }
    };
    (@metadata $($ty:tt)+) => {
        impl k8s_openapi::Metadata for $($ty)+ {
            type Ty = k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
            fn metadata(&self) -> &Self::Ty {
                &self.metadata
            }
            fn metadata_mut(&mut self) -> &mut Self::Ty {
                &mut self.metadata
            }
        }
    };
    (@convert $t:ident, $group:literal, $version:literal, $api_version:literal,
     $plural:literal, $scope:ty, { $($field:ident => $name:literal),* $(,)? }) => {
        /// What kube listed or watched, as the snapshot holds it.
        impl From<$t<k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta>> for $t {
            fn from(o: $t<k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta>) -> Self {
                $t {
                    metadata: o.metadata.into(),
                    $($field: o.$field),*
                }
            }
        }
    };
    ($t:ident<M>, $($rest:tt)*) => {
        $crate::model::object!(@kind [M] ($t<M>) $t, $($rest)*);
        $crate::model::object!(@metadata
            $t<k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta>);
        $crate::model::object!(@convert $t, $($rest)*);
    };
    ($t:ident, $($rest:tt)*) => {
        $crate::model::object!(@kind [] ($t) $t, $($rest)*);
        $crate::model::object!(@metadata $t);
    };
}
pub(crate) use object;

/// Asserts that `json`, read as the compact type `C` and as k8s-openapi's `F`, is written
/// back as the same text: the compact types keep k8s-openapi's fields, names and order,
/// so `kubectl sts snapshot` writes what it read. Returns the compact value.
#[cfg(test)]
pub(crate) fn writes_like<F, C>(json: serde_json::Value) -> C
where
    F: serde::de::DeserializeOwned + serde::Serialize,
    C: serde::de::DeserializeOwned + serde::Serialize,
{
    let full: F = serde_json::from_value(json.clone()).unwrap();
    let compact: C = serde_json::from_value(json).unwrap();
    assert_eq!(
        serde_json::to_string(&compact).unwrap(),
        serde_json::to_string(&full).unwrap()
    );
    compact
}

/// `part` boxed, or `None` when none of its fields is set: for the parts few objects
/// carry, a pointer on the objects without them instead of the fields inline.
pub(crate) fn boxed_if_set<T: Default + PartialEq>(part: T) -> Option<Box<T>> {
    (part != T::default()).then(|| Box::new(part))
}

/// Whether a top-level field is left out when serialising, as k8s-openapi does: an
/// optional field that is not set. Required fields are always written.
pub(crate) trait Unset {
    fn unset(&self) -> bool;
}

impl<T> Unset for Option<T> {
    fn unset(&self) -> bool {
        self.is_none()
    }
}

impl Unset for i64 {
    fn unset(&self) -> bool {
        false
    }
}

impl Unset for String {
    fn unset(&self) -> bool {
        false
    }
}

impl<T> Unset for Vec<T> {
    fn unset(&self) -> bool {
        false
    }
}
