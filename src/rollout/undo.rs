//! `rollout undo`: put a previous ControllerRevision's pod template back, and find the pods
//! the OrderedReady trap leaves behind (kubernetes/kubernetes#67250): a pod that is not
//! Ready on a revision other than the restored one is never replaced by the controller,
//! which waits for it to become Ready first; only deleting it helps.
//!
//! A StatefulSet's ControllerRevision stores its template as a strategic-merge-patch-like
//! document, `{"spec":{"template":{"$patch":"replace", ...}}}`. The template is read from
//! there and sent as a JSON merge patch that turns the current template into exactly that
//! one: every key the restored template lacks is set to `null` (a merge patch would
//! otherwise keep it), lists are replaced whole.

use super::actions::{ActionPlan, Change};
use crate::act::{Plan, Step};
use crate::analysis::Ctx;
use crate::finding::shell_join;
use crate::k8s;
use crate::model::ControllerRevision;
use crate::model::Pod;
use crate::model::StatefulSet;
use crate::sts as rv;
use serde_json::{Map, Value, json};

/// The ControllerRevisions of `sts`, oldest revision number first.
pub fn revisions<'a>(ctx: &Ctx<'a>, sts: &StatefulSet) -> Vec<&'a ControllerRevision> {
    let ns = k8s::namespace(&sts.metadata);
    let name = k8s::name(&sts.metadata);
    let uid = sts.metadata.uid.as_deref();
    let mut out: Vec<&ControllerRevision> = ctx
        .snap
        .controller_revisions
        .iter()
        .filter(|r| k8s::namespace(&r.metadata) == ns)
        .filter(|r| {
            k8s::controller_of(&r.metadata).is_some_and(|o| {
                o.kind == "StatefulSet" && o.name == name && uid.is_none_or(|u| o.uid == u)
            })
        })
        .collect();
    out.sort_by_key(|r| r.revision);
    out
}

/// The pod template a revision records, without the `$patch` directive.
pub fn template_of(rev: &ControllerRevision) -> Option<Value> {
    let data: Value = serde_json::from_str(rev.data.as_ref()?.get()).ok()?;
    let mut t = data.pointer("/spec/template")?.clone();
    t.as_object_mut()?.remove("$patch");
    Some(t)
}

/// A JSON merge patch that turns `current` into exactly `target`.
pub fn replace_patch(current: &Value, target: &Value) -> Value {
    match (current, target) {
        (Value::Object(c), Value::Object(t)) => {
            let mut out = Map::new();
            for (k, tv) in t {
                let v = match c.get(k) {
                    Some(cv) if cv == tv => continue,
                    Some(cv) => replace_patch(cv, tv),
                    None => tv.clone(),
                };
                out.insert(k.clone(), v);
            }
            for k in c.keys() {
                if !t.contains_key(k) {
                    out.insert(k.clone(), Value::Null);
                }
            }
            Value::Object(out)
        }
        _ => target.clone(),
    }
}

/// Pods the controller will wait on forever once `sts` updates to `target`: OrderedReady
/// with RollingUpdate, at or above the partition, not on `target`, not Ready, and not on
/// their way out (terminating, Failed or Succeeded pods the controller replaces itself).
/// Lowest ordinal first: the controller waits on the lowest one first.
pub fn trapped<'a>(ctx: &Ctx<'a>, sts: &StatefulSet, target: &str) -> Vec<&'a Pod> {
    if !rv::ordered_ready(sts) || rv::on_delete(sts) {
        return Vec::new();
    }
    let partition = rv::partition(sts);
    rv::members(ctx, sts)
        .into_iter()
        .filter(|m| m.index >= partition)
        .filter_map(|m| m.pod)
        .filter(|p| {
            k8s::pod::revision(p) != Some(target)
                && !rv::serving(p)
                && !rv::terminating(p)
                && !matches!(k8s::pod::phase(p), "Failed" | "Succeeded")
        })
        .collect()
}

/// A pod caught in the trap, as data for the command that offers it for deletion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrappedPod {
    pub name: String,
    pub uid: Option<String>,
    pub resource_version: Option<String>,
    pub revision: String,
    pub problem: String,
}

/// [`crate::sts::trapped`] for `ns/name` in `snap`, as data.
pub fn trapped_in(
    snap: &crate::snapshot::Snapshot,
    ns: &str,
    name: &str,
    target: &str,
    now: jiff::Timestamp,
    kubectl: &crate::kubectl::Kubectl,
) -> Vec<TrappedPod> {
    let ctx = Ctx {
        snap,
        idx: crate::analysis::index::Index::new(snap),
        now,
        kubectl,
    };
    let Some(sts) = ctx.idx.statefulset.get(&(ns, name)).copied() else {
        return Vec::new();
    };
    trapped(&ctx, sts, target)
        .into_iter()
        .map(|p| TrappedPod {
            name: k8s::name(&p.metadata).to_string(),
            uid: p.metadata.uid.clone(),
            resource_version: p.metadata.resource_version.clone(),
            revision: k8s::pod::revision(p)
                .unwrap_or("no revision label")
                .to_string(),
            problem: rv::problem(&ctx, p),
        })
        .collect()
}

/// The revision to return to: the one numbered `to`, else the current revision while a
/// rollout to another one is in progress (what the other pods run), else the newest before
/// the update revision (what `kubectl rollout undo` picks).
fn choose<'a>(
    revs: &[&'a ControllerRevision],
    sts: &StatefulSet,
    to: Option<i64>,
) -> Result<&'a ControllerRevision, String> {
    let name = k8s::name(&sts.metadata);
    let upd = rv::update_revision(sts);
    let cur = rv::current_revision(sts);
    let listed = || {
        revs.iter()
            .map(|r| format!("{} ({})", r.revision, k8s::name(&r.metadata)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(n) = to {
        return revs
            .iter()
            .copied()
            .find(|r| r.revision == n)
            .ok_or_else(|| {
                format!(
                    "{name} has no revision {n} (recorded: {})",
                    if revs.is_empty() {
                        "none".to_string()
                    } else {
                        listed()
                    }
                )
            });
    }
    if upd != cur
        && let Some(r) = revs
            .iter()
            .copied()
            .find(|r| Some(k8s::name(&r.metadata)) == cur)
    {
        return Ok(r);
    }
    let upd_number = revs
        .iter()
        .find(|r| Some(k8s::name(&r.metadata)) == upd)
        .map(|r| r.revision);
    revs.iter()
        .rev()
        .copied()
        .find(|r| upd_number.is_none_or(|n| r.revision < n) && Some(k8s::name(&r.metadata)) != upd)
        .ok_or_else(|| {
            format!(
                "{name} has no earlier revision to return to (recorded: {})",
                if revs.is_empty() {
                    "none; ControllerRevisions may not have been read".to_string()
                } else {
                    listed()
                }
            )
        })
}

pub(super) fn plan(
    ctx: &Ctx,
    sts: &StatefulSet,
    to: Option<i64>,
    raw: Option<&Value>,
) -> Result<ActionPlan, Vec<String>> {
    let ns = k8s::namespace(&sts.metadata);
    let name = k8s::name(&sts.metadata);
    let revs = revisions(ctx, sts);
    let target = choose(&revs, sts, to).map_err(|e| vec![e])?;
    let target_name = k8s::name(&target.metadata);
    let trapped_now: Vec<&str> = trapped(ctx, sts, target_name)
        .iter()
        .map(|p| k8s::name(&p.metadata))
        .collect();
    if rv::update_revision(sts) == Some(target_name) {
        let mut r = vec![format!(
            "the template of {name} already is revision {} ({target_name})",
            target.revision
        )];
        if !trapped_now.is_empty() {
            r.push(format!(
                "{} {} not Ready on another revision and will not be replaced by the controller: delete {} (kubectl -n {ns} delete pod NAME), lowest ordinal first",
                trapped_now.join(", "),
                if trapped_now.len() == 1 { "is" } else { "are" },
                if trapped_now.len() == 1 { "it" } else { "them one at a time" }
            ));
        }
        return Err(r);
    }
    let Some(template) = template_of(target) else {
        return Err(vec![format!(
            "revision {} ({target_name}) records no pod template",
            target.revision
        )]);
    };
    let current = raw
        .and_then(|r| r.pointer("/spec/template"))
        .cloned()
        .or_else(|| sts.object().pointer("/spec/template").cloned())
        .unwrap_or(json!({}));
    let diff = replace_patch(&current, &template);
    if diff.as_object().is_some_and(Map::is_empty) {
        return Err(vec![format!(
            "the pod template of {name} already equals revision {} ({target_name})",
            target.revision
        )]);
    }
    let sts_ref = format!("statefulset/{name}");
    let to_flag = format!("--to-revision={}", target.revision);
    let mut steps = vec![Step {
        description: format!(
            "restore the pod template of revision {} ({target_name})",
            target.revision
        ),
        command: shell_join(&ctx.kubectl.argv(
            Some(ns),
            &["rollout", "undo", sts_ref.as_str(), to_flag.as_str()],
        )),
    }];
    let mut notes = vec![crate::sts::template_change_effect(sts)];
    if rv::ordered_ready(sts) && !rv::on_delete(sts) {
        notes.push(format!(
            "then, under OrderedReady, a pod left not Ready on another revision is never replaced (the controller waits for it; kubernetes/kubernetes#67250): each is offered for deletion through an eviction, one at a time, lowest ordinal first, waiting for its replacement to be Ready{}",
            if trapped_now.is_empty() {
                String::new()
            } else {
                format!(" (now: {})", trapped_now.join(", "))
            }
        ));
        for pod in &trapped_now {
            let [mut evict, wait] = super::replace::eviction_steps(ctx.kubectl, ns, pod);
            evict.description = format!(
                "after the undo: {} so it is re-created from {target_name} (it is not Ready, so this costs no availability)",
                evict.description
            );
            steps.push(evict);
            steps.push(wait);
        }
    }
    steps.push(Step {
        description: "follow the rollout until it settles".to_string(),
        command: shell_join(
            &ctx.kubectl
                .sts_argv(Some(ns), &["rollout", "status", name, "--watch"]),
        ),
    });
    Ok(ActionPlan {
        action: "undo",
        plan: Plan {
            title: format!(
                "undo {name}: back to revision {} ({target_name}) from {}",
                target.revision,
                rv::update_revision(sts).unwrap_or("an unknown revision")
            ),
            steps,
            notes,
            destructive: false,
        },
        change: Change::Patch {
            body: json!({"spec": {"template": diff}}),
        },
        target_revision: Some(target_name.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kubectl::Kubectl;
    use crate::rollout::actions::{Action, plan as plan_action};
    use crate::snapshot::Snapshot;
    use crate::testutil::*;

    fn revision(name: &str, number: i64, image: &str, extra: Value) -> ControllerRevision {
        let mut tpl = json!({"$patch": "replace",
            "metadata": {"labels": {"app": "db"}},
            "spec": {"containers": [{"name": "db", "image": image}]}});
        if let (Some(t), Value::Object(e)) = (tpl["spec"].as_object_mut(), extra) {
            t.extend(e);
        }
        from_json(json!({
            "apiVersion": "apps/v1", "kind": "ControllerRevision",
            "metadata": {"name": name, "namespace": "shop",
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "db",
                                     "uid": "uid-sts-db", "controller": true}]},
            "revision": number,
            "data": {"spec": {"template": tpl}}
        }))
    }

    /// db rolled from rev1 (postgres:16) to rev2 (postgres:17 plus a nodeSelector); db-2 is
    /// updated and crash-looping.
    fn broken_update() -> Snapshot {
        let mut s = snapshot();
        s.statefulsets.push(merged(
            &sts("shop", "db", 3),
            json!({"metadata": {"resourceVersion": "500"},
                   "spec": {"template": {"metadata": {"labels": {"app": "db"}},
                                         "spec": {"containers": [{"name": "db", "image": "postgres:17"}],
                                                  "nodeSelector": {"disk": "ssd"}}}},
                   "status": {"currentRevision": "db-rev1", "updateRevision": "db-rev2"}}),
        ));
        s.controller_revisions
            .push(revision("db-rev1", 1, "postgres:16", json!({})));
        s.controller_revisions.push(revision(
            "db-rev2",
            2,
            "postgres:17",
            json!({"nodeSelector": {"disk": "ssd"}}),
        ));
        s.pods.push(pod("shop", "db", 0, true));
        s.pods.push(pod("shop", "db", 1, true));
        s.pods.push(merged(
            &pod("shop", "db", 2, false),
            json!({"metadata": {"labels": {"controller-revision-hash": "db-rev2"}},
                   "status": {"containerStatuses": [{"name": "db", "image": "x", "imageID": "", "ready": false,
                       "restartCount": 9, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}}),
        ));
        s
    }

    fn undo(s: &Snapshot, to: Option<i64>) -> Result<ActionPlan, crate::rollout::Refusal> {
        plan_action(
            s,
            "shop",
            "db",
            &Action::Undo { to_revision: to },
            now(),
            &Kubectl::default(),
            None,
        )
    }

    #[test]
    fn undo_restores_the_current_revisions_template_exactly() {
        let s = broken_update();
        let p = undo(&s, None).unwrap();
        let Change::Patch { body } = &p.change else {
            panic!("not a patch")
        };
        assert_eq!(
            body,
            &json!({"metadata": {"resourceVersion": "500"},
                    "spec": {"template": {"spec": {"containers": [{"name": "db", "image": "postgres:16"}],
                                                   "nodeSelector": null}}}})
        );
        // Applied as a merge patch, the template becomes exactly revision 1's.
        let after = merged(&s.statefulsets[0], body.clone());
        assert_eq!(
            after.object()["spec"]["template"],
            template_of(&s.controller_revisions[0]).unwrap()
        );
        assert_eq!(p.target_revision.as_deref(), Some("db-rev1"));
        assert_eq!(
            p.plan.steps[0].command,
            "kubectl -n shop rollout undo statefulset/db --to-revision=1"
        );
        // db-2 stays not Ready on rev2: it is offered for deletion (an eviction) after the
        // undo.
        assert!(
            p.plan.steps[1]
                .command
                .ends_with("kubectl create --raw /api/v1/namespaces/shop/pods/db-2/eviction -f -"),
            "{}",
            p.plan.steps[1].command
        );
        assert_eq!(
            p.plan.steps[2].command,
            "kubectl -n shop wait --for=condition=Ready pod/db-2 --timeout=10m"
        );
    }

    #[test]
    fn a_complete_rollout_goes_back_to_the_revision_before() {
        let mut s = broken_update();
        s.statefulsets[0] = merged(
            &s.statefulsets[0],
            json!({"status": {"currentRevision": "db-rev2"}}),
        );
        assert_eq!(
            undo(&s, None).unwrap().target_revision.as_deref(),
            Some("db-rev1")
        );
        let r = undo(&s, Some(2)).unwrap_err();
        assert_eq!(r.reasons.len(), 1, "{r}");
        assert!(r.reasons[0].contains("already is revision 2"), "{r}");
        // After an undo that left db-2 crashing on rev2: undoing again is refused, and the
        // refusal says which pod to delete.
        s.statefulsets[0] = merged(
            &s.statefulsets[0],
            json!({"status": {"currentRevision": "db-rev1", "updateRevision": "db-rev1"}}),
        );
        let r = undo(&s, Some(1)).unwrap_err();
        assert!(r.reasons[0].contains("already is revision 1"), "{r}");
        assert!(
            r.reasons[1].starts_with("db-2 is not Ready on another revision"),
            "{r}"
        );
        let r = undo(&s, Some(7)).unwrap_err();
        assert!(
            r.reasons[0].contains("no revision 7 (recorded: 1 (db-rev1), 2 (db-rev2))"),
            "{r}"
        );
    }

    #[test]
    fn revisions_of_other_statefulsets_are_not_candidates() {
        let mut s = broken_update();
        s.controller_revisions.remove(0);
        let mut other = revision("web-rev1", 1, "nginx", json!({}));
        other.metadata.owner_references.as_mut().unwrap()[0].name = "web".into();
        s.controller_revisions.push(other);
        let r = undo(&s, None).unwrap_err();
        assert!(r.reasons[0].contains("no earlier revision"), "{r}");
    }

    #[test]
    fn the_trap_is_only_under_orderedready_at_or_above_the_partition() {
        let s = broken_update();
        let k = Kubectl::default();
        let ctx = ctx_for(&s, &k);
        let names = |v: Vec<&Pod>| -> Vec<String> {
            v.iter()
                .map(|p| k8s::name(&p.metadata).to_string())
                .collect()
        };
        assert_eq!(
            names(trapped(&ctx, &s.statefulsets[0], "db-rev1")),
            ["db-2"]
        );
        assert!(trapped(&ctx, &s.statefulsets[0], "db-rev2").is_empty());
        let parallel = merged(
            &s.statefulsets[0],
            json!({"spec": {"podManagementPolicy": "Parallel"}}),
        );
        assert!(trapped(&ctx, &parallel, "db-rev1").is_empty());
        let held = merged(
            &s.statefulsets[0],
            json!({"spec": {"updateStrategy": {"rollingUpdate": {"partition": 3}}}}),
        );
        assert!(trapped(&ctx, &held, "db-rev1").is_empty());
    }

    #[test]
    fn replace_patch_nulls_what_the_target_lacks_and_skips_what_is_equal() {
        let cur = json!({"a": 1, "b": {"c": 2, "d": 3}, "l": [1, 2], "same": {"x": 1}});
        let tgt = json!({"a": 1, "b": {"c": 5}, "l": [1], "new": true, "same": {"x": 1}});
        assert_eq!(
            replace_patch(&cur, &tgt),
            json!({"b": {"c": 5, "d": null}, "l": [1], "new": true})
        );
    }
}
