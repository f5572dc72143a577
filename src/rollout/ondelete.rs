//! `step` under the OnDelete strategy: nothing rolls by itself, so one step is one pod on
//! an old revision evicted (the budget decides) and re-created from the update revision.

use super::actions::{ActionPlan, Change, on_rev};
use super::replace::eviction_steps;
use crate::act::Plan;
use crate::analysis::Ctx;
use crate::k8s;
use crate::model::Pod;
use crate::model::StatefulSet;
use crate::sts as rv;

/// OnDelete: the next pod on an old revision, evicted so budgets are respected.
pub(super) fn step(ctx: &Ctx, sts: &StatefulSet) -> Result<ActionPlan, Vec<String>> {
    let ns = k8s::namespace(&sts.metadata);
    let name = k8s::name(&sts.metadata);
    let Some(upd) = rv::update_revision(sts) else {
        return Err(vec![format!(
            "{name} records no update revision in its status"
        )]);
    };
    let members = rv::members(ctx, sts);
    let mut reasons = Vec::new();
    for m in &members {
        match m.pod {
            None => reasons.push(format!(
                "{} does not exist yet: wait until the controller has created it",
                m.name
            )),
            Some(p) if rv::terminating(p) => reasons.push(format!(
                "{} is terminating: wait until its replacement is Ready",
                m.name
            )),
            Some(p) if on_rev(p, Some(upd)) && !rv::serving(p) => reasons.push(format!(
                "{} already runs {upd} and is not Ready ({}): the new template may be broken; do not replace more pods until it is Ready",
                m.name,
                rv::problem(ctx, p)
            )),
            _ => {}
        }
    }
    if !reasons.is_empty() {
        return Err(reasons);
    }
    // Pods that are down anyway go first (replacing them costs no availability), then the
    // highest ordinal first, as a RollingUpdate would; the order rollout-ondelete-pending
    // prints.
    let mut old: Vec<(i64, &Pod)> = members
        .iter()
        .filter_map(|m| m.pod.map(|p| (m.index, p)))
        .filter(|(_, p)| !on_rev(p, Some(upd)))
        .collect();
    old.sort_by_key(|(i, p)| (rv::serving(p), std::cmp::Reverse(*i)));
    let Some((_, next)) = old.first().copied() else {
        return Err(vec![format!(
            "every member of {name} already runs {upd}: nothing to step"
        )]);
    };
    let next_name = k8s::name(&next.metadata);
    let down: Vec<&str> = members
        .iter()
        .filter_map(|m| m.pod)
        .filter(|p| !rv::serving(p) && k8s::name(&p.metadata) != next_name)
        .map(|p| k8s::name(&p.metadata))
        .collect();
    if !down.is_empty() {
        return Err(vec![format!(
            "{} {} not Ready: evicting {next_name} now would take a second member down; step once every other member is Ready",
            down.join(", "),
            if down.len() == 1 { "is" } else { "are" }
        )]);
    }
    let (Some(uid), Some(pod_rv)) = (
        next.metadata.uid.clone().filter(|u| !u.is_empty()),
        next.metadata
            .resource_version
            .clone()
            .filter(|r| !r.is_empty()),
    ) else {
        return Err(vec![format!(
            "{next_name} as read carries no uid and resourceVersion, so its eviction could not be made conditional on them"
        )]);
    };
    let remaining = old.len() - 1;
    Ok(ActionPlan {
        action: "step",
        plan: Plan {
            title: format!(
                "step {name} (OnDelete): evict {next_name} ({}) so it is re-created from {upd}, and wait until it is Ready",
                k8s::pod::revision(next).unwrap_or("no revision label")
            ),
            steps: eviction_steps(ctx.kubectl, ns, next_name).to_vec(),
            notes: vec![
                format!(
                    "{next_name} keeps its name and volume; the eviction carries its uid and resourceVersion, so a pod replaced or changed since it was read is not evicted (409)"
                ),
                if remaining == 0 {
                    "this is the last pod on an old revision".to_string()
                } else {
                    format!(
                        "{remaining} more pod(s) on an old revision after this one: run step again once it is Ready"
                    )
                },
            ],
            destructive: false,
        },
        change: Change::Evict {
            pod: next_name.to_string(),
            uid,
            resource_version: pod_rv,
            revision: upd.to_string(),
        },
        target_revision: None,
    })
}
