//! `kubectl sts snapshot`: everything the analysis reads, as a `v1` `List` with its capture
//! time, so state can be analysed later, elsewhere, or attached to a ticket.

use super::input;
use crate::cli::{GlobalArgs, Output};
use crate::render;
use crate::snapshot::file;
use anyhow::Result;

pub async fn run(g: &GlobalArgs, prometheus: &crate::cli::PrometheusArgs) -> Result<i32> {
    let endpoint = input::prometheus_endpoint(prometheus)?;
    let mut input = input::load_live(g, "snapshot").await?;
    if let Some(e) = &endpoint {
        input::read_prometheus(&mut input, prometheus, e).await;
    }
    input::print_notes(&input.snap);
    for s in &input.snap.skipped {
        eprintln!("skipped: {} ({})", s.source, s.reason);
    }
    let doc = file::to_list_value(&input.snap)?;
    let format = if g.output == Output::Json {
        Output::Json
    } else {
        Output::Yaml
    };
    print!("{}", render::machine(&doc, format)?);
    Ok(0)
}
