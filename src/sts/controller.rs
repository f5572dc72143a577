//! Shared reading of a StatefulSet's rollout state and of its pods' containers, for the
//! crashloop, rollout, quorum and dns checks. One place knows the controller's rules, as
//! `pkg/controller/statefulset/stateful_set_control.go` applies them:
//! - OrderedReady (the default) processes members in ordinal order and stops at the first
//!   one that is not Running and Ready: it neither creates the next member nor replaces
//!   that one, whatever its revision.
//! - RollingUpdate replaces, from the highest ordinal down to the partition, the first pod
//!   not on `updateRevision`, then waits for the replaced pod to be Ready. The partition is
//!   compared with the member's index (`ordinal - spec.ordinals.start`).
//! - OnDelete replaces nothing by itself; a pod picks up the new template when deleted.

use crate::analysis::Ctx;
use crate::finding::Remedy;
use crate::k8s;
use crate::model::Event;
use crate::model::Service;
use crate::model::StatefulSet;
use crate::model::StatefulSetSpec;
use crate::model::{Container, ContainerStatus, Pod};
use k8s_openapi::api::core::v1::ContainerStateTerminated;
use std::collections::HashMap;

/// How long a pod may stay not Ready, with no container in a failing state, before a check
/// calls it stuck: databases replaying a log or rebuilding an index routinely take minutes.
pub(crate) const SETTLE_SECS: i64 = 600;

/// A spec change younger than this may simply not be processed yet.
pub(crate) const CONTROLLER_GRACE_SECS: i64 = 300;

/// Waiting reasons that mean a container is failing, not merely starting.
const FAILING_WAIT_REASONS: &[&str] = &[
    "CrashLoopBackOff",
    "ImagePullBackOff",
    "ErrImagePull",
    "InvalidImageName",
    "ErrImageNeverPull",
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
];

/// Larger sets are not enumerated member by member (a typo of `replicas: 30000000` must
/// not allocate a vector that large).
const MAX_MEMBERS: i64 = 100_000;

pub(crate) fn spec(sts: &StatefulSet) -> Option<&StatefulSetSpec> {
    sts.spec.as_ref()
}

/// `podManagementPolicy` OrderedReady, the default.
pub(crate) fn ordered_ready(sts: &StatefulSet) -> bool {
    spec(sts).and_then(|s| s.pod_management_policy.as_deref()) != Some("Parallel")
}

pub(crate) fn on_delete(sts: &StatefulSet) -> bool {
    spec(sts)
        .and_then(|s| s.update_strategy.as_ref())
        .and_then(|u| u.type_.as_deref())
        == Some("OnDelete")
}

/// `updateStrategy.rollingUpdate.partition` (0 when unset or OnDelete).
pub(crate) fn partition(sts: &StatefulSet) -> i64 {
    if on_delete(sts) {
        return 0;
    }
    spec(sts)
        .and_then(|s| s.update_strategy.as_ref())
        .and_then(|u| u.rolling_update.as_ref())
        .and_then(|r| r.partition)
        .map(i64::from)
        .unwrap_or(0)
        .max(0)
}

pub(crate) fn update_revision(sts: &StatefulSet) -> Option<&str> {
    sts.status
        .as_ref()
        .and_then(|s| s.update_revision.as_deref())
        .filter(|s| !s.is_empty())
}

pub(crate) fn current_revision(sts: &StatefulSet) -> Option<&str> {
    sts.status
        .as_ref()
        .and_then(|s| s.current_revision.as_deref())
        .filter(|s| !s.is_empty())
}

/// One desired member (ordinal in `[start, start + replicas)`): its index from the start,
/// its name, and its pod if it exists.
pub(crate) struct Member<'a> {
    pub index: i64,
    pub name: String,
    pub pod: Option<&'a Pod>,
}

/// The desired members in ordinal order, joined with the pods the StatefulSet owns.
pub(crate) fn members<'a>(ctx: &Ctx<'a>, sts: &StatefulSet) -> Vec<Member<'a>> {
    let ns = k8s::namespace(&sts.metadata);
    let name = k8s::name(&sts.metadata);
    let mut by_ordinal: HashMap<u64, &'a Pod> = HashMap::new();
    for pod in ctx.idx.pods_of(ns, name) {
        if let Some(o) = k8s::ordinal_suffix(k8s::name(&pod.metadata), name) {
            by_ordinal.insert(o, pod);
        }
    }
    let start = k8s::ordinal_start(sts);
    let n = i64::from(k8s::replicas(sts)).min(MAX_MEMBERS);
    (0..n)
        .map(|index| {
            let ordinal = start + index;
            Member {
                index,
                name: format!("{name}-{ordinal}"),
                pod: u64::try_from(ordinal)
                    .ok()
                    .and_then(|o| by_ordinal.get(&o).copied()),
            }
        })
        .collect()
}

/// The member index of a pod of `sts` (`ordinal - start`), if its name has an ordinal.
pub(crate) fn index_of(sts: &StatefulSet, pod: &Pod) -> Option<i64> {
    let o = k8s::ordinal_suffix(k8s::name(&pod.metadata), k8s::name(&sts.metadata))?;
    i64::try_from(o).ok().map(|o| o - k8s::ordinal_start(sts))
}

pub(crate) fn terminating(pod: &Pod) -> bool {
    pod.metadata.deletion_timestamp.is_some()
}

/// Ready, and not on its way out.
pub(crate) fn serving(pod: &Pod) -> bool {
    k8s::pod::is_ready(pod) && !terminating(pod)
}

/// The pod's main problem in one phrase, with its node's state.
pub(crate) fn problem(ctx: &Ctx, pod: &Pod) -> String {
    let node = k8s::pod::node_name(pod).and_then(|n| ctx.idx.node.get(n).copied());
    k8s::pod::main_problem(pod, node, ctx.now)
}

/// Seconds the pod has been not Ready: since its Ready condition turned False, else since
/// it was created. `None` when neither is known.
pub(crate) fn not_ready_secs(ctx: &Ctx, pod: &Pod) -> Option<i64> {
    let since = k8s::pod::condition(pod, "Ready")
        .filter(|c| c.status != "True")
        .and_then(|c| c.last_transition_time.as_ref())
        .or(pod.metadata.creation_timestamp.as_ref())?;
    Some(k8s::time::secs_since(since.0, ctx.now))
}

/// A container of the pod waiting for a reason that means failure (crash loop, image pull,
/// config error), as (container, reason).
pub(crate) fn failing_container(pod: &Pod) -> Option<(&str, &str)> {
    statuses(pod).find_map(|(_, cs)| {
        waiting_reason(cs)
            .filter(|r| FAILING_WAIT_REASONS.contains(r))
            .map(|r| (cs.name.as_str(), r))
    })
}

/// Not Ready, and not just starting or stopping: a container is failing, it has been not
/// Ready for [`SETTLE_SECS`] (or for an unknown time), or it is still terminating a minute
/// past its grace period. A Failed or Succeeded pod is not stuck: the controller deletes and
/// re-creates it by itself.
pub(crate) fn stuck_not_ready(ctx: &Ctx, pod: &Pod) -> bool {
    if serving(pod) || matches!(k8s::pod::phase(pod), "Failed" | "Succeeded") {
        return false;
    }
    if let Some(del) = &pod.metadata.deletion_timestamp {
        let grace = pod.metadata.deletion_grace_period_seconds().unwrap_or(30);
        return k8s::time::secs_since(del.0, ctx.now) > grace.saturating_add(60);
    }
    if failing_container(pod).is_some() {
        return true;
    }
    not_ready_secs(ctx, pod).is_none_or(|s| s >= SETTLE_SECS)
}

/// "not Ready for 25m" when known.
pub(crate) fn not_ready_for(ctx: &Ctx, pod: &Pod) -> String {
    match not_ready_secs(ctx, pod) {
        Some(s) => format!("not Ready for {}", k8s::time::short(s)),
        None => "not Ready".to_string(),
    }
}

/// The Service named by `spec.serviceName`, if it exists.
pub(crate) fn governing_service<'a>(ctx: &Ctx<'a>, sts: &StatefulSet) -> Option<&'a Service> {
    let ns = k8s::namespace(&sts.metadata);
    let svc = spec(sts)?
        .service_name
        .as_deref()
        .filter(|s| !s.is_empty())?;
    ctx.idx.service.get(&(ns, svc)).copied()
}

pub(crate) fn publishes_not_ready(svc: &Service) -> bool {
    svc.spec
        .as_ref()
        .and_then(|s| s.publish_not_ready_addresses)
        .unwrap_or(false)
}

/// Container statuses, init containers first, each flagged `true` when it is an init
/// container.
pub(crate) fn statuses(pod: &Pod) -> impl Iterator<Item = (bool, &ContainerStatus)> {
    let st = pod.status.as_ref();
    st.and_then(|s| s.init_container_statuses.as_deref())
        .unwrap_or_default()
        .iter()
        .map(|c| (true, c))
        .chain(
            st.and_then(|s| s.container_statuses.as_deref())
                .unwrap_or_default()
                .iter()
                .map(|c| (false, c)),
        )
}

pub(crate) fn waiting_reason(cs: &ContainerStatus) -> Option<&str> {
    cs.state.as_ref()?.waiting.as_ref()?.reason.as_deref()
}

pub(crate) fn waiting_message(cs: &ContainerStatus) -> Option<&str> {
    cs.state
        .as_ref()?
        .waiting
        .as_ref()?
        .message
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty())
}

/// The container's most recent termination: the current state if it is terminated now,
/// else the last state.
pub(crate) fn last_termination(cs: &ContainerStatus) -> Option<&ContainerStateTerminated> {
    cs.state
        .as_ref()
        .and_then(|s| s.terminated.as_ref())
        .or_else(|| cs.last_state.as_ref().and_then(|s| s.terminated.as_ref()))
}

pub(crate) fn running_now(cs: &ContainerStatus) -> bool {
    cs.state.as_ref().is_some_and(|s| s.running.is_some())
}

/// The container's spec in the pod (regular or init), by name.
pub(crate) fn pod_container<'p>(pod: &'p Pod, name: &str) -> Option<&'p crate::model::Container> {
    let spec = pod.spec.as_ref()?;
    spec.containers
        .iter()
        .chain(spec.init_containers.iter().flatten())
        .find(|c| c.name == name)
}

/// A container of the StatefulSet's pod template, located for a JSON patch.
pub(crate) struct TemplateContainer<'a> {
    pub init: bool,
    pub index: usize,
    pub container: &'a Container,
}

impl TemplateContainer<'_> {
    /// `/spec/template/spec/containers/2` (or `initContainers`).
    pub fn json_path(&self) -> String {
        let list = if self.init {
            "initContainers"
        } else {
            "containers"
        };
        format!("/spec/template/spec/{list}/{}", self.index)
    }
}

pub(crate) fn template_container<'a>(
    sts: &'a StatefulSet,
    name: &str,
) -> Option<TemplateContainer<'a>> {
    let pod_spec = spec(sts)?.template.spec.as_ref()?;
    if let Some((index, container)) = pod_spec
        .containers
        .iter()
        .enumerate()
        .find(|(_, c)| c.name == name)
    {
        return Some(TemplateContainer {
            init: false,
            index,
            container,
        });
    }
    pod_spec
        .init_containers
        .iter()
        .flatten()
        .enumerate()
        .find(|(_, c)| c.name == name)
        .map(|(index, container)| TemplateContainer {
            init: true,
            index,
            container,
        })
}

/// The container an event is about, from `involvedObject.fieldPath`
/// (`spec.containers{db}`, `spec.initContainers{init}`).
pub(crate) fn event_container(e: &Event) -> Option<&str> {
    let fp = e.involved_object.field_path.as_deref()?;
    let rest = fp
        .strip_prefix("spec.containers{")
        .or_else(|| fp.strip_prefix("spec.initContainers{"))
        .or_else(|| fp.strip_prefix("spec.ephemeralContainers{"))?;
    rest.strip_suffix('}')
}

/// Whether an event of the pod may be about `container` (events without a field path are
/// about the whole pod).
pub(crate) fn event_is_about(e: &Event, container: &str) -> bool {
    event_container(e).is_none_or(|c| c == container)
}

/// The pod's recent failure events (probe failures, back-offs, pull and scheduling
/// failures) as evidence lines.
pub(crate) fn pod_event_lines(ctx: &Ctx, pod: &Pod, max: usize) -> Vec<String> {
    ctx.event_lines(
        "Pod",
        k8s::namespace(&pod.metadata),
        k8s::name(&pod.metadata),
        |e| {
            matches!(
                e.reason.as_deref(),
                Some(
                    "Unhealthy"
                        | "BackOff"
                        | "Failed"
                        | "FailedScheduling"
                        | "FailedMount"
                        | "FailedAttachVolume"
                )
            )
        },
        max,
    )
}

/// What a change of the pod template does to the running pods, in one sentence.
pub(crate) fn template_change_effect(sts: &StatefulSet) -> String {
    if on_delete(sts) {
        return "This changes the pod template; under the OnDelete strategy no pod restarts until you delete it".to_string();
    }
    let p = partition(sts);
    let start = k8s::ordinal_start(sts);
    if p > 0 {
        format!(
            "This changes the pod template, so it rolls the pods: the controller replaces the members with ordinal ≥ {} one at a time, highest first (partition {p} holds the others back)",
            start + p
        )
    } else {
        "This changes the pod template, so it rolls every pod: the controller replaces them one at a time, highest ordinal first".to_string()
    }
}

/// After a template fix, the step that makes a not-Ready pod pick it up, when the
/// controller will not do it by itself: under OrderedReady it waits for the broken pod
/// forever (rollout-broken-pod-trap), and under OnDelete it never replaces pods.
pub(crate) fn replace_after_template_change(
    ctx: &Ctx,
    sts: &StatefulSet,
    pod: &Pod,
) -> Option<Remedy> {
    // On a node that is down the delete would hang: node-not-ready says what to do there.
    if serving(pod) || terminating(pod) || super::on_down_node(ctx, pod) {
        return None;
    }
    let ns = k8s::namespace(&sts.metadata);
    let pod_name = k8s::name(&pod.metadata);
    let why = if on_delete(sts) {
        "under the OnDelete strategy a pod picks up a new template only when it is deleted"
    } else if ordered_ready(sts) {
        if index_of(sts, pod).is_some_and(|i| i < partition(sts)) {
            // Re-created below the partition, it would get the current revision again.
            return None;
        }
        "under OrderedReady the controller waits for a pod that is not Ready and never replaces it (see rollout-broken-pod-trap)"
    } else {
        return None;
    };
    Some(Remedy::run(
        format!(
            "After the template change, delete {pod_name} so it is re-created from the new template: {why}. Its volume and identity are kept"
        ),
        ctx.kubectl.argv(Some(ns), &["delete", "pod", pod_name]),
    ))
}

/// Said with every `kubectl wait` for a member just deleted: `kubectl delete pod` returns
/// once the old pod is gone, and the controller may not have re-created it yet, which
/// `kubectl wait` reports as NotFound instead of waiting.
pub(crate) const WAIT_NOT_FOUND: &str =
    "if it says NotFound, the controller has not re-created it yet: run it again";

/// `kubectl delete pod X` then `kubectl wait` for it to be Ready again.
pub(crate) fn delete_and_wait(ctx: &Ctx, ns: &str, pod: &str, why: &str) -> [Remedy; 2] {
    [
        Remedy::run(
            format!("Delete {pod}{why}"),
            ctx.kubectl.argv(Some(ns), &["delete", "pod", pod]),
        ),
        Remedy::run(
            format!("Wait until the re-created {pod} is Ready before going on ({WAIT_NOT_FOUND})"),
            ctx.kubectl.wait_ready(ns, pod, "10m"),
        ),
    ]
}

/// `kubectl rollout undo statefulset/NAME`, to the given revision's number when the
/// ControllerRevisions were read (a bare undo goes to the second newest revision, which is
/// not always the one the other pods run).
pub(crate) fn undo(ctx: &Ctx, sts: &StatefulSet, to: Option<&str>, description: &str) -> Remedy {
    let ns = k8s::namespace(&sts.metadata);
    let name = k8s::name(&sts.metadata);
    let number = to.and_then(|rev| {
        ctx.idx
            .controller_revision
            .get(&(ns, rev))
            .map(|r| r.revision)
    });
    let target = format!("statefulset/{name}");
    let mut args = vec!["rollout", "undo", target.as_str()];
    let flag;
    if let Some(n) = number {
        flag = format!("--to-revision={n}");
        args.push(&flag);
    }
    let desc = match (to, number) {
        (Some(rev), Some(n)) => format!("{description}; revision {n} is {rev}"),
        _ => format!(
            "{description}. Without --to-revision it returns to the second newest revision: check `kubectl rollout history statefulset/{name}` first if the template changed more than once"
        ),
    };
    Remedy::run(desc, ctx.kubectl.argv(Some(ns), &args))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;
    use serde_json::json;

    #[test]
    fn strategy_defaults_follow_the_api() {
        let s = sts("shop", "db", 3);
        assert!(ordered_ready(&s));
        assert!(!on_delete(&s));
        assert_eq!(partition(&s), 0);
        let s = merged(
            &s,
            json!({"spec": {"podManagementPolicy": "Parallel",
                "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}}}),
        );
        assert!(!ordered_ready(&s));
        assert_eq!(partition(&s), 2);
        let s = merged(
            &s,
            json!({"spec": {"updateStrategy": {"type": "OnDelete", "rollingUpdate": null}}}),
        );
        assert!(on_delete(&s));
        assert_eq!(partition(&s), 0);
    }

    #[test]
    fn members_join_pods_by_ordinal_from_the_start() {
        let mut snap = snapshot();
        let s = merged(
            &sts("shop", "db", 3),
            json!({"spec": {"ordinals": {"start": 5}}}),
        );
        snap.statefulsets.push(s.clone());
        snap.pods.push(pod("shop", "db", 6, true));
        snap.pods.push(pod("shop", "db", 0, true));
        let kubectl = crate::kubectl::Kubectl::default();
        let ctx = ctx_for(&snap, &kubectl);
        let m = members(&ctx, &s);
        assert_eq!(
            m.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(),
            ["db-5", "db-6", "db-7"]
        );
        assert!(m[0].pod.is_none() && m[1].pod.is_some() && m[2].pod.is_none());
        assert_eq!(m[1].index, 1);
    }

    #[test]
    fn spec_changes_are_dated_by_managed_fields_touching_spec() {
        let s = merged(
            &sts("shop", "db", 3),
            json!({"metadata": {"managedFields": [
                {"manager": "kubectl-client-side-apply", "operation": "Update", "time": "2026-11-22T02:00:00Z",
                 "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:replicas": {}}}},
                {"manager": "kube-controller-manager", "operation": "Update", "time": "2026-11-22T02:59:00Z",
                 "fieldsType": "FieldsV1", "fieldsV1": {"f:status": {"f:replicas": {}}}, "subresource": "status"},
                {"manager": "helm", "operation": "Update", "time": "2026-11-22T02:30:00Z",
                 "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:template": {}}}}
            ]}}),
        );
        let (t, who) = s.last_spec_change().unwrap();
        assert_eq!(t.to_string(), "2026-11-22T02:30:00Z");
        assert_eq!(who, "helm");
        assert!(sts("shop", "db", 1).last_spec_change().is_none());
    }

    #[test]
    fn event_field_paths_name_the_container() {
        let e: Event = from_json(json!({
            "metadata": {"name": "e", "namespace": "shop"},
            "involvedObject": {"kind": "Pod", "name": "db-0", "namespace": "shop", "fieldPath": "spec.containers{db}"}
        }));
        assert_eq!(event_container(&e), Some("db"));
        assert!(event_is_about(&e, "db") && !event_is_about(&e, "sidecar"));
    }

    #[test]
    fn a_pod_settles_into_stuck_after_ten_minutes_or_a_failing_container() {
        let mut snap = snapshot();
        let young = merged(
            &pod("shop", "db", 0, false),
            json!({"status": {"conditions": [{"type": "Ready", "status": "False", "lastTransitionTime": "2026-11-22T02:58:00Z"}]}}),
        );
        let old = merged(
            &pod("shop", "db", 1, false),
            json!({"status": {"conditions": [{"type": "Ready", "status": "False", "lastTransitionTime": "2026-11-22T02:30:00Z"}]}}),
        );
        let crashing = merged(
            &young,
            json!({"status": {"containerStatuses": [{"name": "db", "image": "x", "imageID": "", "ready": false,
                "restartCount": 3, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}}),
        );
        snap.pods = vec![young.clone(), old.clone(), crashing.clone()];
        let kubectl = crate::kubectl::Kubectl::default();
        let ctx = ctx_for(&snap, &kubectl);
        assert!(!stuck_not_ready(&ctx, &young));
        assert!(stuck_not_ready(&ctx, &old));
        assert!(stuck_not_ready(&ctx, &crashing));
        assert_eq!(not_ready_for(&ctx, &old), "not Ready for 30m");
    }

    #[test]
    fn terminating_and_failed_pods_are_stuck_only_when_the_controller_cannot_act() {
        let mut snap = snapshot();
        let leaving = merged(
            &pod("shop", "db", 0, false),
            json!({"metadata": {"deletionTimestamp": "2026-11-22T02:59:30Z", "deletionGracePeriodSeconds": 30}}),
        );
        let hung = merged(
            &leaving,
            json!({"metadata": {"deletionTimestamp": "2026-11-22T02:40:00Z"}}),
        );
        let evicted = merged(
            &pod("shop", "db", 1, false),
            json!({"status": {"phase": "Failed", "reason": "Evicted"}}),
        );
        snap.pods = vec![leaving.clone(), hung.clone(), evicted.clone()];
        let kubectl = crate::kubectl::Kubectl::default();
        let ctx = ctx_for(&snap, &kubectl);
        assert!(!stuck_not_ready(&ctx, &leaving));
        assert!(stuck_not_ready(&ctx, &hung));
        assert!(!stuck_not_ready(&ctx, &evicted));
    }
}
