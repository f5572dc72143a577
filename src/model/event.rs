//! Events: several per pod on a busy cluster, the most numerous kind. k8s-openapi's `Event`
//! is 1 KB inline; the checks read who it is about, why, what it says, how often and when.
//!
//! Generic over its metadata: the snapshot holds [`EventMeta`] (name, namespace and
//! creation time: 72 bytes), and [`LiveEvent`] keeps k8s-openapi's `ObjectMeta` (360
//! bytes inline on every object, 20k objects at 10k pods) only where kube needs it to
//! list and watch (its `Resource` hands out `&ObjectMeta`); each is turned into a compact
//! one as it arrives.

use super::meta::{ReadMeta, read_meta};
use super::reference::ObjectReference;
use super::text::Text;
use super::{nullable, object};
use k8s_openapi::NamespaceResourceScope;
use k8s_openapi::api::core::v1::EventSeries;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta, Time};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[serde(bound(deserialize = "M: ReadMeta"))]
pub struct Event<M = EventMeta> {
    #[serde(default, deserialize_with = "read_meta")]
    pub metadata: M,
    #[serde(default)]
    pub count: Option<i32>,
    #[serde(default)]
    pub event_time: Option<MicroTime>,
    #[serde(default)]
    pub first_timestamp: Option<Time>,
    #[serde(default, deserialize_with = "nullable")]
    pub involved_object: ObjectReference,
    #[serde(default)]
    pub last_timestamp: Option<Time>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub reason: Option<Text>,
    #[serde(default)]
    pub reporting_component: Option<Text>,
    #[serde(default)]
    pub series: Option<Box<EventSeries>>,
    #[serde(default)]
    pub source: Option<EventSource>,
    #[serde(default, rename = "type")]
    pub type_: Option<Text>,
}

/// Who reported an event: k8s-openapi's fields, as [`Text`] (the same component and node
/// names on thousands of events). Kept for `kubectl sts snapshot`; nothing reads it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EventSource {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<Text>,
}

/// An Event as kube lists and watches it.
pub type LiveEvent = Event<ObjectMeta>;

/// The metadata of an Event the tool reads: whose namespace it is in (when the involved
/// object names none), its name (duplicates in files) and its age. Other keys are skipped
/// unread.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventMeta {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_timestamp: Option<Time>,
}

impl From<ObjectMeta> for EventMeta {
    fn from(m: ObjectMeta) -> Self {
        EventMeta {
            name: m.name,
            namespace: m.namespace.map(Text::from),
            creation_timestamp: m.creation_timestamp,
        }
    }
}

object!(Event<M>, "", "v1", "v1", "events", NamespaceResourceScope, {
    count => "count",
    event_time => "eventTime",
    first_timestamp => "firstTimestamp",
    involved_object => "involvedObject",
    last_timestamp => "lastTimestamp",
    message => "message",
    reason => "reason",
    reporting_component => "reportingComponent",
    series => "series",
    source => "source",
    type_ => "type",
});

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_snapshot_keeps_name_namespace_and_age_of_an_event() {
        let json = json!({
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": "db-0.1", "namespace": "shop", "uid": "u", "resourceVersion": "9",
                         "creationTimestamp": "2026-11-22T03:00:00Z",
                         "managedFields": [{"manager": "kubelet", "operation": "Update"}]},
            "involvedObject": {"kind": "Pod", "name": "db-0", "namespace": "shop"},
            "reason": "BackOff", "message": "Back-off restarting failed container", "count": 4,
            "type": "Warning", "source": {"component": "kubelet", "host": "node-1"},
        });
        let live: LiveEvent = serde_json::from_value(json.clone()).unwrap();
        let read: Event = serde_json::from_value(json).unwrap();
        assert_eq!(Event::from(live), read);
        assert_eq!(read.metadata.name.as_deref(), Some("db-0.1"));
        assert_eq!(
            read.metadata
                .creation_timestamp
                .as_ref()
                .map(|t| t.0.to_string()),
            Some("2026-11-22T03:00:00Z".to_string())
        );
        // Written back as it was read, but for what is not kept.
        let out = serde_json::to_value(&read).unwrap();
        assert_eq!(
            out["metadata"],
            json!({"name": "db-0.1", "namespace": "shop",
                                            "creationTimestamp": "2026-11-22T03:00:00Z"})
        );
        assert_eq!(out["type"], json!("Warning"));
        assert_eq!(
            out["source"],
            json!({"component": "kubelet", "host": "node-1"})
        );
        assert!(std::mem::size_of::<Event>() + 250 < std::mem::size_of::<LiveEvent>());
    }
}
