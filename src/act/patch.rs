//! Changing an object with a JSON merge patch (RFC 7396) that fails safely: the body carries
//! `metadata.resourceVersion` as read, so the API server rejects the patch with 409 Conflict
//! if anything (a person, a GitOps sync, the controller writing status) changed the object
//! since; the dry run goes first, with `?dryRun=All` in the query, which PATCH honours
//! (recorded from a real v1.36 server). Nothing is retried: a conflict means the plan was
//! made for a state that is gone, and only a fresh read can say what to do now.

use super::error::{ApiError, send};
use kube::Api;
use kube::api::{Patch, PatchParams};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::fmt::Debug;
use std::time::Duration;

/// The field manager the server records for changes made by this tool.
pub const FIELD_MANAGER: &str = "kubectl-sts";

/// `patch` with `metadata.resourceVersion` set to `resource_version`: the precondition.
pub fn with_resource_version(mut patch: Value, resource_version: &str) -> Value {
    if !patch.is_object() {
        patch = Value::Object(serde_json::Map::new());
    }
    let meta = patch
        .as_object_mut()
        .map(|o| {
            o.entry("metadata")
                .or_insert_with(|| Value::Object(serde_json::Map::new()))
        })
        .and_then(Value::as_object_mut);
    if let Some(m) = meta {
        m.insert(
            "resourceVersion".into(),
            Value::String(resource_version.to_string()),
        );
    }
    patch
}

/// One merge patch (dry run or real), bounded by `timeout`; the object as the server
/// returns it (for a dry run: as it would be).
pub async fn merge<K>(
    api: &Api<K>,
    name: &str,
    body: &Value,
    dry_run: bool,
    timeout: Option<Duration>,
) -> Result<K, ApiError>
where
    K: Clone + DeserializeOwned + Debug,
{
    let params = PatchParams {
        dry_run,
        field_manager: Some(FIELD_MANAGER.to_string()),
        ..PatchParams::default()
    };
    let patch = Patch::Merge(body);
    send(api.patch(name, &params, &patch), timeout).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_precondition_joins_the_patch_without_touching_the_rest() {
        assert_eq!(
            with_resource_version(
                json!({"spec": {"updateStrategy": {"rollingUpdate": {"partition": 1}}}}),
                "279"
            ),
            json!({"metadata": {"resourceVersion": "279"},
                   "spec": {"updateStrategy": {"rollingUpdate": {"partition": 1}}}})
        );
        assert_eq!(
            with_resource_version(json!({"metadata": {"labels": {"a": "b"}}}), "5"),
            json!({"metadata": {"labels": {"a": "b"}, "resourceVersion": "5"}})
        );
    }
}
