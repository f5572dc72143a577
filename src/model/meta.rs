//! Object metadata read without what the tool never looks at. `kubectl get -o json` and
//! live lists carry `managedFields` (a field tree per writer, often half of an object)
//! and the last-applied annotation (the whole object again, as text). Dropping them after
//! parsing still builds them first, and a live list holds every page until it is
//! complete; skipping them while parsing means they are never held at all.
//! StatefulSets hold a [`Meta`] too; when their spec last changed, which their
//! managedFields record, is read apart ([`super::StatefulSet`]).
//!
//! The numerous kinds (pods, claims, volumes, attachments, slices, revisions) hold [`Meta`]
//! rather than k8s-openapi's `ObjectMeta` (issue 15): the same fields, but label and
//! annotation maps as sorted vectors instead of a ~540-byte `BTreeMap` node each (and, as
//! every list, trimmed to its length). Code that only reads metadata takes any
//! [`MetaView`].

use super::map::SmallMap;
use super::text::Text;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference, Time};
use serde::de::{IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Object metadata as the compact kinds hold it: what [`slim_meta`] keeps, with the maps
/// as [`SmallMap`]s and what many objects repeat (the namespace, label and annotation
/// values, finalizers) as shared [`Text`]. Field names and types (but the maps and
/// texts) are `ObjectMeta`'s, so code reading `meta.name` or `meta.labels` reads either;
/// the fields few objects set are boxed in [`RareMeta`] and read through methods.
/// Serialised as `ObjectMeta` is, in its (alphabetical) order, so `kubectl sts snapshot`
/// writes the same text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Meta {
    pub annotations: Option<SmallMap<Text>>,
    pub creation_timestamp: Option<Time>,
    pub deletion_timestamp: Option<Time>,
    pub finalizers: Option<Vec<Text>>,
    pub labels: Option<SmallMap<Text>>,
    pub name: Option<String>,
    pub namespace: Option<Text>,
    pub owner_references: Option<Vec<OwnerReference>>,
    pub resource_version: Option<String>,
    pub uid: Option<String>,
    /// `None` when none of its fields is set: a pointer on the objects without them
    /// instead of 56 bytes each.
    pub rare: Option<Box<RareMeta>>,
}

/// The metadata fields that claims, volumes, attachments and revisions do not carry (as
/// recorded from a v1.36 API server): a grace period (a terminating pod's), a generated
/// name and a generation (pods have both, and slices a generation, so for them the box
/// costs 16 bytes more than holding the fields inline; the kinds without them save 48).
/// The generated name is shared: a set's members all carry `<set>-`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RareMeta {
    pub deletion_grace_period_seconds: Option<i64>,
    pub generate_name: Option<Text>,
    pub generation: Option<i64>,
}

impl RareMeta {
    /// The fields as read, boxed, or `None` when none is set.
    fn read(
        deletion_grace_period_seconds: Option<i64>,
        generate_name: Option<String>,
        generation: Option<i64>,
    ) -> Option<Box<RareMeta>> {
        super::boxed_if_set(RareMeta {
            deletion_grace_period_seconds,
            generate_name: generate_name.map(Text::from),
            generation,
        })
    }
}

impl Meta {
    pub fn deletion_grace_period_seconds(&self) -> Option<i64> {
        self.rare.as_ref()?.deletion_grace_period_seconds
    }

    pub fn generate_name(&self) -> Option<&str> {
        self.rare.as_ref()?.generate_name.as_deref()
    }

    pub fn generation(&self) -> Option<i64> {
        self.rare.as_ref()?.generation
    }

    /// The rare fields, to set one.
    pub fn rare_mut(&mut self) -> &mut RareMeta {
        self.rare.get_or_insert_default()
    }
}

/// `ObjectMeta`'s fields but managedFields and selfLink, flat and in its order, generic
/// over how each is held: what [`slim_meta`] and [`Meta`] read and what `Meta` writes (an
/// absent or `null` field is `None`).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Fields<A, T, F, L, N, O, S> {
    #[serde(skip_serializing_if = "Option::is_none")]
    annotations: Option<A>,
    #[serde(skip_serializing_if = "Option::is_none")]
    creation_timestamp: Option<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deletion_grace_period_seconds: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deletion_timestamp: Option<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    finalizers: Option<F>,
    #[serde(skip_serializing_if = "Option::is_none")]
    generate_name: Option<S>,
    #[serde(skip_serializing_if = "Option::is_none")]
    generation: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    labels: Option<L>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<S>,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<N>,
    #[serde(skip_serializing_if = "Option::is_none")]
    owner_references: Option<O>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_version: Option<S>,
    #[serde(skip_serializing_if = "Option::is_none")]
    uid: Option<S>,
}

impl Serialize for Meta {
    fn serialize<Ser: serde::Serializer>(&self, s: Ser) -> Result<Ser::Ok, Ser::Error> {
        Fields {
            annotations: self.annotations.as_ref(),
            creation_timestamp: self.creation_timestamp.as_ref(),
            deletion_grace_period_seconds: self.deletion_grace_period_seconds(),
            deletion_timestamp: self.deletion_timestamp.as_ref(),
            finalizers: self.finalizers.as_ref(),
            generate_name: self.generate_name(),
            generation: self.generation(),
            labels: self.labels.as_ref(),
            name: self.name.as_deref(),
            namespace: self.namespace.as_ref(),
            owner_references: self.owner_references.as_ref(),
            resource_version: self.resource_version.as_deref(),
            uid: self.uid.as_deref(),
        }
        .serialize(s)
    }
}

/// As [`Meta`] reads them: annotations without the last-applied copy, the maps and
/// repeated strings compact as they are read.
type Read = Fields<Annotations, Time, Vec<Text>, SmallMap<Text>, Text, Vec<OwnerReference>, String>;

impl<'de> Deserialize<'de> for Meta {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let f = Read::deserialize(d)?;
        let rare = RareMeta::read(
            f.deletion_grace_period_seconds,
            f.generate_name,
            f.generation,
        );
        Ok(Meta {
            annotations: f.annotations.map(|a| texts(a.0)),
            creation_timestamp: f.creation_timestamp,
            deletion_timestamp: f.deletion_timestamp,
            finalizers: f.finalizers,
            labels: f.labels,
            name: f.name,
            namespace: f.namespace,
            owner_references: f.owner_references,
            resource_version: f.resource_version,
            uid: f.uid,
            rare,
        })
    }
}

/// A map of strings as a [`SmallMap`] of shared [`Text`] values.
fn texts(m: impl IntoIterator<Item = (String, String)>) -> SmallMap<Text> {
    m.into_iter().map(|(k, v)| (k, Text::from(v))).collect()
}

/// What kube listed or watched, as the snapshot holds it: managedFields, selfLink and the
/// last-applied annotation dropped, as reading a file drops them.
impl From<ObjectMeta> for Meta {
    fn from(m: ObjectMeta) -> Self {
        let annotations = m.annotations.map(|mut a| {
            a.remove(LAST_APPLIED);
            texts(a)
        });
        let rare = RareMeta::read(
            m.deletion_grace_period_seconds,
            m.generate_name,
            m.generation,
        );
        Meta {
            annotations,
            creation_timestamp: m.creation_timestamp,
            deletion_timestamp: m.deletion_timestamp,
            finalizers: m
                .finalizers
                .map(|f| f.into_iter().map(Text::from).collect()),
            labels: m.labels.map(texts),
            name: m.name,
            namespace: m.namespace.map(Text::from),
            owner_references: m.owner_references,
            resource_version: m.resource_version,
            uid: m.uid,
            rare,
        }
    }
}

/// The metadata the helpers read, from k8s-openapi's `ObjectMeta` (budgets, services,
/// what kube hands out) or from a compact [`Meta`].
pub trait MetaView {
    fn name(&self) -> Option<&str>;
    fn namespace(&self) -> Option<&str>;
    fn uid(&self) -> Option<&str>;
    fn resource_version(&self) -> Option<&str>;
    fn owner_references(&self) -> &[OwnerReference];
    fn creation_timestamp(&self) -> Option<&Time>;
    fn labels(&self) -> Labels<'_>;
    fn annotation(&self, key: &str) -> Option<&str>;
}

macro_rules! meta_view {
    ($t:ty) => {
        impl MetaView for $t {
            fn name(&self) -> Option<&str> {
                self.name.as_deref()
            }
            fn namespace(&self) -> Option<&str> {
                self.namespace.as_deref()
            }
            fn uid(&self) -> Option<&str> {
                self.uid.as_deref()
            }
            fn resource_version(&self) -> Option<&str> {
                self.resource_version.as_deref()
            }
            fn owner_references(&self) -> &[OwnerReference] {
                self.owner_references.as_deref().unwrap_or_default()
            }
            fn creation_timestamp(&self) -> Option<&Time> {
                self.creation_timestamp.as_ref()
            }
            fn labels(&self) -> Labels<'_> {
                self.labels.as_ref().into()
            }
            fn annotation(&self, key: &str) -> Option<&str> {
                self.annotations.as_ref()?.get(key).map(|v| v.as_ref())
            }
        }
    };
}
meta_view!(ObjectMeta);
meta_view!(Meta);

/// A label map to match selectors against, whichever way it is held: a StatefulSet's pod
/// template's `BTreeMap` or a pod's [`SmallMap`]; `None` is an object without labels.
#[derive(Debug, Clone, Copy, Default)]
pub enum Labels<'a> {
    #[default]
    None,
    Tree(&'a BTreeMap<String, String>),
    Small(&'a SmallMap<Text>),
}

impl<'a> Labels<'a> {
    pub fn get(&self, key: &str) -> Option<&'a str> {
        match *self {
            Labels::None => None,
            Labels::Tree(m) => m.get(key).map(String::as_str),
            Labels::Small(m) => m.get(key).map(Text::as_str),
        }
    }

    /// In key order.
    pub fn iter(&self) -> impl Iterator<Item = (&'a str, &'a str)> + use<'a> {
        let (tree, small) = match *self {
            Labels::None => (None, None),
            Labels::Tree(m) => (Some(m.iter()), None),
            Labels::Small(m) => (None, Some(m.iter())),
        };
        let tree = tree.into_iter().flatten();
        let small = small.into_iter().flatten();
        tree.map(|(k, v)| (k.as_str(), v.as_str()))
            .chain(small.map(|(k, v)| (k.as_str(), v.as_str())))
    }

    pub fn values(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        self.iter().map(|(_, v)| v)
    }

    /// An owned copy, for printing in a manifest or comparing as a whole.
    pub fn to_map(&self) -> BTreeMap<String, String> {
        self.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }
}

impl<'a> From<Option<&'a BTreeMap<String, String>>> for Labels<'a> {
    fn from(m: Option<&'a BTreeMap<String, String>>) -> Self {
        m.map_or(Labels::None, Labels::Tree)
    }
}

impl<'a> From<&'a BTreeMap<String, String>> for Labels<'a> {
    fn from(m: &'a BTreeMap<String, String>) -> Self {
        Labels::Tree(m)
    }
}

impl<'a> From<Option<&'a SmallMap<Text>>> for Labels<'a> {
    fn from(m: Option<&'a SmallMap<Text>>) -> Self {
        m.map_or(Labels::None, Labels::Small)
    }
}

impl<'a> From<&'a SmallMap<Text>> for Labels<'a> {
    fn from(m: &'a SmallMap<Text>) -> Self {
        Labels::Small(m)
    }
}

/// The annotation `kubectl apply` writes: the whole object again, as JSON text.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// `metadata` without managedFields, selfLink and the last-applied annotation; absent or
/// `null` is the default, as for the other required fields.
pub(crate) fn slim_meta<'de, D: Deserializer<'de>>(d: D) -> Result<ObjectMeta, D::Error> {
    let Some(w) = Option::<Wire>::deserialize(d)? else {
        return Ok(ObjectMeta::default());
    };
    Ok(ObjectMeta {
        annotations: w.annotations.map(|a| a.0.into_iter().collect()),
        creation_timestamp: w.creation_timestamp,
        deletion_grace_period_seconds: w.deletion_grace_period_seconds,
        deletion_timestamp: w.deletion_timestamp,
        finalizers: w.finalizers,
        generate_name: w.generate_name,
        generation: w.generation,
        labels: w.labels,
        managed_fields: None,
        name: w.name,
        namespace: w.namespace,
        owner_references: w.owner_references,
        resource_version: w.resource_version,
        self_link: None,
        uid: w.uid,
    })
}

/// How a kind generic over its metadata reads it: k8s-openapi's `ObjectMeta` (what kube
/// lists and watches) through [`slim_meta`], so a live page never builds managedFields
/// either; the compact types as they are. Absent or `null` is the default.
pub trait ReadMeta: Sized + Default {
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error>;
}

impl ReadMeta for ObjectMeta {
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        slim_meta(d)
    }
}

impl ReadMeta for Meta {
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        super::nullable(d)
    }
}

impl ReadMeta for super::EventMeta {
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        super::nullable(d)
    }
}

pub(crate) fn read_meta<'de, D: Deserializer<'de>, M: ReadMeta>(d: D) -> Result<M, D::Error> {
    M::read(d)
}

/// The fields [`slim_meta`] keeps, as k8s-openapi holds them; any other key
/// (managedFields, selfLink) is skipped unread.
type Wire = Fields<
    Annotations,
    Time,
    Vec<String>,
    BTreeMap<String, String>,
    String,
    Vec<OwnerReference>,
    String,
>;

/// Annotations in the order read, without the last-applied copy.
struct Annotations(Vec<(String, String)>);

impl<'de> Deserialize<'de> for Annotations {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Annotations;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("annotations")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Annotations, A::Error> {
                let mut out = Vec::new();
                while let Some(key) = m.next_key::<String>()? {
                    if key == LAST_APPLIED {
                        m.next_value::<IgnoredAny>()?;
                    } else if let Some(v) = m.next_value::<Option<String>>()? {
                        out.push((key, v));
                    }
                }
                Ok(Annotations(out))
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Deserialize)]
    struct Obj {
        #[serde(deserialize_with = "slim_meta")]
        metadata: ObjectMeta,
    }

    #[test]
    fn keeps_what_the_full_reader_keeps_but_the_writers_and_the_applied_copy() {
        let meta = json!({
            "name": "db-0", "namespace": "shop", "uid": "u-1", "resourceVersion": "42",
            "generation": 3, "creationTimestamp": "2026-11-20T00:00:00Z",
            "deletionTimestamp": "2026-12-01T00:00:00Z", "deletionGracePeriodSeconds": 30,
            "finalizers": ["kubernetes.io/pvc-protection"], "generateName": "db-",
            "labels": {"app": "db"}, "selfLink": "/api/v1/namespaces/shop/pods/db-0",
            "annotations": {"team": "data", LAST_APPLIED: "{\"kind\":\"Pod\"}"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "db",
                "uid": "u-0", "controller": true}],
            "managedFields": [{"manager": "kubectl", "operation": "Apply",
                "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:replicas": {}}}}],
        });
        let slim: Obj = serde_json::from_value(json!({ "metadata": meta })).unwrap();
        let mut full: ObjectMeta = serde_json::from_value(meta).unwrap();
        full.managed_fields = None;
        full.self_link = None;
        full.annotations.as_mut().unwrap().remove(LAST_APPLIED);
        assert_eq!(slim.metadata, full);
        assert_eq!(slim.metadata.annotations.unwrap().len(), 1);
    }

    #[test]
    fn compact_metadata_reads_and_writes_what_objectmeta_does_with_small_maps() {
        let meta = json!({
            "name": "data-db-0", "namespace": "shop", "uid": "u-1", "resourceVersion": "42",
            "creationTimestamp": "2026-11-20T00:00:00Z", "finalizers": ["kubernetes.io/pvc-protection"],
            "labels": {"app": "db", "tier": "data", "app": "db2"},
            "annotations": {"pv.kubernetes.io/bind-completed": "yes", LAST_APPLIED: "{}"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "db",
                "uid": "u-0", "controller": true}],
            "managedFields": [{"manager": "kubectl", "operation": "Apply"}],
        });
        let compact: Meta = serde_json::from_value(meta.clone()).unwrap();
        let full: ObjectMeta = serde_json::from_value(meta).unwrap();
        // Listed live, converted: the same as read from a file.
        assert_eq!(Meta::from(full.clone()), compact);
        assert_eq!(compact.labels.as_ref().unwrap().get("app").unwrap(), "db2");
        assert_eq!(compact.annotations.as_ref().unwrap().len(), 1);
        // Written back as k8s-openapi writes the same metadata without what is dropped.
        let mut slim = full.clone();
        slim.managed_fields = None;
        slim.annotations.as_mut().unwrap().remove(LAST_APPLIED);
        assert_eq!(
            serde_json::to_string(&compact).unwrap(),
            serde_json::to_string(&slim).unwrap()
        );
        // Helpers read either the same way.
        for m in [&compact as &dyn MetaView, &full] {
            assert_eq!(m.name(), Some("data-db-0"));
            assert_eq!(m.uid(), Some("u-1"));
            assert_eq!(m.owner_references()[0].name, "db");
            assert_eq!(m.labels().get("tier"), Some("data"));
            assert_eq!(
                m.labels().iter().map(|(k, _)| k).collect::<Vec<_>>(),
                ["app", "tier"]
            );
            assert!(m.creation_timestamp().is_some());
        }
        assert!(std::mem::size_of::<Meta>() + 64 < std::mem::size_of::<ObjectMeta>());
    }

    #[test]
    fn the_fields_few_objects_set_are_boxed_and_written_back_in_their_place() {
        let meta = json!({
            "name": "web-7f9c-x2x", "namespace": "shop", "generateName": "web-7f9c-",
            "generation": 2, "deletionGracePeriodSeconds": 30,
            "deletionTimestamp": "2026-12-01T00:00:00Z", "labels": {"app": "web"},
        });
        let compact = crate::model::writes_like::<ObjectMeta, Meta>(meta.clone());
        let full: ObjectMeta = serde_json::from_value(meta).unwrap();
        assert_eq!(Meta::from(full), compact);
        assert_eq!(compact.generate_name(), Some("web-7f9c-"));
        assert_eq!(compact.generation(), Some(2));
        assert_eq!(compact.deletion_grace_period_seconds(), Some(30));
        let plain: Meta = serde_json::from_value(json!({"name": "db-0"})).unwrap();
        assert!(plain.rare.is_none());
        assert_eq!(
            serde_json::to_value(&plain).unwrap(),
            json!({"name": "db-0"})
        );
    }

    #[test]
    fn absent_or_null_metadata_is_empty() {
        let o: Obj = serde_json::from_str(r#"{"metadata": null}"#).unwrap();
        assert_eq!(o.metadata, ObjectMeta::default());
    }
}
