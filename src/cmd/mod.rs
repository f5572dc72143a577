//! Glue between the command line and the library: each subcommand reads its input, calls
//! the pure core, renders, and returns an exit code.

mod complete;
mod diagnose;
mod drain_check;
mod fleet;
mod input;
mod interactive;
mod orphans;
mod out;
mod pvc_expand;
mod rollout;
mod runbooks;
mod snapshot;
mod version;
mod watch;

use crate::cli::{Cli, Command};
use crate::error::{Failure, exit_code};
use clap::Parser;

/// What a Unix tool killed by SIGPIPE exits with: the reader of its output went away.
const BROKEN_PIPE: i32 = 141;

/// `kubectl sts snapshot -A | head`: once the reader has what it wanted and closes the
/// pipe, the next write fails with a broken pipe. Everything is printed through `out`, which
/// returns that error, and it ends the run quietly with 141, as Unix tools end.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// `kubectl sts -n shop diagnose`: kubectl takes its flags before the verb too, so flags
/// written before the command are moved after it, where the command's own definition
/// accepts or refuses them. A flag's value is skipped by asking the command's definition
/// whether that flag takes one (`-n diagnose diagnose` names a namespace, then the command).
fn flags_after_command(mut args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    use clap::CommandFactory;
    let root = Cli::command();
    let mut i = 1;
    while i < args.len() {
        let a = args[i].to_string_lossy().into_owned();
        if a == "--" || !a.starts_with('-') || a == "-" {
            break;
        }
        i += 1;
        if a.contains('=') {
            continue;
        }
        // Known to take a value in any command: its next word is the value.
        let takes_value = root
            .get_subcommands()
            .flat_map(|c| c.get_arguments())
            .any(|arg| {
                let named = match a.strip_prefix("--") {
                    Some(long) => arg.get_long() == Some(long),
                    None => {
                        a.len() == 2 && arg.get_short().map(|c| format!("-{c}")) == Some(a.clone())
                    }
                };
                named && arg.get_action().takes_values()
            });
        if takes_value {
            i += 1;
        }
    }
    let is_command = |w: &std::ffi::OsString| {
        let w = w.to_string_lossy();
        root.get_subcommands().any(|c| c.get_name() == w)
    };
    if i > 1 && i < args.len() && is_command(&args[i]) {
        let command = args.remove(i);
        args.insert(1, command);
    }
    args
}

/// Runs the program; returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse_from(flags_after_command(std::env::args_os().collect())) {
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
    match &cli.command {
        Command::Diagnose(a) => {
            let g = a
                .cluster
                .global(a.prompt.no_interactive)
                .with_fleet(&a.fleet);
            match (g.is_fleet(), a.watch) {
                (true, true) => Err(Failure::usage(
                    "--watch follows one cluster: give --context one name",
                )
                .into()),
                (true, false) => fleet::diagnose(&g, a).await,
                (false, true) => watch::run(&g, a).await,
                (false, false) => diagnose::run(&g, a).await,
            }
        }
        Command::Snapshot(a) => {
            let g = a.global();
            if g.is_fleet() {
                fleet::snapshot(&g, a.output_dir.as_deref(), &a.prometheus).await
            } else {
                snapshot::run(&g, a.output_dir.as_deref(), &a.prometheus).await
            }
        }
        Command::Runbooks { id, output } => runbooks::run(*output, id.as_deref()),
        Command::Completion { shell } => complete::script(*shell),
        Command::Orphans(a) => {
            let g = a
                .cluster
                .global(a.prompt.no_interactive)
                .with_fleet(&a.fleet);
            if g.is_fleet() {
                fleet::orphans(&g, a).await
            } else {
                orphans::run(&g, a).await
            }
        }
        Command::Rollout(a) => {
            rollout::run(
                &one_cluster(a.cluster.global(a.prompt.no_interactive), "rollout")?,
                a,
            )
            .await
        }
        Command::DrainCheck(a) => {
            drain_check::run(&one_cluster(a.cluster.global(false), "drain-check")?, a).await
        }
        Command::PvcExpand(a) => {
            let g = one_cluster(a.cluster.global(a.prompt.no_interactive), "pvc-expand")?;
            pvc_expand::run(&g, a).await
        }
        Command::Version(a) => version::run(a.output),
        Command::Complete { words } => complete::run(words).await,
    }
}

/// The settings of a command that acts on one cluster: several contexts are refused (a
/// node, a rollout or a volume belongs to one cluster).
fn one_cluster(g: crate::cli::GlobalArgs, command: &str) -> anyhow::Result<crate::cli::GlobalArgs> {
    if g.is_fleet() {
        return Err(Failure::usage(format!(
            "{command} works on one cluster: give --context one name (several contexts and patterns like 'prod-*' are for diagnose, orphans and snapshot)"
        ))
        .into());
    }
    Ok(g)
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;

    fn hoisted(words: &[&str]) -> Vec<String> {
        let args: Vec<OsString> = std::iter::once("kubectl-sts")
            .chain(words.iter().copied())
            .map(OsString::from)
            .collect();
        super::flags_after_command(args)
            .into_iter()
            .skip(1)
            .map(|a| a.into_string().unwrap())
            .collect()
    }

    #[test]
    fn flags_before_the_command_move_after_it() {
        assert_eq!(
            hoisted(&["-n", "shop", "diagnose"]),
            ["diagnose", "-n", "shop"]
        );
        // A namespace named like a command is the flag's value, not the command.
        assert_eq!(
            hoisted(&["-n", "diagnose", "-A", "drain-check", "node-1"]),
            ["drain-check", "-n", "diagnose", "-A", "node-1"]
        );
        assert_eq!(
            hoisted(&["--context=prod", "rollout", "status", "db"]),
            ["rollout", "--context=prod", "status", "db"]
        );
        // Nothing to move, or nothing recognisable: left for clap to judge.
        assert_eq!(hoisted(&["diagnose", "-n", "x"]), ["diagnose", "-n", "x"]);
        assert_eq!(hoisted(&["--help"]), ["--help"]);
        assert_eq!(hoisted(&["-n", "shop"]), ["-n", "shop"]);
    }
}
