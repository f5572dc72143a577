use super::*;
use crate::testutil::*;
use serde_json::json;

fn run(s: &Snapshot) -> Vec<(Reason, String, Option<String>)> {
    let idx = Index::new(s);
    let mut v: Vec<_> = matches(s, &idx, now())
        .items
        .into_iter()
        .map(|m| (m.reason, m.name().to_string(), m.statefulset))
        .collect();
    v.sort();
    v
}

fn claim(ns: &str, name: &str, labels: serde_json::Value) -> PersistentVolumeClaim {
    merged(
        &bound_claim(ns, name, &format!("pv-{name}"), "gp3"),
        json!({"metadata": {"labels": labels}}),
    )
}

fn mounting(ns: &str, pod: &str, claim: &str) -> crate::model::Pod {
    let mut p: crate::model::Pod = from_json(json!({
        "metadata": {"name": pod, "namespace": ns},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]},
        "status": {"phase": "Succeeded"}
    }));
    with_claim(&mut p, claim);
    p
}

fn pg(replicas: i32) -> StatefulSet {
    with_claim_template(&sts("data", "pg", replicas), Some("gp3"))
}

#[test]
fn scaled_down_claims_are_those_above_the_replicas() {
    let mut s = snapshot();
    s.statefulsets.push(pg(2));
    for i in 0..4 {
        s.pvcs
            .push(claim("data", &format!("data-pg-{i}"), json!({"app": "pg"})));
    }
    for i in 0..2 {
        let mut p = pod("data", "pg", i, true);
        with_claim(&mut p, &format!("data-pg-{i}"));
        s.pods.push(p);
    }
    assert_eq!(
        run(&s),
        vec![
            (Reason::PvcScaledDown, "data-pg-2".into(), Some("pg".into())),
            (Reason::PvcScaledDown, "data-pg-3".into(), Some("pg".into())),
        ]
    );
}

#[test]
fn ordinals_start_moves_the_range() {
    let mut s = snapshot();
    s.statefulsets
        .push(merged(&pg(3), json!({"spec": {"ordinals": {"start": 1}}})));
    // Ordinals 1, 2, 3 are in use (3 even with no pod yet); 0 and 4 are not.
    for i in 0..5 {
        s.pvcs
            .push(claim("data", &format!("data-pg-{i}"), json!({"app": "pg"})));
    }
    let got = run(&s);
    assert_eq!(
        got,
        vec![
            (Reason::PvcScaledDown, "data-pg-0".into(), Some("pg".into())),
            (Reason::PvcScaledDown, "data-pg-4".into(), Some("pg".into())),
        ]
    );
    let idx = Index::new(&s);
    let m = matches(&s, &idx, now());
    let zero = m.items.iter().find(|m| m.name() == "data-pg-0").unwrap();
    assert!(
        zero.evidence
            .iter()
            .any(|e| e.contains("below ordinals.start 1")),
        "{:?}",
        zero.evidence
    );
}

#[test]
fn any_pod_mounting_a_claim_keeps_it_whatever_its_name() {
    let mut s = snapshot();
    s.statefulsets.push(pg(1));
    s.pvcs
        .push(claim("data", "data-pg-5", json!({"app": "pg"})));
    s.pvcs
        .push(claim("data", "data-old-0", json!({"app": "old"})));
    // A finished CronJob pod still holds the first; a generic ephemeral volume's
    // claim is named <pod>-<volume>.
    s.pods
        .push(mounting("data", "backup-29400000-x", "data-pg-5"));
    let eph: crate::model::Pod = from_json(json!({
        "metadata": {"name": "data-old", "namespace": "data"},
        "spec": {"containers": [{"name": "c", "image": "busybox"}],
                 "volumes": [{"name": "0", "ephemeral": {"volumeClaimTemplate": {"spec": {
                     "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}}}]}
    }));
    s.pods.push(eph);
    assert_eq!(run(&s), vec![]);
}

#[test]
fn a_claim_in_another_namespace_is_not_mounted_by_this_pod() {
    let mut s = snapshot();
    s.statefulsets.push(pg(1));
    s.pvcs
        .push(claim("data", "data-pg-3", json!({"app": "pg"})));
    s.pods.push(mounting("other", "reader", "data-pg-3"));
    assert_eq!(run(&s).len(), 1);
}

#[test]
fn deleted_statefulsets_are_found_by_owner_reference_or_labels_only() {
    let mut s = snapshot();
    s.pvcs
        .push(claim("data", "data-kafka-0", json!({"app": "kafka"})));
    // ownerReference from a retention policy, to a StatefulSet that is gone.
    s.pvcs.push(merged(
        &claim("data", "data-redis-0", json!({})),
        json!({"metadata": {"ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet",
                "name": "redis", "uid": "uid-gone"}]}}),
    ));
    // Named like a StatefulSet's, but nothing says a StatefulSet made it.
    s.pvcs
        .push(claim("data", "scratch-etl-0", json!({"team": "bi"})));
    s.pvcs
        .push(claim("data", "lonely-1", json!({"app": "lonely"})));
    assert_eq!(
        run(&s),
        vec![
            (
                Reason::PvcStatefulSetDeleted,
                "data-kafka-0".into(),
                Some("kafka".into())
            ),
            (
                Reason::PvcStatefulSetDeleted,
                "data-redis-0".into(),
                Some("redis".into())
            ),
        ]
    );
}

#[test]
fn helm_style_names_pick_the_longest_statefulset_name() {
    let mut s = snapshot();
    s.pvcs.push(claim(
        "data",
        "data-my-release-postgresql-0",
        json!({"app.kubernetes.io/instance": "my-release", "app.kubernetes.io/name": "postgresql"}),
    ));
    let got = run(&s);
    assert_eq!(got[0].2.as_deref(), Some("my-release-postgresql"));
}

#[test]
fn ambiguous_names_prefer_owner_then_labels_then_the_longest_name() {
    // data + web-db and data-web + db both give data-web-db-N.
    let mut s = snapshot();
    let a = with_claim_template(&sts("data", "web-db", 1), None);
    let b: StatefulSet = merged(
        &sts("data", "db", 1),
        json!({"spec": {"volumeClaimTemplates": [{"metadata": {"name": "data-web"},
                "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]}}),
    );
    s.statefulsets.push(a);
    s.statefulsets.push(b);
    s.pvcs
        .push(claim("data", "data-web-db-3", json!({"app": "db"})));
    s.pvcs
        .push(claim("data", "data-web-db-4", json!({"other": "x"})));
    // In range for one of them: in use, even though the other would call it scaled down.
    s.pvcs.push(claim("data", "data-web-db-0", json!({})));
    let got = run(&s);
    assert_eq!(
        got,
        vec![
            (
                Reason::PvcScaledDown,
                "data-web-db-3".into(),
                Some("db".into())
            ),
            (
                Reason::PvcScaledDown,
                "data-web-db-4".into(),
                Some("web-db".into())
            ),
        ]
    );
    let idx = Index::new(&s);
    let m = matches(&s, &idx, now());
    assert!(
        m.items[0]
            .evidence
            .iter()
            .any(|e| e.contains("also reads as"))
    );
}

#[test]
fn released_and_long_available_volumes_are_orphans() {
    let mut s = snapshot();
    s.pvs.push(merged(
        &pv_of("pv-rel", "data", "data-gone-0", "gp3", json!({})),
        json!({"status": {"phase": "Released"}}),
    ));
    s.pvs.push(merged(
            &pv_of("pv-old", "data", "x", "gp3", json!({"claimRef": null})),
            json!({"metadata": {"creationTimestamp": "2026-11-01T00:00:00Z"}, "status": {"phase": "Available"}}),
        ));
    // Available for an hour only.
    s.pvs.push(merged(
            &pv_of("pv-new", "data", "x", "gp3", json!({"claimRef": null})),
            json!({"metadata": {"creationTimestamp": "2026-11-22T02:00:00Z"}, "status": {"phase": "Available"}}),
        ));
    // Bound: in use.
    s.pvs
        .push(pv_of("pv-bound", "data", "data-pg-0", "gp3", json!({})));
    assert_eq!(
        run(&s),
        vec![
            (Reason::PvReleased, "pv-rel".into(), None),
            (Reason::PvUnclaimed, "pv-old".into(), None),
        ]
    );
}

#[test]
fn a_namespaced_scope_keeps_only_volumes_claimed_there() {
    let mut s = snapshot();
    s.scope = crate::snapshot::Scope::namespace("data");
    s.pvs.push(merged(
        &pv_of("pv-here", "data", "a-b-0", "gp3", json!({})),
        json!({"status": {"phase": "Released"}}),
    ));
    s.pvs.push(merged(
        &pv_of("pv-there", "other", "a-b-0", "gp3", json!({})),
        json!({"status": {"phase": "Released"}}),
    ));
    let idx = Index::new(&s);
    let m = matches(&s, &idx, now());
    assert_eq!(m.items.len(), 1);
    assert_eq!(m.pvs_outside_scope, 1);
}

#[test]
fn unread_sources_mean_not_checked_not_orphaned() {
    let mut s = snapshot();
    s.skip(Source::Pods, "forbidden");
    s.pvcs
        .push(claim("data", "data-kafka-0", json!({"app": "kafka"})));
    let idx = Index::new(&s);
    let m = matches(&s, &idx, now());
    assert!(m.items.is_empty());
    assert_eq!(m.not_checked, vec![("orphaned PVCs", vec![Source::Pods])]);
}

#[test]
fn without_claims_a_volume_reserved_for_one_is_not_called_unclaimed() {
    // Its claim may well exist (binding pending): deleting the PV would strand it.
    let mut s = snapshot();
    s.skip(Source::PersistentVolumeClaims, "forbidden");
    s.pvs.push(merged(
            &pv_of("pv-reserved", "data", "data-pg-3", "gp3", json!({})),
            json!({"metadata": {"creationTimestamp": "2026-11-01T00:00:00Z"}, "status": {"phase": "Available"}}),
        ));
    s.pvs.push(merged(
        &pv_of("pv-rel", "data", "data-gone-0", "gp3", json!({})),
        json!({"status": {"phase": "Released"}}),
    ));
    let idx = Index::new(&s);
    let m = matches(&s, &idx, now());
    let names: Vec<&str> = m
        .items
        .iter()
        .map(|x| match x.object {
            Object::Volume(v) => k8s::name(&v.metadata),
            Object::Claim(c) => k8s::name(&c.metadata),
        })
        .collect();
    assert_eq!(names, ["pv-rel"], "a Released PV needs no claims to judge");
    assert!(m.not_checked.contains(&(
        "Available PVs reserved for a claim",
        vec![Source::PersistentVolumeClaims]
    )));
}

#[test]
fn terminating_claims_are_not_waste() {
    let mut s = snapshot();
    s.pvcs.push(merged(
        &claim("data", "data-kafka-0", json!({"app": "kafka"})),
        json!({"metadata": {"deletionTimestamp": "2026-11-22T02:00:00Z"}}),
    ));
    assert!(run(&s).is_empty());
}
