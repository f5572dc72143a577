//! The shipped RBAC roles stay in step with what the tool reads: every kind the collector
//! lists is readable with the read-only role, and the node proxy stays a separate opt-in.

use kubectl_sts::snapshot::Source;
use serde_json::Value;
use std::path::Path;

fn role(file: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("docs/rbac")
            .join(file),
    )
    .unwrap();
    let doc: Value = serde_saphyr::from_str(&text).unwrap();
    doc["rules"].as_array().unwrap().clone()
}

fn allows(rules: &[Value], resource: &str, verb: &str) -> bool {
    rules.iter().any(|r| {
        let has = |key: &str, want: &str| {
            r[key]
                .as_array()
                .is_some_and(|a| a.iter().any(|v| v == want || v == "*"))
        };
        has("resources", resource) && has("verbs", verb)
    })
}

#[test]
fn read_role_covers_every_listed_kind() {
    let rules = role("kubectl-sts-read.yaml");
    for s in Source::ALL {
        assert!(
            allows(&rules, s.resource(), "list"),
            "read role cannot list {}",
            s.resource()
        );
    }
    assert!(allows(&rules, "pods/log", "get"), "--logs needs pods/log");
    assert!(
        !allows(&rules, "secrets", "get") && !allows(&rules, "secrets", "list"),
        "never Secrets"
    );
    assert!(
        !allows(&rules, "nodes/proxy", "get"),
        "node proxy is a separate opt-in"
    );
    for r in &rules {
        for v in r["verbs"].as_array().unwrap() {
            assert!(v == "get" || v == "list", "read role has verb {v}");
        }
    }
}

#[test]
fn node_proxy_is_its_own_role() {
    let rules = role("kubectl-sts-node-proxy.yaml");
    assert!(allows(&rules, "nodes/proxy", "get"));
    assert_eq!(rules.len(), 1);
}

#[test]
fn act_role_has_evictions_not_pod_deletes() {
    let rules = role("kubectl-sts-act.yaml");
    assert!(allows(&rules, "pods/eviction", "create"));
    assert!(
        !allows(&rules, "pods", "delete"),
        "restarts go through evictions so budgets hold"
    );
}
