//! The commands that drain a step's nodes: cordon, drain with the flags its pods need, wait
//! for the StatefulSets that lost pods, uncordon.

use super::Verdict;
use super::step::{Eviction, StepResult};
use super::world::World;
use crate::finding::Remedy;

/// How long the printed drain and wait commands give up after.
const TIMEOUT: &str = "10m";

/// The commands that drain `nodes` (one step): cordon, drain with the flags its pods need,
/// wait for the StatefulSets that lost pods, uncordon after the maintenance.
pub(crate) fn node_commands(
    w: &World,
    r: &StepResult,
    nodes: &[usize],
    verdict: Verdict,
) -> Vec<Remedy> {
    let k = w.kubectl;
    let mut cmds = Vec::new();
    for &n in nodes {
        let name = w.node_name(n);
        cmds.push(Remedy::run(
            format!("Stop new pods from being scheduled on {name}"),
            k.argv(None, &["cordon", name]),
        ));
    }
    for &n in nodes {
        let name = w.node_name(n);
        let home: Vec<&Eviction> = r
            .evictions
            .iter()
            .filter(|e| e.node == n && e.moved_from.is_none())
            .collect();
        let data: Vec<String> = home
            .iter()
            .filter(|e| !w.pods[e.pod].emptydir.is_empty() && !w.pods[e.pod].finished)
            .map(|e| w.pods[e.pod].name.to_string())
            .collect();
        let bare: Vec<String> = home
            .iter()
            .filter(|e| w.pods[e.pod].bare() && !w.pods[e.pod].finished)
            .map(|e| w.pods[e.pod].name.to_string())
            .collect();
        let mut args = vec![
            "drain".to_string(),
            name.to_string(),
            "--ignore-daemonsets".to_string(),
        ];
        let mut desc = format!(
            "Evict {name}'s pods (DaemonSet and static pods stay); refused evictions are retried every 5 s for up to {TIMEOUT}"
        );
        if !data.is_empty() {
            args.push("--delete-emptydir-data".into());
            desc.push_str(&format!(
                ". --delete-emptydir-data deletes the emptyDir data of {}",
                data.join(", ")
            ));
        }
        if !bare.is_empty() {
            args.push("--force".into());
            desc.push_str(&format!(
                ". --force deletes {} for good: no controller re-creates them",
                bare.join(", ")
            ));
        }
        args.push(format!("--timeout={TIMEOUT}"));
        if verdict != Verdict::Safe {
            desc = format!("Only once the findings above are dealt with: {desc}");
        }
        let mut cmd = Remedy::run(desc, k.argv(None, &args));
        if !data.is_empty() || !bare.is_empty() {
            cmd = cmd.destructive();
        }
        cmds.push(cmd);
    }
    let mut sets: Vec<usize> = r
        .evictions
        .iter()
        .filter(|e| nodes.contains(&e.node) && e.refusal.is_none())
        .filter_map(|e| w.pods[e.pod].set)
        .collect();
    sets.sort_unstable();
    sets.dedup();
    sets.sort_by_key(|s| (w.sets[*s].ns, w.sets[*s].name));
    for s in sets {
        cmds.push(wait_command(w, s));
    }
    for &n in nodes {
        let name = w.node_name(n);
        cmds.push(Remedy::run(
            format!("After the maintenance of {name}: let pods be scheduled on it again"),
            k.argv(None, &["uncordon", name]),
        ));
    }
    cmds
}

/// Waits until a StatefulSet is fully Ready again. `kubectl rollout status` refuses
/// StatefulSets with the OnDelete strategy, so those wait on `readyReplicas` instead.
fn wait_command(w: &World, set: usize) -> Remedy {
    let s = &w.sets[set];
    let ondelete = s
        .sts
        .spec
        .as_ref()
        .and_then(|sp| sp.update_strategy.as_ref())
        .and_then(|u| u.type_.as_deref())
        == Some("OnDelete");
    let timeout = format!("--timeout={TIMEOUT}");
    let desc = format!(
        "Wait until {} has all {} replicas Ready again; do not go on until it has (the next steps assume it)",
        s.name, s.replicas
    );
    if ondelete {
        let cond = format!("--for=jsonpath={{.status.readyReplicas}}={}", s.replicas);
        Remedy::run(
            desc,
            w.kubectl.argv(
                Some(s.ns),
                &["wait", &format!("statefulset/{}", s.name), &cond, &timeout],
            ),
        )
    } else {
        Remedy::run(
            desc,
            w.kubectl.argv(
                Some(s.ns),
                &[
                    "rollout",
                    "status",
                    &format!("statefulset/{}", s.name),
                    &timeout,
                ],
            ),
        )
    }
}
