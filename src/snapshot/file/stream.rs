//! JSON read as a stream: each item of a List is parsed on its own as it arrives, so a
//! file's text is never held whole beside the model it becomes (issue 15: 35 MB at 10k
//! pods, 350 MB at 100k). The same path reads files, standard input and strings.

use super::{At, HEADER_KEY, Header, Loader};
use anyhow::{Context, Result, anyhow, bail};
use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::fmt;

impl Loader {
    /// Every JSON document in `de`, one after another (`kubectl get -o json` writes one;
    /// concatenated documents are read too).
    pub(super) fn load_json<'de, R: serde_json::de::Read<'de>>(
        &mut self,
        mut de: serde_json::Deserializer<R>,
        name: &str,
    ) -> Result<()> {
        let mut any = false;
        for i in 1.. {
            let mut doc = Document {
                loader: self,
                position: At::document(i),
                failed: None,
                any: false,
            };
            let read = (&mut doc).deserialize(&mut de);
            if let Some(e) = doc.failed.take() {
                return Err(e);
            }
            read.map_err(|e| {
                anyhow!(
                    "invalid JSON at line {}, column {}: {e}",
                    e.line(),
                    e.column()
                )
            })?;
            any |= doc.any;
            if de.end().is_ok() {
                break;
            }
        }
        if !any {
            bail!("no Kubernetes objects in {name}");
        }
        Ok(())
    }
}

/// One top-level document. A loader error is kept here (serde's errors carry only text)
/// and parsing is stopped.
struct Document<'l> {
    loader: &'l mut Loader,
    position: At<'static>,
    failed: Option<anyhow::Error>,
    any: bool,
}

impl Document<'_> {
    fn stop<E: serde::de::Error>(&mut self, e: anyhow::Error) -> E {
        self.failed = Some(e);
        E::custom("stopped")
    }

    /// A List's items, each loaded as it is parsed; `null` is an empty List.
    fn items<'de, A: MapAccess<'de>>(&mut self, m: &mut A) -> Result<(), A::Error> {
        // Counted as one level, as `load_raw` counts a List it is handed whole.
        self.loader.nesting += 1;
        let r = m.next_value_seed(Items(self));
        self.loader.nesting -= 1;
        r
    }
}

impl<'de> DeserializeSeed<'de> for &mut Document<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for &mut Document<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Kubernetes object or List")
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    /// An array of objects (or Lists): each item loaded as it comes.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.any = true;
        self.loader.nesting += 1;
        let mut j = 0;
        let r = loop {
            let item = match seq.next_element::<Box<RawValue>>() {
                Ok(Some(item)) => item,
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            };
            j += 1;
            let at = self.position.item(j);
            if let Err(e) = self.loader.load_raw(&item, &at, false) {
                break Err(self.stop(e));
            }
        };
        self.loader.nesting -= 1;
        r
    }

    /// A List's `items` are loaded as they are parsed, unless a `kind` read before them
    /// says this is not a List. Any other object is gathered (its keys' text) and loaded
    /// whole, as before.
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<(), A::Error> {
        self.any = true;
        let mut fields: Vec<(String, Box<RawValue>)> = Vec::new();
        let mut streamed = false;
        while let Some(key) = m.next_key::<String>()? {
            if key == "items"
                && kind_of(&fields).is_none_or(|k| k.is_empty() || k.ends_with("List"))
            {
                self.items(&mut m)?;
                streamed = true;
                continue;
            }
            fields.push((key, m.next_value()?));
        }
        if streamed {
            return self.finish_list(&fields).map_err(|e| self.stop(e));
        }
        let mut text = String::from("{");
        for (i, (k, v)) in fields.iter().enumerate() {
            if i > 0 {
                text.push(',');
            }
            text.push_str(&serde_json::Value::from(k.as_str()).to_string());
            text.push(':');
            text.push_str(v.get());
        }
        text.push('}');
        let raw = RawValue::from_string(text).map_err(A::Error::custom)?;
        let position = self.position;
        self.loader
            .load_raw(&raw, &position, true)
            .map_err(|e| self.stop(e))
    }
}

impl Document<'_> {
    /// After a List's items: its header, and a `kind` read after the items that says it
    /// was not a List after all (refused, as no object has top-level `items`).
    fn finish_list(&mut self, fields: &[(String, Box<RawValue>)]) -> Result<()> {
        if let Some(kind) = kind_of(fields).filter(|k| !k.is_empty() && !k.ends_with("List")) {
            bail!(
                "{}: a {kind} with a top-level `items` list: neither a Kubernetes object nor a List",
                self.position
            );
        }
        if let Some((_, h)) = fields.iter().find(|(k, _)| k == HEADER_KEY) {
            let header: Header = serde_json::from_str(h.get())
                .with_context(|| format!("{}: invalid {HEADER_KEY} header", self.position))?;
            self.loader.headers.push(header);
        }
        Ok(())
    }
}

/// The `kind` among the keys read so far, if it is a string.
fn kind_of(fields: &[(String, Box<RawValue>)]) -> Option<String> {
    let (_, raw) = fields.iter().find(|(k, _)| k == "kind")?;
    serde_json::from_str::<Option<String>>(raw.get())
        .ok()
        .flatten()
}

struct Items<'d, 'l>(&'d mut Document<'l>);

impl<'de> DeserializeSeed<'de> for Items<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Items<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of objects in `items`")
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let doc = self.0;
        let mut j = 0;
        while let Some(item) = seq.next_element::<Box<RawValue>>()? {
            j += 1;
            let at = doc.position.item(j);
            doc.loader
                .load_raw(&item, &at, false)
                .map_err(|e| doc.stop::<A::Error>(e))?;
        }
        Ok(())
    }
}
