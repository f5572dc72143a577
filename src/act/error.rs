//! One error for every request a mutation sends (patch, delete, eviction, create, the reads
//! between them), so each caller tells apart the cases that decide what is safe next:
//! a precondition conflict (re-read), a vanished object, a refusal (by a budget or the
//! server), no answer in time (it may or may not have happened), no answer at all.

use std::future::Future;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// 409: the object changed since it was read (the uid/resourceVersion precondition).
    Conflict { message: String },
    /// 404: the object is gone.
    NotFound { message: String },
    /// Any other refusal (403, 422, 429, 5xx). For a refused eviction, `message` holds the
    /// budget's own words (`details.causes[0]`), not the generic top-level message.
    Refused {
        code: u16,
        reason: String,
        message: String,
    },
    /// No answer within the limit: the request may or may not have been carried out.
    Timeout(Duration),
    /// No answer at all (connection, TLS, decoding).
    Transport(String),
}

impl ApiError {
    pub fn from_kube(e: kube::Error) -> Self {
        match e {
            kube::Error::Api(s) => {
                let cause = s
                    .details
                    .as_ref()
                    .and_then(|d| d.causes.first())
                    .map(|c| c.message.trim().to_string())
                    .filter(|m| !m.is_empty());
                let message = match cause {
                    Some(c) if s.code == 429 => c,
                    _ => s.message.trim().to_string(),
                };
                match s.code {
                    409 => ApiError::Conflict { message },
                    404 => ApiError::NotFound { message },
                    code => ApiError::Refused {
                        code,
                        reason: s.reason.clone(),
                        message,
                    },
                }
            }
            other => ApiError::Transport(other.to_string()),
        }
    }

    /// The HTTP status, when the server answered.
    pub fn code(&self) -> Option<u16> {
        match self {
            ApiError::Conflict { .. } => Some(409),
            ApiError::NotFound { .. } => Some(404),
            ApiError::Refused { code, .. } => Some(*code),
            ApiError::Timeout(_) | ApiError::Transport(_) => None,
        }
    }

    /// What the server (or the transport) said, without interpretation.
    pub fn message(&self) -> String {
        match self {
            ApiError::Conflict { message }
            | ApiError::NotFound { message }
            | ApiError::Refused { message, .. } => message.clone(),
            ApiError::Timeout(t) => format!("no answer within {}s", t.as_secs_f64()),
            ApiError::Transport(m) => m.clone(),
        }
    }

    /// The answer as a status line, "409 Conflict: ...", or what came instead.
    pub fn answer(&self) -> String {
        match self {
            ApiError::Conflict { message } => format!("409 Conflict: {message}"),
            ApiError::NotFound { message } => format!("404 NotFound: {message}"),
            ApiError::Refused {
                code,
                reason,
                message,
            } => format!("{code} {reason}: {message}"),
            ApiError::Timeout(t) => format!(
                "no answer within {}s (the request may or may not have been carried out)",
                t.as_secs_f64()
            ),
            ApiError::Transport(m) => m.clone(),
        }
    }

    /// Refused by a PodDisruptionBudget (429, or 500 when several budgets select the pod).
    pub fn by_budget(&self) -> bool {
        match self {
            ApiError::Refused { code: 429, .. } => true,
            ApiError::Refused {
                code: 500, message, ..
            } => message.contains("more than one PodDisruptionBudget"),
            _ => false,
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Conflict { message } => write!(
                f,
                "changed since it was read: re-run to see the current state (409 Conflict: {message})"
            ),
            ApiError::NotFound { message } => {
                write!(f, "not found: deleted since it was read ({message})")
            }
            ApiError::Refused { .. } | ApiError::Transport(_) => f.write_str(&self.answer()),
            ApiError::Timeout(t) => write!(
                f,
                "no answer within {}s: the change may or may not have been applied; check before running again",
                t.as_secs_f64()
            ),
        }
    }
}

impl std::error::Error for ApiError {}

/// Sends one request, bounded by `timeout` when there is one.
pub async fn send<T>(
    fut: impl Future<Output = Result<T, kube::Error>>,
    timeout: Option<Duration>,
) -> Result<T, ApiError> {
    match timeout {
        Some(t) => match tokio::time::timeout(t, fut).await {
            Ok(r) => r.map_err(ApiError::from_kube),
            Err(_) => Err(ApiError::Timeout(t)),
        },
        None => fut.await.map_err(ApiError::from_kube),
    }
}

#[cfg(test)]
mod tests {
    use super::ApiError;

    /// A Status as the API server sends it (the eviction refusal's shape).
    fn api(code: u16, reason: &str, message: &str, cause: Option<&str>) -> kube::Error {
        let causes: Vec<_> = cause
            .map(|c| serde_json::json!({"reason": "DisruptionBudget", "message": c}))
            .into_iter()
            .collect();
        let s: kube::core::Status = serde_json::from_value(serde_json::json!({
            "kind": "Status", "apiVersion": "v1", "status": "Failure",
            "message": message, "reason": reason, "code": code,
            "details": {"causes": causes},
        }))
        .unwrap();
        kube::Error::Api(s.boxed())
    }

    #[test]
    fn each_answer_is_told_apart() {
        let c = ApiError::from_kube(api(
            409,
            "Conflict",
            "the UID in the precondition ...",
            None,
        ));
        assert_eq!(c.code(), Some(409));
        assert!(matches!(c, ApiError::Conflict { .. }));
        assert!(c.to_string().starts_with("changed since it was read"));
        assert!(matches!(
            ApiError::from_kube(api(404, "NotFound", "gone", None)),
            ApiError::NotFound { .. }
        ));
        // A budget's refusal carries its own words, the generic message does not.
        let b = ApiError::from_kube(api(
            429,
            "TooManyRequests",
            "Cannot evict pod as it would violate the pod's disruption budget.",
            Some("The disruption budget db needs 2 healthy pods and has 2 currently"),
        ));
        assert!(b.by_budget());
        assert_eq!(
            b.message(),
            "The disruption budget db needs 2 healthy pods and has 2 currently"
        );
        // A validation refusal keeps its top-level message, not its first field cause.
        let v = ApiError::from_kube(api(422, "Invalid", "spec: Forbidden: shrink", Some("x")));
        assert_eq!(v.answer(), "422 Invalid: spec: Forbidden: shrink");
        assert!(!v.by_budget());
        let several = ApiError::from_kube(api(
            500,
            "InternalError",
            "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
            None,
        ));
        assert!(several.by_budget());
    }
}
