//! The rollout checks' reading of a StatefulSet, for `kubectl sts rollout` (`crate::rollout`).
//!
//! The rules of the StatefulSet controller (which pod it waits on, when a pod is stuck
//! rather than starting, the OrderedReady trap) live in `workload` and in the rollout
//! checks; this module only makes them reachable from outside `checks`, so the rollout
//! command judges a rollout exactly as `diagnose` does instead of re-deriving it.

pub(crate) use super::controller_not_progressing::explains as controller_lags;
pub(crate) use super::orderedready_blocked::blocked as orderedready_blocked;
pub(crate) use super::rollout_broken_pod_trap::explains as trapped;
pub(crate) use super::rollout_stuck::waiting_on;
pub(crate) use super::workload::{
    current_revision, index_of, members, on_delete, ordered_ready, partition, problem, serving,
    stuck_not_ready, template_change_effect, template_container, terminating, update_revision,
};
