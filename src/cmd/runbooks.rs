//! `kubectl sts runbooks [ID]`

use crate::cli::Output;
use crate::cmd::out::{out, outln};
use crate::error::Failure;
use crate::render;
use crate::runbooks::{RUNBOOKS, Runbook};
use anyhow::Result;
use serde::Serialize;

#[derive(Serialize)]
struct Entry<'a> {
    id: &'a str,
    kind: &'a str,
    severity: &'a str,
    group: &'a str,
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<&'a str>,
}

fn entry(r: &Runbook, with_body: bool) -> Entry<'_> {
    Entry {
        id: &r.id,
        kind: r.category.as_str(),
        severity: r.severity.as_str(),
        group: &r.group,
        title: &r.title,
        body: with_body.then_some(r.body.as_str()),
    }
}

pub fn run(output: Output, id: Option<&str>) -> Result<i32> {
    match id {
        None => {
            if output != Output::Table {
                let all: Vec<Entry> = RUNBOOKS.iter().map(|r| entry(r, false)).collect();
                out!("{}", render::machine(&all, output)?);
                return Ok(0);
            }
            let style = render::Style::detect(false);
            let mut t = style.table(vec!["ID", "KIND", "SEVERITY", "GROUP", "TITLE"], &[0], 0);
            for r in RUNBOOKS.iter() {
                t.add_row(vec![
                    &r.id,
                    r.category.as_str(),
                    r.severity.as_str(),
                    &r.group,
                    &r.title,
                ]);
            }
            out!("{}", render::table_text(&t, ""));
            Ok(0)
        }
        Some(id) => {
            let Some(r) = crate::runbooks::get(id) else {
                let near = crate::suggest::closest(id, RUNBOOKS.iter().map(|r| r.id.as_str()));
                let hint = if near.is_empty() {
                    " (see `kubectl sts runbooks`)".to_string()
                } else {
                    format!("; did you mean {}?", near.join(", "))
                };
                return Err(Failure::usage(format!("no runbook {id:?}{hint}")).into());
            };
            if output != Output::Table {
                out!("{}", render::machine(&entry(r, true), output)?);
                return Ok(0);
            }
            outln!(
                "{} ({}, {}, group {})",
                r.id,
                r.category.as_str(),
                r.severity,
                r.group
            );
            outln!("{}\n", r.title);
            out!("{}", r.body);
            Ok(0)
        }
    }
}
