//! Reading the words typed so far against the clap definition: which command, which flags
//! (and the connection flags among them), and what the word under the cursor can be.

use super::{Candidate, Lookup, Want, directive};
use clap::{Arg, ArgAction, Command};
use std::path::PathBuf;

/// The connection flags among the words, so lookups ask the cluster the command would ask.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conn {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    pub cluster: Option<String>,
    pub user: Option<String>,
    pub namespace: Option<String>,
    pub all_namespaces: bool,
    pub as_user: Option<String>,
    pub as_groups: Vec<String>,
    pub from_file: Vec<PathBuf>,
}

impl Conn {
    fn take(&mut self, arg: &Arg, value: &str) {
        let v = value.to_string();
        match arg.get_id().as_str() {
            "kubeconfig" => self.kubeconfig = Some(PathBuf::from(v)),
            // Several contexts (a fleet run): names are looked up in the first one named.
            "context" => {
                self.context = v
                    .split(',')
                    .find(|c| !c.is_empty() && !c.contains(['*', '?']))
                    .map(str::to_string)
            }
            "cluster" => self.cluster = Some(v),
            "user" => self.user = Some(v),
            "namespace" => self.namespace = Some(v),
            "as_user" => self.as_user = Some(v),
            "as_group" => self.as_groups.push(v),
            "from_file" => self.from_file.push(PathBuf::from(v)),
            _ => {}
        }
    }

    fn flag(&mut self, arg: &Arg) {
        if arg.get_id().as_str() == "all_namespaces" {
            self.all_namespaces = true;
        }
    }
}

/// The question, worked out from the words alone: what the last word can be, the prefix it
/// must start with, and the connection flags typed so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub want: Want,
    pub prefix: String,
    pub conn: Conn,
}

/// A cluster of short flags (`-yA`), the last one possibly with its value attached
/// (`-nshop`, `-n=shop`); the flag whose value comes in the next word, if any.
fn short_flags<'c>(
    root: &'c Command,
    cmd: &'c Command,
    cluster: &str,
    conn: &mut Conn,
    used: &mut Vec<String>,
) -> Option<&'c Arg> {
    let shorts: Vec<char> = cluster.chars().collect();
    for (i, c) in shorts.iter().enumerate() {
        let arg = arguments(root, cmd).find(|a| a.get_short() == Some(*c))?;
        used.push(arg.get_id().to_string());
        if takes_value(arg) {
            let rest: String = shorts[i + 1..].iter().collect();
            let rest = rest.strip_prefix('=').unwrap_or(&rest);
            if rest.is_empty() {
                return Some(arg);
            }
            conn.take(arg, rest);
            return None;
        }
        conn.flag(arg);
    }
    None
}

/// Walks the clap tree along `words` (what follows `kubectl sts`; the last one is being
/// completed). `root` must be built (`Command::build`) so global flags reach subcommands.
pub fn request(root: &Command, words: &[String]) -> Request {
    let (partial, done) = match words.split_last() {
        Some((last, rest)) => (last.as_str(), rest),
        None => ("", &[][..]),
    };
    let mut conn = Conn::default();
    let mut cmd = root;
    let mut positionals: Vec<String> = Vec::new();
    let mut used: Vec<String> = Vec::new();
    let mut pending: Option<&Arg> = None;
    let mut only_positionals = false;
    for w in done {
        if let Some(arg) = pending.take() {
            conn.take(arg, w);
            continue;
        }
        if !only_positionals && w == "--" {
            only_positionals = true;
            continue;
        }
        if !only_positionals && let Some(long) = w.strip_prefix("--") {
            let (name, value) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (long, None),
            };
            let Some(arg) = find_long(root, cmd, name) else {
                continue;
            };
            used.push(arg.get_id().to_string());
            if takes_value(arg) {
                match value {
                    Some(v) => conn.take(arg, v),
                    None => pending = Some(arg),
                }
            } else {
                conn.flag(arg);
            }
            continue;
        }
        if !only_positionals && w.len() > 1 && w.starts_with('-') {
            pending = short_flags(root, cmd, &w[1..], &mut conn, &mut used);
            continue;
        }
        if positionals.is_empty()
            && let Some(sub) = find_subcommand(cmd, w)
        {
            cmd = sub;
            continue;
        }
        positionals.push(w.clone());
    }

    // The value of a flag: `-n <TAB>`, `--namespace <TAB>`, `--namespace=sh<TAB>`.
    if let Some(arg) = pending {
        return Request {
            want: value_of(arg, &[]),
            prefix: partial.to_string(),
            conn,
        };
    }
    if !only_positionals
        && let Some(long) = partial.strip_prefix("--")
        && let Some((name, value)) = long.split_once('=')
    {
        let want = match find_long(root, cmd, name) {
            Some(arg) if takes_value(arg) => value_of(arg, &[]),
            _ => Want::Nothing,
        };
        return Request {
            want,
            prefix: value.to_string(),
            conn,
        };
    }
    // A flag name.
    if !only_positionals && partial.starts_with('-') {
        return Request {
            want: Want::Fixed(
                flags(root, cmd, &used, partial == "-"),
                directive::NO_FILE_COMP,
            ),
            prefix: partial.to_string(),
            conn,
        };
    }
    // A subcommand, or a positional argument.
    let want = if cmd.has_subcommands() && positionals.is_empty() {
        Want::Fixed(subcommands(cmd), directive::NO_FILE_COMP)
    } else if cmd.has_subcommands() {
        Want::Nothing
    } else {
        match positional_at(cmd, positionals.len()) {
            Some(arg) => {
                let typed: Vec<String> = if repeatable(arg) {
                    let first = arg.get_index().unwrap_or(1).saturating_sub(1);
                    positionals.iter().skip(first).cloned().collect()
                } else {
                    Vec::new()
                };
                value_of(arg, &typed)
            }
            None => Want::Nothing,
        }
    };
    Request {
        want,
        prefix: partial.to_string(),
        conn,
    }
}

/// The flags understood at `cmd`. Flags written before the command (`-n shop diagnose`)
/// are moved after it when run (`flags_after_command`), so at the root every command's
/// flags count.
pub(super) fn arguments<'a>(
    root: &'a Command,
    cmd: &'a Command,
) -> Box<dyn Iterator<Item = &'a Arg> + 'a> {
    if !std::ptr::eq(root, cmd) {
        return Box::new(cmd.get_arguments());
    }
    let mut seen = std::collections::HashSet::new();
    Box::new(
        cmd.get_arguments()
            .chain(
                cmd.get_subcommands()
                    .filter(|s| !s.is_hide_set())
                    .flat_map(|s| s.get_arguments()),
            )
            .filter(move |a| !a.is_positional() && seen.insert(a.get_id().clone())),
    )
}

pub(super) fn find_long<'a>(root: &'a Command, cmd: &'a Command, name: &str) -> Option<&'a Arg> {
    arguments(root, cmd).find(|a| {
        a.get_long() == Some(name) || a.get_all_aliases().is_some_and(|al| al.contains(&name))
    })
}

pub(super) fn find_subcommand<'a>(cmd: &'a Command, name: &str) -> Option<&'a Command> {
    cmd.get_subcommands()
        .find(|s| s.get_name() == name || s.get_all_aliases().any(|a| a == name))
}

pub(super) fn takes_value(arg: &Arg) -> bool {
    arg.get_action().takes_values()
}

pub(super) fn repeatable(arg: &Arg) -> bool {
    matches!(arg.get_action(), ArgAction::Append | ArgAction::Count)
}

/// The positional that the `n`th positional word (0-based) fills: the last one keeps taking
/// words when it is repeatable.
pub(super) fn positional_at(cmd: &Command, n: usize) -> Option<&Arg> {
    let mut ps: Vec<&Arg> = cmd.get_positionals().filter(|a| !a.is_hide_set()).collect();
    ps.sort_by_key(|a| a.get_index());
    match ps.get(n) {
        Some(a) => Some(a),
        None => ps.last().copied().filter(|a| repeatable(a)),
    }
}

/// The first line of an argument's or command's help, as a description.
pub(super) fn first_line(s: Option<&clap::builder::StyledStr>) -> Option<String> {
    let text = s?.to_string();
    let line = text.lines().next()?.trim().to_string();
    (!line.is_empty()).then_some(line)
}

pub(super) fn subcommands(cmd: &Command) -> Vec<Candidate> {
    cmd.get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| Candidate::new(s.get_name(), first_line(s.get_about())))
        .collect()
}

/// The flags of `cmd` (its own and the global ones), long names, plus short names when only
/// `-` is typed. A flag already given is left out unless it can be repeated.
pub(super) fn flags(
    root: &Command,
    cmd: &Command,
    used: &[String],
    with_short: bool,
) -> Vec<Candidate> {
    let mut out = Vec::new();
    for a in arguments(root, cmd) {
        if a.is_positional() || a.is_hide_set() {
            continue;
        }
        if used.iter().any(|u| u == a.get_id().as_str()) && !repeatable(a) {
            continue;
        }
        let help = first_line(a.get_help());
        if let Some(l) = a.get_long() {
            out.push(Candidate::new(format!("--{l}"), help.clone()));
        }
        if with_short && let Some(s) = a.get_short() {
            out.push(Candidate::new(format!("-{s}"), help));
        }
    }
    out
}

/// What a value of `arg` can be: its possible values, a path, or names to look up (decided
/// by the argument's id or value name, so new commands with a `STATEFULSET` or `NODE`
/// argument complete without a change here).
pub(super) fn value_of(arg: &Arg, typed: &[String]) -> Want {
    let possible: Vec<Candidate> = arg
        .get_possible_values()
        .iter()
        .filter(|p| !p.is_hide_set())
        .map(|p| Candidate::new(p.get_name(), first_line(p.get_help())))
        .collect();
    if !possible.is_empty() {
        return Want::Fixed(possible, directive::NO_FILE_COMP);
    }
    let id = arg.get_id().as_str().to_ascii_lowercase();
    let value_name = arg
        .get_value_names()
        .and_then(|v| v.first())
        .map(|v| v.to_string().to_ascii_lowercase())
        .unwrap_or_default();
    let is = |names: &[&str]| names.contains(&id.as_str()) || names.contains(&value_name.as_str());
    let lookup = |what| Want::Lookup {
        what,
        exclude: typed.to_vec(),
    };
    if is(&["namespace", "ns"]) {
        lookup(Lookup::Namespaces)
    } else if is(&["statefulset", "statefulsets", "sts"]) {
        lookup(Lookup::StatefulSets)
    } else if is(&["node", "nodes"]) {
        lookup(Lookup::Nodes)
    } else if id == "context" {
        lookup(Lookup::Contexts)
    } else if id == "cluster" {
        lookup(Lookup::Clusters)
    } else if id == "user" {
        lookup(Lookup::Users)
    } else if id == "id" && arg.get_index().is_some() && is_runbook_arg(arg) {
        Want::Fixed(runbook_ids(), directive::NO_FILE_COMP)
    } else if is(&["path", "file", "kubeconfig", "from_file"]) {
        Want::Files
    } else if is(&["dir", "directory"]) {
        Want::Dirs
    } else {
        Want::Nothing
    }
}

/// `runbooks ID`: the help of its positional names a runbook.
pub(super) fn is_runbook_arg(arg: &Arg) -> bool {
    first_line(arg.get_help()).is_some_and(|h| h.to_ascii_lowercase().contains("runbook"))
}

pub(super) fn runbook_ids() -> Vec<Candidate> {
    crate::runbooks::RUNBOOKS
        .iter()
        .map(|r| Candidate::new(&r.id, Some(r.title.clone())))
        .collect()
}
