//! The registry of checks: one check per runbook id, each declaring the sources it needs so
//! that an unreadable source turns into "not checked" instead of a false all-clear.

mod container_config_error;
mod container_crashloop;
mod container_oomkilled;
mod controller_not_progressing;
mod deployment_stateful;
mod ephemeral_data_volume;
mod fresh_volume_replica;
mod grace_period_short;
mod headless_service_missing;
mod image_pull_failure;
mod links;
mod liveness_restart_loop;
mod local_volume;
mod node_not_ready;
mod orderedready_blocked;
mod orphan_pv_released;
mod orphan_pv_unclaimed;
mod orphan_pvc_scaled_down;
mod orphan_pvc_statefulset_deleted;
mod pdb_allows_quorum_loss;
mod pdb_blocks_drain;
mod pdb_exhausted;
mod pdb_missing;
mod pdb_overlapping;
mod pod_stuck_terminating;
mod pod_unschedulable;
mod probes_identical;
mod pv_node_affinity_conflict;
mod pvc_lost;
mod pvc_pending;
mod pvc_retention_delete;
mod pvc_stuck_terminating;
mod readiness_probe_missing;
mod reclaim_policy_delete;
mod replicas_colocated;
mod replicas_unavailable;
mod rollout_broken_pod_trap;
mod rollout_ondelete_pending;
mod rollout_partition_held;
mod rollout_stuck;
mod service_missing_endpoints;
mod service_not_headless;
mod service_selector_mismatch;
mod spread_missing;
mod startup_probe_missing;
mod statefulset_service_name_missing;
mod storageclass_immediate_binding;
mod storageclass_missing;
mod storageclass_no_expansion;
mod volume_attach_conflict;
mod volume_backend_missing;
mod volume_filling_up;
mod volume_mount_failed;
mod volume_resize_pending;

use crate::analysis::Report;
use crate::kubectl::Kubectl;
use crate::snapshot::Snapshot;
use jiff::Timestamp;

pub use crate::analysis::Check;

/// The analysis `diagnose` prints: every check on `snap` at `now`, findings linked to their
/// root causes. Pure.
pub fn analyze(snap: &Snapshot, now: Timestamp, kubectl: &Kubectl) -> Report {
    analyze_with(snap, now, kubectl, CHECKS)
}

/// [`analyze`] with only these checks (tests, and commands that need a few).
pub fn analyze_with(
    snap: &Snapshot,
    now: Timestamp,
    kubectl: &Kubectl,
    checks: &[Check],
) -> Report {
    crate::analysis::run(snap, now, kubectl, checks, links::link)
}

/// The check of a runbook id: for tests that run a neighbouring check on the same fixture
/// (a check file imports no other check).
#[cfg(test)]
pub(crate) fn by_id(id: &str) -> Check {
    *CHECKS
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no check {id}"))
}

pub static CHECKS: &[Check] = &[
    container_config_error::CHECK,
    container_crashloop::CHECK,
    container_oomkilled::CHECK,
    controller_not_progressing::CHECK,
    deployment_stateful::CHECK,
    ephemeral_data_volume::CHECK,
    fresh_volume_replica::CHECK,
    grace_period_short::CHECK,
    headless_service_missing::CHECK,
    image_pull_failure::CHECK,
    liveness_restart_loop::CHECK,
    local_volume::CHECK,
    node_not_ready::CHECK,
    orderedready_blocked::CHECK,
    orphan_pv_released::CHECK,
    orphan_pv_unclaimed::CHECK,
    orphan_pvc_scaled_down::CHECK,
    orphan_pvc_statefulset_deleted::CHECK,
    pdb_allows_quorum_loss::CHECK,
    pdb_blocks_drain::CHECK,
    pdb_exhausted::CHECK,
    pdb_missing::CHECK,
    pdb_overlapping::CHECK,
    pod_stuck_terminating::CHECK,
    pod_unschedulable::CHECK,
    probes_identical::CHECK,
    pv_node_affinity_conflict::CHECK,
    pvc_lost::CHECK,
    pvc_pending::CHECK,
    pvc_retention_delete::CHECK,
    pvc_stuck_terminating::CHECK,
    readiness_probe_missing::CHECK,
    reclaim_policy_delete::CHECK,
    replicas_colocated::CHECK,
    replicas_unavailable::CHECK,
    rollout_broken_pod_trap::CHECK,
    rollout_ondelete_pending::CHECK,
    rollout_partition_held::CHECK,
    rollout_stuck::CHECK,
    service_missing_endpoints::CHECK,
    service_not_headless::CHECK,
    service_selector_mismatch::CHECK,
    spread_missing::CHECK,
    startup_probe_missing::CHECK,
    statefulset_service_name_missing::CHECK,
    storageclass_immediate_binding::CHECK,
    storageclass_missing::CHECK,
    storageclass_no_expansion::CHECK,
    volume_attach_conflict::CHECK,
    volume_backend_missing::CHECK,
    volume_filling_up::CHECK,
    volume_mount_failed::CHECK,
    volume_resize_pending::CHECK,
];
