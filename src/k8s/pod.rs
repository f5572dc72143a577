//! Pod state as an on-call engineer reads it: is it Ready, and if not, what is its main
//! problem in one phrase.

use super::time::short;
use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Node, Pod};

/// The pod condition `Ready=True`.
pub fn is_ready(pod: &Pod) -> bool {
    condition(pod, "Ready").is_some_and(|c| c.status == "True")
}

pub fn condition<'a>(
    pod: &'a Pod,
    kind: &str,
) -> Option<&'a k8s_openapi::api::core::v1::PodCondition> {
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
        .map(String::as_str)
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
        let msg = c.message.as_deref().unwrap_or("no node fits");
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
                .and_then(|c| c.message.as_deref())
                .map(|m| format!(" ({})", first_line(m, 100)))
                .unwrap_or_default();
            format!("running but not Ready: readiness probe failing or not yet passed{msg}")
        }
    }
}
