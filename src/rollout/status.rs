//! `rollout status`: one StatefulSet's rollout as the controller sees it, with a `state`
//! that never calls a partial rollout complete.
//!
//! The state, in the order it is decided:
//! - `paused-ondelete`: OnDelete, and a pod runs a revision other than the update revision:
//!   nothing happens until someone deletes it.
//! - `complete`: every desired member exists, runs the update revision and is Ready, the
//!   controller has seen the latest spec, and no partition holds members back.
//! - `partitioned`: RollingUpdate with a partition above 0, and every member at or above it
//!   runs the update revision and is Ready: the rollout went as far as the partition lets it.
//!   A forgotten partition is this, never `complete`, even when no member is held back at
//!   this moment (the next template change stops there).
//! - `stuck`: the controller waits on something that will not fix itself: the pod it waits
//!   on is not Ready and failing (or not Ready for ten minutes), a pod is caught in the
//!   OrderedReady trap, OrderedReady cannot create the next member, or the controller has
//!   not processed the latest spec for five minutes. `blocking` names the pod and its cause.
//! - `progressing`: anything else: the controller is replacing, creating or waiting for a
//!   pod that is still starting.

use crate::analysis::{Ctx, NotChecked, index::Index};
use crate::finding::{Category, Finding};
use crate::k8s;
use crate::kubectl::Kubectl;
use crate::model::Pod;
use crate::model::StatefulSet;
use crate::snapshot::{Skipped, Snapshot, Source};
use crate::sts as rv;
use jiff::Timestamp;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    Complete,
    Progressing,
    Stuck,
    Partitioned,
    PausedOndelete,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Complete => "complete",
            State::Progressing => "progressing",
            State::Stuck => "stuck",
            State::Partitioned => "partitioned",
            State::PausedOndelete => "paused-ondelete",
        }
    }

    /// Nothing more happens by itself: a watch can stop here.
    pub fn settled(self) -> bool {
        self != State::Progressing
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StsRef {
    pub namespace: String,
    pub name: String,
}

/// One pod of the StatefulSet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PodRow {
    pub name: String,
    pub ordinal: u64,
    /// The `controller-revision-hash` label.
    pub revision: Option<String>,
    /// Runs the update revision.
    pub updated: bool,
    pub ready: bool,
    pub node: Option<String>,
    /// Container restarts, all containers together.
    pub restarts: i32,
    pub age_seconds: Option<i64>,
    pub phase: String,
    pub terminating: bool,
    /// Outside `[start, start + replicas)`: left over from a scale-down in progress.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub surplus: bool,
    /// Why it is not Ready, in one phrase.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// What the rollout waits on when it is stuck.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Blocking {
    /// The pod, when a pod is the cause (not when the controller itself lags).
    pub pod: Option<String>,
    pub cause: String,
}

/// Helm, Argo CD or Flux manage the StatefulSet: a change made here may be undone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManagedBy {
    pub tool: String,
    pub name: String,
    pub hint: String,
}

/// The `rollout status -o json` document (field names are the output contract).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RolloutStatus {
    pub statefulset: StsRef,
    /// "RollingUpdate" or "OnDelete".
    pub strategy: String,
    /// `updateStrategy.rollingUpdate.partition`; 0 under OnDelete.
    pub partition: i64,
    pub pod_management_policy: String,
    pub current_revision: Option<String>,
    pub update_revision: Option<String>,
    pub state: State,
    pub pods: Vec<PodRow>,
    /// The incident findings of this StatefulSet and its pods, as `diagnose` reports them.
    pub findings: Vec<Finding>,
    pub replicas: i32,
    /// The first ordinal (`spec.ordinals.start`).
    pub ordinal_start: i64,
    /// Desired members with no pod.
    pub missing: Vec<String>,
    /// The state in one sentence.
    pub detail: String,
    pub blocking: Option<Blocking>,
    pub managed_by: Option<ManagedBy>,
    pub generation: Option<i64>,
    pub observed_generation: Option<i64>,
    /// Sources that could not be read: findings that need them are missing.
    pub skipped: Vec<Skipped>,
    /// The incident checks that could not run for want of a skipped source: `findings`
    /// says nothing about them (present when not empty).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_checked: Vec<NotChecked>,
}

impl RolloutStatus {
    pub fn worst(&self) -> Option<crate::finding::Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    /// The rows of pods running the update revision and Ready.
    pub fn updated_ready(&self) -> usize {
        self.pods
            .iter()
            .filter(|p| p.updated && p.ready && !p.surplus)
            .count()
    }
}

/// Why no status could be computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoStatus {
    /// StatefulSets or Pods were not read.
    Unreadable(Source, String),
    NotFound,
}

/// The rollout status of `ns/name` in `snap` at `now`.
pub fn status(
    snap: &Snapshot,
    ns: &str,
    name: &str,
    now: Timestamp,
    kubectl: &Kubectl,
) -> Result<RolloutStatus, NoStatus> {
    for source in [Source::StatefulSets, Source::Pods] {
        if let Some(s) = snap.is_skipped(source) {
            return Err(NoStatus::Unreadable(source, s.reason.clone()));
        }
    }
    let ctx = Ctx {
        snap,
        idx: Index::new(snap),
        now,
        kubectl,
    };
    let sts = *ctx
        .idx
        .statefulset
        .get(&(ns, name))
        .ok_or(NoStatus::NotFound)?;
    let mut report = crate::checks::analyze(snap, now, kubectl);
    report.retain(Some((ns, name)), &[]);
    let not_checked: Vec<NotChecked> = report
        .not_checked
        .iter()
        .filter(|n| {
            !n.opt_in_only()
                && crate::runbooks::get(&n.runbook)
                    .is_some_and(|r| r.category == Category::Incident)
        })
        .cloned()
        .collect();
    let findings: Vec<Finding> = report
        .findings
        .into_iter()
        .filter(|f| f.category == Category::Incident)
        .collect();
    let (state, detail, blocking) = judge(&ctx, sts);
    let members = rv::members(&ctx, sts);
    let mut pods = rows(&ctx, sts);
    pods.sort_by_key(|p| p.ordinal);
    Ok(RolloutStatus {
        statefulset: StsRef {
            namespace: ns.to_string(),
            name: name.to_string(),
        },
        strategy: if rv::on_delete(sts) {
            "OnDelete"
        } else {
            "RollingUpdate"
        }
        .to_string(),
        partition: rv::partition(sts),
        pod_management_policy: if rv::ordered_ready(sts) {
            "OrderedReady"
        } else {
            "Parallel"
        }
        .to_string(),
        current_revision: rv::current_revision(sts).map(str::to_string),
        update_revision: rv::update_revision(sts).map(str::to_string),
        state,
        pods,
        findings,
        replicas: k8s::replicas(sts),
        ordinal_start: k8s::ordinal_start(sts),
        missing: members
            .iter()
            .filter(|m| m.pod.is_none())
            .map(|m| m.name.clone())
            .collect(),
        detail,
        blocking,
        managed_by: k8s::managed::managed_by(&sts.metadata).map(|m| ManagedBy {
            tool: m.tool.to_string(),
            name: m.name,
            hint: m.hint,
        }),
        generation: sts.metadata.generation(),
        observed_generation: sts.status.as_ref().and_then(|s| s.observed_generation),
        skipped: snap.skipped.clone(),
        not_checked,
    })
}

fn restarts(pod: &Pod) -> i32 {
    let st = pod.status.as_ref();
    st.and_then(|s| s.container_statuses.as_deref())
        .unwrap_or_default()
        .iter()
        .chain(
            st.and_then(|s| s.init_container_statuses.as_deref())
                .unwrap_or_default(),
        )
        .map(|c| c.restart_count)
        .sum()
}

fn rows(ctx: &Ctx, sts: &StatefulSet) -> Vec<PodRow> {
    let ns = k8s::namespace(&sts.metadata);
    let name = k8s::name(&sts.metadata);
    let upd = rv::update_revision(sts);
    let replicas = i64::from(k8s::replicas(sts));
    ctx.idx
        .pods_of(ns, name)
        .iter()
        .filter_map(|pod| {
            let ordinal = k8s::ordinal_suffix(k8s::name(&pod.metadata), name)?;
            let ready = rv::serving(pod);
            Some(PodRow {
                name: k8s::name(&pod.metadata).to_string(),
                ordinal,
                revision: k8s::pod::revision(pod).map(str::to_string),
                updated: upd.is_some() && k8s::pod::revision(pod) == upd,
                ready,
                node: k8s::pod::node_name(pod).map(str::to_string),
                restarts: restarts(pod),
                age_seconds: pod
                    .metadata
                    .creation_timestamp
                    .as_ref()
                    .map(|t| k8s::time::secs_since(t.0, ctx.now)),
                phase: k8s::pod::phase(pod).to_string(),
                terminating: rv::terminating(pod),
                surplus: rv::index_of(sts, pod).is_none_or(|i| i < 0 || i >= replicas),
                problem: (!ready).then(|| rv::problem(ctx, pod)),
            })
        })
        .collect()
}

fn pod_name(p: &Pod) -> String {
    k8s::name(&p.metadata).to_string()
}

fn names(v: &[&str]) -> String {
    v.join(", ")
}

/// The pod the rollout waits on and will not get past by itself, with its cause.
fn blocking_pod<'a>(ctx: &Ctx<'a>, sts: &StatefulSet) -> Option<&'a Pod> {
    if let Some(p) = rv::waiting_on(ctx, sts).filter(|p| rv::stuck_not_ready(ctx, p)) {
        return Some(p);
    }
    let members = rv::members(ctx, sts);
    if let Some(p) = members
        .iter()
        .filter_map(|m| m.pod)
        .find(|p| rv::trapped(ctx, sts, p))
    {
        return Some(p);
    }
    if let Some(b) = rv::blocked(ctx, sts) {
        return Some(b.pod);
    }
    // No rollout in flight, or Parallel: a member that is down for good still keeps the
    // StatefulSet from being complete, and nothing will replace it by itself.
    members
        .iter()
        .filter_map(|m| m.pod)
        .find(|p| rv::stuck_not_ready(ctx, p))
}

fn cause(ctx: &Ctx, pod: &Pod) -> String {
    let why = rv::problem(ctx, pod);
    let rev = k8s::pod::revision(pod).unwrap_or("no revision label");
    format!("{} (revision {rev}) is not Ready: {why}", pod_name(pod))
}

/// The rollout is stuck: the controller has not processed the latest spec, or it waits
/// on a pod that does not become Ready.
fn stuck(ctx: &Ctx, sts: &StatefulSet, observed: i64) -> Option<(State, String, Option<Blocking>)> {
    if rv::controller_lags(ctx, sts) {
        let generation = sts.metadata.generation().unwrap_or(0);
        return Some((
            State::Stuck,
            format!(
                "the StatefulSet controller has not processed generation {generation} (observed {observed}): nothing the latest spec asks for happens"
            ),
            Some(Blocking {
                pod: None,
                cause: format!(
                    "the StatefulSet controller has not processed the latest spec (generation {generation}, observed {observed}): check kube-controller-manager"
                ),
            }),
        ));
    }
    if let Some(pod) = blocking_pod(ctx, sts) {
        let c = cause(ctx, pod);
        return Some((
            State::Stuck,
            format!(
                "the controller waits on {} and does not go on until it is Ready",
                pod_name(pod)
            ),
            Some(Blocking {
                pod: Some(pod_name(pod)),
                cause: c,
            }),
        ));
    }
    None
}

/// The state, its sentence, and what blocks it.
fn judge(ctx: &Ctx, sts: &StatefulSet) -> (State, String, Option<Blocking>) {
    let upd = rv::update_revision(sts);
    let cur = rv::current_revision(sts);
    let members = rv::members(ctx, sts);
    let n = members.len();
    let on_upd = |p: &Pod| upd.is_some() && k8s::pod::revision(p) == upd;
    let upd_name = upd.unwrap_or("(no update revision)");

    if rv::on_delete(sts) {
        let old: Vec<&str> = members
            .iter()
            .filter_map(|m| m.pod)
            .filter(|p| !rv::terminating(p) && !on_upd(p))
            .map(|p| k8s::name(&p.metadata))
            .collect();
        if !old.is_empty() {
            return (
                State::PausedOndelete,
                format!(
                    "OnDelete: {} of {} pods still run an old revision ({}); each changes to {upd_name} only when it is deleted",
                    old.len(),
                    members.iter().filter(|m| m.pod.is_some()).count(),
                    names(&old)
                ),
                None,
            );
        }
    }

    let observed = sts
        .status
        .as_ref()
        .and_then(|s| s.observed_generation)
        .unwrap_or(0);
    let caught_up = sts.metadata.generation().is_none_or(|g| observed >= g);
    let done = |from: i64| {
        members
            .iter()
            .filter(|m| m.index >= from)
            .all(|m| m.pod.is_some_and(|p| on_upd(p) && rv::serving(p)))
    };
    let partition = rv::partition(sts);

    if caught_up && done(0) {
        if partition > 0 {
            let first = k8s::ordinal_start(sts) + partition;
            return (
                State::Partitioned,
                format!(
                    "every member runs {upd_name} and is Ready, but partition {partition} stays set: the next template change will stop at ordinal {first}"
                ),
                None,
            );
        }
        return (
            State::Complete,
            format!("all {n} members run {upd_name} and are Ready"),
            None,
        );
    }
    if caught_up
        && partition > 0
        && i64::try_from(n).is_ok_and(|n| partition < n)
        && done(partition)
    {
        let held: Vec<&str> = members
            .iter()
            .filter(|m| m.index < partition)
            .filter_map(|m| m.pod)
            .filter(|p| !on_upd(p))
            .map(|p| k8s::name(&p.metadata))
            .collect();
        let first = k8s::ordinal_start(sts) + partition;
        let detail = if held.is_empty() {
            format!(
                "partition {partition}: members with ordinal ≥ {first} run {upd_name} and are Ready; nothing below is held back right now, but the next template change will stop at ordinal {first}"
            )
        } else {
            format!(
                "partition {partition} holds {} on {} while the members with ordinal ≥ {first} run {upd_name}: the fleet runs two versions until the partition is lowered",
                names(&held),
                cur.unwrap_or("an old revision")
            )
        };
        return (State::Partitioned, detail, None);
    }

    if let Some(judged) = stuck(ctx, sts, observed) {
        return judged;
    }
    let updated = members.iter().filter(|m| m.pod.is_some_and(on_upd)).count();
    let ready = members
        .iter()
        .filter(|m| m.pod.is_some_and(rv::serving))
        .count();
    let lag = if caught_up {
        String::new()
    } else {
        format!(
            "; the controller has not yet processed generation {}",
            sts.metadata.generation().unwrap_or(0)
        )
    };
    (
        State::Progressing,
        format!("{updated} of {n} members run {upd_name}, {ready} of {n} Ready{lag}"),
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;
    use serde_json::json;

    fn at(s: &Snapshot) -> RolloutStatus {
        status(s, "shop", "db", now(), &Kubectl::default()).unwrap()
    }

    fn on(p: Pod, rev: &str) -> Pod {
        merged(
            &p,
            json!({"metadata": {"labels": {"controller-revision-hash": rev}}}),
        )
    }

    fn crashing(p: Pod) -> Pod {
        merged(
            &p,
            json!({"status": {"containerStatuses": [{"name": "db", "image": "x", "imageID": "", "ready": false,
                "restartCount": 7, "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}}]}}),
        )
    }

    fn rolling(partition: i32) -> StatefulSet {
        merged(
            &sts("shop", "db", 3),
            json!({"spec": {"updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": partition}}},
                   "status": {"updateRevision": "db-rev2"}}),
        )
    }

    fn snap(sts: StatefulSet, pods: Vec<Pod>) -> Snapshot {
        let mut s = snapshot();
        s.statefulsets.push(sts);
        s.pods = pods;
        s
    }

    #[test]
    fn every_member_updated_and_ready_is_complete() {
        let s = snap(
            sts("shop", "db", 3),
            (0..3).map(|i| pod("shop", "db", i, true)).collect(),
        );
        let st = at(&s);
        assert_eq!(st.state, State::Complete);
        assert_eq!(st.blocking, None);
        assert!(st.pods.iter().all(|p| p.updated && p.ready));
        assert_eq!(st.strategy, "RollingUpdate");
        assert_eq!(st.pod_management_policy, "OrderedReady");
    }

    #[test]
    fn a_forgotten_partition_is_partitioned_never_complete() {
        let s = snap(
            rolling(2),
            vec![
                pod("shop", "db", 0, true),
                pod("shop", "db", 1, true),
                on(pod("shop", "db", 2, true), "db-rev2"),
            ],
        );
        let st = at(&s);
        assert_eq!(st.state, State::Partitioned);
        assert!(
            st.detail.contains("holds db-0, db-1 on db-rev1"),
            "{}",
            st.detail
        );
        assert!(
            st.findings
                .iter()
                .any(|f| f.runbook == "rollout-partition-held")
        );
        // Nothing held back at the moment: still not complete while the partition stays.
        let mut s = snap(
            merged(
                &rolling(2),
                json!({"status": {"updateRevision": "db-rev1"}}),
            ),
            (0..3).map(|i| pod("shop", "db", i, true)).collect(),
        );
        assert_eq!(at(&s).state, State::Partitioned);
        s.statefulsets[0] = sts("shop", "db", 3);
        assert_eq!(at(&s).state, State::Complete);
    }

    #[test]
    fn ondelete_with_old_pods_is_paused() {
        let s = snap(
            merged(
                &sts("shop", "db", 3),
                json!({"spec": {"updateStrategy": {"type": "OnDelete"}},
                       "status": {"updateRevision": "db-rev2"}}),
            ),
            vec![
                pod("shop", "db", 0, true),
                pod("shop", "db", 1, true),
                on(pod("shop", "db", 2, true), "db-rev2"),
            ],
        );
        let st = at(&s);
        assert_eq!(st.state, State::PausedOndelete);
        assert_eq!(st.strategy, "OnDelete");
        assert_eq!(st.partition, 0);
        assert!(st.detail.contains("2 of 3 pods"), "{}", st.detail);
        assert!(
            st.findings
                .iter()
                .any(|f| f.runbook == "rollout-ondelete-pending")
        );
    }

    #[test]
    fn a_crashing_updated_pod_the_controller_waits_on_is_stuck_and_named() {
        let s = snap(
            rolling(0),
            vec![
                pod("shop", "db", 0, true),
                pod("shop", "db", 1, true),
                crashing(on(pod("shop", "db", 2, false), "db-rev2")),
            ],
        );
        let st = at(&s);
        assert_eq!(st.state, State::Stuck);
        let b = st.blocking.unwrap();
        assert_eq!(b.pod.as_deref(), Some("db-2"));
        assert!(
            b.cause.contains("db-2 (revision db-rev2) is not Ready"),
            "{}",
            b.cause
        );
        let runbooks: Vec<&str> = st.findings.iter().map(|f| f.runbook.as_str()).collect();
        assert!(runbooks.contains(&"rollout-stuck"), "{runbooks:?}");
        assert!(runbooks.contains(&"container-crashloop"), "{runbooks:?}");
    }

    #[test]
    fn a_pod_still_starting_is_progressing() {
        // db-2 was just replaced and is not Ready yet; no container is failing.
        let starting = merged(
            &on(pod("shop", "db", 2, false), "db-rev2"),
            json!({"metadata": {"creationTimestamp": "2026-11-22T02:59:00Z"},
                   "status": {"conditions": [{"type": "Ready", "status": "False",
                       "lastTransitionTime": "2026-11-22T02:59:00Z"}]}}),
        );
        let s = snap(
            rolling(0),
            vec![
                pod("shop", "db", 0, true),
                pod("shop", "db", 1, true),
                starting,
            ],
        );
        let st = at(&s);
        assert_eq!(st.state, State::Progressing);
        assert!(
            st.detail.contains("1 of 3 members run db-rev2"),
            "{}",
            st.detail
        );
        assert_eq!(st.pods[2].age_seconds, Some(60));
    }

    #[test]
    fn the_trap_after_an_undo_is_stuck_on_the_pod_on_neither_revision() {
        let s = snap(
            sts("shop", "db", 3),
            vec![
                pod("shop", "db", 0, true),
                pod("shop", "db", 1, true),
                crashing(on(pod("shop", "db", 2, false), "db-rev2")),
            ],
        );
        let st = at(&s);
        assert_eq!(st.state, State::Stuck);
        assert_eq!(st.blocking.unwrap().pod.as_deref(), Some("db-2"));
        assert!(
            st.findings
                .iter()
                .any(|f| f.runbook == "rollout-broken-pod-trap")
        );
    }

    #[test]
    fn a_controller_that_lags_is_stuck_without_a_pod() {
        let s = snap(
            merged(
                &sts("shop", "db", 1),
                json!({"metadata": {"generation": 3}, "status": {"observedGeneration": 2}}),
            ),
            vec![pod("shop", "db", 0, true)],
        );
        let st = at(&s);
        assert_eq!(st.state, State::Stuck);
        assert_eq!(st.blocking.as_ref().unwrap().pod, None);
        assert!(
            st.detail.contains("generation 3 (observed 2)"),
            "{}",
            st.detail
        );
    }

    #[test]
    fn only_the_incidents_of_this_statefulset_are_kept() {
        let mut s = snap(
            rolling(0),
            vec![
                pod("shop", "db", 0, true),
                pod("shop", "db", 1, true),
                crashing(on(pod("shop", "db", 2, false), "db-rev2")),
            ],
        );
        s.statefulsets.push(sts("shop", "other", 1));
        s.pods.push(crashing(pod("shop", "other", 0, false)));
        let st = at(&s);
        assert!(
            st.findings
                .iter()
                .all(|f| f.statefulset.as_deref() == Some("db")
                    && f.category == Category::Incident)
        );
    }

    #[test]
    fn missing_members_and_surplus_pods_are_shown() {
        let s = snap(
            sts("shop", "db", 2),
            vec![pod("shop", "db", 0, true), pod("shop", "db", 2, true)],
        );
        let st = at(&s);
        assert_eq!(st.missing, ["db-1"]);
        assert!(st.pods[1].surplus && !st.pods[0].surplus);
        assert_ne!(st.state, State::Complete);
    }

    #[test]
    fn unknown_or_unreadable_is_no_status() {
        let s = snap(sts("shop", "db", 1), vec![]);
        assert_eq!(
            status(&s, "shop", "nope", now(), &Kubectl::default()),
            Err(NoStatus::NotFound)
        );
        let mut s = s;
        s.skip(Source::Pods, "forbidden");
        assert!(matches!(
            status(&s, "shop", "db", now(), &Kubectl::default()),
            Err(NoStatus::Unreadable(Source::Pods, _))
        ));
    }

    #[test]
    fn helm_management_is_reported() {
        let s = snap(
            merged(
                &sts("shop", "db", 1),
                json!({"metadata": {"labels": {"app.kubernetes.io/managed-by": "Helm"},
                                    "annotations": {"meta.helm.sh/release-name": "db"}}}),
            ),
            vec![pod("shop", "db", 0, true)],
        );
        let m = at(&s).managed_by.unwrap();
        assert_eq!((m.tool.as_str(), m.name.as_str()), ("Helm", "db"));
    }
}
