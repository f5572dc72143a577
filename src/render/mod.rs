//! Turning reports into text: the only place that picks colours or lays out columns.

pub mod diagnose;
pub mod drain;
pub mod expand;
pub mod orphans;
pub mod rollout;

use crate::cli::Output;
use anyhow::Result;
use owo_colors::OwoColorize;
use serde::Serialize;

/// How text output should look on this stdout.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    pub width: usize,
}

impl Style {
    /// Plain, 80 columns: what tests, pipes and CI get.
    pub fn plain() -> Self {
        Style {
            color: false,
            width: 80,
        }
    }

    pub fn detect(no_color: bool) -> Self {
        use std::io::IsTerminal;
        let tty = std::io::stdout().is_terminal();
        let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let width = if tty {
            comfy_table::Table::new()
                .width()
                .map(usize::from)
                .unwrap_or(100)
        } else {
            80
        };
        Style {
            color: tty && !no_color && !no_color_env,
            width: width.clamp(60, 200),
        }
    }

    pub fn paint_severity(&self, sev: crate::finding::Severity) -> String {
        use crate::finding::Severity;
        let label = sev.as_str().to_uppercase();
        if !self.color {
            return label;
        }
        match sev {
            Severity::Critical => label.red().bold().to_string(),
            Severity::Warning => label.yellow().bold().to_string(),
            Severity::Info => label.blue().to_string(),
        }
    }

    pub fn bold(&self, s: &str) -> String {
        if self.color {
            s.bold().to_string()
        } else {
            s.to_string()
        }
    }

    pub fn dim(&self, s: &str) -> String {
        if self.color {
            s.dimmed().to_string()
        } else {
            s.to_string()
        }
    }
}

/// Machine output: the same document as JSON or YAML.
pub fn machine<T: Serialize>(doc: &T, output: Output) -> Result<String> {
    Ok(match output {
        Output::Yaml => serde_saphyr::to_string(doc)?,
        _ => {
            let mut s = serde_json::to_string_pretty(doc)?;
            s.push('\n');
            s
        }
    })
}

/// Word-wraps prose (never commands) to `width`: the first line after `first`, the rest
/// after `rest`, so list items hang under their text.
pub fn wrap_hanging(text: &str, width: usize, first: &str, rest: &str) -> String {
    let mut out = String::new();
    let mut line = String::new();
    let mut indent = first;
    for word in text.split(' ') {
        let avail = width.saturating_sub(indent.chars().count()).max(20);
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > avail {
            out.push_str(indent);
            out.push_str(&line);
            out.push('\n');
            line.clear();
            indent = rest;
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(indent);
    out.push_str(&line);
    out.push('\n');
    out
}

pub fn wrap(text: &str, width: usize, indent: &str) -> String {
    wrap_hanging(text, width, indent, indent)
}

#[cfg(test)]
mod tests {
    #[test]
    fn wrap_keeps_words_whole_and_indents() {
        let w = super::wrap(
            "aaa bbb ccc ddd eee fff ggg hhh iii jjj kkk lll",
            24,
            "    ",
        );
        for l in w.lines() {
            assert!(l.starts_with("    ") && l.len() <= 24, "{l:?}");
        }
        assert_eq!(w.split_whitespace().count(), 12);
        let h = super::wrap_hanging("- aaaa bbbb cccc dddd eeee ffff", 24, "  ", "    ");
        assert_eq!(h, "  - aaaa bbbb cccc dddd\n    eeee ffff\n");
    }
}
