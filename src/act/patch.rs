//! Changing an object with a JSON merge patch (RFC 7396) that fails safely: the body carries
//! `metadata.resourceVersion` as read, so the API server rejects the patch with 409 Conflict
//! if anything (a person, a GitOps sync, the controller writing status) changed the object
//! since; the dry run goes first, with `?dryRun=All` in the query, which PATCH honours
//! (recorded from a real v1.36 server). Nothing is retried: a conflict means the plan was
//! made for a state that is gone, and only a fresh read can say what to do now.

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

/// Why a patch did not go through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failed {
    /// 409: the object changed since it was read (the resourceVersion precondition).
    Conflict(String),
    /// 404: the object is gone.
    NotFound(String),
    /// Any other refusal (403, 422, 5xx), with the server's words.
    Refused {
        code: u16,
        reason: String,
        message: String,
    },
    /// No answer in time: the patch may or may not have been applied.
    Timeout(Duration),
    /// No answer at all (connection, decoding).
    Transport(String),
}

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failed::Conflict(m) => write!(
                f,
                "changed since it was read: re-run to see the current state (409 Conflict: {m})"
            ),
            Failed::NotFound(m) => write!(f, "not found: deleted since it was read ({m})"),
            Failed::Refused {
                code,
                reason,
                message,
            } => write!(f, "{code} {reason}: {message}"),
            Failed::Timeout(t) => write!(
                f,
                "no answer within {}s: the change may or may not have been applied; check before running again",
                t.as_secs_f64()
            ),
            Failed::Transport(m) => write!(f, "{m}"),
        }
    }
}

impl Failed {
    fn from_kube(e: kube::Error) -> Self {
        match e {
            kube::Error::Api(s) if s.code == 409 => Failed::Conflict(s.message.trim().to_string()),
            kube::Error::Api(s) if s.code == 404 => Failed::NotFound(s.message.trim().to_string()),
            kube::Error::Api(s) => Failed::Refused {
                code: s.code,
                reason: s.reason.clone(),
                message: s.message.trim().to_string(),
            },
            other => Failed::Transport(other.to_string()),
        }
    }
}

/// One merge patch (dry run or real), bounded by `timeout`; the object as the server
/// returns it (for a dry run: as it would be).
pub async fn merge<K>(
    api: &Api<K>,
    name: &str,
    body: &Value,
    dry_run: bool,
    timeout: Option<Duration>,
) -> Result<K, Failed>
where
    K: Clone + DeserializeOwned + Debug,
{
    let params = PatchParams {
        dry_run,
        field_manager: Some(FIELD_MANAGER.to_string()),
        ..PatchParams::default()
    };
    let patch = Patch::Merge(body);
    let fut = api.patch(name, &params, &patch);
    let res = match timeout {
        Some(t) => tokio::time::timeout(t, fut)
            .await
            .map_err(|_| Failed::Timeout(t))?,
        None => fut.await,
    };
    res.map_err(Failed::from_kube)
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

    #[test]
    fn a_conflict_says_to_re_read() {
        let e = kube::Error::Api(
            kube::core::Status::failure("the object has been modified", "Conflict")
                .with_code(409)
                .boxed(),
        );
        let f = Failed::from_kube(e);
        assert!(matches!(f, Failed::Conflict(_)));
        assert!(
            f.to_string()
                .starts_with("changed since it was read: re-run to see the current state")
        );
    }
}
