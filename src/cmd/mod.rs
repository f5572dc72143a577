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

/// What a Unix tool killed by SIGPIPE exits with: the reader of its output went away.
const BROKEN_PIPE: i32 = 141;

/// `kubectl sts snapshot -A | head`: once the reader has what it wanted and closes the
/// pipe, `print!` panics ("failed printing to stdout: Broken pipe"). That is not a failure
/// to report with a backtrace: end quietly, as Unix tools do.
fn quiet_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let msg = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if msg.starts_with("failed printing to stdout")
            && (msg.contains("(os error 32)") || msg.contains("Broken pipe"))
        {
            std::process::exit(BROKEN_PIPE);
        }
        default(info)
    }));
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Runs the program; returns the process exit code.
pub fn main() -> i32 {
    quiet_broken_pipe();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // --help and --version are not errors, and a bare `kubectl sts` shows the help.
            if !e.use_stderr()
                || e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            {
                let _ = e.print();
                return e.exit_code();
            }
            // Anything else is one line a person can act on, like every other error.
            eprintln!("{}", crate::error::clap_one_line(&e.render().to_string()));
            return 2;
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
        // The handler is installed (by a first poll) before `run` can block in a prompt:
        // without it, Ctrl-C there kills the process outright, with no account of what was
        // done and the prompt's hidden cursor left hidden. With it, the prompt returns
        // `Interrupted` and the run ends through the usual path (exit 130).
        let ctrl_c = tokio::signal::ctrl_c();
        tokio::pin!(ctrl_c);
        match futures::poll!(&mut ctrl_c) {
            std::task::Poll::Pending => tokio::select! {
                biased;
                _ = &mut ctrl_c => Err(Failure::interrupted().into()),
                r = run(cli) => r,
            },
            std::task::Poll::Ready(Ok(())) => Err(Failure::interrupted().into()),
            // No handler could be installed: Ctrl-C ends the process the default way.
            std::task::Poll::Ready(Err(_)) => run(cli).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => BROKEN_PIPE,
        Err(e) => {
            let code = exit_code(&e);
            if code == 130 {
                eprintln!("interrupted");
            } else if code == 2 {
                // Could not run: one line, whatever the causes' own messages hold.
                eprintln!("error: {}", crate::error::one_line(&e));
            } else {
                // A stopped mutation's account (where it stopped, how to go on) has lines.
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
