//! One list then one watch per kind, with kube-runtime's watcher (resumes from the last
//! resourceVersion, lists again after a 410, bookmarks on, backoff on failures, no periodic
//! re-list) feeding a reflector store per kind. Each kind reports what happens to it on a
//! channel; the state is read from the stores when the analysis runs.

use crate::model::LiveService;
use crate::model::{
    LiveControllerRevision, LiveEndpointSlice, LiveEvent, LivePersistentVolume,
    LivePersistentVolumeClaim, LivePod, LiveVolumeAttachment,
};
use crate::snapshot::collect::ListError;
use crate::snapshot::{Scope, Snapshot, Source, tidy};
use futures::StreamExt;
use k8s_openapi::NamespaceResourceScope;
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::Node;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::storage::v1::StorageClass;
use kube::Api;
use kube::runtime::reflector::{self, Store};
use kube::runtime::{WatchStreamExt, watcher};
use serde::de::DeserializeOwned;
use std::collections::BTreeSet;
use std::fmt::Debug;
use tokio::sync::mpsc;

/// What a kind's watch reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signal {
    /// Listed (first, or again after a 410 or a reconnection): its store is whole.
    Listed(Source),
    /// An object was added, changed or deleted.
    Changed(Source),
    /// The list or watch failed, with the reason people read; retried with backoff.
    Failed(Source, String),
}

/// Starts the watch of one kind; its events go to `tx`, its objects into the store
/// returned, each [`tidy`]ed as it arrives (what a snapshot drops, dropped here too).
fn start<K>(api: Api<K>, source: Source, tx: mpsc::UnboundedSender<Signal>) -> Store<K>
where
    K: kube::Resource<DynamicType = ()>
        + k8s_openapi::Resource
        + k8s_openapi::Metadata<Ty = k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta>
        + crate::model::Trim
        + Clone
        + DeserializeOwned
        + Debug
        + Send
        + Sync
        + 'static,
{
    let (reader, writer) = reflector::store();
    let stream = watcher(api, watcher::Config::default())
        .default_backoff()
        .modify(tidy::<K>)
        .reflect(writer);
    tokio::spawn(async move {
        let mut stream = std::pin::pin!(stream);
        while let Some(item) = stream.next().await {
            let signal = match item {
                Ok(watcher::Event::InitDone) => Signal::Listed(source),
                Ok(watcher::Event::Apply(_) | watcher::Event::Delete(_)) => Signal::Changed(source),
                Ok(_) => continue,
                Err(e) => Signal::Failed(source, reason(e)),
            };
            if tx.send(signal).is_err() {
                break;
            }
        }
    });
    reader
}

fn reason(e: watcher::Error) -> String {
    match e {
        watcher::Error::InitialListFailed(k)
        | watcher::Error::WatchStartFailed(k)
        | watcher::Error::WatchFailed(k) => ListError::from_kube(k).reason(),
        watcher::Error::WatchError(s) => format!("{} {}: {}", s.code, s.reason, s.message),
        other => other.to_string(),
    }
}

fn namespaced<K>(client: &kube::Client, scope: &Scope) -> Api<K>
where
    K: kube::Resource<Scope = NamespaceResourceScope, DynamicType = ()>,
{
    match &scope.namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    }
}

fn cluster<K: kube::Resource<DynamicType = ()>>(client: &kube::Client, _: &Scope) -> Api<K> {
    Api::all(client.clone())
}

/// The kinds watched: the same as `collect` lists, named once here.
macro_rules! kinds {
    ($($field:ident: $ty:ty = $source:ident, $api:ident;)*) => {
        /// A store per kind, kept current by its watch.
        pub struct Stores {
            $($field: Store<$ty>,)*
        }

        impl Stores {
            /// Starts every watch in `scope`.
            pub fn start(
                client: &kube::Client,
                scope: &Scope,
                tx: &mpsc::UnboundedSender<Signal>,
            ) -> Self {
                Stores {
                    $($field: start(
                        $api::<$ty>(client, scope),
                        Source::$source,
                        tx.clone(),
                    ),)*
                }
            }

            /// Brings `snap` up to date, copying out of the stores only the kinds in
            /// `changed`: a change is usually to one kind, and copying every object of
            /// every kind is most of what a re-analysis costs. What was skipped is
            /// cleared: the caller says it again.
            pub fn refresh(
                &self,
                snap: &mut Snapshot,
                changed: &BTreeSet<Source>,
                now: jiff::Timestamp,
            ) {
                snap.captured_at = Some(now);
                snap.skipped.clear();
                $(if changed.contains(&Source::$source) {
                    // Into what the snapshot holds: the same type, or a compact one.
                    snap.$field = self.$field.state().iter().map(|o| (**o).clone().into()).collect();
                })*
            }
        }
    };
}

kinds! {
    statefulsets: StatefulSet = StatefulSets, namespaced;
    pods: LivePod = Pods, namespaced;
    pvcs: LivePersistentVolumeClaim = PersistentVolumeClaims, namespaced;
    pvs: LivePersistentVolume = PersistentVolumes, cluster;
    nodes: Node = Nodes, cluster;
    pdbs: PodDisruptionBudget = PodDisruptionBudgets, namespaced;
    services: LiveService = Services, namespaced;
    endpoint_slices: LiveEndpointSlice = EndpointSlices, namespaced;
    // kube's watchers need k8s-openapi's metadata (the `Live` types); the snapshot holds
    // compact ones.
    events: LiveEvent = Events, namespaced;
    storage_classes: StorageClass = StorageClasses, cluster;
    volume_attachments: LiveVolumeAttachment = VolumeAttachments, cluster;
    controller_revisions: LiveControllerRevision = ControllerRevisions, namespaced;
    deployments: Deployment = Deployments, namespaced;
}
