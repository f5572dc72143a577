//! The registry stays in step: every runbook file has a check, every check has a file, every
//! runbook has fixtures that fire it and a near miss that stays quiet, and what users see
//! for each fixture is pinned by an insta snapshot.

use kubectl_sts::checks::CHECKS;
use kubectl_sts::checks::analyze;
use kubectl_sts::kubectl::Kubectl;
use kubectl_sts::runbooks::{RUNBOOK_FILES, RUNBOOKS};
use kubectl_sts::snapshot::file::read_files;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/runbooks")
}

fn fixture_files(id: &str, prefix: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(fixtures_dir().join(id))
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with(prefix) && n.ends_with(".yaml"))
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn every_runbook_has_a_check_and_every_check_a_runbook() {
    assert_eq!(
        RUNBOOKS.len(),
        RUNBOOK_FILES.len(),
        "a runbook file failed to parse"
    );
    let files: BTreeSet<&str> = RUNBOOKS.iter().map(|r| r.id.as_str()).collect();
    let checks: Vec<&str> = CHECKS.iter().map(|c| c.id).collect();
    let unique: BTreeSet<&str> = checks.iter().copied().collect();
    assert_eq!(unique.len(), checks.len(), "two checks share an id");
    assert_eq!(files, unique, "runbook files and checks differ");
}

#[test]
fn every_runbook_has_firing_and_quiet_fixtures() {
    for rb in RUNBOOKS.iter() {
        let fires = fixture_files(&rb.id, "fires");
        let quiet = fixture_files(&rb.id, "quiet");
        assert!(
            !fires.is_empty(),
            "{}: no tests/fixtures/runbooks/{}/fires*.yaml",
            rb.id,
            rb.id
        );
        assert!(
            !quiet.is_empty(),
            "{}: no tests/fixtures/runbooks/{}/quiet*.yaml",
            rb.id,
            rb.id
        );
        for f in &fires {
            let snap = read_files(&[f], None).unwrap();
            assert!(
                snap.skipped.is_empty(),
                "{}: fixture should record every source",
                f.display()
            );
            let now = snap.captured_at.expect("fixtures record a capture time");
            let report = analyze(&snap, now, &Kubectl::default());
            let mine: Vec<_> = report
                .findings
                .iter()
                .filter(|x| x.runbook == rb.id)
                .collect();
            assert!(
                !mine.is_empty(),
                "{} does not fire on {}",
                rb.id,
                f.display()
            );
            let name = format!("{}__{}", rb.id, f.file_stem().unwrap().to_string_lossy());
            insta::assert_json_snapshot!(name, mine);
        }
        for f in &quiet {
            let snap = read_files(&[f], None).unwrap();
            let now = snap.captured_at.expect("fixtures record a capture time");
            let report = analyze(&snap, now, &Kubectl::default());
            let fired: Vec<_> = report
                .findings
                .iter()
                .filter(|x| x.runbook == rb.id)
                .collect();
            assert!(
                fired.is_empty(),
                "{} fires on near miss {}: {fired:#?}",
                rb.id,
                f.display()
            );
        }
    }
}

#[test]
fn findings_carry_the_users_context_into_every_command() {
    let f = fixtures_dir().join("replicas-unavailable/fires.yaml");
    let snap = read_files(&[f], None).unwrap();
    let k = Kubectl {
        kubeconfig: None,
        context: Some("prod-eu".into()),
    };
    let report = analyze(&snap, snap.captured_at.unwrap(), &k);
    let cmds: Vec<&str> = report
        .findings
        .iter()
        .flat_map(|f| f.commands.iter().map(|c| c.command.as_str()))
        .collect();
    assert!(!cmds.is_empty());
    for c in cmds {
        assert!(c.contains("--context prod-eu"), "{c}");
        assert!(c.starts_with("kubectl "), "{c}");
    }
}

/// What a user copies must be whole on every fixture: no empty namespace anywhere (`-n ''`,
/// a DNS name with an empty label), and no finding offering the same command twice in one
/// course of action (two labels on one destructive command read as two remedies).
#[test]
fn no_command_has_an_empty_namespace_or_repeats() {
    let mut checked = 0;
    for rb in RUNBOOKS.iter() {
        for f in fixture_files(&rb.id, "") {
            let snap = read_files(&[&f], None).unwrap();
            let now = snap.captured_at.expect("fixtures record a capture time");
            for finding in analyze(&snap, now, &Kubectl::default()).findings {
                let mut seen = BTreeSet::new();
                for c in &finding.commands {
                    checked += 1;
                    for bad in [
                        "-n ''",
                        "-n \"\"",
                        "--namespace ''",
                        "namespace: \"\"",
                        "..svc",
                    ] {
                        assert!(
                            !c.command.contains(bad),
                            "{}: {} on {}: {:?} contains {bad:?}",
                            f.display(),
                            finding.runbook,
                            finding.object,
                            c.command
                        );
                    }
                    assert!(
                        !c.command.ends_with(" -n") && !c.command.contains(" -n -"),
                        "{}: {}: {:?}",
                        f.display(),
                        finding.runbook,
                        c.command
                    );
                    // The same command may close two different options (Option A and
                    // Option B both end by deleting the claim); within one, never twice.
                    let option = c
                        .description
                        .strip_prefix("Option ")
                        .and_then(|rest| rest.chars().next());
                    assert!(
                        seen.insert((option, c.command.as_str())),
                        "{}: {} on {} offers {:?} twice",
                        f.display(),
                        finding.runbook,
                        finding.object,
                        c.command
                    );
                }
                for text in std::iter::once(&finding.summary).chain(&finding.evidence) {
                    assert!(
                        !text.contains("..svc") && !text.contains("namespace \"\""),
                        "{}: {}: {text}",
                        f.display(),
                        finding.runbook
                    );
                }
            }
        }
    }
    assert!(checked > 200, "only {checked} commands checked");
}
