//! Operators that own StatefulSets, and how each wants a change made: through its custom
//! resource (CR), not by patching the StatefulSet, which the operator reverts at its next
//! reconcile or silently drops at the next change of the CR. The table is
//! `shared/spec/operators.md` (read from each operator's source); where that says
//! "unconfirmed", the entry here says so too and the advice stays conservative.
//!
//! `table` holds the data, `owner` recognises the operator behind a StatefulSet, and
//! `resource` works with its custom resource: reading fields, patches, what to say.

mod owner;
mod resource;
mod table;

pub use owner::{
    CrState, Owner, Upstream, is_custom_kind, owner, owner_in, pod_controller_without_statefulset,
};
pub use resource::{CrPatch, Located, locate, merge_patch};
pub use table::OPERATORS;

/// What a direct change to the StatefulSet becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drift {
    /// The live object is compared with the desired one on every pass: reverted now.
    Reverts,
    /// Only a hash of the CR's desired spec is compared: the patch stays, seemingly
    /// working, until the next change of the CR replaces the whole spec.
    HashOnly,
    /// Not read in the operator's source.
    Unconfirmed,
}

/// Growing the volumes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expansion {
    /// Raising the size in the CR grows the claims (after `opt_in`, when there is one).
    ThroughCr { opt_in: Option<&'static str> },
    /// The operator does not grow claims; it documents this procedure.
    Procedure(&'static str),
    /// Not read in the operator's source.
    Unconfirmed,
}

/// The operator's PodDisruptionBudget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    /// It creates one; `field` sets or disables it.
    Creates {
        field: &'static str,
    },
    /// It creates one when `field` asks for it.
    OptIn {
        field: &'static str,
    },
    /// It creates none: a budget applied by hand is left alone.
    Never,
    Unconfirmed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operator {
    pub name: &'static str,
    /// The API group of its resources.
    pub group: &'static str,
    /// Its kinds that own StatefulSets.
    pub kinds: &'static [&'static str],
    /// Field paths in the CR (`[]` marks a list, e.g. one entry per node set). `{component}`
    /// stands for the StatefulSet's component where one operator runs several (Percona).
    pub replicas: Option<&'static str>,
    pub storage: Option<&'static str>,
    pub image: Option<&'static str>,
    pub resources: Option<&'static str>,
    /// Where the CR takes pod template settings (probes, affinity, grace period), if it
    /// has such a section.
    pub template: Option<&'static str>,
    pub expansion: Expansion,
    pub budget: Budget,
    /// How to pause its reconciliation, when it has a way.
    pub pause: Option<&'static str>,
    /// How to restart the pods the operator's way, when known.
    pub restart: Option<&'static str>,
    /// How it runs rollouts: what a partition or a step by hand would fight.
    pub rollout: &'static str,
    pub drift: Drift,
    /// Said with every piece of advice: where the CR itself has an owner (a chain), or a
    /// switch that looks like a pause and is not.
    pub caveat: Option<&'static str>,
}
