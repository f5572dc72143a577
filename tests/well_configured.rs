//! A StatefulSet configured the way every risk runbook asks (budget, spread, probes, grace
//! period, retention, headless Service, expandable WaitForFirstConsumer class, Retain
//! volumes, members on three nodes in three zones) must produce no warning and no critical
//! finding from any check: each risk check's quiet side, proven on one realistic cluster.

use kubectl_sts::checks::analyze;
use kubectl_sts::finding::Severity;
use kubectl_sts::kubectl::Kubectl;
use kubectl_sts::snapshot::file::read_files;
use std::path::Path;

#[test]
fn a_well_configured_statefulset_has_no_warning_or_critical_finding() {
    let f = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/well-configured.yaml");
    let snap = read_files(&[f], None).unwrap();
    assert!(snap.skipped.is_empty(), "the fixture records every source");
    let now = snap
        .captured_at
        .expect("the fixture records a capture time");
    let report = analyze(&snap, now, &Kubectl::default());
    assert_eq!(report.statefulsets_checked, 1);
    let loud: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Warning)
        .collect();
    assert!(loud.is_empty(), "{loud:#?}");
    // No info finding is expected either: none of the info-level risks applies (the class
    // allows expansion, the volumes are Retain, the liveness probe has a startup probe).
    // Should a future check add an info finding here, it must be justified, not ignored.
    assert!(
        report.findings.is_empty(),
        "unexpected info findings: {:#?}",
        report.findings
    );
    // Every check ran: nothing was skipped for want of a source, except the opt-in ones.
    assert!(
        report.not_checked.iter().all(|n| n.opt_in_only()),
        "{:#?}",
        report.not_checked
    );
}
