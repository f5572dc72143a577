//! The registry of checks: one check per runbook id, each declaring the sources it needs so
//! that an unreadable source turns into "not checked" instead of a false all-clear.

mod post;

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
    crate::analysis::run(snap, now, kubectl, checks, post::link)
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

/// One line a check: declares its module and puts its `CHECK` in the registry (kept
/// alphabetical; findings are sorted after the run, so the order changes no output).
/// Adding a runbook: `runbooks/ID.md`, `src/checks/ID.rs` exporting `CHECK`, fixtures, and
/// its name here (docs/CONTRIBUTING.md).
macro_rules! registry {
    ($($check:ident),* $(,)?) => {
        $(mod $check;)*
        pub static CHECKS: &[Check] = &[$($check::CHECK),*];
    };
}

registry! {
    container_config_error,
    container_crashloop,
    container_oomkilled,
    controller_not_progressing,
    deployment_stateful,
    ephemeral_data_volume,
    fresh_volume_replica,
    grace_period_short,
    headless_service_missing,
    image_pull_failure,
    liveness_restart_loop,
    local_volume,
    node_not_ready,
    orderedready_blocked,
    orphan_pv_released,
    orphan_pv_unclaimed,
    orphan_pvc_scaled_down,
    orphan_pvc_statefulset_deleted,
    pdb_allows_quorum_loss,
    pdb_blocks_drain,
    pdb_exhausted,
    pdb_missing,
    pdb_overlapping,
    pod_stuck_terminating,
    pod_unschedulable,
    probes_identical,
    pv_node_affinity_conflict,
    pvc_lost,
    pvc_pending,
    pvc_retention_delete,
    pvc_stuck_terminating,
    readiness_probe_missing,
    reclaim_policy_delete,
    replicas_colocated,
    replicas_unavailable,
    rollout_broken_pod_trap,
    rollout_ondelete_pending,
    rollout_partition_held,
    rollout_stuck,
    service_missing_endpoints,
    service_not_headless,
    service_selector_mismatch,
    spread_missing,
    startup_probe_missing,
    statefulset_service_name_missing,
    storageclass_immediate_binding,
    storageclass_missing,
    storageclass_no_expansion,
    volume_attach_conflict,
    volume_backend_missing,
    volume_filling_up,
    volume_mount_failed,
    volume_resize_pending,
}
