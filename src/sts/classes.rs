//! The storage classes of a StatefulSet's claim templates, and re-creating a StatefulSet
//! when an immutable field (claim templates, serviceName) must change.

use crate::analysis::Ctx;
use crate::finding::Remedy;
use crate::model::StatefulSet;
use crate::{k8s, manifest};
use k8s_openapi::api::storage::v1::StorageClass;
use serde_json::{Map, Value, json};

pub(crate) const DEFAULT_ANNOTATION: &str = "storageclass.kubernetes.io/is-default-class";

pub(crate) const BETA_DEFAULT_ANNOTATION: &str = "storageclass.beta.kubernetes.io/is-default-class";

/// The default class, as the DefaultStorageClass admission plugin picks it (GA or beta
/// annotation; with several, the newest wins).
pub(crate) fn default_class<'a>(ctx: &Ctx<'a>) -> Option<&'a StorageClass> {
    if let Some(sc) = ctx.idx.default_storage_class {
        return Some(sc);
    }
    ctx.snap
        .storage_classes
        .iter()
        .filter(|sc| {
            sc.metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get(BETA_DEFAULT_ANNOTATION))
                .is_some_and(|v| v == "true")
        })
        .max_by_key(|sc| sc.metadata.creation_timestamp.as_ref().map(|t| t.0))
}

/// Which class a claim template's PVCs get.
pub(crate) enum TemplateClass<'a> {
    /// `storageClassName` set; the class if it exists.
    Named(&'a str, Option<&'a StorageClass>),
    /// No `storageClassName`: the default class, if there is one.
    Default(Option<&'a StorageClass>),
    /// `storageClassName: ""`: static binding to class-less PVs, no class involved.
    NoClass,
}

impl<'a> TemplateClass<'a> {
    pub(crate) fn class(&self) -> Option<&'a StorageClass> {
        match self {
            TemplateClass::Named(_, sc) | TemplateClass::Default(sc) => *sc,
            TemplateClass::NoClass => None,
        }
    }
}

pub(crate) fn claim_templates(sts: &StatefulSet) -> &[crate::model::PersistentVolumeClaim] {
    sts.spec
        .as_ref()
        .and_then(|s| s.volume_claim_templates.as_deref())
        .unwrap_or_default()
}

/// Each claim template's name with the class its claims get.
pub(crate) fn template_classes<'a>(
    ctx: &Ctx<'a>,
    sts: &'a StatefulSet,
) -> Vec<(&'a str, TemplateClass<'a>)> {
    claim_templates(sts)
        .iter()
        .map(|t| {
            let class = t
                .spec
                .as_ref()
                .and_then(|s| s.storage_class_name.as_deref());
            let tc = match class {
                Some("") => TemplateClass::NoClass,
                Some(c) => TemplateClass::Named(c, ctx.idx.storage_class.get(c).copied()),
                None => TemplateClass::Default(default_class(ctx)),
            };
            (k8s::name(&t.metadata), tc)
        })
        .collect()
}

/// The StatefulSet as a manifest to re-create it after an orphan delete: spec and
/// identifying metadata only (no status, uid, resourceVersion or managed fields), with
/// `edit` applied to it.
pub(crate) fn recreate_manifest(sts: &StatefulSet, edit: impl FnOnce(&mut Value)) -> Value {
    let ns = k8s::namespace(&sts.metadata);
    let name = k8s::name(&sts.metadata);
    let mut meta = manifest::metadata(name, ns);
    if let Some(l) = sts.metadata.labels.as_ref().filter(|l| !l.is_empty()) {
        meta["labels"] = json!(l);
    }
    let annotations: Map<String, Value> = sts
        .metadata
        .annotations
        .iter()
        .flatten()
        .filter(|(k, _)| {
            k.as_str() != crate::model::LAST_APPLIED && !k.starts_with("deployment.kubernetes.io/")
        })
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    if !annotations.is_empty() {
        meta["annotations"] = Value::Object(annotations);
    }
    let mut spec = sts.object()["spec"].take();
    if spec.is_null() {
        spec = json!({});
    }
    if let Some(tpls) = spec
        .get_mut("volumeClaimTemplates")
        .and_then(Value::as_array_mut)
    {
        for t in tpls {
            if let Some(o) = t.as_object_mut() {
                o.remove("status");
                o.remove("apiVersion");
                o.remove("kind");
            }
        }
    }
    let mut v = json!({
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": meta,
        "spec": spec,
    });
    edit(&mut v);
    v
}

/// `kubectl delete statefulset NAME --cascade=orphan`: removes only the controller object;
/// pods and claims keep running and are adopted by the re-created StatefulSet.
pub(crate) fn orphan_delete(ctx: &Ctx, sts: &StatefulSet, why: &str) -> Remedy {
    let ns = k8s::namespace(&sts.metadata);
    let name = k8s::name(&sts.metadata);
    Remedy::run(
        format!(
            "{why}: delete only the StatefulSet object, leaving its pods and PVCs running (--cascade=orphan). Save its manifest first: kubectl -n {ns} get statefulset {name} -o yaml"
        ),
        ctx.kubectl.argv(
            Some(ns),
            &["delete", "statefulset", name, "--cascade=orphan"],
        ),
    )
}

/// Sets `storageClassName` of the named claim templates in a re-create manifest.
pub(crate) fn set_template_class(v: &mut Value, templates: &[&str], class: &str) {
    if let Some(tpls) = v["spec"]
        .get_mut("volumeClaimTemplates")
        .and_then(Value::as_array_mut)
    {
        for t in tpls {
            let tname = t["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            if templates.contains(&tname.as_str()) {
                t["spec"]["storageClassName"] = json!(class);
            }
        }
    }
}
