//! The one place that maps failures to exit codes (see the output contract).

use std::fmt;

/// A failure with a message meant for a person and a fixed exit code.
#[derive(Debug)]
pub struct Failure {
    pub code: i32,
    pub message: String,
    /// Set when the failure is that a whole cluster could not be read: a fleet run reports
    /// that cluster as such and goes on with the others.
    pub unread: Option<Unread>,
}

/// Why a whole cluster could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unread {
    /// No answer: refused, DNS, TLS, proxy, timeout.
    Unreachable,
    /// It answered 401/403 to everything, or the credentials could not be obtained.
    Unauthorized,
}

impl Failure {
    /// Could not run: bad arguments, unreadable input, unreachable cluster, not found.
    pub fn usage(message: impl Into<String>) -> Self {
        Failure {
            code: 2,
            message: message.into(),
            unread: None,
        }
    }

    /// A cluster that could not be read at all (exit 2 for a run over one cluster).
    pub fn unread(why: Unread, message: impl Into<String>) -> Self {
        Failure {
            unread: Some(why),
            ..Failure::usage(message)
        }
    }

    /// A stopped mutation (exit 1), whose account has lines.
    pub fn stopped(message: impl Into<String>) -> Self {
        Failure {
            code: 1,
            ..Failure::usage(message)
        }
    }

    pub fn interrupted() -> Self {
        Failure {
            code: 130,
            ..Failure::usage("interrupted")
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// The exit code for an error that reached `main`: a [`Failure`] anywhere in the chain
/// decides; anything else means the command could not run.
pub fn exit_code(err: &anyhow::Error) -> i32 {
    err.chain()
        .find_map(|e| e.downcast_ref::<Failure>())
        .map(|f| f.code)
        .unwrap_or(2)
}

/// An error that stops a run as one line: the causes joined with `: ` (a cause whose words
/// the message before it already holds is left out, as kube-rs repeats its sources in its
/// own messages), every line break and run of blanks inside them made one space.
pub fn one_line(err: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in err.chain() {
        let text = flatten(&cause.to_string());
        if text.is_empty() || parts.iter().any(|p| p.contains(&text)) {
            continue;
        }
        parts.push(text);
    }
    parts.join(": ")
}

/// One line of text; a source snippet a parser appends (` --> <input>:4:9` and the
/// quoted lines under it) is left out: the line and column before it say where.
fn flatten(s: &str) -> String {
    s.lines()
        .take_while(|l| !l.trim_start().starts_with("--> "))
        .flat_map(str::split_whitespace)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A command-line parse error, as clap renders it over several lines (message, tip, usage,
/// "For more information"), as one line: `error: ... (tip: ...) (usage: ...; see --help)`.
pub fn clap_one_line(rendered: &str) -> String {
    let mut message: Vec<&str> = Vec::new();
    let mut tips: Vec<&str> = Vec::new();
    let mut usage: Option<&str> = None;
    for line in rendered.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(u) = line.strip_prefix("Usage: ") {
            usage = Some(u);
        } else if line.starts_with("For more information") {
            continue;
        } else if let Some(t) = line.strip_prefix("tip: ") {
            tips.push(t);
        } else {
            message.push(line);
        }
    }
    let mut out = message.join(" ");
    for t in tips {
        out.push_str(&format!(" (tip: {t})"));
    }
    match usage {
        Some(u) => out.push_str(&format!(" (usage: {u}; see --help)")),
        None => out.push_str(" (see --help)"),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chains_become_one_line_without_repeating_causes() {
        let inner = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file (os error 2)");
        let err = anyhow::Error::new(inner)
            .context("unable to run auth exec: No such file (os error 2)")
            .context("cannot build a client\nfor the cluster");
        assert_eq!(
            one_line(&err),
            "cannot build a client for the cluster: unable to run auth exec: No such file (os error 2)"
        );
    }

    #[test]
    fn parser_snippets_are_left_out() {
        let err = anyhow::anyhow!(
            "bad.yaml: invalid YAML: error: line 4 column 9: unclosed bracket '['\n --> <input>:4:9\n  |\n4 |    bad: [\n  |         ^ unclosed bracket '['"
        );
        assert_eq!(
            one_line(&err),
            "bad.yaml: invalid YAML: error: line 4 column 9: unclosed bracket '['"
        );
    }

    #[test]
    fn clap_errors_become_one_line() {
        let rendered = "error: invalid value 'xml' for '--output <OUTPUT>'\n  [possible values: table, json, yaml]\n\n  tip: a similar value exists: 'yaml'\n\nFor more information, try '--help'.\n";
        assert_eq!(
            clap_one_line(rendered),
            "error: invalid value 'xml' for '--output <OUTPUT>' [possible values: table, json, yaml] (tip: a similar value exists: 'yaml') (see --help)"
        );
        let rendered = "error: the following required arguments were not provided:\n  --size <SIZE>\n\nUsage: kubectl sts pvc-expand --size <SIZE> <STATEFULSET>\n\nFor more information, try '--help'.\n";
        assert_eq!(
            clap_one_line(rendered),
            "error: the following required arguments were not provided: --size <SIZE> (usage: kubectl sts pvc-expand --size <SIZE> <STATEFULSET>; see --help)"
        );
    }
}
