//! The full-screen view of `diagnose --watch` on a terminal: a header (where, what is
//! watched and how the watches stand, when the last change was), the findings (open ones
//! first, incidents before risks, new ones marked, resolved ones greyed for ten minutes),
//! the selected finding's evidence and commands, and the keys. State and drawing only: the
//! event loop is the command's.

use crate::finding::{Category, Finding, Severity};
use crate::snapshot::Source;
use crate::watch::{Change, Event};
use crossterm::event::{KeyCode, KeyModifiers};
use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState, Wrap};
use std::collections::BTreeMap;

/// A resolved finding stays on screen, greyed, this long.
const KEEP_RESOLVED_SECS: i64 = 600;
/// A finding opened this recently is marked new.
const NEW_SECS: i64 = 60;

#[derive(Debug, Clone)]
pub struct Item {
    pub finding: Finding,
    pub opened: Timestamp,
    pub resolved: Option<Timestamp>,
}

/// What the keys asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    None,
    Quit,
    /// Offer the commands of this finding (the view steps aside meanwhile).
    Run(Box<Finding>),
}

#[derive(Debug, Default)]
pub struct View {
    /// "context prod · namespace shop".
    pub title: String,
    /// Kinds whose watch is not simply running, with what to say about them.
    pub health: BTreeMap<Source, String>,
    /// Set until the first analysis: nothing on screen is current yet.
    pub loading: bool,
    pub last_change: Option<Timestamp>,
    items: Vec<Item>,
    selected: usize,
    filter: String,
    filtering: bool,
    /// Enter: the detail pane takes the screen.
    expanded: bool,
}

fn key(f: &Finding) -> (&str, &str, Option<&str>, &str) {
    (
        &f.runbook,
        &f.object.kind,
        f.object.namespace.as_deref(),
        &f.object.name,
    )
}

fn rank(c: Category) -> u8 {
    match c {
        Category::Incident => 0,
        Category::Risk => 1,
        Category::Orphan => 2,
    }
}

impl View {
    pub fn new(title: String) -> Self {
        View {
            title,
            loading: true,
            ..Default::default()
        }
    }

    /// Takes in what the last analysis changed.
    pub fn apply(&mut self, changes: &[Change], now: Timestamp) {
        self.loading = false;
        if !changes.is_empty() {
            self.last_change = Some(now);
        }
        for c in changes {
            let at = self
                .items
                .iter()
                .position(|i| key(&i.finding) == key(&c.finding));
            match (c.event, at) {
                (Event::Resolved, Some(i)) => self.items[i].resolved = Some(now),
                (Event::Changed, Some(i)) => self.items[i].finding = c.finding.clone(),
                // Opened again while still shown as resolved: open, since now.
                (Event::Opened, Some(i)) => {
                    self.items[i] = Item {
                        finding: c.finding.clone(),
                        opened: now,
                        resolved: None,
                    }
                }
                (Event::Opened | Event::Changed, None) => self.items.push(Item {
                    finding: c.finding.clone(),
                    opened: now,
                    resolved: None,
                }),
                (Event::Resolved, None) => {}
            }
        }
        self.prune(now);
    }

    /// Forgets what was resolved more than ten minutes ago.
    pub fn prune(&mut self, now: Timestamp) {
        self.items.retain(|i| {
            i.resolved
                .is_none_or(|r| now.as_second() - r.as_second() < KEEP_RESOLVED_SECS)
        });
    }

    /// What is listed, in order: open before resolved, incidents before risks, then by
    /// severity and the report's own order; only what the filter matches.
    fn visible(&self) -> Vec<&Item> {
        let needle = self.filter.to_lowercase();
        let mut v: Vec<&Item> = self
            .items
            .iter()
            .filter(|i| {
                needle.is_empty()
                    || format!(
                        "{} {} {}",
                        i.finding.runbook, i.finding.object, i.finding.summary
                    )
                    .to_lowercase()
                    .contains(&needle)
            })
            .collect();
        v.sort_by_key(|i| {
            (
                i.resolved.is_some(),
                rank(i.finding.category),
                std::cmp::Reverse(i.finding.severity),
                i.finding.object.namespace.clone(),
                i.finding.object.name.clone(),
                i.finding.runbook.clone(),
            )
        });
        v
    }

    pub fn key(&mut self, code: KeyCode, modifiers: KeyModifiers) -> Action {
        if modifiers.contains(KeyModifiers::CONTROL) && code == KeyCode::Char('c') {
            return Action::Quit;
        }
        if self.filtering {
            match code {
                KeyCode::Enter | KeyCode::Esc => self.filtering = false,
                KeyCode::Backspace => {
                    self.filter.pop();
                }
                KeyCode::Char(c) => self.filter.push(c),
                _ => {}
            }
            self.selected = 0;
            return Action::None;
        }
        let n = self.visible().len();
        match code {
            KeyCode::Char('q') | KeyCode::Esc => return Action::Quit,
            KeyCode::Down | KeyCode::Char('j') => {
                self.selected = (self.selected + 1).min(n.saturating_sub(1))
            }
            KeyCode::Up | KeyCode::Char('k') => self.selected = self.selected.saturating_sub(1),
            KeyCode::Enter => self.expanded = !self.expanded,
            KeyCode::Char('/') => {
                self.filtering = true;
                self.filter.clear();
            }
            KeyCode::Char('r') => {
                if let Some(i) = self.visible().get(self.selected) {
                    return Action::Run(Box::new(i.finding.clone()));
                }
            }
            _ => {}
        }
        Action::None
    }

    pub fn draw(&self, frame: &mut Frame, now: Timestamp) {
        let [header, body, footer] = Layout::vertical([
            Constraint::Length(2),
            Constraint::Min(3),
            Constraint::Length(1),
        ])
        .areas(frame.area());
        frame.render_widget(Paragraph::new(self.header(now)), header);
        let items = self.visible();
        let selected = self.selected.min(items.len().saturating_sub(1));
        let detail = items.get(selected).map(|i| detail(i, now));
        if self.expanded {
            if let Some(d) = detail {
                frame.render_widget(d, body);
            }
        } else {
            let [list, pane] =
                Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)])
                    .areas(body);
            let mut state = TableState::default().with_selected(Some(selected));
            frame.render_stateful_widget(self.table(&items, now), list, &mut state);
            if let Some(d) = detail {
                frame.render_widget(d, pane);
            }
        }
        let keys = if self.filtering {
            format!("filter: {}▏ (Enter to keep, Esc to close)", self.filter)
        } else if self.filter.is_empty() {
            "j/k move · Enter details · / filter · r run a command · q quit".to_string()
        } else {
            format!(
                "filter \"{}\" · j/k move · Enter details · / filter · r run · q quit",
                self.filter
            )
        };
        frame.render_widget(
            Paragraph::new(keys).style(Style::new().add_modifier(Modifier::DIM)),
            footer,
        );
    }

    fn header(&self, now: Timestamp) -> Vec<Line<'_>> {
        let last = match (self.loading, self.last_change) {
            (true, _) => "listing …".to_string(),
            (false, Some(t)) => format!("last change {}", t.strftime("%H:%M:%S")),
            (false, None) => "no change yet".to_string(),
        };
        let open = self.items.iter().filter(|i| i.resolved.is_none()).count();
        let first = Line::from(vec![
            Span::styled(
                "kubectl sts diagnose --watch",
                Style::new().add_modifier(Modifier::BOLD),
            ),
            Span::raw(format!(
                " · {} · {open} open · {last} · {}",
                self.title,
                now.strftime("%H:%M:%S")
            )),
        ]);
        let second = if self.health.is_empty() {
            Line::from(Span::styled(
                if self.loading {
                    "listing every kind before the first analysis"
                } else {
                    "watching every kind"
                },
                Style::new().fg(Color::Green),
            ))
        } else {
            let text: Vec<String> = self
                .health
                .iter()
                .map(|(s, h)| format!("{s}: {h}"))
                .collect();
            Line::from(Span::styled(
                text.join(" · "),
                Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
            ))
        };
        vec![first, second]
    }

    fn table<'a>(&self, items: &[&'a Item], now: Timestamp) -> Table<'a> {
        let rows = items.iter().map(|i| {
            let f = &i.finding;
            let (state, style) = match i.resolved {
                Some(r) => (
                    format!("resolved {} ago", ago(now, r)),
                    Style::new().fg(Color::DarkGray),
                ),
                None if now.as_second() - i.opened.as_second() < NEW_SECS => {
                    ("NEW".to_string(), Style::new().add_modifier(Modifier::BOLD))
                }
                None => (format!("for {}", ago(now, i.opened)), Style::new()),
            };
            let severity = Cell::from(f.severity.as_str().to_uppercase()).style(
                match (i.resolved, f.severity) {
                    (Some(_), _) => Style::new(),
                    (None, Severity::Critical) => Style::new().fg(Color::Red),
                    (None, Severity::Warning) => Style::new().fg(Color::Yellow),
                    (None, Severity::Info) => Style::new().fg(Color::Cyan),
                },
            );
            Row::new(vec![
                severity,
                Cell::from(f.runbook.clone()),
                Cell::from(f.object.to_string()),
                Cell::from(state),
            ])
            .style(style)
        });
        Table::new(
            rows,
            [
                Constraint::Length(8),
                Constraint::Length(30),
                Constraint::Min(20),
                Constraint::Length(18),
            ],
        )
        .header(
            Row::new(vec!["SEVERITY", "RUNBOOK", "OBJECT", "STATE"])
                .style(Style::new().add_modifier(Modifier::BOLD)),
        )
        .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED))
        .block(Block::new().borders(Borders::TOP | Borders::BOTTOM))
    }
}

/// "45s", "3m", "2h".
fn ago(now: Timestamp, then: Timestamp) -> String {
    let s = (now.as_second() - then.as_second()).max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        _ => format!("{}h", s / 3600),
    }
}

fn detail<'a>(i: &'a Item, now: Timestamp) -> Paragraph<'a> {
    let f = &i.finding;
    let mut lines = vec![
        Line::from(vec![
            Span::styled(
                format!("{} {}", f.severity.as_str().to_uppercase(), f.runbook),
                Style::new().add_modifier(Modifier::BOLD),
            ),
            Span::raw(format!(" · {}", f.object)),
        ]),
        Line::from(f.summary.as_str()),
    ];
    if let Some(r) = i.resolved {
        lines.push(Line::from(Span::styled(
            format!(
                "resolved {} ago: what follows is how it stood then",
                ago(now, r)
            ),
            Style::new().fg(Color::DarkGray),
        )));
    }
    if !f.evidence.is_empty() {
        lines.push(Line::from(Span::styled(
            "evidence:",
            Style::new().add_modifier(Modifier::DIM),
        )));
        lines.extend(f.evidence.iter().map(|e| Line::from(format!("  - {e}"))));
    }
    if !f.commands.is_empty() {
        lines.push(Line::from(Span::styled(
            "fix (r to run one):",
            Style::new().add_modifier(Modifier::DIM),
        )));
        for c in &f.commands {
            lines.push(Line::from(Span::styled(
                format!("  # {}", c.description),
                Style::new().add_modifier(Modifier::DIM),
            )));
            if c.destructive {
                lines.push(Line::from(Span::styled(
                    "  # WARNING: destructive, cannot be undone",
                    Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
                )));
            }
            lines.extend(c.command.lines().map(|l| Line::from(format!("  {l}"))));
        }
    }
    Paragraph::new(lines).wrap(Wrap { trim: false })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{ObjectRef, Remedy};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    fn finding(runbook: &str, pod: &str, severity: Severity, category: Category) -> Finding {
        Finding {
            runbook: runbook.into(),
            severity,
            category,
            object: ObjectRef::namespaced("Pod", "shop", pod),
            statefulset: Some("orders-db".into()),
            summary: format!("{runbook} on {pod}"),
            evidence: vec![format!("evidence about {pod}")],
            commands: vec![Remedy::run(
                "Look at it",
                vec![
                    "kubectl".into(),
                    "-n".into(),
                    "shop".into(),
                    "describe".into(),
                    "pod".into(),
                    pod.into(),
                ],
            )],
        }
    }

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn screen(view: &View, now: Timestamp) -> String {
        let mut t = Terminal::new(TestBackend::new(100, 24)).unwrap();
        t.draw(|f| view.draw(f, now)).unwrap();
        let buf = t.backend().buffer().clone();
        (0..buf.area.height)
            .map(|y| {
                (0..buf.area.width)
                    .map(|x| buf[(x, y)].symbol())
                    .collect::<String>()
                    .trim_end()
                    .to_string()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn opened(f: &Finding) -> Change {
        Change {
            event: Event::Opened,
            finding: f.clone(),
        }
    }

    #[test]
    fn the_screen_lists_incidents_first_marks_new_and_greys_resolved() {
        let crash = finding(
            "container-crashloop",
            "orders-db-1",
            Severity::Critical,
            Category::Incident,
        );
        let spread = finding(
            "spread-missing",
            "orders-db-0",
            Severity::Warning,
            Category::Risk,
        );
        let lost = finding(
            "pvc-lost",
            "orders-db-2",
            Severity::Critical,
            Category::Incident,
        );
        let mut v = View::new("context prod · namespace shop".into());
        v.apply(
            &[opened(&spread), opened(&crash)],
            at("2026-12-04T00:10:00Z"),
        );
        v.apply(
            &[
                Change {
                    event: Event::Resolved,
                    finding: crash.clone(),
                },
                opened(&lost),
            ],
            at("2026-12-04T00:12:00Z"),
        );
        v.health
            .insert(Source::Nodes, "stale since 00:11:40, reconnecting".into());
        insta::assert_snapshot!(screen(&v, at("2026-12-04T00:12:30Z")));
        // Ten minutes after it was resolved, it is gone.
        v.prune(at("2026-12-04T00:22:01Z"));
        assert!(!screen(&v, at("2026-12-04T00:22:01Z")).contains("container-crashloop"));
    }

    #[test]
    fn keys_move_filter_expand_run_and_quit() {
        let a = finding(
            "container-crashloop",
            "orders-db-1",
            Severity::Critical,
            Category::Incident,
        );
        let b = finding(
            "spread-missing",
            "orders-db-0",
            Severity::Warning,
            Category::Risk,
        );
        let mut v = View::new("namespace shop".into());
        v.apply(&[opened(&a), opened(&b)], at("2026-12-04T00:10:00Z"));
        let none = KeyModifiers::NONE;
        assert_eq!(v.key(KeyCode::Char('j'), none), Action::None);
        assert_eq!(
            v.key(KeyCode::Char('r'), none),
            Action::Run(Box::new(b.clone()))
        );
        assert_eq!(v.key(KeyCode::Char('k'), none), Action::None);
        assert_eq!(
            v.key(KeyCode::Char('r'), none),
            Action::Run(Box::new(a.clone()))
        );
        // `/spread` leaves one row; `r` runs that one.
        for c in "/spread".chars() {
            v.key(KeyCode::Char(c), none);
        }
        v.key(KeyCode::Enter, none);
        assert_eq!(
            v.key(KeyCode::Char('r'), none),
            Action::Run(Box::new(b.clone()))
        );
        v.key(KeyCode::Enter, none);
        let s = screen(&v, at("2026-12-04T00:10:30Z"));
        assert!(s.contains("evidence about orders-db-0"), "{s}");
        assert!(
            !s.contains("SEVERITY"),
            "expanded detail takes the screen:\n{s}"
        );
        assert_eq!(v.key(KeyCode::Char('q'), none), Action::Quit);
        assert_eq!(
            v.key(KeyCode::Char('c'), KeyModifiers::CONTROL),
            Action::Quit
        );
    }
}
