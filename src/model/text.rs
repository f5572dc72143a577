//! Strings that many objects repeat, held once: namespaces, node names, label keys and
//! values, images, storage classes, reasons (issue 15). On a 10k-pod cluster a namespace
//! is written into every pod, claim, event and slice, a label key into every object, and
//! each copy as a `String` costs its 24 bytes plus a heap block; a [`Text`] is a 16-byte
//! pointer to one shared copy.
//!
//! Strings are shared as they are read, through a table of the strings read recently on
//! this thread. The table is bounded: past [`TABLE_LIMIT`] distinct strings it starts
//! again, so unique strings (pod names in labels) and a long-running watch cannot grow it
//! without end; a string read after that is shared with the copies read after it. Only
//! equal text is ever shared: which copy a `Text` points to changes nothing but memory.

use serde::de::{Deserialize, Deserializer, Visitor};
use serde::{Serialize, Serializer};
use std::borrow::Borrow;
use std::cell::RefCell;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Text(Arc<str>);

/// Distinct strings the table of one thread holds before it starts again (~1 MB with the
/// strings at their usual length).
const TABLE_LIMIT: usize = 1 << 15;

thread_local! {
    static TABLE: RefCell<rustc_hash::FxHashSet<Arc<str>>> = RefCell::default();
}

impl Text {
    /// `s`, shared with an equal string read shortly before on this thread.
    pub fn new(s: &str) -> Self {
        TABLE.with_borrow_mut(|table| {
            if let Some(found) = table.get(s) {
                return Text(found.clone());
            }
            if table.len() >= TABLE_LIMIT {
                *table = Default::default();
            }
            let new: Arc<str> = Arc::from(s);
            table.insert(new.clone());
            Text(new)
        })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for Text {
    fn default() -> Self {
        Text::new("")
    }
}

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Text::new(s)
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Text::new(&s)
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Text, E> {
                Ok(Text::new(s))
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_strings_read_on_a_thread_share_one_copy() {
        let a: Vec<Text> = serde_json::from_str(r#"["team-a", "team-b", "team-a"]"#).unwrap();
        assert!(Arc::ptr_eq(&a[0].0, &a[2].0));
        assert!(!Arc::ptr_eq(&a[0].0, &a[1].0));
        assert_eq!(a[1], "team-b");
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            r#"["team-a","team-b","team-a"]"#
        );
        // Escapes are read as text, not kept as written.
        let escaped: Text = serde_json::from_str(r#""team-\u0061""#).unwrap();
        assert!(Arc::ptr_eq(&escaped.0, &a[0].0));
    }

    #[test]
    fn a_full_table_starts_again_without_changing_any_text() {
        let first = Text::new("kept");
        for i in 0..TABLE_LIMIT + 1 {
            Text::new(&i.to_string());
        }
        TABLE.with_borrow(|t| assert!(t.len() < TABLE_LIMIT));
        let again = Text::new("kept");
        assert_eq!(first, again);
        assert_eq!(first.len(), 4);
    }
}
