//! `kubectl sts snapshot`: everything the analysis reads, as a `v1` `List` with its capture
//! time, so state can be analysed later, elsewhere, or attached to a ticket.

use super::input::{self, Input};
use crate::cli::{GlobalArgs, Output};
use crate::cmd::out::outln;
use crate::error::Failure;
use crate::snapshot::file;
use anyhow::Result;
use std::path::{Path, PathBuf};

pub async fn run(
    g: &GlobalArgs,
    dir: Option<&Path>,
    prometheus: &crate::cli::PrometheusArgs,
) -> Result<i32> {
    let endpoint = input::prometheus_endpoint(prometheus)?;
    let mut input = input::load_live(g, "snapshot").await?;
    if let Some(e) = &endpoint {
        input::read_prometheus(&mut input, prometheus, e).await;
    }
    input::print_notes(&input.snap);
    for s in &input.snap.skipped {
        eprintln!("skipped: {} ({})", s.source, s.reason);
    }
    match dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| Failure::usage(format!("cannot create {}: {e}", dir.display())))?;
            let name = g.context.as_deref().unwrap_or("snapshot");
            let path = write(&input, &file_name(name), dir, g.output)?;
            outln!("{}", path.display());
        }
        None => {
            let out = std::io::BufWriter::new(std::io::stdout().lock());
            file::write_list(&input.snap, format(g.output) == Output::Json, out)?;
        }
    }
    Ok(0)
}

fn format(output: Output) -> Output {
    // A table is not a snapshot: YAML unless JSON is asked for.
    if output == Output::Json {
        Output::Json
    } else {
        Output::Yaml
    }
}

/// Writes `input` as `DIR/STEM.yaml` (or `.json`). Returns the path written.
pub fn write(input: &Input, stem: &str, dir: &Path, output: Output) -> Result<PathBuf> {
    let ext = if format(output) == Output::Json {
        "json"
    } else {
        "yaml"
    };
    let path = dir.join(format!("{stem}.{ext}"));
    let cannot =
        |e: &dyn std::fmt::Display| Failure::usage(format!("cannot write {}: {e}", path.display()));
    let f = std::fs::File::create(&path).map_err(|e| cannot(&e))?;
    file::write_list(
        &input.snap,
        format(output) == Output::Json,
        std::io::BufWriter::new(f),
    )
    .map_err(|e| cannot(&e))?;
    Ok(path)
}

/// A context name made safe for a file name (EKS contexts are ARNs, with `:` and `/`):
/// letters, digits, `.`, `_` and `-` kept; anything else becomes `_`.
pub fn file_name(context: &str) -> String {
    let s: String = context
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    // Never a hidden file or a path component of its own.
    match s.trim_start_matches('.') {
        "" => "context".to_string(),
        t => t.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn context_names_become_safe_file_names() {
        assert_eq!(
            super::file_name("arn:aws:eks:eu-west-1:123456789012:cluster/prod"),
            "arn_aws_eks_eu-west-1_123456789012_cluster_prod"
        );
        assert_eq!(super::file_name("kind-dev"), "kind-dev");
        assert_eq!(super::file_name(".."), "context");
        assert_eq!(super::file_name("../etc"), "_etc");
    }
}
