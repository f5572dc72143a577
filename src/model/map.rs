//! A small sorted map for the string-keyed maps of the compact types (resource quantities,
//! capacities, node selectors). A `BTreeMap` allocates a whole node (~540 bytes for
//! `String` keys and values) even for the one `storage` entry a claim has; these maps hold
//! one to three entries, so a sorted vector costs a tenth of that and reads the same:
//! `get`, `iter` and `contains_key` as on a `BTreeMap`, iteration in key order, and a
//! later duplicate key replacing an earlier one, as `BTreeMap` does when deserialising.

use super::text::Text;
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

#[derive(Clone, PartialEq, Eq)]
pub struct SmallMap<V>(Box<[(Text, V)]>);

impl<V> Default for SmallMap<V> {
    fn default() -> Self {
        SmallMap(Box::new([]))
    }
}

impl<V: fmt::Debug> fmt::Debug for SmallMap<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<V> SmallMap<V> {
    pub fn get(&self, key: &str) -> Option<&V> {
        self.0
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .map(|i| &self.0[i].1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&Text, &V)> + ExactSizeIterator {
        self.0.iter().map(|(k, v)| (k, v))
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &Text> + ExactSizeIterator {
        self.0.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator {
        self.0.iter().map(|(_, v)| v)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Sets `key`, as `BTreeMap::insert` does (rebuilds the slice: these maps are tiny and
    /// written only by tests and patches).
    pub fn insert(&mut self, key: impl Into<Text>, value: V) -> Option<V> {
        let key = key.into();
        let mut v = std::mem::take(&mut self.0).into_vec();
        let old = match v.binary_search_by(|(k, _)| k.cmp(&key)) {
            Ok(i) => Some(std::mem::replace(&mut v[i].1, value)),
            Err(i) => {
                v.insert(i, (key, value));
                None
            }
        };
        self.0 = v.into_boxed_slice();
        old
    }

    /// Sorted by key, the last of equal keys kept.
    fn from_vec(mut v: Vec<(Text, V)>) -> Self {
        v.reverse();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v.dedup_by(|later, earlier| later.0 == earlier.0);
        SmallMap(v.into_boxed_slice())
    }
}

impl<K: Into<Text>, V> FromIterator<(K, V)> for SmallMap<V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(it: I) -> Self {
        SmallMap::from_vec(it.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
}

impl<V> From<BTreeMap<String, V>> for SmallMap<V> {
    fn from(m: BTreeMap<String, V>) -> Self {
        SmallMap(m.into_iter().map(|(k, v)| (Text::from(k), v)).collect())
    }
}

impl<K: Into<Text>, V, const N: usize> From<[(K, V); N]> for SmallMap<V> {
    fn from(a: [(K, V); N]) -> Self {
        a.into_iter().collect()
    }
}

impl<'a, V> IntoIterator for &'a SmallMap<V> {
    type Item = (&'a Text, &'a V);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (Text, V)>, fn(&(Text, V)) -> (&Text, &V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl<V: Serialize> Serialize for SmallMap<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.iter() {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for SmallMap<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = SmallMap<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<SmallMap<T>, A::Error> {
                let mut v = Vec::with_capacity(m.size_hint().unwrap_or(1).min(16));
                while let Some(entry) = m.next_entry::<Text, T>()? {
                    v.push(entry);
                }
                Ok(SmallMap::from_vec(v))
            }
        }
        d.deserialize_map(V(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_like_a_btreemap_sorted_with_the_last_duplicate_kept() {
        let m: SmallMap<String> =
            serde_json::from_str(r#"{"zone": "a", "cpu": "1", "zone": "b", "memory": "2"}"#)
                .unwrap();
        let b: BTreeMap<String, String> =
            serde_json::from_str(r#"{"zone": "a", "cpu": "1", "zone": "b", "memory": "2"}"#)
                .unwrap();
        assert_eq!(m.get("zone").map(String::as_str), Some("b"));
        assert_eq!(m.get("nope"), None);
        assert!(
            m.iter()
                .map(|(k, v)| (k.as_str(), v))
                .eq(b.iter().map(|(k, v)| (k.as_str(), v)))
        );
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            serde_json::to_string(&b).unwrap()
        );
    }

    #[test]
    fn insert_keeps_the_order_and_returns_the_replaced_value() {
        let mut m: SmallMap<i32> = [("b", 2), ("a", 1)].into();
        assert_eq!(m.insert("c", 3), None);
        assert_eq!(m.insert("a", 9), Some(1));
        assert_eq!(
            m.keys().map(Text::as_str).collect::<Vec<_>>(),
            ["a", "b", "c"]
        );
        assert_eq!(m.get("a"), Some(&9));
    }
}
