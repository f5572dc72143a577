//! Small, pure helpers over Kubernetes objects shared by the checks.

pub mod datastore;
pub mod eviction;
pub mod labels;
pub mod logs;
pub mod managed;
pub mod node;
pub mod operators;
pub mod pdb;
pub mod pod;
pub mod quantity;
pub mod scheduler;
pub mod service;
pub mod time;

use crate::model::MetaView;
use crate::model::StatefulSet;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;

pub fn name<M: MetaView + ?Sized>(meta: &M) -> &str {
    meta.name().unwrap_or("")
}

pub fn namespace<M: MetaView + ?Sized>(meta: &M) -> &str {
    meta.namespace().unwrap_or("")
}

/// A label's value, when it is set and not empty (tools and operators mark objects with
/// labels; an empty value names nothing).
pub fn label<'a, M: MetaView + ?Sized>(meta: &'a M, key: &str) -> Option<&'a str> {
    meta.labels().get(key).filter(|v| !v.is_empty())
}

/// The owner reference with `controller: true`.
pub fn controller_of<M: MetaView + ?Sized>(meta: &M) -> Option<&OwnerReference> {
    meta.owner_references()
        .iter()
        .find(|o| o.controller == Some(true))
}

/// `spec.replicas`, defaulted to 1 as the API server does.
pub fn replicas(sts: &StatefulSet) -> i32 {
    sts.spec
        .as_ref()
        .and_then(|s| s.replicas)
        .unwrap_or(1)
        .max(0)
}

/// The first ordinal (`spec.ordinals.start`, default 0).
pub fn ordinal_start(sts: &StatefulSet) -> i64 {
    sts.spec
        .as_ref()
        .and_then(|s| s.ordinals.as_ref())
        .and_then(|o| o.start)
        .map(i64::from)
        .unwrap_or(0)
}

/// Quorum of `n` members: a strict majority, `floor(n/2)+1`.
pub fn quorum(n: i32) -> i32 {
    n / 2 + 1
}

/// How bad `ready` of `want` replicas is: `None` when all are Ready, `Critical` when none is
/// or a quorum system (3 or more) has lost its majority, `Warning` otherwise. The one rule
/// behind `replicas-unavailable`'s severity and the picker's DOWN/DEGRADED, so the two never
/// disagree about the same set.
pub fn availability(ready: i32, want: i32) -> Option<crate::finding::Severity> {
    use crate::finding::Severity;
    if ready >= want {
        None
    } else if ready <= 0 || (want >= 3 && ready < quorum(want)) {
        Some(Severity::Critical)
    } else {
        Some(Severity::Warning)
    }
}

/// The ordinal in `<prefix>-<ordinal>`, if `name` has that shape. Ordinals beyond what the
/// API allows (u32) still parse, as evidence; anything else is no ordinal.
pub fn ordinal_suffix(name: &str, prefix: &str) -> Option<u64> {
    let rest = name.strip_prefix(prefix)?.strip_prefix('-')?;
    if rest.is_empty() || rest.len() > 19 || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // No leading zeros: `db-01` is not ordinal 1.
    if rest.len() > 1 && rest.starts_with('0') {
        return None;
    }
    rest.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn availability_is_critical_with_none_ready_or_quorum_lost() {
        use crate::finding::Severity::{Critical, Warning};
        assert_eq!(availability(3, 3), None);
        assert_eq!(availability(0, 1), Some(Critical));
        assert_eq!(availability(0, 2), Some(Critical));
        assert_eq!(availability(1, 2), Some(Warning));
        assert_eq!(availability(2, 3), Some(Warning));
        assert_eq!(availability(1, 3), Some(Critical));
        assert_eq!(availability(3, 5), Some(Warning));
        assert_eq!(availability(2, 5), Some(Critical));
    }

    #[test]
    fn quorum_is_a_strict_majority() {
        let q: Vec<i32> = (1..=7).map(quorum).collect();
        assert_eq!(q, vec![1, 2, 2, 3, 3, 4, 4]);
    }

    #[test]
    fn ordinals_parse_only_from_the_exact_shape() {
        assert_eq!(ordinal_suffix("db-0", "db"), Some(0));
        assert_eq!(ordinal_suffix("db-12", "db"), Some(12));
        assert_eq!(ordinal_suffix("db-primary-1", "db"), None);
        assert_eq!(ordinal_suffix("db-01", "db"), None);
        assert_eq!(ordinal_suffix("db-", "db"), None);
        assert_eq!(ordinal_suffix("dbx-1", "db"), None);
        assert_eq!(ordinal_suffix("db-99999999999", "db"), Some(99_999_999_999));
        assert_eq!(ordinal_suffix("db-99999999999999999999999", "db"), None);
    }
}
