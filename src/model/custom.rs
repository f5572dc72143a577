//! Operators' custom resources (a `Prometheus`, an `Elasticsearch`, a `postgresql`): read so
//! the advice can name their current values, see a paused reconciliation and follow a chain
//! of owners. Few of them (one per operated StatefulSet or fewer), so each keeps its whole
//! `spec` as JSON: the operator table reads fields by path.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomResource {
    pub api_version: String,
    pub kind: String,
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub spec: Value,
}

impl CustomResource {
    /// The API group, from `apiVersion`.
    pub fn group(&self) -> &str {
        self.api_version
            .split_once('/')
            .map_or("", |(group, _)| group)
    }
}

/// `kind.group` in lower case: `prometheus.monitoring.coreos.com`.
pub fn resource_name(kind: &str, group: &str) -> String {
    format!("{}.{group}", kind.to_lowercase())
}

/// The custom resources read, and which kinds were listed: a kind listed without the
/// resource a StatefulSet names means that resource is gone, a kind not listed means
/// nothing is known about it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomResources {
    pub items: Vec<CustomResource>,
    /// By `kind.group`: `None` when the kind was listed, else why it could not be (no
    /// such CRD, Forbidden, a timeout).
    pub kinds: BTreeMap<String, Option<String>>,
}

/// What is known of one custom resource.
#[derive(Debug, Clone, PartialEq)]
pub enum CrState {
    Read(Box<CustomResource>),
    /// Its kind was listed and it was not there.
    Missing,
    /// Its kind could not be listed, for this reason.
    Unread(String),
    /// Nothing was read about its kind (a saved snapshot without it).
    NotInInput,
}

impl CustomResources {
    /// The resource `name` in `namespace`, of kind `resource` (`kind.group`).
    pub fn find(&self, resource: &str, namespace: &str, name: &str) -> CrState {
        let (kind, group) = resource.split_once('.').unwrap_or((resource, ""));
        let found = self.items.iter().find(|c| {
            c.metadata.name.as_deref() == Some(name)
                && c.metadata.namespace.as_deref().unwrap_or_default() == namespace
                && c.group() == group
                && c.kind.eq_ignore_ascii_case(kind)
        });
        match (found, self.kinds.get(resource)) {
            (Some(c), _) => CrState::Read(Box::new(c.clone())),
            (None, Some(None)) => CrState::Missing,
            (None, Some(Some(reason))) => CrState::Unread(reason.clone()),
            (None, None) => CrState::NotInInput,
        }
    }
}
