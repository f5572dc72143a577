//! Re-creating the StatefulSet with the new claim template size: back it up, delete it
//! with orphan propagation and preconditions, create it again, and wait for the adoption.

use super::super::progress::{self};
use super::super::{ExpandPlan, manifest};
use crate::act::send;
use crate::model::{LivePod, Pod};
use k8s_openapi::api::apps::v1::StatefulSet;
use kube::Client;
use kube::api::{Api, DeleteParams, ListParams, Preconditions, PropagationPolicy};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::*;

/// The StatefulSet DELETE's options: orphan its pods and claims, only if it is still the
/// object that was read. `kube` puts them (and `dryRun`) in the body, where the server reads
/// them when a body is present.
pub fn sts_delete_params(dry_run: bool, uid: &str, rv: Option<&str>) -> DeleteParams {
    DeleteParams {
        dry_run,
        propagation_policy: Some(PropagationPolicy::Orphan),
        preconditions: Some(Preconditions {
            uid: Some(uid.to_string()),
            resource_version: rv.map(str::to_string),
        }),
        ..DeleteParams::default()
    }
}

pub(super) fn sts_path(ns: &str, name: Option<&str>) -> String {
    match name {
        Some(n) => format!("/apis/apps/v1/namespaces/{ns}/statefulsets/{n}"),
        None => format!("/apis/apps/v1/namespaces/{ns}/statefulsets"),
    }
}

/// Writes `text` to a new file; never overwrites one.
pub(super) fn write_new(path: &Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create the directory {}: {e}", dir.display()))?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    f.write_all(text.as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The uid and resourceVersion of the StatefulSet just read, when it is still the object
/// that was planned: same uid, same spec generation, not being deleted.
fn check_live(plan: &ExpandPlan, live: &Value) -> Result<(String, Option<String>), String> {
    let uid = live
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let rv = live
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .map(str::to_string);
    let generation = live.pointer("/metadata/generation").and_then(Value::as_i64);
    if plan.sts_uid.as_deref() != Some(uid.as_str()) {
        return Err(format!(
            "the StatefulSet is not the object that was planned (uid {uid}, planned {}): it was re-created meanwhile; nothing was deleted",
            plan.sts_uid.as_deref().unwrap_or("?")
        ));
    }
    if plan.sts_generation.is_some() && generation != plan.sts_generation {
        return Err(format!(
            "the StatefulSet's spec changed since the plan (generation {} now, {} planned); nothing was deleted: run the same command again to plan from what it is now",
            generation
                .map(|g| g.to_string())
                .unwrap_or_else(|| "?".into()),
            plan.sts_generation
                .map(|g| g.to_string())
                .unwrap_or_default()
        ));
    }
    if live.pointer("/metadata/deletionTimestamp").is_some() {
        return Err(
            "the StatefulSet is being deleted by someone else; nothing was done to it".into(),
        );
    }
    Ok((uid, rv))
}

/// Saves the StatefulSet as it is (to re-create it by hand if the run stops) and the
/// manifest it is re-created from, each in a new file; returns that manifest and the
/// backup's path.
fn save_files(
    plan: &ExpandPlan,
    j: &mut Journal<'_>,
    out: &mut dyn Write,
    live: &Value,
    uid: &str,
    rv: Option<&str>,
) -> Result<(Value, PathBuf), String> {
    let ns = plan.statefulset.namespace.as_str();
    let name = plan.statefulset.name.as_str();
    let backup_obj = manifest::creatable(live);
    let new_obj = manifest::recreate(live, &plan.template, &plan.to)?;
    let backup = PathBuf::from(&plan.backup);
    let recreate_file = PathBuf::from(&plan.recreate_manifest);
    let now = jiff::Timestamp::now();
    write_new(
        &backup,
        &manifest::to_yaml_with_header(
            &backup_obj,
            &[
                format!(
                    "StatefulSet {ns}/{name} (uid {uid}, resourceVersion {}) saved by kubectl sts pvc-expand at {now}, before replacing it.",
                    rv.unwrap_or("?")
                ),
                "Server-managed fields are removed so that it can be created again as it was:"
                    .into(),
                format!("  {}", j.kubectl_create(&backup)),
            ],
        ),
    )?;
    j.backup = Some(backup.clone());
    j.phase = Phase::BackedUp;
    write_new(
        &recreate_file,
        &manifest::to_yaml_with_header(
            &new_obj,
            &[
                format!(
                    "StatefulSet {ns}/{name} with claim template {} at {}, written by kubectl sts pvc-expand at {now}.",
                    plan.template, plan.to
                ),
                format!("  {}", j.kubectl_create(&recreate_file)),
            ],
        ),
    )?;
    j.recreate_file = Some(recreate_file.clone());
    let _ = writeln!(
        out,
        "  saved {} (and the new manifest, {})",
        backup.display(),
        recreate_file.display()
    );

    Ok((new_obj, backup))
}

/// Creates the StatefulSet from `new_obj`: a server-side dry run first, then for real. The
/// journal's phase says what is known when it fails (a 5xx or no answer may have created
/// it).
async fn create(
    client: &Client,
    s: &Settings,
    j: &mut Journal<'_>,
    ns: &str,
    new_obj: &Value,
) -> Result<(), String> {
    let body = serde_json::to_vec(new_obj).map_err(|e| e.to_string())?;
    for dry_run in [true, false] {
        let mut p = sts_path(ns, None);
        if dry_run {
            p.push_str("?dryRun=All");
        }
        let post = http::Request::post(p)
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(body.clone())
            .map_err(|e| e.to_string())?;
        if !dry_run {
            j.phase = Phase::CreateSent;
        }
        match send(client.request::<Value>(post), s.request_timeout).await {
            Ok(created) if !dry_run => {
                let new_uid = created
                    .pointer("/metadata/uid")
                    .and_then(Value::as_str)
                    .unwrap_or("?")
                    .to_string();
                j.phase = Phase::Recreated(new_uid);
            }
            Ok(_) => {}
            Err(e) => {
                // A 4xx is a clear no; a 5xx or no answer may or may not have created it.
                if dry_run || e.code().is_some_and(|c| c < 500) {
                    j.phase = Phase::Deleted;
                }
                return Err(format!(
                    "{} the StatefulSet failed: {}",
                    if dry_run {
                        "the dry run of re-creating"
                    } else {
                        "re-creating"
                    },
                    e.answer()
                ));
            }
        }
    }
    Ok(())
}

/// Waits until every pod the old StatefulSet had is still running (same uid), Ready, and
/// owned by the new StatefulSet.
async fn wait_adopted(
    pods: &Api<LivePod>,
    s: &Settings,
    out: &mut dyn Write,
    plan: &ExpandPlan,
    members: &[(String, Option<String>)],
    new_uid: &str,
) -> Result<(), String> {
    let lp = ListParams::default().labels(&plan.selector);
    let new_uid_ref = new_uid;
    wait_for(s, out, "pods", s.step_timeout, || {
        let lp = lp.clone();
        async move {
            let list = send(pods.list(&lp), s.request_timeout)
                .await
                .map_err(|e| format!("listing the pods failed: {}", e.answer()))?;
            let list: Vec<Pod> = list.items.into_iter().map(Pod::from).collect();
            let mut waiting = Vec::new();
            for (pod, uid) in members {
                let now = list.iter().find(|p| crate::k8s::name(&p.metadata) == pod);
                match now {
                    None => return Err(format!("pod {pod} is gone: it did not keep running")),
                    Some(p) if p.metadata.uid != *uid => {
                        return Err(format!(
                            "pod {pod} was replaced (new uid): it did not keep running"
                        ));
                    }
                    Some(p) if progress::controller_uid(p) != Some(new_uid_ref) => {
                        waiting.push(format!("{pod} not adopted yet"));
                    }
                    Some(p) if !crate::k8s::pod::is_ready(p) => {
                        waiting.push(format!("{pod} not Ready"));
                    }
                    Some(_) => {}
                }
            }
            Ok(if waiting.is_empty() {
                Poll::Done(())
            } else {
                Poll::Wait(waiting.join(", "))
            })
        }
    })
    .await?;
    Ok(())
}

/// The pods the StatefulSet `uid` owns now, by name and uid.
async fn members_of(
    pods: &Api<LivePod>,
    s: &Settings,
    plan: &ExpandPlan,
    uid: &str,
) -> Result<Vec<(String, Option<String>)>, String> {
    let lp = ListParams::default().labels(&plan.selector);
    let list = send(pods.list(&lp), s.request_timeout)
        .await
        .map_err(|e| format!("listing the StatefulSet's pods failed: {}", e.answer()))?;
    Ok(list
        .items
        .into_iter()
        .map(Pod::from)
        .filter(|p| progress::controller_uid(p) == Some(uid))
        .map(|p| (crate::k8s::name(&p.metadata).to_string(), p.metadata.uid))
        .collect())
}

/// Deletes the StatefulSet object with its pods orphaned, dry run first, with its uid
/// and resourceVersion as preconditions; the journal says whether the delete was sent.
async fn delete_orphaning(
    sets: &Api<StatefulSet>,
    name: &str,
    (uid, rv): (&str, Option<&str>),
    s: &Settings,
    j: &mut Journal<'_>,
) -> Result<(), String> {
    send(
        sets.delete(name, &sts_delete_params(true, uid, rv)),
        s.request_timeout,
    )
    .await
    .map_err(|e| format!("the dry run of the delete was refused: {}", e.answer()))?;
    j.phase = Phase::DeleteSent;
    match send(
        sets.delete(name, &sts_delete_params(false, uid, rv)),
        s.request_timeout,
    )
    .await
    {
        Ok(_) => {}
        Err(e) if e.code().is_some() => {
            // The server answered no: nothing was deleted.
            j.phase = Phase::BackedUp;
            return Err(match e.code() {
                Some(409) => format!(
                    "the StatefulSet changed between reading and deleting it (409 Conflict); it was not deleted: {}",
                    e.answer()
                ),
                _ => format!("deleting the StatefulSet failed: {}", e.answer()),
            });
        }
        Err(e) => return Err(format!("deleting the StatefulSet: {}", e.answer())),
    }
    Ok(())
}

/// Waits until the StatefulSet object `old_uid` is gone; refuses to go on if another of
/// the same name appeared meanwhile.
async fn wait_gone(
    client: &Client,
    s: &Settings,
    out: &mut dyn Write,
    (ns, name): (&str, &str),
    old_uid: &str,
) -> Result<(), String> {
    let path = sts_path(ns, Some(name));
    wait_for(s, out, &format!("statefulset {name}"), s.step_timeout, || {
        let path = path.clone();
        async move {
            let get = http::Request::get(path).body(Vec::new()).map_err(|e| e.to_string())?;
            match send(client.request::<Value>(get), s.request_timeout).await {
                Err(e) if e.code() == Some(404) => Ok(Poll::Done(())),
                Ok(v) if v.pointer("/metadata/uid").and_then(Value::as_str) != Some(old_uid) => {
                    Err("another StatefulSet of that name appeared (someone or something re-created it): compare it with the backup before going on".to_string())
                }
                Ok(_) => Ok(Poll::Wait("terminating (the garbage collector orphans its pods first)".into())),
                Err(e) => Err(format!("reading the StatefulSet failed: {}", e.answer())),
            }
        }
    })
    .await
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn replace_statefulset(
    client: &Client,
    sets: &Api<StatefulSet>,
    pods: &Api<LivePod>,
    plan: &ExpandPlan,
    s: &Settings,
    out: &mut dyn Write,
    j: &mut Journal<'_>,
    closing: &mut Vec<String>,
) -> Result<(), String> {
    let Some(ts) = plan.template_steps else {
        return Ok(());
    };
    let ns = plan.statefulset.namespace.as_str();
    let name = plan.statefulset.name.as_str();
    j.at(Some(ts.save), "reading the StatefulSet as it is now");
    let _ = writeln!(
        out,
        "\nreplace the StatefulSet {ns}/{name} to change its claim template"
    );
    let get = http::Request::get(sts_path(ns, Some(name)))
        .body(Vec::new())
        .map_err(|e| e.to_string())?;
    let live: Value = send(client.request::<Value>(get), s.request_timeout)
        .await
        .map_err(|e| format!("reading the StatefulSet failed: {}", e.answer()))?;
    let (uid, rv) = check_live(plan, &live)?;
    if manifest::template_size(&live, &plan.template) == Some(plan.to.as_str()) {
        let _ = writeln!(
            out,
            "  claim template {} already asks for {}",
            plan.template, plan.to
        );
        return Ok(());
    }
    let (new_obj, backup) = save_files(plan, j, out, &live, &uid, rv.as_deref())?;

    // The pods it has now: after the re-create, the same pods must be adopted.
    let members = members_of(pods, s, plan, &uid).await?;

    j.at(
        Some(ts.delete),
        "deleting the StatefulSet object (orphaning its pods)",
    );
    delete_orphaning(sets, name, (&uid, rv.as_deref()), s, j).await?;
    j.phase = Phase::Deleted;
    let _ = writeln!(
        out,
        "  deleted statefulset {name} with --cascade=orphan: its pods keep running"
    );

    j.at(
        Some(ts.gone),
        "waiting until the StatefulSet object is gone",
    );
    wait_gone(client, s, out, (ns, name), &uid).await?;

    j.at(
        Some(ts.create),
        format!(
            "re-creating the StatefulSet with claim template {} at {}",
            plan.template, plan.to
        ),
    );
    create(client, s, j, ns, &new_obj).await?;
    let Phase::Recreated(new_uid) = j.phase.clone() else {
        return Err("re-created, without a uid in the answer".into());
    };
    let _ = writeln!(
        out,
        "  re-created statefulset {name} (uid {new_uid}) with claim template {} at {}",
        plan.template, plan.to
    );

    j.at(
        Some(ts.verify),
        "checking the pods kept running and were adopted",
    );
    wait_adopted(pods, s, out, plan, &members, &new_uid).await?;
    let _ = writeln!(
        out,
        "  {} pod(s) kept running and were adopted by the new StatefulSet",
        members.len()
    );
    closing.push(format!(
        "the old StatefulSet is saved in {}",
        backup.display()
    ));
    Ok(())
}
