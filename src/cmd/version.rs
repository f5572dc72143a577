//! `kubectl sts version`

use crate::cli::Output;
use crate::cmd::out::{out, outln};
use crate::render;
use anyhow::Result;
use serde::Serialize;

#[derive(Serialize)]
struct Version {
    version: &'static str,
    commit: &'static str,
    #[serde(rename = "kubernetesAPI")]
    kubernetes_api: &'static str,
}

// All three are fixed at build time (Cargo.toml and build.rs), so a bug report's
// `kubectl sts version -o json` names exactly the binary it came from.
const VERSION: Version = Version {
    version: env!("CARGO_PKG_VERSION"),
    commit: env!("STS_GIT_COMMIT"),
    kubernetes_api: env!("STS_K8S_API"),
};

pub fn run(output: Output) -> Result<i32> {
    if output != Output::Table {
        out!("{}", render::machine(&VERSION, output)?);
        return Ok(0);
    }
    outln!(
        "kubectl-sts {} (commit {}, Kubernetes API {})",
        VERSION.version,
        VERSION.commit,
        VERSION.kubernetes_api
    );
    Ok(0)
}
