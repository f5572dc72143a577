//! The plan, on small hand-built clusters.

use super::*;
use crate::testutil::*;
use k8s_openapi::api::core::v1::ResourceQuota;
use serde_json::json;

/// `shop/db`: 3 members, template `data` of class `standard` (expandable), each claim
/// Bound at 10Gi, each pod Ready on a node.
fn world() -> Snapshot {
    let mut s = snapshot();
    s.statefulsets
        .push(with_claim_template(&sts("shop", "db", 3), Some("standard")));
    s.storage_classes
        .push(storage_class_of("standard", "ebs.csi.aws.com", json!({})));
    for i in 0..3 {
        let mut c = bound_claim(
            "shop",
            &format!("data-db-{i}"),
            &format!("pv-{i}"),
            "standard",
        );
        c.metadata.resource_version = Some(format!("10{i}"));
        s.pvcs.push(c);
        s.pods.push(pod("shop", "db", i, true));
    }
    s
}

fn size(s: &str) -> Target {
    Target::Size(size::parse(s).unwrap())
}

fn request(target: Target) -> Request<'static> {
    Request {
        namespace: "shop",
        name: "db",
        template: None,
        target,
        backup_dir: Path::new("."),
        step_timeout: "10m",
    }
}

fn run(s: &Snapshot, q: &Quotas, target: Target) -> ExpandPlan {
    plan(s, q, &request(target), now(), &Kubectl::default()).unwrap()
}

fn no_quotas() -> Quotas {
    Quotas::Read(Vec::new())
}

fn failed(p: &ExpandPlan) -> Vec<&str> {
    p.checks
        .iter()
        .filter(|c| !c.ok)
        .map(|c| c.name.as_str())
        .collect()
}

fn set_claim(s: &mut Snapshot, i: usize, patch: serde_json::Value) {
    s.pvcs[i] = merged(&s.pvcs[i], patch);
}

#[test]
fn without_pods_there_is_no_plan_rather_than_one_missing_its_restarts() {
    let mut s = world();
    s.pods.clear();
    s.skip(Source::Pods, "forbidden: pods is forbidden");
    let e = plan(
        &s,
        &no_quotas(),
        &request(size("20Gi")),
        now(),
        &Kubectl::default(),
    )
    .unwrap_err();
    assert!(
        e.starts_with(
            "cannot plan the expansion: pods could not be read (forbidden: pods is forbidden); "
        ),
        "{e}"
    );
}

#[test]
fn a_valid_expansion_lists_every_step_highest_ordinal_first() {
    let p = run(&world(), &no_quotas(), size("20Gi"));
    assert!(!p.blocked, "{:?}", p.checks);
    assert_eq!(
        (p.template.as_str(), p.from.as_str(), p.to.as_str()),
        ("data", "10Gi", "20Gi")
    );
    let names: Vec<&str> = p.checks.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "statefulset-not-deleting",
            "storageclass-allows-expansion",
            "claims-bound",
            "size-larger",
            "volume-mode",
            "no-resize-in-progress",
            "quota-headroom"
        ]
    );
    let order: Vec<&str> = p.work_order().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(order, ["data-db-2", "data-db-1", "data-db-0"]);
    // Per claim: patch, wait, restart if needed, Ready; then the template's five.
    assert_eq!(p.steps.len(), 3 * 4 + 5);
    assert_eq!(
        p.steps[0].command,
        r#"kubectl -n shop patch pvc data-db-2 --type=merge -p '{"spec":{"resources":{"requests":{"storage":"20Gi"}}}}'"#
    );
    assert_eq!(
        p.steps[1].command,
        "kubectl -n shop wait pvc/data-db-2 '--for=jsonpath={.status.capacity.storage}=20Gi' --timeout=10m"
    );
    assert!(p.steps[2].command.starts_with(
        "kubectl create --raw /api/v1/namespaces/shop/pods/db-2/eviction -f - <<'EOF'\n{\"apiVersion\":\"policy/v1\""
    ), "{}", p.steps[2].command);
    let ts = p.template_steps.unwrap();
    assert_eq!(
        p.steps[ts.save].command,
        "kubectl -n shop get statefulset db -o yaml > ./shop-db-20261122T030000Z.yaml"
    );
    assert_eq!(
        p.steps[ts.delete].command,
        "kubectl -n shop delete statefulset db --cascade=orphan"
    );
    assert!(
        p.steps[ts.create].command.contains("storage: 20Gi"),
        "{}",
        p.steps[ts.create].command
    );
    assert_eq!(p.claims[2].steps.patch, Some(0));
    assert_eq!(p.backup, "./shop-db-20261122T030000Z.yaml");
}

#[test]
fn a_class_without_expansion_blocks_and_says_how_to_allow_it() {
    let mut s = world();
    s.storage_classes[0] = storage_class_of(
        "standard",
        "ebs.csi.aws.com",
        json!({"allowVolumeExpansion": null}),
    );
    let p = run(&s, &no_quotas(), size("20Gi"));
    assert!(p.blocked);
    assert!(p.steps.is_empty());
    assert_eq!(failed(&p), ["storageclass-allows-expansion"]);
    assert!(
        p.checks[1]
            .detail
            .contains("kubectl patch storageclass standard")
    );
}

#[test]
fn local_missing_or_no_class_blocks() {
    for (class, want) in [
        (
            Some(storage_class_of(
                "standard",
                "kubernetes.io/no-provisioner",
                json!({}),
            )),
            "node-local",
        ),
        (None, "does not exist"),
    ] {
        let mut s = world();
        s.storage_classes = class.into_iter().collect();
        let p = run(&s, &no_quotas(), size("20Gi"));
        assert!(p.checks[1].detail.contains(want), "{}", p.checks[1].detail);
        assert!(p.blocked);
    }
    let mut s = world();
    set_claim(&mut s, 1, json!({"spec": {"storageClassName": ""}}));
    assert!(
        run(&s, &no_quotas(), size("20Gi")).checks[1]
            .detail
            .starts_with("data-db-1 has no StorageClass")
    );
}

#[test]
fn a_smaller_size_blocks() {
    let p = run(&world(), &no_quotas(), size("5Gi"));
    assert!(p.blocked);
    assert_eq!(failed(&p), ["size-larger"]);
    assert!(
        p.checks[3]
            .detail
            .contains("more than 5Gi: a volume cannot shrink"),
        "{}",
        p.checks[3].detail
    );
}

#[test]
fn a_quota_too_small_blocks_and_an_unreadable_one_is_skipped() {
    let q: ResourceQuota = from_json(json!({
        "metadata": {"name": "storage", "namespace": "shop"},
        "spec": {"hard": {"requests.storage": "50Gi"}},
        "status": {"hard": {"requests.storage": "50Gi"}, "used": {"requests.storage": "30Gi"}}}));
    let p = run(&world(), &Quotas::Read(vec![q]), size("20Gi"));
    assert!(p.blocked);
    assert_eq!(failed(&p), ["quota-headroom"]);
    assert!(p.checks[6].detail.starts_with(
        "quota storage: requests.storage 50Gi hard, 30Gi used, 20Gi left; the expansion adds 30Gi: not enough"
    ), "{}", p.checks[6].detail);

    let p = run(
        &world(),
        &Quotas::NotRead("forbidden: no".into()),
        size("20Gi"),
    );
    assert!(!p.blocked);
    assert!(p.checks.iter().all(|c| c.name != "quota-headroom"));
    assert_eq!(p.skipped[0].check, "quota-headroom");
    assert_eq!(p.skipped[0].reason, "forbidden: no");
}

#[test]
fn pending_lost_or_resizing_claims_block() {
    let mut s = world();
    set_claim(&mut s, 0, json!({"status": {"phase": "Pending"}}));
    assert_eq!(
        failed(&run(&s, &no_quotas(), size("20Gi"))),
        ["claims-bound"]
    );
    let mut s = world();
    set_claim(
        &mut s,
        2,
        json!({"status": {"conditions": [{"type": "Resizing", "status": "True"}]}}),
    );
    let p = run(&s, &no_quotas(), size("20Gi"));
    assert_eq!(failed(&p), ["no-resize-in-progress"]);
    assert!(p.checks[5].detail.starts_with("data-db-2: Resizing"));
}

#[test]
fn a_second_run_skips_what_the_first_finished() {
    let mut s = world();
    // db-2 grew; db-1 was patched and waits for its filesystem; db-0 not reached.
    set_claim(
        &mut s,
        2,
        json!({"spec": {"resources": {"requests": {"storage": "20Gi"}}},
                                  "status": {"capacity": {"storage": "20Gi"}}}),
    );
    set_claim(
        &mut s,
        1,
        json!({"spec": {"resources": {"requests": {"storage": "20Gi"}}},
                                  "status": {"conditions": [{"type": "FileSystemResizePending", "status": "True"}]}}),
    );
    let p = run(&s, &no_quotas(), size("20Gi"));
    assert!(!p.blocked, "{:?}", p.checks);
    let actions: Vec<ClaimAction> = p.claims.iter().map(|c| c.action).collect();
    assert_eq!(
        actions,
        [ClaimAction::Grow, ClaimAction::Finish, ClaimAction::Done]
    );
    let patched: Vec<&str> = p
        .steps
        .iter()
        .filter(|s| s.command.contains(" patch pvc "))
        .map(|s| s.command.as_str())
        .collect();
    assert_eq!(patched.len(), 1);
    assert!(patched[0].contains("data-db-0"));
    assert!(
        p.checks[3]
            .detail
            .contains("data-db-1, data-db-2 already request 20Gi"),
        "{}",
        p.checks[3].detail
    );

    // Everything done, template included: nothing to do.
    let mut s = world();
    s.statefulsets[0] = with_claim_template(&s.statefulsets[0], Some("standard"));
    s.statefulsets[0] = merged(
        &s.statefulsets[0],
        json!({"spec": {"volumeClaimTemplates": [
        {"metadata": {"name": "data"}, "spec": {"storageClassName": "standard", "resources": {"requests": {"storage": "20Gi"}}}}]}}),
    );
    for i in 0..3 {
        set_claim(
            &mut s,
            i,
            json!({"spec": {"resources": {"requests": {"storage": "20Gi"}}},
                                      "status": {"capacity": {"storage": "20Gi"}}}),
        );
    }
    let p = run(&s, &no_quotas(), size("20Gi"));
    assert!(p.nothing_to_do());
    assert!(!p.recreate);
    assert!(p.notes.iter().any(|n| n.starts_with("nothing to do")));
}

#[test]
fn templates_must_be_named_when_there_are_several() {
    let mut s = world();
    s.statefulsets[0] = merged(
        &s.statefulsets[0],
        json!({"spec": {"volumeClaimTemplates": [
        {"metadata": {"name": "data"}, "spec": {"resources": {"requests": {"storage": "10Gi"}}}},
        {"metadata": {"name": "wal"}, "spec": {"resources": {"requests": {"storage": "1Gi"}}}}]}}),
    );
    let e = plan(
        &s,
        &no_quotas(),
        &request(size("20Gi")),
        now(),
        &Kubectl::default(),
    )
    .unwrap_err();
    assert!(
        e.contains("several claim templates (data, wal): choose one with --template"),
        "{e}"
    );
    let mut r = request(size("20Gi"));
    r.template = Some("logs");
    let e = plan(&s, &no_quotas(), &r, now(), &Kubectl::default()).unwrap_err();
    assert!(
        e.contains("no claim template logs; it has: data, wal"),
        "{e}"
    );
    r.template = Some("wal");
    let p = plan(&s, &no_quotas(), &r, now(), &Kubectl::default()).unwrap();
    assert_eq!((p.template.as_str(), p.from.as_str()), ("wal", "1Gi"));
    assert!(p.claims.iter().all(|c| c.action == ClaimAction::Missing));
}

#[test]
fn a_managed_statefulset_says_where_else_to_change_the_size() {
    let mut s = world();
    s.statefulsets[0].edit(|v| {
        v["metadata"]["labels"] = json!({"app.kubernetes.io/managed-by": "Helm"});
        v["metadata"]["annotations"] = json!({"meta.helm.sh/release-name": "orders"});
    });
    let p = run(&s, &no_quotas(), size("20G"));
    assert!(
        p.warnings[0].starts_with("size 20G: did you mean 20Gi? 20G is 20×10⁹ bytes"),
        "{:?}",
        p.warnings
    );
    assert!(p.warnings[1].contains("the chart value that sets the volumeClaimTemplates size (template data) for release orders to 20G"), "{}", p.warnings[1]);
    let mut s = world();
    s.statefulsets[0]
        .edit(|v| v["metadata"]["labels"] = json!({"argocd.argoproj.io/instance": "shop-db"}));
    assert!(
        run(&s, &no_quotas(), size("20Gi")).warnings[0].starts_with("Argo CD application shop-db")
    );
}

#[test]
fn to_usage_sizes_from_the_fullest_member_and_needs_stats() {
    let mut s = world();
    let e = plan(
        &s,
        &no_quotas(),
        &request(Target::ToUsage(70.0)),
        now(),
        &Kubectl::default(),
    )
    .unwrap_err();
    assert!(e.contains("needs the kubelet's volume stats"), "{e}");
    let gi = 1024u64 * 1024 * 1024;
    s.volume_stats = Some(
        (0..3)
            .map(|i| crate::snapshot::VolumeStat {
                namespace: "shop".into(),
                pod: format!("db-{i}"),
                pvc: format!("data-db-{i}"),
                node: format!("node-{i}"),
                used_bytes: Some((5 + i as u64) * gi),
                capacity_bytes: Some(10 * gi),
                inodes_used: None,
                inodes: None,
            })
            .collect(),
    );
    let p = run(&s, &no_quotas(), Target::ToUsage(50.0));
    assert_eq!(p.to, "14Gi");
    assert!(
        p.size_basis
            .as_deref()
            .unwrap()
            .starts_with("the fullest member, data-db-2, uses 7Gi of 10Gi")
    );
}

#[test]
fn claims_of_scaled_down_members_are_named_in_a_note() {
    let mut s = world();
    s.pvcs
        .push(bound_claim("shop", "data-db-3", "pv-3", "standard"));
    let p = run(&s, &no_quotas(), size("20Gi"));
    assert_eq!(p.claims.len(), 3);
    assert!(
        p.notes[0].starts_with("data-db-3 belongs to no current member"),
        "{:?}",
        p.notes
    );
}
