//! The top level of a JSON document, read in chunks: each value's extent is found by a
//! scan that knows only strings and brackets, and each List item is then parsed from its
//! own bytes. serde_json's reader-based parser goes byte by byte through `Read` and spent a
//! quarter of a big load doing so; this keeps the file's text from being held whole (one
//! item and one chunk at a time) at the speed of parsing from memory.

use anyhow::{Result, anyhow};
use std::io::Read;

const CHUNK: usize = 1 << 20;

pub(super) struct Chunks<R> {
    r: R,
    buf: Vec<u8>,
    /// Where reading is in `buf`; what is before it is consumed.
    pos: usize,
    eof: bool,
    /// Lines and the column at `pos`, for messages.
    line: usize,
    column: usize,
}

impl<R: Read> Chunks<R> {
    pub(super) fn new(r: R) -> Self {
        Chunks {
            r,
            buf: Vec::new(),
            pos: 0,
            eof: false,
            line: 1,
            column: 1,
        }
    }

    /// Reads another chunk after what is held, first dropping what was consumed. False at
    /// the end of the input.
    fn fill(&mut self) -> Result<bool> {
        if self.eof {
            return Ok(false);
        }
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        let len = self.buf.len();
        self.buf.resize(len + CHUNK, 0);
        let n = loop {
            match self.r.read(&mut self.buf[len..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.buf.truncate(len);
                    return Err(anyhow!("cannot read it: {e}"));
                }
            }
        };
        self.buf.truncate(len + n);
        self.eof = n == 0;
        Ok(n > 0)
    }

    /// Moves past `n` bytes, counting lines.
    fn advance(&mut self, n: usize) {
        for &b in &self.buf[self.pos..self.pos + n] {
            if b == b'\n' {
                self.line += 1;
                self.column = 1;
            } else {
                self.column += 1;
            }
        }
        self.pos += n;
    }

    /// The next byte that is not whitespace (not consumed), or `None` at the end.
    pub(super) fn peek(&mut self) -> Result<Option<u8>> {
        loop {
            while let Some(&b) = self.buf.get(self.pos) {
                if !b.is_ascii_whitespace() {
                    return Ok(Some(b));
                }
                self.advance(1);
            }
            if !self.fill()? {
                return Ok(None);
            }
        }
    }

    /// Consumes `want` (after whitespace), or says what was found instead.
    pub(super) fn expect(&mut self, want: &[u8]) -> Result<u8> {
        match self.peek()? {
            Some(b) if want.contains(&b) => {
                self.advance(1);
                Ok(b)
            }
            found => Err(self.error(&format!(
                "expected {}, found {}",
                want.iter()
                    .map(|b| format!("`{}`", *b as char))
                    .collect::<Vec<_>>()
                    .join(" or "),
                found.map_or("the end of the input".to_string(), |b| format!(
                    "`{}`",
                    b as char
                ))
            ))),
        }
    }

    pub(super) fn error(&self, what: &str) -> anyhow::Error {
        anyhow!(
            "invalid JSON at line {}, column {}: {what}",
            self.line,
            self.column
        )
    }

    /// The next value's text (after whitespace), consumed; its line and column come with
    /// it, so a parse error inside it can say where it is in the file.
    pub(super) fn value(&mut self) -> Result<Value> {
        if self.peek()?.is_none() {
            return Err(self.error("unexpected end of the input"));
        }
        let mut scan = Scan::default();
        let len = loop {
            if let Some(len) = scan.run(&self.buf[self.pos..]) {
                break len;
            }
            if !self.fill()? {
                // A number or literal ends where the input does.
                if scan.scalar {
                    break self.buf.len() - self.pos;
                }
                return Err(self.error("a value is not closed before the end of the input"));
            }
        };
        let text = std::str::from_utf8(&self.buf[self.pos..self.pos + len])
            .map_err(|e| self.error(&format!("not UTF-8 text ({e})")))?
            .to_string();
        let at = (self.line, self.column);
        self.advance(len);
        Ok(Value { text, at })
    }
}

/// One value's text and where it starts (line, column).
#[derive(Debug)]
pub(super) struct Value {
    pub(super) text: String,
    pub(super) at: (usize, usize),
}

impl Value {
    /// The value checked as JSON, with a parse error placed in the file.
    pub(super) fn raw(self) -> Result<Box<serde_json::value::RawValue>> {
        let at = self.at;
        serde_json::value::RawValue::from_string(self.text).map_err(|e| {
            let (line, column) = if e.line() <= 1 {
                (at.0, at.1 + e.column().saturating_sub(1))
            } else {
                (at.0 + e.line() - 1, e.column())
            };
            anyhow!("invalid JSON at line {line}, column {column}: {e}")
        })
    }
}

/// Where a scan is in a value: resumable, so a value split across chunks is scanned once.
#[derive(Default)]
struct Scan {
    /// Bytes of the value scanned so far.
    i: usize,
    depth: usize,
    in_string: bool,
    escaped: bool,
    /// A number, `true`, `false` or `null`: ends at a delimiter or the end of the input.
    scalar: bool,
    started: bool,
}

impl Scan {
    /// The value's length once its end is in `b` (which starts at the value). Inside
    /// strings, where most of an object's bytes are, it jumps to the next quote or
    /// backslash.
    fn run(&mut self, b: &[u8]) -> Option<usize> {
        while self.i < b.len() {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                    self.i += 1;
                    continue;
                }
                let Some(k) = memchr::memchr2(b'"', b'\\', &b[self.i..]) else {
                    self.i = b.len();
                    return None;
                };
                self.i += k + 1;
                if b[self.i - 1] == b'\\' {
                    self.escaped = true;
                    continue;
                }
                self.in_string = false;
                if self.depth == 0 {
                    return Some(self.i);
                }
                continue;
            }
            let c = b[self.i];
            if !self.started {
                self.started = true;
                match c {
                    b'{' | b'[' => self.depth = 1,
                    b'"' => self.in_string = true,
                    _ => self.scalar = true,
                }
                self.i += 1;
                continue;
            }
            if self.scalar {
                if matches!(c, b',' | b'}' | b']') || c.is_ascii_whitespace() {
                    return Some(self.i);
                }
                self.i += 1;
                continue;
            }
            self.i += 1;
            match c {
                b'"' => self.in_string = true,
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' => {
                    self.depth -= 1;
                    if self.depth == 0 {
                        return Some(self.i);
                    }
                }
                _ => {}
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out a few bytes per read, so every value is split across reads.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            self.1 = self.1 % 3 + 1;
            let n = self.1.min(self.0.len()).min(out.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn values_split_across_reads_are_found_whole() {
        let values = [
            r#"{"a":"x\"}]","b":[1,{"c":"["}]}"#,
            r#"[1,{"b":"\\"},[]]"#,
            "12.5e3",
            r#""q\"\\""#,
            "true",
            "null",
        ];
        let text = format!(
            "  {}\n\t{} {} {} {}  {}",
            values[0], values[1], values[2], values[3], values[4], values[5]
        );
        let mut c = Chunks::new(Trickle(text.as_bytes(), 0));
        for v in values {
            assert_eq!(c.value().unwrap().text, v);
        }
        assert_eq!(c.peek().unwrap(), None);
    }

    #[test]
    fn an_unclosed_value_or_a_missing_comma_is_an_error_with_its_place() {
        let mut c = Chunks::new(&b"\n  {\"a\": [1, 2}"[..]);
        let e = c.value().unwrap_err().to_string();
        assert!(
            e.contains("line 2, column 3") && e.contains("not closed"),
            "{e}"
        );
        let mut c = Chunks::new(&b"{\"a\": 1 \"b\"}"[..]);
        c.expect(b"{").unwrap();
        c.value().unwrap();
        c.expect(b":").unwrap();
        c.value().unwrap();
        let e = c.expect(b",}").unwrap_err().to_string();
        assert!(
            e.contains("column 9") && e.contains("expected `,` or `}`"),
            "{e}"
        );
    }

    #[test]
    fn a_parse_error_inside_a_value_is_placed_in_the_file() {
        let mut c = Chunks::new(&b"[\n  {\"kind\": \"Pod\",\n   \"x\": tru}]"[..]);
        c.expect(b"[").unwrap();
        let e = c.value().unwrap().raw().unwrap_err().to_string();
        assert!(e.starts_with("invalid JSON at line 3, column"), "{e}");
    }
}
