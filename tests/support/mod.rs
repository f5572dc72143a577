//! Shared helpers for integration tests. Include with `mod support;`.

// Each test binary compiles this module on its own and uses only part of it.
#![allow(dead_code)]

pub mod fake_apiserver;
pub mod harness;
pub mod prometheus;
