//! Reading the live cluster during a watch or an action: one object, the StatefulSet with
//! its namespace's pods, and a pod being replaced, every 2 s with a progress line.

use crate::k8s;
use crate::model::{LivePod, Pod};
use crate::rollout;
use crate::snapshot::Snapshot;
use crate::snapshot::collect::list_all;
use anyhow::Result;
use jiff::Timestamp;
use k8s_openapi::api::apps::v1::StatefulSet;
use kube::Api;
use kube::api::{ApiResource, DynamicObject};
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// How often a watch or a wait reads again.
pub(super) const POLL: Duration = Duration::from_secs(2);

/// One GET bounded by the request timeout; `Ok(None)` for a 404.
pub(super) async fn get_opt<K>(
    api: &Api<K>,
    name: &str,
    timeout: Option<Duration>,
) -> Result<Option<K>, String>
where
    K: Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    let fut = api.get_opt(name);
    let res = match timeout {
        Some(t) => tokio::time::timeout(t, fut)
            .await
            .map_err(|_| format!("no answer within {}s", t.as_secs_f64()))?,
        None => fut.await,
    };
    res.map_err(|e| match e {
        kube::Error::Api(s) => format!("{} {}: {}", s.code, s.reason, s.message.trim()),
        other => other.to_string(),
    })
}

/// The StatefulSet as read now, typed and as the server sent it.
pub(super) struct Live {
    pub snap: Snapshot,
    pub raw: serde_json::Value,
}

/// The StatefulSet (one GET) and its namespace's pods (one list), read now, in place of what
/// the snapshot holds. The StatefulSet is read untyped first so that patches built from it
/// keep fields these API bindings do not know.
pub(super) async fn reread(
    client: &kube::Client,
    base: &Snapshot,
    ns: &str,
    name: &str,
    timeout: Option<Duration>,
) -> Result<Live, String> {
    let resource = ApiResource::erase::<StatefulSet>(&());
    let sts_api: Api<DynamicObject> = Api::namespaced_with(client.clone(), ns, &resource);
    let pod_api: Api<LivePod> = Api::namespaced(client.clone(), ns);
    let (sts, pods) = tokio::join!(get_opt(&sts_api, name, timeout), list_all(pod_api, timeout));
    let sts = sts
        .map_err(|e| format!("reading statefulset {ns}/{name}: {e}"))?
        .ok_or_else(|| format!("statefulset {ns}/{name} no longer exists"))?;
    let raw =
        serde_json::to_value(&sts).map_err(|e| format!("reading statefulset {ns}/{name}: {e}"))?;
    let typed = crate::model::StatefulSet::from_value(raw.clone())
        .map_err(|e| format!("reading statefulset {ns}/{name}: not a StatefulSet ({e})"))?;
    let pods = pods.map_err(|e| format!("listing pods in {ns}: {}", e.reason()))?;
    let pods = pods.into_iter().map(Pod::from).collect();
    Ok(Live {
        snap: rollout::actions::refreshed(base, typed, Some(pods)),
        raw,
    })
}

/// Rewrites the progress line on a terminal (stderr, so stdout stays clean for pipes).
pub(super) struct Progress {
    pub tty: bool,
    shown: bool,
}

impl Progress {
    pub fn new() -> Self {
        Progress {
            tty: std::io::stderr().is_terminal(),
            shown: false,
        }
    }

    pub fn show(&mut self, line: &str) {
        if self.tty {
            eprint!("\r\x1b[2K{line}");
            let _ = std::io::stderr().flush();
            self.shown = true;
        }
    }

    pub fn clear(&mut self) {
        if self.shown {
            eprint!("\r\x1b[2K");
            let _ = std::io::stderr().flush();
            self.shown = false;
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.clear();
    }
}

/// Reads the pod every 2 s until the pod re-created in place of the one with `old_uid` runs
/// `revision` and is Ready, or `limit` passes. `Err` inside: why it is not.
#[allow(clippy::too_many_arguments)]
pub(super) async fn wait_replaced(
    client: &kube::Client,
    ns: &str,
    pod: &str,
    old_uid: &str,
    revision: &str,
    limit: Duration,
    request_timeout: Option<Duration>,
    out: &mut dyn Write,
) -> Result<Result<(), String>> {
    use rollout::replace::{Replacement, replacement};
    let api: Api<LivePod> = Api::namespaced(client.clone(), ns);
    let start = Instant::now();
    let mut progress = Progress::new();
    let mut last = String::new();
    loop {
        let seen = match get_opt(&api, pod, request_timeout).await {
            Ok(p) => replacement(
                p.map(Pod::from).as_ref(),
                old_uid,
                revision,
                Timestamp::now(),
            ),
            Err(e) => Replacement::Starting {
                revision: "?".into(),
                why: format!("could not read it ({e})"),
            },
        };
        let elapsed = start.elapsed();
        match &seen {
            Replacement::Ready => {
                progress.clear();
                writeln!(
                    out,
                    "  {pod}: {seen} after {}",
                    k8s::time::short(elapsed.as_secs() as i64)
                )?;
                return Ok(Ok(()));
            }
            Replacement::OtherRevision(r) => {
                progress.clear();
                return Ok(Err(format!(
                    "{pod} was re-created on revision {r}, not {revision}: the template changed meanwhile; see kubectl sts rollout status"
                )));
            }
            _ => {}
        }
        let line = format!("  {pod}: {seen}");
        if progress.tty {
            progress.show(&format!(
                "{line} · {} of {}",
                k8s::time::short(elapsed.as_secs() as i64),
                k8s::time::short(limit.as_secs() as i64)
            ));
        } else if line != last {
            writeln!(out, "{line}")?;
            out.flush()?;
        }
        last = line;
        if elapsed >= limit {
            progress.clear();
            return Ok(Err(format!(
                "{pod} is not Ready after {}: {seen}",
                k8s::time::short(limit.as_secs() as i64)
            )));
        }
        tokio::time::sleep(POLL.min(limit - elapsed)).await;
    }
}
