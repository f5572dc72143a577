//! Events: several per pod on a busy cluster. k8s-openapi's `Event` is 1 KB inline; the
//! checks read who it is about, why, what it says, how often and when.

use super::meta::slim_meta;
use super::{nullable, object};
use k8s_openapi::NamespaceResourceScope;
use k8s_openapi::api::core::v1::{EventSeries, EventSource, ObjectReference};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta, Time};

#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    #[serde(default, deserialize_with = "slim_meta")]
    pub metadata: ObjectMeta,
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
    pub reason: Option<String>,
    #[serde(default)]
    pub reporting_component: Option<String>,
    #[serde(default)]
    pub series: Option<Box<EventSeries>>,
    #[serde(default)]
    pub source: Option<Box<EventSource>>,
    #[serde(default, rename = "type")]
    pub type_: Option<String>,
}

object!(Event, "", "v1", "v1", "events", NamespaceResourceScope, {
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

impl super::Unset for ObjectReference {
    fn unset(&self) -> bool {
        false
    }
}
