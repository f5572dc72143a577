//! Parts that many objects repeat word for word, held once. The members of a StatefulSet
//! carry the same containers, affinity, tolerations and spread constraints (copied from
//! one template), and volumes in one zone the same node affinity; a 10k-pod cluster would
//! otherwise hold ten thousand copies of a few hundred distinct values (issue 15).
//!
//! Each value is compared, as it is read, with the last few distinct values of its type
//! read on this thread: objects arrive sorted by namespace and name, so a set's members
//! come one after another and the match is almost always the newest. A value that matches
//! none is kept as read. Equality decides, never a hash, so no two different values are
//! ever merged; changing a shared value (tests do) copies it first.

use super::Trim;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::any::{Any, TypeId};
use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

#[derive(Clone, PartialEq, Default)]
pub struct Shared<T>(Arc<T>);

/// How many distinct recent values of each type are compared: enough for the zones of a
/// region and for sets whose members interleave in name order (`db-1`, `db-1-a`).
const RECENT: usize = 8;

thread_local! {
    static RECENT_VALUES: RefCell<HashMap<TypeId, Box<dyn Any>>> = RefCell::new(HashMap::new());
}

impl<T: PartialEq + 'static> Shared<T> {
    /// `value`, or an equal one read shortly before.
    pub fn new(value: T) -> Self {
        Self::new_then(value, |_| {})
    }

    /// [`Shared::new`], and `keep` is applied to `value` when it is the one kept.
    fn new_then(mut value: T, keep: impl FnOnce(&mut T)) -> Self {
        RECENT_VALUES.with_borrow_mut(|all| {
            let recent = all
                .entry(TypeId::of::<T>())
                .or_insert_with(|| Box::new(VecDeque::<Arc<T>>::new()))
                .downcast_mut::<VecDeque<Arc<T>>>()
                .expect("keyed by its own type");
            if let Some(i) = recent.iter().position(|r| **r == value) {
                let found = recent.remove(i).expect("found at i");
                recent.push_front(found.clone());
                return Shared(found);
            }
            keep(&mut value);
            let new = Arc::new(value);
            recent.push_front(new.clone());
            recent.truncate(RECENT);
            Shared(new)
        })
    }
}

impl<T> Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// Copy on write: changing one object's part never changes another's.
impl<T: Clone> DerefMut for Shared<T> {
    fn deref_mut(&mut self) -> &mut T {
        Arc::make_mut(&mut self.0)
    }
}

impl<T: PartialEq + 'static> From<T> for Shared<T> {
    fn from(value: T) -> Self {
        Shared::new(value)
    }
}

impl<T: fmt::Debug> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<'a, T> IntoIterator for &'a Shared<Vec<T>> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<T: Serialize> Serialize for Shared<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

/// A value read is trimmed (see [`Trim`]) only when it is the one kept: the copies that
/// match an earlier value are dropped as they are.
impl<'de, T: Deserialize<'de> + PartialEq + Trim + 'static> Deserialize<'de> for Shared<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(|v| Shared::new_then(v, T::trim))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_values_read_near_each_other_are_held_once() {
        let a: Shared<Vec<i64>> = serde_json::from_str("[1, 2]").unwrap();
        let other: Shared<Vec<i64>> = serde_json::from_str("[3]").unwrap();
        let b: Shared<Vec<i64>> = serde_json::from_str("[1, 2]").unwrap();
        assert!(Arc::ptr_eq(&a.0, &b.0));
        assert!(!Arc::ptr_eq(&a.0, &other.0));
        assert_eq!(*other, vec![3]);
        // The one kept holds only its room (serde reserved four).
        assert_eq!(a.capacity(), 2);
    }

    #[test]
    fn changing_one_copy_leaves_the_others_alone() {
        let a = Shared::new(vec![1, 2]);
        let mut b = Shared::new(vec![1, 2]);
        assert!(Arc::ptr_eq(&a.0, &b.0));
        b.push(3);
        assert_eq!(*a, vec![1, 2]);
        assert_eq!(*b, vec![1, 2, 3]);
    }
}
