//! `kubectl-sts __complete WORD...`: the candidates for kubectl's plugin completion.
//!
//! kubectl (1.26 and newer) completes `kubectl sts <TAB>` by running an executable named
//! `kubectl_complete-sts` from PATH with the words typed after `sts`, the last one being the
//! word under the cursor (empty right after a space). It reads one candidate per line
//! (`value<TAB>description` allowed) and a last line `:<directive>`, the numbers of cobra's
//! `ShellCompDirective`. The shim (`completions/kubectl_complete-sts`) execs this hidden
//! subcommand.
//!
//! What is offered comes from the clap definition itself, walked word by word, so new
//! subcommands, flags and possible values appear without touching this file. Names that live
//! in the cluster (namespaces, StatefulSets, nodes) are read with a short timeout, and
//! contexts, clusters and users come from the kubeconfig without any network. Anything that
//! goes wrong means no candidates: a completion never prints an error, never prompts and
//! never waits long, since kubectl shows whatever the program writes, under the cursor.

mod lookup;
mod words;

use crate::cmd::out::out;
use lookup::lookup;
use words::{Conn, request};

use clap::Command;
use std::time::Duration;

/// cobra's `ShellCompDirective` values, as kubectl reads them from the last line.
#[allow(dead_code)] // the whole protocol, so the numbers are not looked up again
pub mod directive {
    /// Complete file names too (the shell's default).
    pub const DEFAULT: u32 = 0;
    /// Something went wrong: show nothing.
    pub const ERROR: u32 = 1;
    /// No space after the completed word.
    pub const NO_SPACE: u32 = 2;
    /// Do not fall back to file names when there are no candidates.
    pub const NO_FILE_COMP: u32 = 4;
    /// The candidates are file extensions to filter on.
    pub const FILTER_FILE_EXT: u32 = 8;
    /// Complete directory names only.
    pub const FILTER_DIRS: u32 = 16;
    /// Show the candidates in the order given.
    pub const KEEP_ORDER: u32 = 32;
}

/// How long one live lookup (connect, then list) may take before it counts as no answer.
/// A person pressed TAB: two seconds is already long.
pub const LOOKUP_TIMEOUT: Duration = Duration::from_secs(2);
/// One candidate: the word, and what it is (shown by zsh, fish and PowerShell).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Candidate {
    pub value: String,
    pub description: Option<String>,
}

impl Candidate {
    pub fn new(value: impl Into<String>, description: Option<String>) -> Self {
        Candidate {
            value: value.into(),
            description,
        }
    }
}

/// Names that only the cluster or the kubeconfig knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    Namespaces,
    StatefulSets,
    Nodes,
    Contexts,
    Clusters,
    Users,
}

/// What the word under the cursor can be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Want {
    /// These candidates (filtered by the prefix), with this directive.
    Fixed(Vec<Candidate>, u32),
    /// Names to look up; `exclude` holds the ones already typed (repeatable positionals).
    Lookup { what: Lookup, exclude: Vec<String> },
    /// A path: no candidates, and the shell completes file names.
    Files,
    /// A directory: no candidates, and the shell completes directory names.
    Dirs,
    /// Nothing fits here.
    Nothing,
}

/// What is printed: the candidates that start with the prefix (sorted, one per value), then
/// `:<directive>`.
pub fn finish(want: &Want, prefix: &str, found: Vec<Candidate>) -> String {
    let (mut cands, directive) = match want {
        Want::Fixed(c, d) => (c.clone(), *d),
        Want::Lookup { exclude, .. } => (
            found
                .into_iter()
                .filter(|c| !exclude.contains(&c.value))
                .collect(),
            directive::NO_FILE_COMP,
        ),
        Want::Files => (Vec::new(), directive::DEFAULT),
        Want::Dirs => (Vec::new(), directive::FILTER_DIRS),
        Want::Nothing => (Vec::new(), directive::NO_FILE_COMP),
    };
    cands.retain(|c| c.value.starts_with(prefix));
    cands.sort();
    cands.dedup_by(|a, b| a.value == b.value);
    let mut out = String::new();
    for c in cands {
        out.push_str(&clean(&c.value));
        if let Some(d) = c
            .description
            .as_deref()
            .map(clean)
            .filter(|d| !d.is_empty())
        {
            out.push('\t');
            out.push_str(&d);
        }
        out.push('\n');
    }
    out.push_str(&format!(":{directive}\n"));
    out
}

/// One line, no tabs: a newline or tab inside a name or description would split a candidate.
fn clean(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The words after `__complete` exactly as typed. clap takes a global flag written before
/// the first word (`__complete -n shop diagnose ''`) for itself, so the parsed `words` can
/// miss it; the shim sends `--` first so that clap parses anything at all (`-o j` is not a
/// valid output format yet), and that `--` is not a typed word.
fn raw_words(args: impl Iterator<Item = String>) -> Option<Vec<String>> {
    let mut args = args.skip_while(|a| a != "__complete");
    args.next()?;
    let mut words: Vec<String> = args.collect();
    if words.first().is_some_and(|w| w == "--") {
        words.remove(0);
    }
    Some(words)
}

/// `kubectl sts completion SHELL`: the shell's completion script for the `kubectl-sts`
/// binary, from the clap definition without its hidden subcommands (clap_complete lists
/// hidden subcommands, and `__complete` is not for people).
pub fn script(shell: clap_complete::Shell) -> anyhow::Result<i32> {
    let root = <crate::cli::Cli as clap::CommandFactory>::command();
    let mut visible = without_hidden_subcommands(&root);
    // Into a buffer first: clap_complete panics on a failed write, and a closed pipe
    // (`completion bash | head -1`) must end the run quietly, not with a panic.
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut visible, "kubectl-sts", &mut buf);
    std::io::Write::write_all(&mut std::io::stdout().lock(), &buf)?;
    Ok(0)
}

/// A copy of `cmd` (name, help, arguments) whose subcommands, at every level, are only the
/// visible ones. clap cannot remove a subcommand, so the tree is rebuilt.
fn without_hidden_subcommands(cmd: &Command) -> Command {
    let mut out = Command::new(cmd.get_name().to_string())
        .args(cmd.get_arguments().cloned())
        .subcommands(
            cmd.get_subcommands()
                .filter(|s| !s.is_hide_set())
                .map(without_hidden_subcommands),
        );
    if let Some(b) = cmd.get_bin_name() {
        out = out.bin_name(b.to_string());
    }
    if let Some(a) = cmd.get_about() {
        out = out.about(a.clone());
    }
    if let Some(a) = cmd.get_long_about() {
        out = out.long_about(a.clone());
    }
    if cmd.get_version().is_some() {
        out = out.version(env!("CARGO_PKG_VERSION"));
    }
    if cmd.is_subcommand_required_set() {
        out = out.subcommand_required(true);
    }
    out
}

/// Prints the candidates for `words` and always succeeds: a completion that fails shows no
/// candidates rather than an error under the cursor.
pub async fn run(words: &[String]) -> anyhow::Result<i32> {
    let words = raw_words(std::env::args()).unwrap_or_else(|| words.to_vec());
    let mut root = <crate::cli::Cli as clap::CommandFactory>::command();
    root.build();
    let req = request(&root, &words);
    let mut found = match &req.want {
        Want::Lookup { what, .. } => lookup(*what, &req.conn).await,
        _ => Vec::new(),
    };
    if matches!(
        req.want,
        Want::Lookup {
            what: Lookup::Contexts,
            ..
        }
    ) {
        found = context_list(&req.prefix, found);
    }
    out!("{}", finish(&req.want, &req.prefix, found));
    Ok(0)
}

/// `--context a,b,<TAB>`: the next name of the list, offered with the names before it,
/// leaving out those already in it.
fn context_list(prefix: &str, found: Vec<Candidate>) -> Vec<Candidate> {
    let Some((head, _)) = prefix.rsplit_once(',') else {
        return found;
    };
    let typed: Vec<&str> = head.split(',').collect();
    found
        .into_iter()
        .filter(|c| !typed.contains(&c.value.as_str()))
        .map(|c| Candidate {
            value: format!("{head},{}", c.value),
            ..c
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::words::*;
    use super::*;

    fn root() -> Command {
        let mut c = <crate::cli::Cli as clap::CommandFactory>::command();
        c.build();
        c
    }

    fn req(words: &[&str]) -> Request {
        let w: Vec<String> = words.iter().map(|s| s.to_string()).collect();
        request(&root(), &w)
    }

    fn values(r: &Request) -> Vec<String> {
        finish(&r.want, &r.prefix, Vec::new())
            .lines()
            .map(|l| l.split('\t').next().unwrap_or_default().to_string())
            .collect()
    }

    #[test]
    fn subcommands_come_from_the_clap_tree_without_hidden_ones() {
        let r = req(&[""]);
        let v = values(&r);
        for want in [
            "diagnose",
            "snapshot",
            "runbooks",
            "orphans",
            "drain-check",
            ":4",
        ] {
            assert!(v.contains(&want.to_string()), "{want} missing from {v:?}");
        }
        assert!(!v.iter().any(|x| x == "__complete"), "{v:?}");
        assert_eq!(v.last().unwrap(), ":4");
        assert_eq!(values(&req(&["dr"])), vec!["drain-check", ":4"]);
    }

    #[test]
    fn descriptions_follow_a_tab_and_the_directive_is_last() {
        let out = finish(&req(&["diag"]).want, "diag", Vec::new());
        assert!(out.starts_with("diagnose\tFind what is wrong"), "{out}");
        assert!(out.ends_with("\n:4\n"), "{out}");
    }

    #[test]
    fn flags_of_the_subcommand_include_the_global_ones() {
        let v = values(&req(&["drain-check", "--"]));
        for want in [
            "--plan",
            "--server-dry-run",
            "--selector",
            "--namespace",
            "--context",
        ] {
            assert!(v.contains(&want.to_string()), "{want} missing from {v:?}");
        }
        assert_eq!(values(&req(&["drain-check", "--pl"])), vec!["--plan", ":4"]);
        // Given once already: not offered again; repeatable ones are.
        let v = values(&req(&["drain-check", "--plan", "--"]));
        assert!(!v.contains(&"--plan".to_string()));
        let v = values(&req(&["-f", "a.yaml", "--from"]));
        assert_eq!(v, vec!["--from-file", ":4"]);
        // Short names only for a lone dash.
        assert!(values(&req(&["diagnose", "-"])).contains(&"-n".to_string()));
        assert!(!values(&req(&["diagnose", "--"])).contains(&"-n".to_string()));
    }

    #[test]
    fn possible_values_are_offered_for_flags_and_positionals() {
        assert_eq!(
            values(&req(&["diagnose", "-o", ""])),
            vec!["json", "table", "yaml", ":4"]
        );
        assert_eq!(values(&req(&["-o", "j"])), vec!["json", ":4"]);
        assert_eq!(
            values(&req(&["diagnose", "--output=y"])),
            vec!["yaml", ":4"]
        );
        assert_eq!(
            values(&req(&["diagnose", "--symptom", "st"])),
            vec!["storage", "stuck", ":4"]
        );
        let v = values(&req(&["completion", ""]));
        for s in ["bash", "zsh", "fish", "powershell"] {
            assert!(v.contains(&s.to_string()), "{v:?}");
        }
    }

    #[test]
    fn runbook_ids_complete_from_the_embedded_catalog() {
        let v = values(&req(&["runbooks", ""]));
        assert!(v.len() > 5, "{v:?}");
        assert!(
            v.contains(&"pv-node-affinity-conflict".to_string()),
            "{v:?}"
        );
        assert!(values(&req(&["runbooks", "pv-node-affinity-conflict", ""])) == vec![":4"]);
    }

    #[test]
    fn a_list_of_contexts_completes_its_last_name() {
        let found = vec![
            Candidate::new("prod-eu", None),
            Candidate::new("prod-us", None),
            Candidate::new("staging", None),
        ];
        let out = finish(
            &Want::Lookup {
                what: Lookup::Contexts,
                exclude: vec![],
            },
            "prod-eu,pr",
            context_list("prod-eu,pr", found.clone()),
        );
        assert_eq!(out, "prod-eu,prod-us\n:4\n");
        assert_eq!(context_list("st", found.clone()), found);
        let r = req(&["diagnose", "--context", "prod-*,staging,x", "db"]);
        assert_eq!(r.conn.context.as_deref(), Some("staging"));
    }

    #[test]
    fn names_in_the_cluster_are_looked_up_with_the_flags_typed() {
        let r = req(&["--context", "prod", "diagnose", "-n", "shop", ""]);
        assert_eq!(
            r.want,
            Want::Lookup {
                what: Lookup::StatefulSets,
                exclude: vec![]
            }
        );
        assert_eq!(r.conn.context.as_deref(), Some("prod"));
        assert_eq!(r.conn.namespace.as_deref(), Some("shop"));
        let r = req(&["diagnose", "-nshop", "-A", "or"]);
        assert_eq!(r.conn.namespace.as_deref(), Some("shop"));
        assert!(r.conn.all_namespaces);
        assert_eq!(r.prefix, "or");
        assert!(matches!(
            req(&["-n", ""]).want,
            Want::Lookup {
                what: Lookup::Namespaces,
                ..
            }
        ));
        assert!(matches!(
            req(&["diagnose", "--namespace=s"]).want,
            Want::Lookup {
                what: Lookup::Namespaces,
                ..
            }
        ));
        assert_eq!(req(&["diagnose", "--namespace=s"]).prefix, "s");
        assert!(matches!(
            req(&["--context", ""]).want,
            Want::Lookup {
                what: Lookup::Contexts,
                ..
            }
        ));
    }

    #[test]
    fn repeated_node_names_leave_out_the_ones_typed() {
        let r = req(&["drain-check", "node-a", "node-b", ""]);
        assert_eq!(
            r.want,
            Want::Lookup {
                what: Lookup::Nodes,
                exclude: vec!["node-a".into(), "node-b".into()]
            }
        );
        let found = ["node-a", "node-b", "node-c"]
            .iter()
            .map(|n| Candidate::new(*n, Some("zone z1".into())))
            .collect();
        assert_eq!(finish(&r.want, "", found), "node-c\tzone z1\n:4\n");
    }

    #[test]
    fn paths_fall_back_to_file_completion() {
        assert_eq!(req(&["diagnose", "-f", ""]).want, Want::Files);
        assert_eq!(finish(&Want::Files, "", Vec::new()), ":0\n");
        assert_eq!(req(&["--kubeconfig", "~/"]).want, Want::Files);
        assert_eq!(
            finish(
                &req(&["pvc-expand", "db", "--backup-dir", ""]).want,
                "",
                Vec::new()
            ),
            ":16\n"
        );
    }

    #[test]
    fn nothing_fits_after_the_last_positional_or_after_an_unknown_word() {
        assert_eq!(req(&["diagnose", "orders-db", ""]).want, Want::Nothing);
        assert_eq!(req(&["no-such-command", ""]).want, Want::Nothing);
        assert_eq!(req(&["snapshot", ""]).want, Want::Nothing);
        assert_eq!(finish(&Want::Nothing, "", Vec::new()), ":4\n");
    }

    #[test]
    fn the_words_are_what_follows_complete_and_its_separator() {
        let args = |v: &[&str]| {
            v.iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .into_iter()
        };
        assert_eq!(
            raw_words(args(&["kubectl-sts", "__complete", "--", "-n", "shop", ""])),
            Some(vec!["-n".to_string(), "shop".into(), "".into()])
        );
        assert_eq!(
            raw_words(args(&["kubectl-sts", "__complete", "-n", ""])),
            Some(vec!["-n".to_string(), "".into()])
        );
        assert_eq!(raw_words(args(&["kubectl-sts", "diagnose"])), None);
    }

    #[test]
    fn shell_scripts_are_made_from_the_visible_commands_only() {
        let visible =
            without_hidden_subcommands(&<crate::cli::Cli as clap::CommandFactory>::command());
        let names: Vec<&str> = visible.get_subcommands().map(|s| s.get_name()).collect();
        assert!(
            names.contains(&"drain-check") && !names.contains(&"__complete"),
            "{names:?}"
        );
        let mut buf = Vec::new();
        let mut c = visible.clone();
        clap_complete::generate(clap_complete::Shell::Bash, &mut c, "kubectl-sts", &mut buf);
        let text = String::from_utf8(buf).unwrap();
        assert!(!text.contains("__complete") && text.contains("--server-dry-run"));
        let diagnose = visible.find_subcommand("diagnose").unwrap();
        assert!(
            diagnose
                .get_arguments()
                .any(|a| a.get_long() == Some("symptom"))
        );
    }

    #[test]
    fn a_newline_or_tab_in_a_name_cannot_split_a_candidate() {
        let w = Want::Lookup {
            what: Lookup::Nodes,
            exclude: vec![],
        };
        let out = finish(&w, "", vec![Candidate::new("a\tb", Some("x\ny".into()))]);
        assert_eq!(out, "a b\tx y\n:4\n");
    }
}
