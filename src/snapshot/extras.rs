//! Per-object reads that only run behind an explicit flag, with bounded concurrency:
//! kubelet volume stats through the node proxy (`--volume-stats`, needs `nodes/proxy`) and
//! previous-container logs (`--logs`). A node or pod that fails is recorded in
//! `partial`, never fatal.

use super::{ContainerLog, Partial, Snapshot, VolumeStat};
use crate::k8s;
use crate::model::Pod;
use futures::stream::{self, StreamExt};
use kube::api::{Api, LogParams};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::time::Duration;

/// How many nodes or pods are asked at once.
pub const CONCURRENCY: usize = 5;
/// At most this many pods' logs are read.
pub const MAX_LOG_PODS: usize = 10;
pub const LOG_TAIL_LINES: i64 = 50;

#[derive(Deserialize)]
struct Summary {
    #[serde(default)]
    pods: Vec<PodStats>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PodStats {
    pod_ref: PodName,
    #[serde(default)]
    volume: Vec<VolStats>,
}

#[derive(Deserialize)]
struct PodName {
    name: String,
}

#[derive(Deserialize)]
struct PodRef {
    name: String,
    namespace: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VolStats {
    pvc_ref: Option<PodRef>,
    used_bytes: Option<u64>,
    capacity_bytes: Option<u64>,
    inodes_used: Option<u64>,
    inodes: Option<u64>,
}

/// Parses a kubelet `/stats/summary` document into the volume stats of claims.
pub fn parse_summary(node: &str, body: &str) -> Result<Vec<VolumeStat>, String> {
    let summary: Summary =
        serde_json::from_str(body).map_err(|e| format!("not a kubelet stats summary: {e}"))?;
    let mut out = Vec::new();
    for p in summary.pods {
        for v in p.volume {
            let Some(pvc) = v.pvc_ref else { continue };
            out.push(VolumeStat {
                namespace: pvc.namespace,
                pod: p.pod_ref.name.clone(),
                pvc: pvc.name,
                node: node.to_string(),
                used_bytes: v.used_bytes,
                capacity_bytes: v.capacity_bytes,
                inodes_used: v.inodes_used,
                inodes: v.inodes,
            });
        }
    }
    Ok(out)
}

/// Nodes that run a pod of a StatefulSet in the snapshot (optionally only `only_sts`).
pub fn stats_nodes(snap: &Snapshot, only_sts: Option<(&str, &str)>) -> Vec<String> {
    let nodes: BTreeSet<String> = snap
        .pods
        .iter()
        .filter(|p| owned_by(p, only_sts))
        .filter_map(|p| k8s::pod::node_name(p).map(str::to_string))
        .collect();
    nodes.into_iter().collect()
}

fn owned_by(p: &Pod, only_sts: Option<(&str, &str)>) -> bool {
    let Some(owner) = k8s::controller_of(&p.metadata) else {
        return false;
    };
    owner.kind == "StatefulSet"
        && only_sts.is_none_or(|(ns, name)| owner.name == name && k8s::namespace(&p.metadata) == ns)
}

pub async fn collect_volume_stats(
    client: &kube::Client,
    snap: &mut Snapshot,
    nodes: Vec<String>,
    timeout: Option<Duration>,
) {
    let results: Vec<(String, Result<Vec<VolumeStat>, String>)> = stream::iter(nodes)
        .map(|node| async move {
            let path = format!("/api/v1/nodes/{node}/proxy/stats/summary");
            let req = match http::Request::get(&path).body(Vec::new()) {
                Ok(r) => r,
                Err(e) => return (node, Err(e.to_string())),
            };
            let fut = client.request_text(req);
            let res = match timeout {
                Some(t) => match tokio::time::timeout(t, fut).await {
                    Ok(r) => r.map_err(describe),
                    Err(_) => Err(format!("timed out after {}s", t.as_secs_f64())),
                },
                None => fut.await.map_err(describe),
            };
            let parsed = res.and_then(|body| parse_summary(&node, &body));
            (node, parsed)
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let mut stats = Vec::new();
    for (node, r) in results {
        match r {
            Ok(v) => stats.extend(v),
            Err(reason) => snap.partial.push(Partial {
                source: "volume-stats".into(),
                object: format!("node/{node}"),
                reason,
            }),
        }
    }
    stats.sort_by(|a, b| (&a.namespace, &a.pvc).cmp(&(&b.namespace, &b.pvc)));
    snap.volume_stats = Some(stats);
}

/// Containers whose previous run is worth reading: crash-looping or restarted after a
/// failure, in StatefulSet pods; at most [`MAX_LOG_PODS`] pods.
pub fn log_targets(
    snap: &Snapshot,
    only_sts: Option<(&str, &str)>,
) -> Vec<(String, String, String)> {
    let mut targets = Vec::new();
    let mut pods = 0;
    for p in snap.pods.iter().filter(|p| owned_by(p, only_sts)) {
        let statuses = p
            .status
            .as_ref()
            .and_then(|s| s.container_statuses.as_deref())
            .unwrap_or_default();
        let mut any = false;
        for c in statuses {
            let waiting_crash = c
                .state
                .as_ref()
                .and_then(|s| s.waiting.as_ref())
                .and_then(|w| w.reason.as_deref())
                == Some("CrashLoopBackOff");
            let failed_before = c
                .last_state
                .as_ref()
                .and_then(|s| s.terminated.as_ref())
                .is_some_and(|t| t.exit_code != 0);
            if waiting_crash || (failed_before && !c.ready) {
                targets.push((
                    k8s::namespace(&p.metadata).to_string(),
                    k8s::name(&p.metadata).to_string(),
                    c.name.to_string(),
                ));
                any = true;
            }
        }
        if any {
            pods += 1;
            if pods >= MAX_LOG_PODS {
                break;
            }
        }
    }
    targets
}

pub async fn collect_logs(
    client: &kube::Client,
    snap: &mut Snapshot,
    targets: Vec<(String, String, String)>,
    timeout: Option<Duration>,
) {
    let results: Vec<_> = stream::iter(targets)
        .map(|(ns, pod, container)| async move {
            // kube serves logs for its own Pod type only.
            let api: Api<k8s_openapi::api::core::v1::Pod> = Api::namespaced(client.clone(), &ns);
            let lp = LogParams {
                container: Some(container.clone()),
                previous: true,
                tail_lines: Some(LOG_TAIL_LINES),
                ..Default::default()
            };
            let fut = api.logs(&pod, &lp);
            let res = match timeout {
                Some(t) => match tokio::time::timeout(t, fut).await {
                    Ok(r) => r.map_err(describe),
                    Err(_) => Err(format!("timed out after {}s", t.as_secs_f64())),
                },
                None => fut.await.map_err(describe),
            };
            (ns, pod, container, res)
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let mut logs = Vec::new();
    for (ns, pod, container, r) in results {
        match r {
            Ok(text) => logs.push(ContainerLog {
                namespace: ns,
                pod,
                container,
                lines: text.lines().map(str::to_string).collect(),
            }),
            Err(reason) => snap.partial.push(Partial {
                source: "logs".into(),
                object: format!("pod/{ns}/{pod} container {container}"),
                reason,
            }),
        }
    }
    logs.sort_by(|a, b| {
        (&a.namespace, &a.pod, &a.container).cmp(&(&b.namespace, &b.pod, &b.container))
    });
    snap.container_logs = Some(logs);
}

fn describe(e: kube::Error) -> String {
    match e {
        kube::Error::Api(s) if s.code == 403 => format!("forbidden: {}", s.message),
        kube::Error::Api(s) => format!("{} {}: {}", s.code, s.reason, s.message),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubelet_summary_yields_claim_volumes_only() {
        let body = r#"{"node":{"nodeName":"node-a"},"pods":[
          {"podRef":{"name":"db-0","namespace":"shop","uid":"u"},
           "volume":[{"name":"data","pvcRef":{"name":"data-db-0","namespace":"shop"},
                      "usedBytes":9000,"capacityBytes":10000,"availableBytes":1000,"inodesUsed":5,"inodes":100},
                     {"name":"kube-api-access","usedBytes":1}]},
          {"podRef":{"name":"x","namespace":"y"}}]}"#;
        let v = parse_summary("node-a", body).unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].pvc, "data-db-0");
        assert_eq!(v[0].used_bytes, Some(9000));
        assert_eq!(v[0].node, "node-a");
        assert!(parse_summary("node-a", "<html>").is_err());
    }
}
