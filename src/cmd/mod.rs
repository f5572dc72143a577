//! Glue between the command line and the library: each subcommand reads its input, calls
//! the pure core, renders, and returns an exit code.

mod complete;
mod diagnose;
mod drain_check;
mod input;
mod interactive;
mod orphans;
mod pvc_expand;
mod rollout;
mod runbooks;
mod snapshot;

use crate::cli::{Cli, Command};
use crate::error::{Failure, exit_code};
use clap::Parser;

/// Runs the program; returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // --help and --version are not errors.
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return 2;
        }
    };
    let result = rt.block_on(async {
        tokio::select! {
            r = run(cli) => r,
            _ = tokio::signal::ctrl_c() => Err(Failure::interrupted().into()),
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            let code = exit_code(&e);
            if code == 130 {
                eprintln!("interrupted");
            } else {
                eprintln!("error: {e:#}");
            }
            code
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<i32> {
    let g = &cli.global;
    match &cli.command {
        Command::Diagnose(args) => diagnose::run(g, args).await,
        Command::Snapshot => snapshot::run(g).await,
        Command::Runbooks { id } => runbooks::run(g, id.as_deref()),
        Command::Completion { shell } => complete::script(*shell),
        Command::Orphans(args) => orphans::run(g, args).await,
        Command::Rollout(args) => rollout::run(g, args).await,
        Command::DrainCheck(args) => drain_check::run(g, args).await,
        Command::PvcExpand(args) => pvc_expand::run(g, args).await,
        Command::Complete { words } => complete::run(words).await,
    }
}

/// The closest names to `want`, for "not found" errors.
pub fn closest<'a>(want: &str, names: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut scored: Vec<(usize, &str)> = names
        .into_iter()
        .map(|n| (edit_distance(want, n), n))
        .filter(|(d, n)| {
            *d <= want.len().min(n.len()) / 3 + 1 || n.contains(want) || want.contains(n)
        })
        .collect();
    scored.sort();
    scored.dedup();
    scored.into_iter().take(3).map(|(_, n)| n).collect()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    #[test]
    fn closest_names_are_suggested() {
        let names = ["orders-db", "orders-cache", "payments"];
        assert_eq!(super::closest("order-db", names), vec!["orders-db"]);
        assert!(super::closest("zzzzzzzz", names).is_empty());
    }
}
