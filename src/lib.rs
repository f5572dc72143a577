//! kubectl-sts: finds what is wrong with StatefulSets and says exactly how to fix it.
//!
//! flags ─► collect ─► Snapshot ─► analyze(snapshot, now) ─► Report ─► render

pub mod act;
pub mod analysis;
pub mod checks;
pub mod cli;
pub mod cluster;
pub mod cmd;
pub mod drain;
pub mod error;
pub mod expand;
pub mod finding;
pub mod k8s;
pub mod kubectl;
pub mod manifest;
pub mod model;
pub mod orphans;
pub mod render;
pub mod rollout;
pub mod runbooks;
pub mod snapshot;
pub(crate) mod sts;
pub mod suggest;
#[cfg(feature = "synth")]
#[doc(hidden)]
pub mod synth;
pub mod watch;

#[cfg(test)]
mod testutil;
