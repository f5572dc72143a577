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

use crate::cluster::{self, ConnectOptions};
use crate::k8s;
use crate::snapshot::file;
use clap::{Arg, ArgAction, Command};
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{Namespace, Node};
use kube::api::{Api, ListParams};
use std::collections::BTreeMap;
use std::path::PathBuf;
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
/// At most this many pages (of [`PAGE`] names) are read for one lookup.
const MAX_PAGES: usize = 4;
const PAGE: u32 = 500;

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
            // A cluster of short flags (`-yA`), the last one possibly with its value
            // attached (`-nshop`, `-n=shop`).
            let shorts: Vec<char> = w[1..].chars().collect();
            for (i, c) in shorts.iter().enumerate() {
                let Some(arg) = arguments(root, cmd).find(|a| a.get_short() == Some(*c)) else {
                    break;
                };
                used.push(arg.get_id().to_string());
                if takes_value(arg) {
                    let rest: String = shorts[i + 1..].iter().collect();
                    let rest = rest.strip_prefix('=').unwrap_or(&rest);
                    if rest.is_empty() {
                        pending = Some(arg);
                    } else {
                        conn.take(arg, rest);
                    }
                    break;
                }
                conn.flag(arg);
            }
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
fn arguments<'a>(root: &'a Command, cmd: &'a Command) -> Box<dyn Iterator<Item = &'a Arg> + 'a> {
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

fn find_long<'a>(root: &'a Command, cmd: &'a Command, name: &str) -> Option<&'a Arg> {
    arguments(root, cmd).find(|a| {
        a.get_long() == Some(name) || a.get_all_aliases().is_some_and(|al| al.contains(&name))
    })
}

fn find_subcommand<'a>(cmd: &'a Command, name: &str) -> Option<&'a Command> {
    cmd.get_subcommands()
        .find(|s| s.get_name() == name || s.get_all_aliases().any(|a| a == name))
}

fn takes_value(arg: &Arg) -> bool {
    arg.get_action().takes_values()
}

fn repeatable(arg: &Arg) -> bool {
    matches!(arg.get_action(), ArgAction::Append | ArgAction::Count)
}

/// The positional that the `n`th positional word (0-based) fills: the last one keeps taking
/// words when it is repeatable.
fn positional_at(cmd: &Command, n: usize) -> Option<&Arg> {
    let mut ps: Vec<&Arg> = cmd.get_positionals().filter(|a| !a.is_hide_set()).collect();
    ps.sort_by_key(|a| a.get_index());
    match ps.get(n) {
        Some(a) => Some(a),
        None => ps.last().copied().filter(|a| repeatable(a)),
    }
}

/// The first line of an argument's or command's help, as a description.
fn first_line(s: Option<&clap::builder::StyledStr>) -> Option<String> {
    let text = s?.to_string();
    let line = text.lines().next()?.trim().to_string();
    (!line.is_empty()).then_some(line)
}

fn subcommands(cmd: &Command) -> Vec<Candidate> {
    cmd.get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| Candidate::new(s.get_name(), first_line(s.get_about())))
        .collect()
}

/// The flags of `cmd` (its own and the global ones), long names, plus short names when only
/// `-` is typed. A flag already given is left out unless it can be repeated.
fn flags(root: &Command, cmd: &Command, used: &[String], with_short: bool) -> Vec<Candidate> {
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
fn value_of(arg: &Arg, typed: &[String]) -> Want {
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
fn is_runbook_arg(arg: &Arg) -> bool {
    first_line(arg.get_help()).is_some_and(|h| h.to_ascii_lowercase().contains("runbook"))
}

fn runbook_ids() -> Vec<Candidate> {
    crate::runbooks::RUNBOOKS
        .iter()
        .map(|r| Candidate::new(&r.id, Some(r.title.clone())))
        .collect()
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

/// The names behind a lookup; empty when anything fails or takes longer than
/// [`LOOKUP_TIMEOUT`].
pub async fn lookup(what: Lookup, conn: &Conn) -> Vec<Candidate> {
    match what {
        Lookup::Contexts | Lookup::Clusters | Lookup::Users => kubeconfig_names(what, conn),
        _ if !conn.from_file.is_empty() => from_files(what, conn),
        _ => tokio::time::timeout(LOOKUP_TIMEOUT, live(what, conn))
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default(),
    }
}

/// Contexts, clusters or users of the merged kubeconfig (no network).
fn kubeconfig_names(what: Lookup, conn: &Conn) -> Vec<Candidate> {
    let Ok(Some(kc)) = cluster::load_kubeconfig(conn.kubeconfig.as_deref()) else {
        return Vec::new();
    };
    match what {
        Lookup::Contexts => kc
            .contexts
            .iter()
            .map(|c| {
                let desc = c.context.as_ref().map(|x| {
                    let mut d = format!("cluster {}", x.cluster);
                    if let Some(ns) = x.namespace.as_deref().filter(|n| !n.is_empty()) {
                        d.push_str(&format!(", namespace {ns}"));
                    }
                    d
                });
                Candidate::new(&c.name, desc)
            })
            .collect(),
        Lookup::Clusters => kc
            .clusters
            .iter()
            .map(|c| {
                let server = c.cluster.as_ref().and_then(|x| x.server.clone());
                Candidate::new(&c.name, server)
            })
            .collect(),
        _ => kc
            .auth_infos
            .iter()
            .map(|u| Candidate::new(&u.name, None))
            .collect(),
    }
}

/// Names from the `--from-file` snapshots already typed (never stdin: kubectl hands the
/// completion its own terminal).
fn from_files(what: Lookup, conn: &Conn) -> Vec<Candidate> {
    let paths: Vec<&PathBuf> = conn
        .from_file
        .iter()
        .filter(|p| p.as_os_str() != "-")
        .collect();
    if paths.is_empty() {
        return Vec::new();
    }
    let ns = if conn.all_namespaces {
        None
    } else {
        conn.namespace.as_deref()
    };
    let Ok(snap) = file::read_files(&paths, ns) else {
        return Vec::new();
    };
    match what {
        Lookup::StatefulSets => {
            let metas: Vec<_> = snap.statefulsets.iter().map(|s| &s.metadata).collect();
            sts_candidates(metas.into_iter(), ns.is_none())
        }
        Lookup::Nodes => snap
            .nodes
            .iter()
            .map(|n| node_candidate(&n.metadata))
            .collect(),
        Lookup::Namespaces => {
            let mut names: Vec<&str> = snap
                .statefulsets
                .iter()
                .map(|s| &s.metadata)
                .chain(snap.pods.iter().map(|p| &p.metadata))
                .chain(snap.pvcs.iter().map(|p| &p.metadata))
                .map(k8s::namespace)
                .filter(|n| !n.is_empty())
                .collect();
            names.sort();
            names.dedup();
            names.into_iter().map(|n| Candidate::new(n, None)).collect()
        }
        _ => Vec::new(),
    }
}

/// StatefulSet names; with several namespaces, each says where it lives.
fn sts_candidates<'a>(
    metas: impl Iterator<Item = &'a kube::core::ObjectMeta>,
    many_namespaces: bool,
) -> Vec<Candidate> {
    let mut by_name: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for m in metas {
        by_name
            .entry(k8s::name(m).to_string())
            .or_default()
            .push(k8s::namespace(m).to_string());
    }
    by_name
        .into_iter()
        .map(|(name, mut nss)| {
            nss.sort();
            nss.dedup();
            let desc = many_namespaces.then(|| format!("namespace {}", nss.join(", ")));
            Candidate::new(name, desc)
        })
        .collect()
}

fn node_candidate(m: &kube::core::ObjectMeta) -> Candidate {
    let zone = m
        .labels
        .as_ref()
        .and_then(|l| l.get("topology.kubernetes.io/zone"))
        .map(|z| format!("zone {z}"));
    Candidate::new(k8s::name(m), zone)
}

/// One metadata-only list (names, no specs: cheap even for thousands of nodes), a few pages
/// at most.
async fn live(what: Lookup, conn: &Conn) -> anyhow::Result<Vec<Candidate>> {
    let opts = ConnectOptions {
        kubeconfig: conn.kubeconfig.clone(),
        context: conn.context.clone(),
        cluster: conn.cluster.clone(),
        user: conn.user.clone(),
        as_user: conn.as_user.clone(),
        as_groups: conn.as_groups.clone(),
        request_timeout: Some(LOOKUP_TIMEOUT),
    };
    let c = cluster::connect(&opts).await?;
    Ok(match what {
        Lookup::Namespaces => names(Api::<Namespace>::all(c.client))
            .await?
            .iter()
            .map(|m| Candidate::new(k8s::name(m), None))
            .collect(),
        Lookup::Nodes => names(Api::<Node>::all(c.client))
            .await?
            .iter()
            .map(node_candidate)
            .collect(),
        Lookup::StatefulSets => {
            let (api, all) = if conn.all_namespaces {
                (Api::<StatefulSet>::all(c.client), true)
            } else {
                let ns = conn.namespace.clone().unwrap_or(c.default_namespace);
                (Api::<StatefulSet>::namespaced(c.client, &ns), false)
            };
            sts_candidates(names(api).await?.iter(), all)
        }
        _ => Vec::new(),
    })
}

async fn names<K>(api: Api<K>) -> anyhow::Result<Vec<kube::core::ObjectMeta>>
where
    K: kube::Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut lp = ListParams::default().limit(PAGE);
        lp.continue_token = token.take();
        let list = api.list_metadata(&lp).await?;
        out.extend(list.items.into_iter().map(|i| i.metadata));
        match list.metadata.continue_ {
            Some(c) if !c.is_empty() => token = Some(c),
            _ => break,
        }
    }
    Ok(out)
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
    print!("{}", finish(&req.want, &req.prefix, found));
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
