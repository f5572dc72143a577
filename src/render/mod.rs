//! Turning reports into text: the only place that picks colours or lays out columns.

pub mod diagnose;
pub mod drain;
pub mod expand;
pub mod fleet;
pub mod orphans;
pub mod rollout;
pub mod watch_view;

use anyhow::Result;
use comfy_table::{ColumnConstraint, ContentArrangement, Table, presets};
use owo_colors::OwoColorize;
use serde::Serialize;
use std::fmt::Write as _;

/// `-o`: a table for people, or the same document as JSON or YAML for machines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    Table,
    Json,
    Yaml,
}

/// How text output should look on this stdout.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    /// Where prose wraps.
    pub width: usize,
    /// Tables fit `width` by wrapping cells: on a terminal only. In a pipe, as kubectl does,
    /// a table row is one line however long, so `grep` finds a row and its names whole.
    pub wrap_tables: bool,
}

impl Style {
    /// Plain, 80 columns, tables unwrapped: what tests, pipes and CI get.
    pub fn plain() -> Self {
        Style {
            color: false,
            width: 80,
            wrap_tables: false,
        }
    }

    /// A terminal of this width, without colours (for tests of the terminal layout).
    pub fn terminal(width: usize) -> Self {
        Style {
            color: false,
            width,
            wrap_tables: true,
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
            wrap_tables: tty,
        }
    }

    /// A borderless table in kubectl's layout. `whole` are the columns never wrapped on a
    /// terminal (ids and object names: a name split across lines cannot be copied); the
    /// other columns share what is left of `width`.
    pub fn table(&self, header: Vec<&str>, whole: &[usize], indent: usize) -> Table {
        let mut t = Table::new();
        t.load_preset(presets::NOTHING).set_header(header);
        if self.wrap_tables {
            t.set_content_arrangement(ContentArrangement::Dynamic)
                .set_width(self.width.saturating_sub(indent) as u16);
            for &i in whole {
                if let Some(c) = t.column_mut(i) {
                    c.set_constraint(ColumnConstraint::ContentWidth);
                }
            }
        } else {
            t.set_content_arrangement(ContentArrangement::Disabled);
        }
        t
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

/// A table's lines after `indent`, without the padding comfy-table leaves at line ends.
pub fn table_text(t: &Table, indent: &str) -> String {
    let mut s = String::new();
    for line in t.to_string().lines() {
        let _ = writeln!(s, "{indent}{}", line.trim_end());
    }
    s
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
    use super::Style;

    fn long_table(style: &Style) -> String {
        let mut t = style.table(vec!["NAME", "REASON"], &[0], 0);
        t.add_row(vec![
            "data-orders-db-replica-eu-west-1-0123456789",
            "the StatefulSet that made this claim was deleted and nothing mounts it any more",
        ]);
        super::table_text(&t, "")
    }

    #[test]
    fn tables_wrap_on_a_terminal_only_and_never_split_a_name() {
        // In a pipe: the header and one line per row, however long (kubectl's way: grep and
        // awk see whole rows).
        let piped = long_table(&Style::plain());
        assert_eq!(piped.lines().count(), 2, "{piped}");
        assert!(piped.lines().nth(1).unwrap().len() > 80);
        // On an 80-column terminal the prose column wraps; the name stays whole on one line.
        let tty = long_table(&Style::terminal(80));
        assert!(tty.lines().count() > 2, "{tty}");
        assert!(tty.lines().all(|l| l.chars().count() <= 80), "{tty}");
        assert!(
            tty.contains("data-orders-db-replica-eu-west-1-0123456789"),
            "{tty}"
        );
    }

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
