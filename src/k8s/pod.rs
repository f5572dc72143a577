//! Pod state as an on-call engineer reads it: is it Ready, and if not, what is its main
//! problem in one phrase.

use super::time::short;
use crate::model::{MetaView, Pod, PodCondition};
use jiff::Timestamp;
use k8s_openapi::api::core::v1::Node;

/// The pod condition `Ready=True`.
pub fn is_ready(pod: &Pod) -> bool {
    condition(pod, "Ready").is_some_and(|c| c.status == "True")
}

pub fn condition<'a>(pod: &'a Pod, kind: &str) -> Option<&'a PodCondition> {
    pod.status
        .as_ref()?
        .conditions
        .as_deref()?
        .iter()
        .find(|c| c.type_ == kind)
}

pub fn node_name(pod: &Pod) -> Option<&str> {
    pod.spec
        .as_ref()?
        .node_name
        .as_deref()
        .filter(|n| !n.is_empty())
}

pub fn phase(pod: &Pod) -> &str {
    pod.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("Unknown")
}

/// The `controller-revision-hash` label: which StatefulSet revision the pod runs.
pub fn revision(pod: &Pod) -> Option<&str> {
    pod.metadata
        .labels
        .as_ref()?
        .get("controller-revision-hash")
        .map(|v| v.as_str())
}

/// Whether a node is Ready (condition Ready=True).
pub fn node_ready(node: &Node) -> bool {
    node.status
        .as_ref()
        .and_then(|s| s.conditions.as_deref())
        .unwrap_or_default()
        .iter()
        .any(|c| c.type_ == "Ready" && c.status == "True")
}

fn first_line(s: &str, max: usize) -> String {
    let line = s.lines().next().unwrap_or("").trim();
    if line.chars().count() > max {
        let cut: String = line.chars().take(max).collect();
        format!("{cut}…")
    } else {
        line.to_string()
    }
}

/// One phrase naming why a pod is not Ready, from its own state (node state passed in by
/// the caller, which has the index).
pub fn main_problem(pod: &Pod, node: Option<&Node>, now: Timestamp) -> String {
    if let Some(del) = &pod.metadata.deletion_timestamp {
        return format!(
            "terminating for {}",
            short(super::time::secs_since(del.0, now))
        );
    }
    if let Some(node) = node
        && !node_ready(node)
    {
        return format!("its node {} is not Ready", super::name(&node.metadata));
    }
    let status = pod.status.as_ref();
    if let Some(c) = condition(pod, "PodScheduled")
        && c.status == "False"
    {
        let msg = c.message().unwrap_or("no node fits");
        return format!("unschedulable: {}", first_line(msg, 400));
    }
    let containers = status.and_then(|s| {
        s.init_container_statuses
            .iter()
            .flatten()
            .chain(s.container_statuses.iter().flatten())
            .find(|c| !c.ready && c.state.as_ref().is_some_and(|st| st.running.is_none()))
            .cloned()
    });
    if let Some(c) = containers {
        if let Some(w) = c.state.as_ref().and_then(|s| s.waiting.as_ref()) {
            let reason = w.reason.as_deref().unwrap_or("Waiting");
            let last = c
                .last_state
                .as_ref()
                .and_then(|s| s.terminated.as_ref())
                .map(|t| {
                    format!(
                        ", last exit code {}{}",
                        t.exit_code,
                        t.reason
                            .as_deref()
                            .map(|r| format!(" ({r})"))
                            .unwrap_or_default()
                    )
                })
                .unwrap_or_default();
            let restarts = if c.restart_count > 0 {
                format!(", {} restarts", c.restart_count)
            } else {
                String::new()
            };
            let msg = w
                .message
                .as_deref()
                .filter(|m| !m.is_empty() && reason != "CrashLoopBackOff")
                .map(|m| format!(": {}", first_line(m, 100)))
                .unwrap_or_default();
            return format!("container {} {reason}{restarts}{last}{msg}", c.name);
        }
        if let Some(t) = c.state.as_ref().and_then(|s| s.terminated.as_ref()) {
            return format!(
                "container {} terminated with exit code {}{}",
                c.name,
                t.exit_code,
                t.reason
                    .as_deref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default()
            );
        }
    }
    match phase(pod) {
        "Pending" => "Pending".to_string(),
        "Failed" => {
            let reason = status.and_then(|s| s.reason.as_deref()).unwrap_or("Failed");
            format!("Failed: {reason}")
        }
        _ => {
            let msg = condition(pod, "Ready")
                .and_then(|c| c.message())
                .map(|m| format!(" ({})", first_line(m, 100)))
                .unwrap_or_default();
            format!("running but not Ready: readiness probe failing or not yet passed{msg}")
        }
    }
}

/// The claims a pod mounts, as (pod volume name, claim name): `persistentVolumeClaim`
/// volumes, and generic ephemeral volumes, whose claim is named `<pod>-<volume>`.
pub fn claims(pod: &Pod) -> Vec<(&str, std::borrow::Cow<'_, str>)> {
    let pod_name = super::name(&pod.metadata);
    pod.spec
        .as_ref()
        .and_then(|s| s.volumes.as_deref())
        .unwrap_or_default()
        .iter()
        .filter_map(|v| {
            if let Some(c) = &v.persistent_volume_claim {
                Some((
                    v.name.as_str(),
                    std::borrow::Cow::Borrowed(c.claim_name.as_str()),
                ))
            } else if v.ephemeral.is_some() {
                Some((
                    v.name.as_str(),
                    std::borrow::Cow::Owned(format!("{pod_name}-{}", v.name)),
                ))
            } else {
                None
            }
        })
        .collect()
}

/// The name of the StatefulSet that controls the pod.
pub fn statefulset_of(pod: &Pod) -> Option<&str> {
    super::controller_of(&pod.metadata)
        .filter(|o| o.kind == "StatefulSet")
        .map(|o| o.name.as_str())
}

/// Succeeded or Failed: the pod will not run again and holds nothing.
pub fn is_terminal(pod: &Pod) -> bool {
    matches!(phase(pod), "Succeeded" | "Failed")
}

/// The first waiting reason among init and app containers (`ContainerCreating`,
/// `PodInitializing`, `CrashLoopBackOff`, ...).
pub fn waiting_reason(pod: &Pod) -> Option<&str> {
    let s = pod.status.as_ref()?;
    s.init_container_statuses
        .iter()
        .flatten()
        .chain(s.container_statuses.iter().flatten())
        .find_map(|c| c.state.as_ref()?.waiting.as_ref()?.reason.as_deref())
}

/// Scheduled to a node, but its containers have not started yet (volumes are attached and
/// mounted in this window): no container running or terminated, or one still
/// `ContainerCreating`/`PodInitializing`.
pub fn is_starting(pod: &Pod) -> bool {
    if node_name(pod).is_none() || is_terminal(pod) {
        return false;
    }
    if matches!(
        waiting_reason(pod),
        Some("ContainerCreating" | "PodInitializing")
    ) {
        return true;
    }
    let Some(s) = pod.status.as_ref() else {
        return true;
    };
    let started = s
        .init_container_statuses
        .iter()
        .flatten()
        .chain(s.container_statuses.iter().flatten())
        .any(|c| {
            c.state
                .as_ref()
                .is_some_and(|st| st.running.is_some() || st.terminated.is_some())
                || c.last_state
                    .as_ref()
                    .is_some_and(|st| st.terminated.is_some())
        });
    !started && phase(pod) == "Pending"
}

/// Whether an event is about this incarnation of the pod. A StatefulSet re-creates pods
/// under the same name, so events are matched by uid when both carry one, and otherwise
/// must not predate the pod.
pub fn event_is_for(pod: &Pod, e: &crate::model::Event) -> bool {
    event_is_about(&pod.metadata, e)
}

/// [`event_is_for`] for any object: same uid, or not older than the object.
pub fn event_is_about<M: MetaView + ?Sized>(meta: &M, e: &crate::model::Event) -> bool {
    match (meta.uid(), e.involved_object.uid.as_deref()) {
        (Some(p), Some(u)) if !p.is_empty() && !u.is_empty() => p == u,
        _ => match (meta.creation_timestamp(), crate::k8s::time::event_time(e)) {
            (Some(created), Some(t)) => t >= created.0,
            _ => true,
        },
    }
}

/// A message as one evidence line: its first line, cut at `max` characters.
pub fn message_line(s: &str, max: usize) -> String {
    first_line(s, max)
}

/// The text between `prefix` and the next double quote: `volume "pvc-1"` gives `pvc-1`.
pub fn quoted_after<'a>(msg: &'a str, prefix: &str) -> Option<&'a str> {
    let start = msg.find(prefix)? + prefix.len();
    let rest = msg.get(start..)?;
    let end = rest.find('"')?;
    rest.get(..end)
}

#[cfg(test)]
mod claim_tests {
    use super::*;

    #[test]
    fn claims_include_generic_ephemeral_volumes() {
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "web-0"},
            "spec": {"containers": [], "volumes": [
                {"name": "data", "persistentVolumeClaim": {"claimName": "data-web-0"}},
                {"name": "scratch", "ephemeral": {"volumeClaimTemplate": {"spec": {}}}},
                {"name": "cfg", "configMap": {"name": "x"}}
            ]}
        }))
        .unwrap();
        let c: Vec<(&str, String)> = claims(&pod)
            .into_iter()
            .map(|(v, c)| (v, c.into_owned()))
            .collect();
        assert_eq!(
            c,
            vec![
                ("data", "data-web-0".to_string()),
                ("scratch", "web-0-scratch".to_string())
            ]
        );
    }

    #[test]
    fn starting_means_scheduled_with_no_container_started() {
        let mut pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "db-0"},
            "spec": {"nodeName": "n1", "containers": []},
            "status": {"phase": "Pending", "containerStatuses": [{"name": "db", "image": "x", "imageID": "",
                "ready": false, "restartCount": 0, "state": {"waiting": {"reason": "ContainerCreating"}}}]}
        }))
        .unwrap();
        assert!(is_starting(&pod));
        pod.spec.as_mut().unwrap().node_name = None;
        assert!(!is_starting(&pod));
    }
}
