//! The live collector: the only code on the read path that talks to the cluster. One
//! paginated list per kind (500 per page), all kinds at once; a kind that cannot be read
//! is recorded in `skipped` and the run goes on. No per-object GETs.

use super::{Scope, Snapshot, Source};
use crate::error::{Failure, Unread};
use crate::model::{LiveEvent, Trim};
use jiff::Timestamp;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Api, ListParams};
use serde::de::DeserializeOwned;
use std::fmt::Debug;
use std::time::Duration;

pub const PAGE_SIZE: u32 = 500;
/// How many times an expired continue token restarts a list before giving up on the kind.
const MAX_RESTARTS: u32 = 3;

#[derive(Debug, Clone, PartialEq)]
pub enum ListError {
    /// The server answered with a Kubernetes Status (Forbidden, NotFound, ...).
    Api {
        code: u16,
        reason: String,
        message: String,
    },
    /// No answer in time.
    Timeout(Duration),
    /// The connection failed: refused, DNS, TLS, proxy.
    Transport(String),
    /// Something answered that was not a Kubernetes list.
    Decode(String),
}

impl ListError {
    pub(crate) fn from_kube(e: kube::Error) -> Self {
        match e {
            // kube-rs wraps an error body that is not a Status in a made-up Status. An HTML
            // page there comes from a web server, proxy or login portal, not from the API
            // server (whose own non-Status answers, like "404 page not found", are plain text).
            kube::Error::Api(s)
                if s.reason == NOT_A_STATUS && s.message.trim_start().starts_with('<') =>
            {
                ListError::Decode(format!(
                    "HTTP {} with an HTML page instead of a Kubernetes Status: {}",
                    s.code,
                    excerpt(&s.message)
                ))
            }
            kube::Error::Api(s) => ListError::Api {
                code: s.code,
                reason: s.reason.clone(),
                message: s.message.clone(),
            },
            kube::Error::SerdeError(e) => {
                ListError::Decode(format!("the body is not a Kubernetes list ({e})"))
            }
            // A credential plugin re-run when its token expired: its own words, not kube-rs's
            // (which quote the plugin's environment and stdout).
            kube::Error::Auth(e) => {
                ListError::Transport(crate::cluster::auth_failure(&e, None, "the cluster"))
            }
            other => {
                // Walk to the innermost cause: "connection refused" beats "client error (Connect)".
                let mut msg = other.to_string();
                let mut src: Option<&dyn std::error::Error> = std::error::Error::source(&other);
                while let Some(s) = src {
                    msg = s.to_string();
                    src = s.source();
                }
                if msg.contains("timed out") || msg.contains("deadline") {
                    ListError::Transport(format!("timed out: {msg}"))
                } else {
                    ListError::Transport(msg)
                }
            }
        }
    }

    /// The `skipped` reason people read.
    pub fn reason(&self) -> String {
        match self {
            ListError::Api {
                code: 403, message, ..
            } => format!("forbidden: {message}"),
            ListError::Api { code: 404, .. } => "not served by this API server (404)".to_string(),
            ListError::Api {
                code,
                reason,
                message,
            } => format!("{code} {reason}: {message}"),
            ListError::Timeout(d) => format!("timed out after {}s", d.as_secs_f64()),
            ListError::Transport(m) => format!("connection failed: {m}"),
            ListError::Decode(m) => format!("unexpected response: {m}"),
        }
    }

    fn is_unreachable(&self) -> bool {
        matches!(self, ListError::Timeout(_) | ListError::Transport(_))
    }
}

/// The reason kube-rs gives the Status it makes up for an error body it cannot parse.
const NOT_A_STATUS: &str = "Failed to parse error data";

/// The start of a page that was not JSON, on one line, to show what answered instead.
fn excerpt(body: &str) -> String {
    const MAX: usize = 100;
    let flat = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > MAX {
        format!("{}…", flat.chars().take(MAX).collect::<String>())
    } else {
        flat
    }
}

/// Lists one kind completely, following `continue` tokens. An expired token (410) restarts
/// the list from the beginning so the result is one consistent read.
pub async fn list_all<K>(api: Api<K>, timeout: Option<Duration>) -> Result<Vec<K>, ListError>
where
    K: Clone + DeserializeOwned + Debug,
{
    list_tidied::<K, K>(api, timeout, |_| {}).await
}

/// [`list_all`], with `tidy` applied to each object as its page arrives and the object
/// then turned into what the snapshot holds (`T`: the same type, or a compact one such as
/// an Event without k8s-openapi's metadata): what is dropped is never held beyond that
/// page (kinds listed at once would otherwise hold all their pages until the last one is
/// in).
pub async fn list_tidied<K, T>(
    api: Api<K>,
    timeout: Option<Duration>,
    mut tidy: impl FnMut(&mut K),
) -> Result<Vec<T>, ListError>
where
    K: Clone + DeserializeOwned + Debug,
    T: From<K>,
{
    let mut restarts = 0;
    'restart: loop {
        let mut items: Vec<T> = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let lp = ListParams {
                limit: Some(PAGE_SIZE),
                continue_token: token.take(),
                ..Default::default()
            };
            let fut = api.list(&lp);
            let res = match timeout {
                Some(t) => tokio::time::timeout(t, fut)
                    .await
                    .map_err(|_| ListError::Timeout(t))?,
                None => fut.await,
            };
            match res {
                Ok(mut list) => {
                    list.items.iter_mut().for_each(&mut tidy);
                    if items.is_empty() {
                        items.reserve_exact(list.items.len() + remaining(&list.metadata));
                    }
                    items.extend(list.items.into_iter().map(T::from));
                    match list.metadata.continue_ {
                        Some(c) if !c.is_empty() => token = Some(c),
                        _ => return Ok(items),
                    }
                }
                Err(kube::Error::Api(s)) if s.code == 410 && restarts < MAX_RESTARTS => {
                    restarts += 1;
                    continue 'restart;
                }
                Err(e) => return Err(ListError::from_kube(e)),
            }
        }
    }
}

/// How many items the server says follow the first page (`remainingItemCount`), so the
/// list is allocated once at its size: grown by doubling, every kind in flight at once
/// held up to half its room empty and, at each doubling, the old buffer too. Bounded: the
/// count is the server's word, and room reserved but never written costs address space,
/// not memory.
fn remaining(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ListMeta) -> usize {
    const MAX: i64 = 1_000_000;
    meta.remaining_item_count.unwrap_or(0).clamp(0, MAX) as usize
}

fn api<K>(client: &kube::Client, scope: &Scope, namespaced: bool) -> Api<K>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>,
    <K as kube::Resource>::DynamicType: Default,
{
    match (&scope.namespace, namespaced) {
        (Some(ns), true) => Api::namespaced(client.clone(), ns),
        _ => Api::all(client.clone()),
    }
}

/// Drops what the analysis never reads and what makes snapshots large: `managedFields`
/// (kept on StatefulSets, where it dates spec changes) and the last-applied annotation.
/// Kept managedFields keep only the top level of each writer's field tree (`f:spec`,
/// `f:status`): which part a writer touched is all that is read, and the whole tree is
/// often larger than the object.
pub(crate) fn slim(meta: &mut ObjectMeta, keep_managed_fields: bool) {
    if !keep_managed_fields {
        meta.managed_fields = None;
    }
    for entry in meta.managed_fields.iter_mut().flatten() {
        if let Some(fields) = entry.fields_v1.as_mut().and_then(|f| f.0.as_object_mut()) {
            for v in fields.values_mut() {
                *v = serde_json::Value::Object(Default::default());
            }
        }
    }
    if let Some(a) = meta.annotations.as_mut() {
        a.remove(crate::model::LAST_APPLIED);
    }
}

/// [`list_tidied`] with [`super::tidy`], what every object read goes through.
async fn tidied<K, T>(api: Api<K>, timeout: Option<Duration>) -> Result<Vec<T>, ListError>
where
    K: k8s_openapi::Resource
        + k8s_openapi::Metadata<Ty = ObjectMeta>
        + Trim
        + Clone
        + DeserializeOwned
        + Debug
        + 'static,
    T: From<K>,
{
    list_tidied(api, timeout, super::tidy).await
}

fn settle<K>(
    snap: &mut Snapshot,
    errors: &mut Vec<(Source, ListError)>,
    source: Source,
    res: Result<Vec<K>, ListError>,
) -> Vec<K> {
    match res {
        Ok(mut items) => {
            items.shrink_to_fit();
            items
        }
        Err(e) => {
            snap.skip(source, e.reason());
            errors.push((source, e));
            Vec::new()
        }
    }
}

/// Reads everything the analysis uses. Fails (exit 2) only when nothing at all could be
/// read because the server is unreachable or is not a Kubernetes API server.
pub async fn collect(
    client: &kube::Client,
    server: &str,
    scope: Scope,
    timeout: Option<Duration>,
) -> anyhow::Result<Snapshot> {
    use crate::model::LiveService;
    use crate::model::{
        LiveControllerRevision, LiveEndpointSlice, LivePersistentVolume, LivePersistentVolumeClaim,
        LivePod, LiveVolumeAttachment,
    };
    use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
    use k8s_openapi::api::core::v1::Node;
    use k8s_openapi::api::policy::v1::PodDisruptionBudget;
    use k8s_openapi::api::storage::v1::StorageClass;

    let captured_at = Timestamp::now();
    let (sts, pods, pvcs, pvs, nodes, pdbs, svcs, slices, events, classes, vas, revs, deps) = tokio::join!(
        tidied(api::<StatefulSet>(client, &scope, true), timeout),
        tidied(api::<LivePod>(client, &scope, true), timeout),
        tidied(
            api::<LivePersistentVolumeClaim>(client, &scope, true),
            timeout
        ),
        tidied(Api::<LivePersistentVolume>::all(client.clone()), timeout),
        tidied(Api::<Node>::all(client.clone()), timeout),
        tidied(api::<PodDisruptionBudget>(client, &scope, true), timeout),
        tidied(api::<LiveService>(client, &scope, true), timeout),
        tidied(api::<LiveEndpointSlice>(client, &scope, true), timeout),
        tidied(api::<LiveEvent>(client, &scope, true), timeout),
        tidied(Api::<StorageClass>::all(client.clone()), timeout),
        tidied(Api::<LiveVolumeAttachment>::all(client.clone()), timeout),
        tidied(api::<LiveControllerRevision>(client, &scope, true), timeout),
        tidied(api::<Deployment>(client, &scope, true), timeout),
    );

    let mut snap = Snapshot {
        captured_at: Some(captured_at),
        scope,
        ..Default::default()
    };
    let mut errors = Vec::new();
    let e = &mut errors;
    snap.statefulsets = settle(&mut snap, e, Source::StatefulSets, sts);
    snap.pods = settle(&mut snap, e, Source::Pods, pods);
    snap.pvcs = settle(&mut snap, e, Source::PersistentVolumeClaims, pvcs);
    snap.pvs = settle(&mut snap, e, Source::PersistentVolumes, pvs);
    snap.nodes = settle(&mut snap, e, Source::Nodes, nodes);
    snap.pdbs = settle(&mut snap, e, Source::PodDisruptionBudgets, pdbs);
    snap.services = settle(&mut snap, e, Source::Services, svcs);
    snap.endpoint_slices = settle(&mut snap, e, Source::EndpointSlices, slices);
    snap.events = settle(&mut snap, e, Source::Events, events);
    snap.storage_classes = settle(&mut snap, e, Source::StorageClasses, classes);
    snap.volume_attachments = settle(&mut snap, e, Source::VolumeAttachments, vas);
    snap.controller_revisions = settle(&mut snap, e, Source::ControllerRevisions, revs);
    snap.deployments = settle(&mut snap, e, Source::Deployments, deps);

    if errors.len() == Source::ALL.len() {
        let first = &errors[0].1;
        let failure = if errors.iter().all(|(_, e)| e.is_unreachable()) {
            Failure::unread(
                Unread::Unreachable,
                format!(
                    "cannot reach the Kubernetes API server at {server}: {}",
                    first.reason()
                ),
            )
        } else if errors.iter().all(|(_, e)| {
            matches!(
                e,
                ListError::Api { code: 403, .. } | ListError::Api { code: 401, .. }
            )
        }) {
            Failure::unread(
                Unread::Unauthorized,
                format!(
                    "the API server at {server} refused every request: {}",
                    first.reason()
                ),
            )
        } else {
            Failure::usage(format!(
                "the server at {server} did not answer like a Kubernetes API server: {}",
                first.reason()
            ))
        };
        return Err(failure.into());
    }
    super::custom::read_custom(client, &mut snap, timeout).await;
    Ok(snap)
}
