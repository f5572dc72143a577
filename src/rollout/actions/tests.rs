use super::*;
use crate::rollout::replace::{Replacement, replacement};
use crate::testutil::*;

fn on(p: Pod, rev: &str) -> Pod {
    merged(
        &p,
        json!({"metadata": {"labels": {"controller-revision-hash": rev}, "resourceVersion": "71"}}),
    )
}

fn with_rv(s: StatefulSet) -> StatefulSet {
    merged(&s, json!({"metadata": {"resourceVersion": "279"}}))
}

fn rolling(partition: i32) -> StatefulSet {
    with_rv(merged(
        &sts("shop", "db", 3),
        json!({"spec": {"updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": partition}}},
                   "status": {"updateRevision": "db-rev2"}}),
    ))
}

fn snap(sts: StatefulSet, pods: Vec<Pod>) -> Snapshot {
    let mut s = snapshot();
    s.statefulsets.push(sts);
    s.pods = pods;
    s
}

fn go(s: &Snapshot, a: Action) -> Result<ActionPlan, Refusal> {
    plan(s, "shop", "db", &a, now(), &Kubectl::default(), None)
}

fn body(p: &ActionPlan) -> &Value {
    match &p.change {
        Change::Patch { body } => body,
        other => panic!("not a patch: {other:?}"),
    }
}

fn canary_done() -> Snapshot {
    snap(
        rolling(2),
        vec![
            pod("shop", "db", 0, true),
            pod("shop", "db", 1, true),
            on(pod("shop", "db", 2, true), "db-rev2"),
        ],
    )
}

#[test]
fn step_lowers_the_partition_by_one_with_the_precondition() {
    let p = go(&canary_done(), Action::Step).unwrap();
    assert_eq!(
        body(&p),
        &json!({"metadata": {"resourceVersion": "279"},
                    "spec": {"updateStrategy": {"rollingUpdate": {"partition": 1}}}})
    );
    assert_eq!(
        p.plan.title,
        "step db: partition 2 → 1; the controller replaces db-1 with db-rev2"
    );
    assert_eq!(
        p.plan.steps[0].command,
        r#"kubectl -n shop patch statefulset db --type=merge -p '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":1}}}}'"#
    );
}

#[test]
fn step_refuses_while_a_member_at_or_above_the_partition_is_not_updated_and_ready() {
    let mut s = canary_done();
    s.pods[2] = on(pod("shop", "db", 2, false), "db-rev2");
    let r = go(&s, Action::Step).unwrap_err();
    assert!(
        r.reasons
            .iter()
            .any(|m| m.starts_with("db-2 (ordinal 2) runs db-rev2 but is not Ready")),
        "{r}"
    );
    s.pods[2] = pod("shop", "db", 2, true);
    let r = go(&s, Action::Step).unwrap_err();
    assert!(
        r.reasons
            .iter()
            .any(|m| m.contains("db-2 (ordinal 2) runs db-rev1, not the update revision")),
        "{r}"
    );
    let r = go(&snap(rolling(0), vec![]), Action::Step).unwrap_err();
    assert!(r.reasons[0].contains("already 0"), "{r}");
}

#[test]
fn a_partition_above_the_replicas_steps_to_the_highest_member() {
    let s = snap(
        rolling(5),
        (0..3).map(|i| pod("shop", "db", i, true)).collect(),
    );
    let p = go(&s, Action::Step).unwrap();
    assert_eq!(
        body(&p)["spec"],
        json!({"updateStrategy": {"rollingUpdate": {"partition": 2}}})
    );
    assert!(p.plan.title.contains("replaces db-2"), "{}", p.plan.title);
}

#[test]
fn a_lagging_controller_refuses_every_guarded_action() {
    let mut s = canary_done();
    s.statefulsets[0] = merged(
        &s.statefulsets[0],
        json!({"metadata": {"generation": 4}, "status": {"observedGeneration": 3}}),
    );
    for a in [Action::Step, Action::Promote { force: true }, Action::Pause] {
        let r = go(&s, a).unwrap_err();
        assert!(r.reasons[0].contains("generation 4, observed 3"), "{r}");
    }
}

#[test]
fn promote_sets_zero_under_the_same_guard_and_force_skips_it() {
    let p = go(&canary_done(), Action::Promote { force: false }).unwrap();
    assert_eq!(
        body(&p)["spec"],
        json!({"updateStrategy": {"rollingUpdate": {"partition": 0}}})
    );
    assert!(
        p.plan
            .notes
            .iter()
            .any(|n| n.contains("replaces db-1, db-0")),
        "{:?}",
        p.plan.notes
    );
    let mut s = canary_done();
    s.pods[2] = on(pod("shop", "db", 2, false), "db-rev2");
    let r = go(&s, Action::Promote { force: false }).unwrap_err();
    assert!(r.reasons[0].contains("--force"), "{r}");
    let p = go(&s, Action::Promote { force: true }).unwrap();
    assert!(p.plan.notes[0].starts_with("--force"), "{:?}", p.plan.notes);
    let ondelete = with_rv(merged(
        &sts("shop", "db", 3),
        json!({"spec": {"updateStrategy": {"type": "OnDelete"}}}),
    ));
    let r = go(&snap(ondelete, vec![]), Action::Promote { force: true }).unwrap_err();
    assert!(r.reasons[0].contains("OnDelete"), "{r}");
}

#[test]
fn pause_raises_the_partition_to_the_lowest_updated_ordinal() {
    // db-2 is updated, the controller is about to replace db-1.
    let s = snap(
        rolling(0),
        vec![
            pod("shop", "db", 0, true),
            pod("shop", "db", 1, true),
            on(pod("shop", "db", 2, true), "db-rev2"),
        ],
    );
    let p = go(&s, Action::Pause).unwrap();
    assert_eq!(
        body(&p)["spec"],
        json!({"updateStrategy": {"rollingUpdate": {"partition": 2}}})
    );
    assert!(p.plan.title.contains("db-0, db-1 stay"), "{}", p.plan.title);
    // Already held there: nothing to do.
    let r = go(&canary_done(), Action::Pause).unwrap_err();
    assert!(r.reasons[0].contains("already held"), "{r}");
    // No rollout at all.
    let r = go(&snap(with_rv(sts("shop", "db", 3)), vec![]), Action::Pause).unwrap_err();
    assert!(r.reasons[0].contains("no rollout in progress"), "{r}");
}

#[test]
fn canary_sets_the_partition_and_optionally_one_image_in_the_same_patch() {
    let s = snap(
        with_rv(sts("shop", "db", 3)),
        (0..3).map(|i| pod("shop", "db", i, true)).collect(),
    );
    let p = go(
        &s,
        Action::Canary {
            replicas: 1,
            image: None,
        },
    )
    .unwrap();
    assert_eq!(
        body(&p),
        &json!({"metadata": {"resourceVersion": "279"},
                    "spec": {"updateStrategy": {"rollingUpdate": {"partition": 2}}}})
    );
    let p = go(
        &s,
        Action::Canary {
            replicas: 2,
            image: Some(("db".into(), "postgres:16.6".into())),
        },
    )
    .unwrap();
    assert_eq!(
        body(&p)["spec"],
        json!({"updateStrategy": {"rollingUpdate": {"partition": 1}},
                   "template": {"spec": {"containers": [{"name": "db", "image": "postgres:16.6",
                       "ports": [{"name": "pg", "containerPort": 5432}]}]}}})
    );
    let cmds: Vec<&str> = p.plan.steps.iter().map(|s| s.command.as_str()).collect();
    assert_eq!(
        cmds[1],
        "kubectl -n shop set image statefulset/db db=postgres:16.6"
    );
    assert!(
        p.plan.title.contains("only db-1, db-2 take(s) it"),
        "{}",
        p.plan.title
    );
    for (replicas, image, why) in [
        (3, None, "1 to 2 of the 3 members"),
        (0, None, "1 to 2 of the 3 members"),
        (1, Some(("nope", "x")), "has no container nope (it has: db)"),
        (1, Some(("db", "postgres:16")), "already runs postgres:16"),
    ] {
        let r = go(
            &s,
            Action::Canary {
                replicas,
                image: image.map(|(c, i)| (c.to_string(), i.to_string())),
            },
        )
        .unwrap_err();
        assert!(r.reasons[0].contains(why), "{r}");
    }
}

fn ondelete(pods: Vec<Pod>) -> Snapshot {
    snap(
        with_rv(merged(
            &sts("shop", "db", 3),
            json!({"spec": {"updateStrategy": {"type": "OnDelete"}},
                       "status": {"updateRevision": "db-rev2"}}),
        )),
        pods,
    )
}

#[test]
fn ondelete_step_evicts_the_highest_old_pod_with_its_preconditions() {
    let s = ondelete(vec![
        on(pod("shop", "db", 0, true), "db-rev1"),
        on(pod("shop", "db", 1, true), "db-rev1"),
        on(pod("shop", "db", 2, true), "db-rev2"),
    ]);
    let p = go(&s, Action::Step).unwrap();
    assert_eq!(
        p.change,
        Change::Evict {
            pod: "db-1".into(),
            uid: "uid-db-1".into(),
            resource_version: "71".into(),
            revision: "db-rev2".into()
        }
    );
    assert_eq!(
        p.plan.steps[0].command,
        r#"echo '{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"db-1","namespace":"shop"}}' | kubectl create --raw /api/v1/namespaces/shop/pods/db-1/eviction -f -"#
    );
    assert_eq!(
        p.plan.steps[1].command,
        "kubectl -n shop wait --for=condition=Ready pod/db-1 --timeout=10m"
    );
}

#[test]
fn ondelete_step_takes_a_down_old_pod_first_and_refuses_to_take_a_second_down() {
    let s = ondelete(vec![
        on(pod("shop", "db", 0, false), "db-rev1"),
        on(pod("shop", "db", 1, true), "db-rev1"),
        on(pod("shop", "db", 2, true), "db-rev2"),
    ]);
    let p = go(&s, Action::Step).unwrap();
    assert!(matches!(&p.change, Change::Evict { pod, .. } if pod == "db-0"));
    // An updated pod that is not Ready: the new template may be broken.
    let s = ondelete(vec![
        on(pod("shop", "db", 0, true), "db-rev1"),
        on(pod("shop", "db", 1, true), "db-rev1"),
        on(pod("shop", "db", 2, false), "db-rev2"),
    ]);
    let r = go(&s, Action::Step).unwrap_err();
    assert!(r.reasons[0].contains("may be broken"), "{r}");
    // Everything updated.
    let s = ondelete(
        (0..3)
            .map(|i| on(pod("shop", "db", i, true), "db-rev2"))
            .collect(),
    );
    let r = go(&s, Action::Step).unwrap_err();
    assert!(r.reasons[0].contains("nothing to step"), "{r}");
}

#[test]
fn managed_objects_carry_the_warning_in_the_plan() {
    let mut s = canary_done();
    s.statefulsets[0] = merged(
        &s.statefulsets[0],
        json!({"metadata": {"labels": {"argocd.argoproj.io/instance": "shop"}}}),
    );
    let p = go(&s, Action::Step).unwrap();
    assert!(
        p.plan
            .notes
            .iter()
            .any(|n| n.starts_with("WARNING: Argo CD application shop"))
    );
}

#[test]
fn the_menu_offers_only_what_passes_its_guard() {
    let verbs: Vec<&str> = available(&canary_done(), "shop", "db", now(), &Kubectl::default())
        .iter()
        .map(|(a, _)| a.verb())
        .collect();
    // canary: the partition already holds all but the top member; undo: no revisions read.
    assert_eq!(verbs, ["step", "promote"]);
}

#[test]
fn the_live_object_replaces_the_listed_one() {
    let s = canary_done();
    let live = merged(
        &s.statefulsets[0],
        json!({"metadata": {"resourceVersion": "300"}}),
    );
    let r = refreshed(&s, live, Some(vec![pod("shop", "db", 0, true)]));
    assert_eq!(r.statefulsets.len(), 1);
    assert_eq!(
        r.statefulsets[0].metadata.resource_version.as_deref(),
        Some("300")
    );
    assert_eq!(r.pods.len(), 1);
}

#[test]
fn image_arguments_need_both_halves() {
    assert_eq!(
        parse_image("db=postgres:16.6").unwrap(),
        ("db".to_string(), "postgres:16.6".to_string())
    );
    assert_eq!(
        parse_image("db=reg.io/pg@sha256:ab=cd").unwrap().1,
        "reg.io/pg@sha256:ab=cd"
    );
    for bad in ["db", "=x", "db=", "db=a b"] {
        assert!(parse_image(bad).is_err(), "{bad}");
    }
}

#[test]
fn a_replacement_counts_only_when_new_on_the_revision_and_ready() {
    let old = on(pod("shop", "db", 1, true), "db-rev1");
    assert_eq!(
        replacement(None, "uid-db-1", "db-rev2", now()),
        Replacement::Absent
    );
    assert_eq!(
        replacement(Some(&old), "uid-db-1", "db-rev2", now()),
        Replacement::Old
    );
    let new = |ready, rev| {
        merged(
            &on(pod("shop", "db", 1, ready), rev),
            json!({"metadata": {"uid": "uid-new"}}),
        )
    };
    assert_eq!(
        replacement(Some(&new(true, "db-rev2")), "uid-db-1", "db-rev2", now()),
        Replacement::Ready
    );
    assert!(matches!(
        replacement(Some(&new(false, "db-rev2")), "uid-db-1", "db-rev2", now()),
        Replacement::Starting { .. }
    ));
    assert_eq!(
        replacement(Some(&new(true, "db-rev1")), "uid-db-1", "db-rev2", now()),
        Replacement::OtherRevision("db-rev1".into())
    );
}

#[test]
fn the_canary_image_patch_keeps_fields_these_bindings_do_not_know() {
    let s = snap(
        with_rv(sts("shop", "db", 3)),
        (0..3).map(|i| pod("shop", "db", i, true)).collect(),
    );
    let raw = json!({"spec": {"template": {"spec": {"containers": [
        {"name": "db", "image": "postgres:16", "someNewerField": {"keep": true}},
        {"name": "exporter", "image": "exporter:1"}
    ]}}}});
    let p = plan(
        &s,
        "shop",
        "db",
        &Action::Canary {
            replicas: 1,
            image: Some(("db".into(), "postgres:17".into())),
        },
        now(),
        &Kubectl::default(),
        Some(&raw),
    )
    .unwrap();
    assert_eq!(
        body(&p)["spec"]["template"]["spec"]["containers"],
        json!([
            {"name": "db", "image": "postgres:17", "someNewerField": {"keep": true}},
            {"name": "exporter", "image": "exporter:1"}
        ])
    );
}
