//! Passes over every check's findings once all have run. They are not checks: they know
//! which runbooks list members or crashes (`links`) and which commands an operator must
//! make instead (`owners`), so that no check needs to.

mod links;
mod owners;

pub(super) use links::link;
