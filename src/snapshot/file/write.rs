//! A snapshot written as a `v1` `List` whose header records the capture time, scope, the
//! kinds read and those skipped, so a later `--from-file` run knows what was absent.
//!
//! Written as it is serialised, one object at a time: each object becomes a JSON value on
//! its own (so its keys are written sorted, as they always were), never the whole list,
//! whose tree is several times the model it comes from (issue 15), nor the whole text.

use super::{HEADER_KEY, Header};
use crate::snapshot::{Snapshot, Source};
use anyhow::Result;
use serde::ser::{Error as _, SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::{Value, json};
use std::io::Write;

/// The snapshot as one JSON value (tests, benchmarks and the synthetic cluster's writer).
pub fn to_list_value(snap: &Snapshot) -> Result<Value> {
    Ok(serde_json::to_value(List(snap))?)
}

/// Writes the snapshot to `w` as YAML, or as indented JSON followed by a newline. A failed
/// write comes back as its `std::io::Error` (a closed pipe is told apart by its kind).
pub fn write_list<W: Write>(snap: &Snapshot, json: bool, w: W) -> Result<()> {
    let mut w = Remember { w, error: None };
    let written = if json {
        serde_json::to_writer_pretty(&mut w, &List(snap))
            .map_err(anyhow::Error::from)
            .and_then(|()| Ok(w.write_all(b"\n")?))
    } else {
        serde_saphyr::to_io_writer(&mut w, &List(snap)).map_err(anyhow::Error::from)
    };
    let written = written.and_then(|()| Ok(w.flush()?));
    match (written, w.error) {
        (Err(_), Some(io)) => Err(io.into()),
        (r, _) => r,
    }
}

/// A writer that keeps its first error: the serialisers wrap it in their own, where the
/// broken pipe a closed reader causes could no longer be recognised.
struct Remember<W> {
    w: W,
    error: Option<std::io::Error>,
}

impl<W: Write> Write for Remember<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.w.write(buf).map_err(|e| self.keep(e))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.w.flush().map_err(|e| self.keep(e))
    }
}

impl<W> Remember<W> {
    fn keep(&mut self, e: std::io::Error) -> std::io::Error {
        let copy = std::io::Error::new(e.kind(), e.to_string());
        self.error.get_or_insert(e);
        copy
    }
}

struct List<'a>(&'a Snapshot);

impl Serialize for List<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let header = serde_json::to_value(header(self.0)).map_err(S::Error::custom)?;
        // In the order of a JSON object's keys (sorted), as the whole value wrote them.
        let mut m = s.serialize_map(Some(5))?;
        m.serialize_entry("apiVersion", "v1")?;
        m.serialize_entry("items", &Items(self.0))?;
        m.serialize_entry("kind", "List")?;
        m.serialize_entry(HEADER_KEY, &header)?;
        m.serialize_entry("metadata", &json!({"resourceVersion": ""}))?;
        m.end()
    }
}

fn header(s: &Snapshot) -> Header {
    Header {
        captured_at: s.captured_at,
        scope: s.scope.clone(),
        server_version: s.server_version.clone(),
        sources: Source::ALL
            .into_iter()
            .filter(|k| s.is_skipped(*k).is_none())
            .collect(),
        skipped: s.skipped.clone(),
        tool: Some(format!("kubectl-sts {}", env!("CARGO_PKG_VERSION"))),
        volume_stats: s.volume_stats.clone(),
        volume_trends: s.volume_trends.clone(),
        container_logs: s.container_logs.clone(),
        partial: s.partial.clone(),
        custom_resources: s.custom.kinds.clone(),
    }
}

struct Items<'a>(&'a Snapshot);

impl Serialize for Items<'_> {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        fn add<T: Serialize, Q: SerializeSeq>(seq: &mut Q, list: &[T]) -> Result<(), Q::Error> {
            for o in list {
                let v = serde_json::to_value(o).map_err(Q::Error::custom)?;
                seq.serialize_element(&v)?;
            }
            Ok(())
        }
        // Each kind once, in the order `kubectl sts snapshot` has always written them.
        macro_rules! kinds {
            ($($($field:ident).+),*) => {{
                let s = self.0;
                let mut seq = ser.serialize_seq(Some(0 $(+ s.$($field).+.len())*))?;
                $(add(&mut seq, &s.$($field).+)?;)*
                seq.end()
            }};
        }
        kinds!(
            nodes,
            storage_classes,
            pvs,
            volume_attachments,
            statefulsets,
            controller_revisions,
            deployments,
            pods,
            pvcs,
            pdbs,
            services,
            endpoint_slices,
            events,
            custom.items
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;

    fn small() -> Snapshot {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 2));
        s.pods.push(pod("shop", "db", 0, true));
        s.pods.push(pod("shop", "db", 1, false));
        s.skip(Source::Events, "forbidden");
        s
    }

    fn written(s: &Snapshot, json: bool) -> String {
        let mut out = Vec::new();
        write_list(s, json, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// The text is what the whole value printed: its keys sorted at every level.
    #[test]
    fn writes_what_the_whole_value_printed() {
        let s = small();
        let whole = to_list_value(&s).unwrap();
        assert_eq!(
            written(&s, true),
            serde_json::to_string_pretty(&whole).unwrap() + "\n"
        );
        assert_eq!(written(&s, false), serde_saphyr::to_string(&whole).unwrap());
        let keys: Vec<&String> = whole.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["apiVersion", "items", "kind", HEADER_KEY, "metadata"]
        );
        assert_eq!(whole["items"].as_array().unwrap().len(), 3);
    }

    #[test]
    fn a_closed_reader_comes_back_as_a_broken_pipe() {
        struct Closed;
        impl Write for Closed {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        for json in [true, false] {
            let e = write_list(&small(), json, Closed).unwrap_err();
            let io = e
                .downcast_ref::<std::io::Error>()
                .expect("the write's own error");
            assert_eq!(io.kind(), std::io::ErrorKind::BrokenPipe);
        }
    }
}
