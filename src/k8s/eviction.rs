//! The Eviction request, built by hand for every command that evicts (drain-check's dry runs,
//! pvc-expand's pod restarts), so there is one shape to get right.
//!
//! Built by hand rather than with `Api::<Pod>::evict`: kube 5 puts the delete options under a
//! `delete_options` key (the API's field is `deleteOptions`) and sends no apiVersion or kind,
//! so a dry run set there would not reach the server. The eviction API reads `dryRun` from
//! the query (and copies it into the delete options when they have none); for a dry run the
//! body carries the same `dryRun: [All]` in `deleteOptions` too, so the request stays a dry
//! run even for a server or proxy that dropped the query. The body is otherwise what kubectl
//! sends.

use serde_json::{Value, json};

/// The `policy/v1` Eviction body for pod `ns/name`.
pub fn body(ns: &str, name: &str, dry_run: bool) -> Value {
    let mut body = json!({
        "apiVersion": "policy/v1",
        "kind": "Eviction",
        "metadata": {"name": name, "namespace": ns},
    });
    if dry_run {
        body["deleteOptions"] = json!({"dryRun": ["All"]});
    }
    body
}

/// The eviction subresource's path, with `?dryRun=All` for a dry run.
pub fn path(ns: &str, name: &str, dry_run: bool) -> String {
    let mut p = format!("/api/v1/namespaces/{ns}/pods/{name}/eviction");
    if dry_run {
        p.push_str("?dryRun=All");
    }
    p
}

/// The whole POST, ready for `kube::Client::request`.
pub fn request(ns: &str, name: &str, dry_run: bool) -> Result<http::Request<Vec<u8>>, String> {
    let body = serde_json::to_vec(&body(ns, name, dry_run)).map_err(|e| e.to_string())?;
    http::Request::post(path(ns, name, dry_run))
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(body)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dry_run_says_so_in_the_query_and_in_the_body() {
        let r = request("shop", "db-0", true).unwrap();
        assert_eq!(
            r.uri().to_string(),
            "/api/v1/namespaces/shop/pods/db-0/eviction?dryRun=All"
        );
        let b: Value = serde_json::from_slice(r.body()).unwrap();
        assert_eq!(b["deleteOptions"], json!({"dryRun": ["All"]}));
        assert_eq!(b["metadata"], json!({"name": "db-0", "namespace": "shop"}));
        let real: Value =
            serde_json::from_slice(request("shop", "db-0", false).unwrap().body()).unwrap();
        assert!(real.get("deleteOptions").is_none());
        assert_eq!(real["kind"], "Eviction");
        assert_eq!(
            path("shop", "db-0", false),
            "/api/v1/namespaces/shop/pods/db-0/eviction"
        );
    }
}
