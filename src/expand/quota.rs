//! ResourceQuota headroom for an expansion. Growing a claim charges the quota with the
//! difference between the new and the old request, checked by the quota admission plugin
//! against `status.hard - status.used` of every quota in the namespace that tracks
//! `requests.storage` or the claim class's `<class>.storageclass.storage.k8s.io/requests.storage`.
//! A quota the controller has not computed yet (no `status`) refuses every charge.

use crate::k8s::{self, quantity};
use anyhow::{Result, anyhow};
use k8s_openapi::api::core::v1::ResourceQuota;
use serde_json::Value;
use std::collections::BTreeMap;

/// What is known about the namespace's quotas.
#[derive(Debug, Clone)]
pub enum Quotas {
    /// Listed (possibly none).
    Read(Vec<ResourceQuota>),
    /// Could not be listed; the reason (Forbidden, not in the input file).
    NotRead(String),
}

/// The storage an expansion adds, in bytes: in total and per storage class.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Growth {
    pub total: f64,
    pub by_class: BTreeMap<String, f64>,
}

/// One quota key an expansion is charged against, and whether it fits.
#[derive(Debug, Clone, PartialEq)]
pub struct Headroom {
    pub quota: String,
    pub key: String,
    pub hard: Option<f64>,
    pub used: Option<f64>,
    pub needed: f64,
}

impl Headroom {
    pub fn fits(&self) -> bool {
        match (self.hard, self.used) {
            (Some(h), Some(u)) => self.needed <= h - u,
            _ => false,
        }
    }

    pub fn describe(&self) -> String {
        let b = |v: f64| quantity::format_bytes(v.max(0.0));
        match (self.hard, self.used) {
            (Some(h), Some(u)) => format!(
                "quota {}: {} {} hard, {} used, {} left; the expansion adds {}{}",
                self.quota,
                self.key,
                b(h),
                b(u),
                b(h - u),
                b(self.needed),
                if self.fits() { "" } else { ": not enough" }
            ),
            _ => format!(
                "quota {}: {} has no computed usage yet (no status from the quota controller), so the API server refuses any growth until it has",
                self.quota, self.key
            ),
        }
    }
}

fn amount(
    map: Option<&BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity>>,
    key: &str,
) -> Option<f64> {
    map?.get(key).and_then(|q| quantity::parse(&q.0))
}

/// Every quota key of `quotas` in `ns` that the growth is charged against.
pub fn headroom(quotas: &[ResourceQuota], ns: &str, growth: &Growth) -> Vec<Headroom> {
    let mut out = Vec::new();
    for q in quotas.iter().filter(|q| k8s::namespace(&q.metadata) == ns) {
        let name = k8s::name(&q.metadata).to_string();
        let spec_hard = q.spec.as_ref().and_then(|s| s.hard.as_ref());
        let status = q.status.as_ref();
        let mut keys: Vec<(String, f64)> = vec![("requests.storage".to_string(), growth.total)];
        for (class, bytes) in &growth.by_class {
            keys.push((
                format!("{class}.storageclass.storage.k8s.io/requests.storage"),
                *bytes,
            ));
        }
        for (key, needed) in keys {
            // The quota tracks a key when its spec (or, once computed, its status) sets it.
            let tracked = spec_hard.is_some_and(|h| h.contains_key(&key))
                || status
                    .and_then(|s| s.hard.as_ref())
                    .is_some_and(|h| h.contains_key(&key));
            if !tracked || needed <= 0.0 {
                continue;
            }
            let hard = amount(status.and_then(|s| s.hard.as_ref()), &key);
            let used = amount(status.and_then(|s| s.used.as_ref()), &key);
            out.push(Headroom {
                quota: name.clone(),
                key,
                hard,
                used,
                needed,
            });
        }
    }
    out
}

/// ResourceQuota objects in a document stream (YAML or JSON, Lists or single objects), for
/// saved state read with `--from-file`: the snapshot itself does not carry quotas.
pub fn from_text(text: &str) -> Result<Vec<ResourceQuota>> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    let docs: Vec<Value> = if trimmed.starts_with('{') || trimmed.starts_with('[') {
        serde_json::Deserializer::from_str(trimmed)
            .into_iter::<Value>()
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| anyhow!("invalid JSON: {e}"))?
    } else {
        serde_saphyr::from_multiple::<Value>(trimmed).map_err(|e| anyhow!("invalid YAML: {e}"))?
    };
    let mut out = Vec::new();
    let mut stack: Vec<Value> = docs;
    while let Some(doc) = stack.pop() {
        match doc {
            Value::Array(items) => stack.extend(items),
            Value::Object(mut o) => {
                let kind = o.get("kind").and_then(Value::as_str).unwrap_or("");
                if kind == "ResourceQuota" {
                    let q: ResourceQuota = serde_json::from_value(Value::Object(o))
                        .map_err(|e| anyhow!("invalid ResourceQuota: {e}"))?;
                    out.push(q);
                } else if let Some(Value::Array(items)) = o.remove("items") {
                    stack.extend(items);
                }
            }
            _ => {}
        }
    }
    out.sort_by(|a, b| {
        (k8s::namespace(&a.metadata), k8s::name(&a.metadata))
            .cmp(&(k8s::namespace(&b.metadata), k8s::name(&b.metadata)))
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::from_json;
    use serde_json::json;

    const GI: f64 = 1024.0 * 1024.0 * 1024.0;

    fn quota(hard: Value, used: Option<Value>) -> ResourceQuota {
        let mut q = json!({"apiVersion": "v1", "kind": "ResourceQuota",
            "metadata": {"name": "storage", "namespace": "shop"},
            "spec": {"hard": hard.clone()}});
        if let Some(u) = used {
            q["status"] = json!({"hard": hard, "used": u});
        }
        from_json(q)
    }

    fn growth(total_gi: f64, class: &str) -> Growth {
        Growth {
            total: total_gi * GI,
            by_class: BTreeMap::from([(class.to_string(), total_gi * GI)]),
        }
    }

    #[test]
    fn growth_within_what_is_left_fits() {
        let q = quota(
            json!({"requests.storage": "100Gi"}),
            Some(json!({"requests.storage": "30Gi"})),
        );
        let h = headroom(&[q], "shop", &growth(30.0, "standard"));
        assert_eq!(h.len(), 1);
        assert!(h[0].fits());
        assert_eq!(
            h[0].describe(),
            "quota storage: requests.storage 100Gi hard, 30Gi used, 70Gi left; the expansion adds 30Gi"
        );
    }

    #[test]
    fn the_per_class_key_counts_only_that_class() {
        let q = quota(
            json!({"standard.storageclass.storage.k8s.io/requests.storage": "40Gi"}),
            Some(json!({"standard.storageclass.storage.k8s.io/requests.storage": "30Gi"})),
        );
        let h = headroom(std::slice::from_ref(&q), "shop", &growth(30.0, "standard"));
        assert_eq!(h.len(), 1);
        assert!(!h[0].fits());
        assert!(headroom(&[q], "shop", &growth(30.0, "fast")).is_empty());
    }

    #[test]
    fn an_uncomputed_quota_refuses_and_other_namespaces_do_not_count() {
        let q = quota(json!({"requests.storage": "1Ti"}), None);
        let h = headroom(std::slice::from_ref(&q), "shop", &growth(1.0, "standard"));
        assert!(!h[0].fits());
        assert!(h[0].describe().contains("no computed usage"));
        assert!(headroom(&[q], "other", &growth(1.0, "standard")).is_empty());
    }

    #[test]
    fn quotas_are_found_in_lists_and_documents() {
        let yaml = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ResourceQuota\n  metadata: {name: b, namespace: shop}\n  spec: {hard: {requests.storage: 1Ti}}\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: p}\n---\napiVersion: v1\nkind: ResourceQuota\nmetadata: {name: a, namespace: shop}\n";
        let q = from_text(yaml).unwrap();
        let names: Vec<&str> = q.iter().map(|q| k8s::name(&q.metadata)).collect();
        assert_eq!(names, ["a", "b"]);
        let j = r#"{"kind":"ResourceQuotaList","items":[{"kind":"ResourceQuota","metadata":{"name":"c","namespace":"x"}}]}"#;
        assert_eq!(from_text(j).unwrap().len(), 1);
    }
}
