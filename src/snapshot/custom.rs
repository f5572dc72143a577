//! The custom resources of the operators that own the StatefulSets read: after the
//! StatefulSets, one discovery request and one (paginated) list per operator kind present,
//! all at once. A kind the server does not serve (no CRD) or refuses is recorded with the
//! reason and the advice says what it could not confirm; it is never an error of the run.

use super::Snapshot;
use super::collect::{ListError, list_all, slim};
use crate::k8s::operators;
use crate::model::CustomResource;
use kube::api::{Api, DynamicObject};
use kube::core::GroupVersionKind;
use std::collections::BTreeMap;
use std::time::Duration;

/// Why a kind the server does not serve was not read.
const NOT_SERVED: &str =
    "the API server does not serve it: its CustomResourceDefinition is not installed";

/// An operator kind to list: its group, its version where an ownerReference gives one, and
/// its kind.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Wanted {
    group: String,
    version: Option<String>,
    kind: String,
}

/// The operator kinds the StatefulSets name, by `kind.group`.
fn wanted(snap: &Snapshot) -> BTreeMap<String, Wanted> {
    let mut out: BTreeMap<String, Wanted> = BTreeMap::new();
    for sts in &snap.statefulsets {
        let Some(o) = operators::owner(&sts.metadata) else {
            continue;
        };
        let version = sts
            .metadata
            .owner_references
            .as_deref()
            .unwrap_or_default()
            .iter()
            .find(|r| r.controller == Some(true) && r.kind == o.kind)
            .and_then(|r| r.api_version.split_once('/'))
            .map(|(_, v)| v.to_string());
        let w = out.entry(o.resource.clone()).or_insert(Wanted {
            group: o.operator.group.to_string(),
            version: None,
            kind: o.kind.clone(),
        });
        // An owner named by labels has no version: a version from any ownerReference wins.
        if w.version.is_none() {
            w.version = version;
        }
    }
    out
}

/// Reads the custom resources behind the StatefulSets in `snap` into `snap.custom`.
pub async fn read_custom(client: &kube::Client, snap: &mut Snapshot, timeout: Option<Duration>) {
    let namespace = snap.scope.namespace.clone();
    let reads = wanted(snap).into_iter().map(|(resource, w)| {
        let namespace = namespace.clone();
        async move {
            let res = read_kind(client, &w, namespace.as_deref(), timeout).await;
            (resource, res)
        }
    });
    for (resource, res) in futures::future::join_all(reads).await {
        match res {
            Ok(items) => {
                snap.custom.kinds.insert(resource, None);
                snap.custom.items.extend(items);
            }
            Err(reason) => {
                snap.notes.push(format!(
                    "custom resources {resource} were not read ({reason}): the advice for the StatefulSets they own names their fields without current values"
                ));
                snap.custom.kinds.insert(resource, Some(reason));
            }
        }
    }
}

async fn read_kind(
    client: &kube::Client,
    w: &Wanted,
    namespace: Option<&str>,
    timeout: Option<Duration>,
) -> Result<Vec<CustomResource>, String> {
    let discover = async {
        match &w.version {
            Some(v) => {
                kube::discovery::pinned_kind(client, &GroupVersionKind::gvk(&w.group, v, &w.kind))
                    .await
            }
            None => {
                let group = kube::discovery::group(client, &w.group).await?;
                group.recommended_kind(&w.kind).ok_or_else(|| {
                    kube::Error::Discovery(kube::error::DiscoveryError::MissingKind(w.kind.clone()))
                })
            }
        }
    };
    let found = match timeout {
        Some(t) => tokio::time::timeout(t, discover)
            .await
            .map_err(|_| ListError::Timeout(t).reason())?,
        None => discover.await,
    };
    let (ar, _) = found.map_err(|e| match e {
        kube::Error::Api(s) if s.code == 404 => NOT_SERVED.to_string(),
        kube::Error::Discovery(_) => NOT_SERVED.to_string(),
        other => ListError::from_kube(other).reason(),
    })?;
    let api: Api<DynamicObject> = match namespace {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &ar),
        None => Api::all_with(client.clone(), &ar),
    };
    let objects = list_all(api, timeout).await.map_err(|e| e.reason())?;
    Ok(objects
        .into_iter()
        .map(|mut o| {
            slim(&mut o.metadata, false);
            CustomResource {
                api_version: ar.api_version.clone(),
                kind: ar.kind.clone(),
                metadata: o.metadata,
                spec: o
                    .data
                    .get_mut("spec")
                    .map(serde_json::Value::take)
                    .unwrap_or_default(),
            }
        })
        .collect())
}
