//! JSON read as a stream: a List's items are loaded one by one as they are read, so a
//! file's text is never held whole beside the model it becomes (issue 15: 35 MB at 10k
//! pods, 350 MB at 100k). The same path reads files, standard input and strings.

use super::split::Chunks;
use super::{At, HEADER_KEY, Header, Loader};
use anyhow::{Context, Result, bail};
use serde_json::value::RawValue;
use std::io::Read;

impl Loader {
    /// Every JSON document in the input, one after another (`kubectl get -o json` writes
    /// one; concatenated documents are read too).
    pub(super) fn load_json<R: Read>(&mut self, mut c: Chunks<R>, name: &str) -> Result<()> {
        let mut any = false;
        let mut i = 0;
        while let Some(first) = c.peek()? {
            i += 1;
            let at = At::document(i);
            match first {
                b'{' => self.object(&mut c, &at)?,
                b'[' => {
                    c.expect(b"[")?;
                    self.items(&mut c, &at)?;
                }
                _ => {
                    let raw = c.value()?.raw()?;
                    if raw.get() == "null" {
                        continue;
                    }
                    // Not an object: said as for any document that is not one.
                    self.load_raw(raw.get(), &at, true)?;
                }
            }
            any = true;
        }
        if !any {
            bail!("no Kubernetes objects in {name}");
        }
        Ok(())
    }

    /// The items of an array whose `[` was read, each loaded as it is read. Counted as one
    /// level of nesting, as `load_raw` counts an array or List it is handed whole.
    fn items<R: Read>(&mut self, c: &mut Chunks<R>, at: &At) -> Result<()> {
        self.nesting += 1;
        let r = self.items_at(c, at);
        self.nesting -= 1;
        r
    }

    fn items_at<R: Read>(&mut self, c: &mut Chunks<R>, at: &At) -> Result<()> {
        if c.peek()? == Some(b']') {
            c.expect(b"]")?;
            return Ok(());
        }
        for j in 1.. {
            let item = c.value()?;
            // Loaded from its text as it is: parsing it checks its syntax, so it is not
            // checked on its own first (that was a tenth of reading a file). When loading
            // fails, the check places a syntax error at its line and column in the file.
            if let Err(e) = self.load_raw(&item.text, &at.item(j), false) {
                item.raw()?;
                return Err(e);
            }
            if c.expect(b",]")? == b']' {
                break;
            }
        }
        Ok(())
    }

    /// A top-level object. A List's `items` are loaded as they are read, unless a `kind`
    /// read before them says it is not a List; any other object is gathered (each key's
    /// text) and loaded whole.
    fn object<R: Read>(&mut self, c: &mut Chunks<R>, at: &At) -> Result<()> {
        c.expect(b"{")?;
        let mut fields: Vec<(String, Box<RawValue>)> = Vec::new();
        let mut streamed = false;
        if c.peek()? == Some(b'}') {
            c.expect(b"}")?;
        } else {
            loop {
                if c.peek()? != Some(b'"') {
                    return Err(c.error("expected a key"));
                }
                let key: String = serde_json::from_str(c.value()?.raw()?.get())
                    .map_err(|e| c.error(&e.to_string()))?;
                c.expect(b":")?;
                let list = kind_of(&fields).is_none_or(|k| k.is_empty() || k.ends_with("List"));
                if key == "items" && list && c.peek()? == Some(b'[') {
                    c.expect(b"[")?;
                    self.items(c, at)?;
                    streamed = true;
                } else {
                    fields.push((key, c.value()?.raw()?));
                }
                if c.expect(b",}")? == b'}' {
                    break;
                }
            }
        }
        if streamed {
            return self.finish_list(&fields, at);
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
        // Valid by construction: each field's text was checked as it was read.
        self.load_raw(&text, at, true)
    }

    /// After a List's items: its header, and a `kind` read after the items that says it
    /// was not a List after all (refused, as no object has top-level `items`).
    fn finish_list(&mut self, fields: &[(String, Box<RawValue>)], at: &At) -> Result<()> {
        if let Some(kind) = kind_of(fields).filter(|k| !k.is_empty() && !k.ends_with("List")) {
            bail!(
                "{at}: a {kind} with a top-level `items` list: neither a Kubernetes object nor a List"
            );
        }
        if let Some((_, h)) = fields.iter().find(|(k, _)| k == HEADER_KEY) {
            let header: Header = serde_json::from_str(h.get())
                .with_context(|| format!("{at}: invalid {HEADER_KEY} header"))?;
            self.headers.push(header);
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
