//! The plan's steps, each with the kubectl command line that does the same by hand.

use super::{ClaimAction, ExpandPlan, TemplateSteps};
use crate::act::Step;
use crate::finding::{Remedy, shell_join};
use crate::kubectl::Kubectl;
use serde_json::json;

fn step(r: Remedy) -> Step {
    Step {
        description: r.description,
        command: r.command,
    }
}

/// The merge patch that grows a claim (the kubectl form; `apply` adds the
/// resourceVersion precondition).
pub fn patch_body(size: &str) -> serde_json::Value {
    json!({"spec": {"resources": {"requests": {"storage": size}}}})
}

/// The steps that replace the StatefulSet around its running pods to change its claim
/// template: save it, orphan-delete it, wait, re-create it, check the pods were adopted.
fn replace_steps(plan: &mut ExpandPlan, k: &Kubectl, timeout: &str, steps: &mut Vec<Step>) {
    let ns = plan.statefulset.namespace.clone();
    let name = plan.statefulset.name.clone();
    let to = plan.to.clone();
    let ns = ns.as_str();
    let save = steps.len();
    steps.push(Step {
        description: format!(
            "save the StatefulSet as it is now to {} (--apply writes it without the server-managed fields, ready for kubectl create -f)",
            plan.backup
        ),
        command: format!(
            "{} > {}",
            shell_join(&k.argv(Some(ns), &["get", "statefulset", &name, "-o", "yaml"])),
            shell_join(std::slice::from_ref(&plan.backup))
        ),
    });
    let delete = steps.len();
    steps.push(step(Remedy::run(
        "delete only the StatefulSet object, leaving its pods and claims running (orphan propagation): its claim template cannot be changed in place",
        k.argv(
            Some(ns),
            &["delete", "statefulset", &name, "--cascade=orphan"],
        ),
    )));
    let gone = steps.len();
    steps.push(step(Remedy::run(
        "wait until the StatefulSet object is gone",
        k.argv(
            Some(ns),
            &[
                "wait",
                "--for=delete",
                &format!("statefulset/{name}"),
                &format!("--timeout={timeout}"),
            ],
        ),
    )));
    let create = steps.len();
    steps.push(step(Remedy::with_stdin(
        format!(
            "re-create it with claim template {} at {to}, everything else as it was (--apply also saves this manifest to {})",
            plan.template, plan.recreate_manifest
        ),
        k.argv(Some(ns), &["create", "-f", "-"]),
        crate::manifest::to_yaml(&plan.manifest),
    )));
    let verify = steps.len();
    let mut args = vec!["get".to_string(), "pods".to_string()];
    if !plan.selector.is_empty() {
        args.push("-l".into());
        args.push(plan.selector.clone());
    }
    args.push("-o".into());
    args.push(
        "custom-columns=NAME:.metadata.name,UID:.metadata.uid,READY:.status.conditions[?(@.type==\"Ready\")].status,OWNER:.metadata.ownerReferences[0].uid"
            .into(),
    );
    steps.push(step(Remedy::run(
        format!(
            "check that the pods kept running (same UIDs, Ready) and were adopted: OWNER is the new StatefulSet's uid ({})",
            shell_join(&k.argv(
                Some(ns),
                &["get", "statefulset", &name, "-o", "jsonpath={.metadata.uid}"]
            ))
        ),
        k.argv(Some(ns), &args),
    )));
    plan.template_steps = Some(TemplateSteps {
        save,
        delete,
        gone,
        create,
        verify,
    });
    plan.notes.push(
        "between the delete and the re-create (seconds) nothing manages the pods: they keep running, but one that fails is not replaced until the StatefulSet is back".to_string(),
    );
}

pub fn build(plan: &mut ExpandPlan, k: &Kubectl, timeout: &str) {
    let ns = plan.statefulset.namespace.clone();
    let to = plan.to.clone();
    let ns = ns.as_str();
    let mut steps: Vec<Step> = Vec::new();
    let order: Vec<String> = plan.work_order().iter().map(|c| c.name.clone()).collect();
    for claim_name in order {
        let Some(c) = plan.claims.iter_mut().find(|c| c.name == claim_name) else {
            continue;
        };
        if c.action == ClaimAction::Grow {
            c.steps.patch = Some(steps.len());
            let body = patch_body(&to).to_string();
            steps.push(step(Remedy::run(
                format!(
                    "grow claim {} from {} to {to}",
                    c.name,
                    c.request.as_deref().unwrap_or("?")
                ),
                k.argv(
                    Some(ns),
                    &["patch", "pvc", &c.name, "--type=merge", "-p", &body],
                ),
            )));
        }
        c.steps.wait = Some(steps.len());
        steps.push(step(Remedy::run(
            format!(
                "wait until {}'s capacity is {to}{}",
                c.name,
                if c.filesystem() && c.mounted {
                    " (or it reports FileSystemResizePending: the filesystem waits for the kubelet)"
                } else {
                    ""
                }
            ),
            k.argv(
                Some(ns),
                &[
                    "wait",
                    &format!("pvc/{}", c.name),
                    &format!("--for=jsonpath={{.status.capacity.storage}}={to}"),
                    &format!("--timeout={timeout}"),
                ],
            ),
        )));
        if c.filesystem() && c.mounted {
            c.steps.restart = Some(steps.len());
            let body = crate::k8s::eviction::body(ns, &c.pod, false).to_string();
            steps.push(step(Remedy::with_stdin(
                format!(
                    "only if {}'s filesystem still waits for a restart (FileSystemResizePending) once the kubelet had time to grow it online: evict pod {} (its PodDisruptionBudget is respected; its StatefulSet starts it again)",
                    c.name, c.pod
                ),
                k.argv(
                    None,
                    &[
                        "create",
                        "--raw",
                        &crate::k8s::eviction::path(ns, &c.pod, false),
                        "-f",
                        "-",
                    ],
                ),
                body,
            )));
            c.steps.ready = Some(steps.len());
            steps.push(step(Remedy::run(
                format!(
                    "after an eviction: wait until {} is Ready again before the next claim",
                    c.pod
                ),
                k.argv(
                    Some(ns),
                    &[
                        "wait",
                        &format!("pod/{}", c.pod),
                        "--for=condition=Ready",
                        &format!("--timeout={timeout}"),
                    ],
                ),
            )));
        }
    }
    if plan.recreate {
        replace_steps(plan, k, timeout, &mut steps);
    }
    plan.steps = steps;
}
