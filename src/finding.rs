//! The shape every command reports in: a finding with its evidence and remediation commands.
//! Field names are the public contract in `shared/spec/output-contract.md`.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a runbook is about: something broken now, a latent risk, or waste.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Incident,
    Risk,
    Orphan,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Incident => "incident",
            Category::Risk => "risk",
            Category::Orphan => "orphan",
        }
    }
}

/// The object a finding attaches to. `namespace` is absent for cluster-scoped kinds.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ObjectRef {
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjectRef {
    pub fn namespaced(kind: &str, namespace: &str, name: &str) -> Self {
        ObjectRef {
            kind: kind.to_string(),
            namespace: Some(namespace.to_string()),
            name: name.to_string(),
        }
    }

    pub fn cluster(kind: &str, name: &str) -> Self {
        ObjectRef {
            kind: kind.to_string(),
            namespace: None,
            name: name.to_string(),
        }
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {}/{}", self.kind, ns, self.name),
            None => write!(f, "{} {}", self.kind, self.name),
        }
    }
}

/// One remediation step. `command` is a complete shell command line; [`Remedy::argv`] and
/// [`Remedy::stdin`] read the same command back as data, so it can be run without a shell.
/// Only the line is kept: a busy cluster has tens of thousands of these, and keeping the
/// words and the document a second time was a third of a finding's memory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remedy {
    pub description: String,
    pub command: String,
    /// Deletes or replaces something that cannot be recovered by re-running the tool.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub destructive: bool,
}

/// What starts the here-document of [`Remedy::with_stdin`]. `<` is never left unquoted by
/// [`shell_join`], so the first unquoted one is this.
const HEREDOC: &str = "<<'EOF'\n";

impl Remedy {
    /// A command run as is.
    pub fn run(description: impl Into<String>, argv: Vec<String>) -> Self {
        Remedy {
            description: description.into(),
            command: shell_join(&argv),
            destructive: false,
        }
    }

    /// A command fed a document on standard input, rendered as a quoted here-document so the
    /// printed line can be pasted into a shell as it is.
    pub fn with_stdin(description: impl Into<String>, argv: Vec<String>, stdin: String) -> Self {
        let mut command = shell_join(&argv);
        command.reserve_exact(HEREDOC.len() + stdin.len() + 5);
        command.push(' ');
        command.push_str(HEREDOC);
        command.push_str(&stdin);
        if !stdin.ends_with('\n') {
            command.push('\n');
        }
        command.push_str("EOF");
        Remedy {
            description: description.into(),
            command,
            destructive: false,
        }
    }

    pub fn destructive(mut self) -> Self {
        self.destructive = true;
        self
    }

    /// The words of the command, as [`Remedy::run`] or [`Remedy::with_stdin`] was given
    /// them: the inverse of [`shell_join`], up to the here-document.
    pub fn argv(&self) -> Vec<String> {
        self.parts().0
    }

    /// The document fed on standard input (ending in a newline), if there is one.
    pub fn stdin(&self) -> Option<&str> {
        self.parts().1
    }

    /// [`Remedy::argv`] and [`Remedy::stdin`] from one reading of the line.
    pub fn parts(&self) -> (Vec<String>, Option<&str>) {
        let (words, rest) = split_words(&self.command);
        (words, rest.and_then(|doc| doc.strip_suffix("EOF")))
    }
}

/// Splits a line written by [`shell_join`] into its words, and returns what follows an
/// unquoted here-document marker (the document and the closing `EOF`), if any.
fn split_words(line: &str) -> (Vec<String>, Option<&str>) {
    let mut words = Vec::new();
    let mut word = String::new();
    // A word was begun: `''` is an empty word, not none.
    let mut begun = false;
    let mut quoted = false;
    let mut chars = line.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\'' => {
                quoted = !quoted;
                begun = true;
            }
            _ if quoted => word.push(c),
            '\\' => {
                if let Some((_, next)) = chars.next() {
                    word.push(next);
                }
                begun = true;
            }
            ' ' => {
                if begun {
                    words.push(std::mem::take(&mut word));
                    begun = false;
                }
            }
            '<' if !begun && line[i..].starts_with(HEREDOC) => {
                return (words, Some(&line[i + HEREDOC.len()..]));
            }
            _ => {
                word.push(c);
                begun = true;
            }
        }
    }
    if begun {
        words.push(word);
    }
    (words, None)
}

/// Joins words into one shell line, quoting only the words that need it.
pub fn shell_join(argv: &[String]) -> String {
    argv.iter()
        .map(|w| {
            if !w.is_empty()
                && w.chars().all(|c| {
                    c.is_ascii_alphanumeric()
                        || matches!(c, '-' | '_' | '.' | '/' | ':' | '=' | ',' | '@' | '+')
                })
            {
                w.clone()
            } else {
                // Single quotes take everything literally ($, `, \, "); a single quote
                // itself is closed, escaped and reopened.
                format!("'{}'", w.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub runbook: String,
    pub severity: Severity,
    pub category: Category,
    pub object: ObjectRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statefulset: Option<String>,
    pub summary: String,
    pub evidence: Vec<String>,
    pub commands: Vec<Remedy>,
}

impl Finding {
    /// Gives back what the strings and lists were given to grow into (`format!` and `push`
    /// leave up to half of it unused): findings are kept until the run ends, and a busy
    /// cluster has tens of thousands of them.
    pub fn shrink_to_fit(&mut self) {
        self.runbook.shrink_to_fit();
        self.object.kind.shrink_to_fit();
        if let Some(ns) = &mut self.object.namespace {
            ns.shrink_to_fit();
        }
        self.object.name.shrink_to_fit();
        if let Some(s) = &mut self.statefulset {
            s.shrink_to_fit();
        }
        self.summary.shrink_to_fit();
        for e in &mut self.evidence {
            e.shrink_to_fit();
        }
        self.evidence.shrink_to_fit();
        for c in &mut self.commands {
            c.description.shrink_to_fit();
            c.command.shrink_to_fit();
        }
        self.commands.shrink_to_fit();
    }

    /// The contract's order: severity (critical first), namespace, StatefulSet, object name,
    /// runbook id.
    pub fn sort_key(&self) -> impl Ord + '_ {
        (
            std::cmp::Reverse(self.severity),
            self.object.namespace.as_deref().unwrap_or(""),
            self.statefulset.as_deref().unwrap_or(""),
            self.object.name.as_str(),
            self.runbook.as_str(),
            self.object.kind.as_str(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &[&str]) -> Vec<String> {
        s.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn shell_join_quotes_json_and_spaces_only() {
        let line = shell_join(&words(&[
            "kubectl",
            "-n",
            "shop",
            "patch",
            "pdb",
            "orders-db",
            "--type=merge",
            "-p",
            r#"{"spec":{"maxUnavailable":1}}"#,
        ]));
        assert_eq!(
            line,
            r#"kubectl -n shop patch pdb orders-db --type=merge -p '{"spec":{"maxUnavailable":1}}'"#
        );
        assert_eq!(shell_join(&words(&["echo", "it's"])), r#"echo 'it'\''s'"#);
        assert_eq!(
            shell_join(&words(&["echo", "$HOME `x`"])),
            "echo '$HOME `x`'"
        );
        assert_eq!(shell_join(&words(&["a", ""])), "a ''");
    }

    #[test]
    fn here_document_is_closed_on_its_own_line() {
        let r = Remedy::with_stdin(
            "apply",
            words(&["kubectl", "apply", "-f", "-"]),
            "a: 1".into(),
        );
        assert_eq!(r.command, "kubectl apply -f - <<'EOF'\na: 1\nEOF");
        assert_eq!(r.stdin(), Some("a: 1\n"));
        assert_eq!(r.argv(), words(&["kubectl", "apply", "-f", "-"]));
    }

    #[test]
    fn the_words_and_the_document_are_read_back_from_the_line() {
        // Words shell_join must quote, and words that look like the here-document marker
        // or its end: each comes back as it went in.
        let awkward = words(&[
            "kubectl",
            "",
            "it's",
            "'",
            "a b",
            "<<'EOF'\n",
            "two\nlines",
            r#"{"spec":{"x":"\\"}}"#,
            "EOF",
            "--type=merge",
        ]);
        let r = Remedy::run("x", awkward.clone());
        assert_eq!(r.argv(), awkward);
        assert_eq!(r.stdin(), None);
        let doc = "kind: ConfigMap\ndata:\n  q: \"it's <<'EOF'\"\nEOF inside\n";
        let r = Remedy::with_stdin("x", awkward.clone(), doc.to_string());
        assert_eq!(r.argv(), awkward);
        assert_eq!(r.stdin(), Some(doc));
        assert!(Remedy::run("x", Vec::new()).argv().is_empty());
    }
}
