//! What a StatefulSet is, as its controller and the scheduler see it: members and revisions,
//! container states, nodes, volumes and their topology, budgets, services, and what holds a
//! rollout. Checks share knowledge only through here (a check imports no other check), and
//! the rollout, drain and expand features read StatefulSets through the same rules, so a
//! pod is judged the same way by every command.

pub(crate) mod affinity;
pub(crate) mod attach;
pub(crate) mod backend;
pub(crate) mod budgets;
pub(crate) mod claims;
pub(crate) mod classes;
mod containers;
mod controller;
mod nodes;
pub(crate) mod pending;
pub(crate) mod services;
pub(crate) mod spread;
mod stuck;
pub(crate) mod template;

pub(crate) use containers::*;
pub(crate) use controller::*;
pub(crate) use nodes::*;
pub(crate) use stuck::*;
