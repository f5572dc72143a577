use super::*;
use crate::testutil::*;

fn unsched(msg: &str) -> Pod {
    let mut p = unscheduled_pod("shop", "db", 2);
    p.status.as_mut().unwrap().conditions.as_mut().unwrap()[0].set_message(Some(msg.into()));
    p
}

/// The scheduler's words for a claim whose volume is gone: PreFilter for a Lost claim,
/// Filter for a Bound claim whose PV has left its cache.
const LOST_CLAIM_MSG: &str = "0/3 nodes are available: persistentvolumeclaim \"data-db-2\" bound to non-existent persistentvolume \"pv-2\". preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.";
const GONE_PV_MSG: &str = "0/3 nodes are available: 3 node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s). preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.";

fn pod_on_claim(msg: &str, phase: &str) -> crate::snapshot::Snapshot {
    let mut s = snapshot();
    s.statefulsets.push(sts("shop", "db", 3));
    let mut p = unsched(msg);
    with_claim(&mut p, "data-db-2");
    s.pods.push(p);
    let mut c = bound_claim("shop", "data-db-2", "pv-2", "standard");
    c.status.as_mut().unwrap().phase = Some(phase.into());
    s.pvcs.push(c);
    s.nodes.push(zoned_node("n1", "z1", true));
    s
}

#[test]
fn a_lost_claim_is_pvc_losts_root_cause_not_an_unschedulable_pod() {
    assert_eq!(parse(LOST_CLAIM_MSG).causes, vec![(0, Reason::VolumeGone)]);
    assert_eq!(parse(GONE_PV_MSG).causes, vec![(3, Reason::VolumeGone)]);
    let s = pod_on_claim(LOST_CLAIM_MSG, "Lost");
    assert!(run_check(&s, CHECK).is_empty());
    assert_eq!(run_check(&s, crate::checks::by_id("pvc-lost")).len(), 1);
    // Same pod, claim still marked Bound (the PV controller has not caught up): the pod
    // is reported, naming the missing volume rather than "volume binding".
    let s = pod_on_claim(GONE_PV_MSG, "Bound");
    let r = run_check(&s, CHECK);
    assert_eq!(r.len(), 1);
    assert!(
        r[0].evidence.iter().any(|e| e.starts_with(
            "claim data-db-2 is bound to PersistentVolume pv-2, which no longer exists"
        )),
        "{:?}",
        r[0].evidence
    );
}

#[test]
fn anti_affinity_with_more_replicas_than_nodes_is_impossible() {
    let mut s = snapshot();
    s.statefulsets.push(sts("shop", "db", 3));
    let mut p = unsched("0/2 nodes are available: 2 node(s) didn't match pod anti-affinity rules.");
    p.spec.as_mut().unwrap().affinity = Some(from_json(serde_json::json!({"podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {"labelSelector": {"matchLabels": {"app": "db"}}, "topologyKey": "kubernetes.io/hostname"}]}})));
    s.pods.push(p);
    s.nodes.push(zoned_node("n1", "z1", true));
    s.nodes.push(zoned_node("n2", "z2", true));
    s.nodes.push(zoned_node("n3", "z2", false));
    let r = run_check(&s, CHECK);
    assert_eq!(r.len(), 1);
    assert!(
        r[0].summary
            .contains("3 replicas need 3 separate kubernetes.io/hostname domains"),
        "{}",
        r[0].summary
    );
    let patch = r[0]
        .commands
        .iter()
        .find(|c| c.command.contains("patch statefulset db"))
        .expect("stopgap patch");
    assert!(
        patch
            .command
            .contains(r#""requiredDuringSchedulingIgnoredDuringExecution":null"#),
        "{}",
        patch.command
    );
    assert!(patch.command.contains(r#""weight":100"#));
}

#[test]
fn insufficient_cpu_compares_requests_with_allocatable() {
    let mut s = snapshot();
    s.statefulsets.push(sts("shop", "db", 3));
    let mut p = unsched(
        "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
    );
    p.spec.as_mut().unwrap().containers[0].resources =
        Some(from_json(serde_json::json!({"requests": {"cpu": "8"}})));
    s.pods.push(p);
    s.nodes.push(zoned_node("n1", "z1", true));
    let r = run_check(&s, CHECK);
    assert_eq!(r.len(), 1);
    assert!(
        r[0].summary
            .contains("it requests 8 cpu, more than any node can allocate (largest 4)"),
        "{}",
        r[0].summary
    );
    assert!(
        r[0].evidence.iter().any(|e| e
            .contains("requests 8 cpu, more than any eligible node has allocatable (largest 4)")),
        "{:?}",
        r[0].evidence
    );
}

#[test]
fn taints_are_named_with_their_nodes_and_removal_commands() {
    let mut s = snapshot();
    s.statefulsets.push(sts("shop", "db", 3));
    s.pods.push(unsched(
        "0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: batch}.",
    ));
    let mut n = zoned_node("n1", "z1", true);
    n.spec.get_or_insert_default().taints = Some(vec![k8s_openapi::api::core::v1::Taint {
        key: "dedicated".into(),
        value: Some("batch".into()),
        effect: "NoSchedule".into(),
        time_added: None,
    }]);
    s.nodes.push(n);
    let r = run_check(&s, CHECK);
    assert!(
        r[0].commands
            .iter()
            .any(|c| c.command == "kubectl taint nodes n1 dedicated=batch:NoSchedule-")
    );
}

#[test]
fn quiet_when_the_volume_explains_it_or_too_young() {
    let mut s = snapshot();
    s.statefulsets.push(sts("shop", "db", 3));
    let mut p = unsched("0/1 nodes are available: 1 node(s) had volume node affinity conflict.");
    with_claim(&mut p, "data-db-2");
    s.pods.push(p);
    s.pvcs
        .push(bound_claim("shop", "data-db-2", "pv-2", "local"));
    s.pvs
        .push(local_pv("pv-2", "gone-node", "shop", "data-db-2"));
    s.nodes.push(zoned_node("n1", "z1", true));
    assert!(run_check(&s, CHECK).is_empty());
    // Without the conflict, it fires.
    s.pvs[0] = local_pv("pv-2", "n1", "shop", "data-db-2");
    assert_eq!(run_check(&s, CHECK).len(), 1);
    // Within the first minute it stays quiet.
    s.pods[0]
        .status
        .as_mut()
        .unwrap()
        .conditions
        .as_mut()
        .unwrap()[0]
        .last_transition_time = Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
        now() - jiff::SignedDuration::from_secs(20),
    ));
    assert!(run_check(&s, CHECK).is_empty());
}

#[test]
fn volume_reasons_fire_once_the_claim_is_old_enough() {
    let mut s = snapshot();
    s.statefulsets.push(sts("shop", "db", 3));
    let mut p = unsched(
        "0/3 nodes are available: 3 node(s) didn't find available persistent volumes to bind.",
    );
    with_claim(&mut p, "data-db-2");
    s.pods.push(p);
    s.storage_classes.push(from_json(serde_json::json!({
            "metadata": {"name": "standard"}, "provisioner": "ebs.csi.aws.com",
            "volumeBindingMode": "WaitForFirstConsumer"})));
    let mut c = bound_claim("shop", "data-db-2", "", "standard");
    c.spec.as_mut().unwrap().volume_name = None;
    c.status.as_mut().unwrap().phase = Some("Pending".into());
    c.metadata.creation_timestamp = Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
        now() - jiff::SignedDuration::from_secs(30),
    ));
    s.pvcs.push(c);
    s.nodes.push(zoned_node("n1", "z1", true));
    // A young claim: provisioning may still be under way.
    assert!(run_check(&s, CHECK).is_empty());
    // Ten minutes on, pvc-pending only points here: this must report it.
    s.pvcs[0].metadata.creation_timestamp =
        Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
            now() - jiff::SignedDuration::from_mins(10),
        ));
    assert_eq!(run_check(&s, CHECK).len(), 1);
}

#[test]
fn spread_with_an_unusable_zone_has_limited_room() {
    let mut s = snapshot();
    s.statefulsets.push(sts("shop", "db", 5));
    let mut p =
        unsched("0/3 nodes are available: 3 node(s) didn't match pod topology spread constraints.");
    p.spec.as_mut().unwrap().topology_spread_constraints = Some(vec![from_json(
        serde_json::json!({
            "maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "DoNotSchedule",
            "labelSelector": {"matchLabels": {"app": "db"}}}),
    )].into());
    s.pods.push(p);
    s.nodes.push(zoned_node("n1", "z1", true));
    s.nodes.push(zoned_node("n2", "z2", true));
    s.nodes.push(zoned_node("n3", "z3", false));
    let r = run_check(&s, CHECK);
    assert!(
        r[0].summary.contains("cannot be spread"),
        "{}",
        r[0].summary
    );
    assert!(r[0].summary.contains("room for 2"), "{}", r[0].summary);
}
