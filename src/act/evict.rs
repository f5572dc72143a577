//! Evicting a pod through the Eviction API (`POST pods/NAME/eviction`), so that
//! PodDisruptionBudgets are respected: the server refuses (429) an eviction the budget does
//! not allow, where `kubectl delete pod` would simply go ahead.
//!
//! The request is the one [`crate::k8s::eviction`] builds (why by hand: see there), plus
//! the pod's uid and resourceVersion as `deleteOptions.preconditions`: the eviction API
//! passes them on to the deletion, so an eviction aimed at a pod that was replaced or
//! changed since it was read fails with 409 instead of evicting its successor.

use super::error::{ApiError, send};
use crate::k8s::eviction;
use std::time::Duration;

/// The pod as it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preconditions {
    pub uid: String,
    pub resource_version: String,
}

/// The Eviction body: [`eviction::body`] with the preconditions in `deleteOptions`.
pub fn body(
    ns: &str,
    name: &str,
    dry_run: bool,
    preconditions: Option<&Preconditions>,
) -> serde_json::Value {
    let mut body = eviction::body(ns, name, dry_run);
    if let Some(p) = preconditions {
        body["deleteOptions"]["preconditions"] =
            serde_json::json!({"uid": p.uid, "resourceVersion": p.resource_version});
    }
    body
}

/// One eviction (dry run or real), bounded by `timeout`. `Ok` carries the HTTP status (201).
pub async fn evict(
    client: &kube::Client,
    ns: &str,
    name: &str,
    dry_run: bool,
    preconditions: Option<&Preconditions>,
    timeout: Option<Duration>,
) -> Result<u16, ApiError> {
    let req = serde_json::to_vec(&body(ns, name, dry_run, preconditions))
        .map_err(|e| e.to_string())
        .and_then(|b| {
            http::Request::post(eviction::path(ns, name, dry_run))
                .header(http::header::CONTENT_TYPE, "application/json")
                .body(b)
                .map_err(|e| e.to_string())
        })
        .map_err(ApiError::Transport)?;
    let status = send(client.request::<kube::core::Status>(req), timeout).await?;
    Ok(if status.code == 0 { 201 } else { status.code })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn preconditions_go_into_the_delete_options() {
        assert_eq!(
            body("shop", "db-2", true, None),
            json!({"apiVersion": "policy/v1", "kind": "Eviction",
                   "metadata": {"name": "db-2", "namespace": "shop"},
                   "deleteOptions": {"dryRun": ["All"]}})
        );
        let p = Preconditions {
            uid: "u-2".into(),
            resource_version: "77".into(),
        };
        assert_eq!(
            body("shop", "db-2", false, Some(&p)),
            json!({"apiVersion": "policy/v1", "kind": "Eviction",
                   "metadata": {"name": "db-2", "namespace": "shop"},
                   "deleteOptions": {"preconditions": {"uid": "u-2", "resourceVersion": "77"}}})
        );
        assert!(
            body("shop", "db-2", false, None)
                .get("deleteOptions")
                .is_none()
        );
        assert_eq!(
            body("shop", "db-2", true, Some(&p))["deleteOptions"],
            json!({"dryRun": ["All"], "preconditions": {"uid": "u-2", "resourceVersion": "77"}})
        );
    }
}
