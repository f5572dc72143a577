//! Custom resources behind a CustomResourceDefinition, served as the real API server serves
//! them: the group in discovery (`/apis`, `/apis/<group>`, `/apis/<group>/<version>`), lists
//! and single objects, and PATCH (merge and JSON patch) checked against the CRD's schema.
//!
//! The schema is the minimal one a test needs: the field paths the CRD declares (`[]` for
//! a list's entries, a trailing `.*` where the CRD keeps unknown fields). As on a real
//! server, with `fieldValidation=Strict` (kubectl's default, `--validate=strict`) a patch
//! that sets an undeclared field is refused with a 400; without it the field is silently
//! pruned. So a patch printed with a wrong field path is caught, not "accepted".

use super::{Answer, merge_patch, query_value};
use axum::http::Method;
use serde_json::{Value, json};
use std::sync::Mutex;

/// One CustomResourceDefinition.
#[derive(Debug, Clone)]
pub struct Crd {
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub plural: &'static str,
    /// The field paths its schema declares under the object's root (`spec.replicas`,
    /// `spec.nodeSets[].count`, `spec.podTemplate.*`).
    pub fields: &'static [&'static str],
}

impl Crd {
    fn prefix(&self) -> String {
        format!("/apis/{}/{}", self.group, self.version)
    }

    fn api_version(&self) -> String {
        format!("{}/{}", self.group, self.version)
    }

    /// Whether the schema declares `path` (a leaf of an object, `[]` for list entries).
    fn declares(&self, path: &str) -> bool {
        self.fields.iter().any(|f| {
            // On the way to a declared field.
            let leads = |f: &str| {
                f == path
                    || f.starts_with(&format!("{path}."))
                    || f.starts_with(&format!("{path}[]"))
            };
            match f.strip_suffix(".*") {
                Some(open) => leads(open) || path.starts_with(&format!("{open}.")),
                None => leads(f),
            }
        })
    }
}

/// The CRDs and their objects.
#[derive(Debug, Default)]
pub struct Custom {
    crds: Vec<Crd>,
    objects: Mutex<Vec<Value>>,
    version: Mutex<u64>,
}

impl Custom {
    pub fn new(crds: Vec<Crd>, objects: Vec<Value>) -> Self {
        Custom {
            crds,
            objects: Mutex::new(objects),
            version: Mutex::new(5000),
        }
    }

    /// The object as stored now.
    pub fn get(&self, plural: &str, namespace: &str, name: &str) -> Option<Value> {
        let crd = self.crds.iter().find(|c| c.plural == plural)?;
        self.objects
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .find(|o| matches(o, crd, namespace, name))
            .cloned()
    }

    pub(super) fn answer(
        &self,
        method: &Method,
        path: &str,
        query: &[(String, String)],
        content_type: Option<&str>,
        body: Option<&str>,
        forbidden: &dyn Fn(&str) -> bool,
    ) -> Option<Answer> {
        if method == Method::GET && path == "/apis" {
            return Some(self.group_list());
        }
        for crd in &self.crds {
            if method == Method::GET && path == format!("/apis/{}", crd.group) {
                return Some(Answer::json(200, &group(crd)));
            }
            if method == Method::GET && path == crd.prefix() {
                return Some(Answer::json(200, &resources(crd)));
            }
            let Some(rest) = path
                .strip_prefix(&crd.prefix())
                .and_then(|r| r.strip_prefix('/'))
            else {
                continue;
            };
            let segments: Vec<&str> = rest.split('/').collect();
            let (namespace, name) = match segments.as_slice() {
                [p] if *p == crd.plural => (None, None),
                ["namespaces", ns, p] if *p == crd.plural => (Some(*ns), None),
                ["namespaces", ns, p, name] if *p == crd.plural => (Some(*ns), Some(*name)),
                _ => continue,
            };
            if forbidden(crd.plural) {
                return Some(Answer::status(
                    403,
                    "Forbidden",
                    &format!(
                        "{}.{} is forbidden: User \"fake\" cannot {} resource \"{}\" in API group \"{}\"{}",
                        crd.plural,
                        crd.group,
                        if name.is_some() { "get" } else { "list" },
                        crd.plural,
                        crd.group,
                        namespace
                            .map(|ns| format!(" in the namespace \"{ns}\""))
                            .unwrap_or_else(|| " at the cluster scope".into())
                    ),
                    Some(json!({"group": crd.group, "kind": crd.plural})),
                ));
            }
            return Some(match (method.clone(), namespace, name) {
                (Method::GET, ns, None) => self.list(crd, ns),
                (Method::GET, Some(ns), Some(name)) => match self.get(crd.plural, ns, name) {
                    Some(o) => Answer::json(200, &o),
                    None => not_found(crd, name),
                },
                (Method::PATCH, Some(ns), Some(name)) => {
                    self.patch(crd, ns, name, query, content_type, body)
                }
                _ => Answer::status(405, "MethodNotAllowed", "not served by the fake", None),
            });
        }
        None
    }

    fn group_list(&self) -> Answer {
        let groups: Vec<Value> = self.crds.iter().map(group).collect();
        Answer::json(
            200,
            &json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}),
        )
    }

    fn list(&self, crd: &Crd, namespace: Option<&str>) -> Answer {
        let items: Vec<Value> = self
            .objects
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|o| o["kind"] == crd.kind && o["apiVersion"] == crd.api_version())
            .filter(|o| {
                namespace.is_none_or(|ns| o.pointer("/metadata/namespace") == Some(&json!(ns)))
            })
            .cloned()
            .collect();
        Answer::json(
            200,
            &json!({"kind": format!("{}List", crd.kind), "apiVersion": crd.api_version(),
                    "metadata": {"resourceVersion": self.version.lock().unwrap_or_else(|e| e.into_inner()).to_string()},
                    "items": items}),
        )
    }

    fn patch(
        &self,
        crd: &Crd,
        ns: &str,
        name: &str,
        query: &[(String, String)],
        content_type: Option<&str>,
        body: Option<&str>,
    ) -> Answer {
        let Some(mut obj) = self.get(crd.plural, ns, name) else {
            return not_found(crd, name);
        };
        let Ok(patch) = serde_json::from_str::<Value>(body.unwrap_or_default()) else {
            return Answer::status(400, "BadRequest", "the patch is not JSON", None);
        };
        match content_type.unwrap_or_default() {
            "application/merge-patch+json" => merge_patch(&mut obj, &patch),
            "application/json-patch+json" => {
                if let Err(why) = json_patch(&mut obj, &patch) {
                    return Answer::status(422, "Invalid", &why, None);
                }
            }
            other => {
                return Answer::status(
                    415,
                    "UnsupportedMediaType",
                    &format!(
                        "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml; got {other}"
                    ),
                    None,
                );
            }
        }
        let mut unknown = Vec::new();
        undeclared(crd, &obj["spec"], "spec", &mut unknown);
        if !unknown.is_empty() {
            if query_value(query, "fieldValidation") == Some("Strict") {
                let words: Vec<String> = unknown
                    .iter()
                    .map(|u| format!("unknown field \"{u}\""))
                    .collect();
                return Answer::status(
                    400,
                    "BadRequest",
                    &format!("strict decoding error: {}", words.join(", ")),
                    None,
                );
            }
            // What a real server does without Strict: the undeclared fields are pruned.
            for u in &unknown {
                prune(&mut obj, u);
            }
        }
        if query_value(query, "dryRun") == Some("All") {
            return Answer::json(200, &obj);
        }
        let version = {
            let mut v = self.version.lock().unwrap_or_else(|e| e.into_inner());
            *v += 1;
            *v
        };
        obj["metadata"]["resourceVersion"] = json!(version.to_string());
        let mut objects = self.objects.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(slot) = objects.iter_mut().find(|o| matches(o, crd, ns, name)) {
            *slot = obj.clone();
        }
        Answer::json(200, &obj)
    }
}

fn matches(o: &Value, crd: &Crd, namespace: &str, name: &str) -> bool {
    o["kind"] == crd.kind
        && o["apiVersion"] == crd.api_version()
        && o.pointer("/metadata/namespace") == Some(&json!(namespace))
        && o.pointer("/metadata/name") == Some(&json!(name))
}

fn group(crd: &Crd) -> Value {
    let gv = json!({"groupVersion": crd.api_version(), "version": crd.version});
    json!({"kind": "APIGroup", "apiVersion": "v1", "name": crd.group,
           "versions": [gv.clone()], "preferredVersion": gv})
}

fn resources(crd: &Crd) -> Value {
    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": crd.api_version(),
           "resources": [{"name": crd.plural, "singularName": crd.kind.to_lowercase(), "namespaced": true,
                          "kind": crd.kind,
                          "verbs": ["delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"]}]})
}

fn not_found(crd: &Crd, name: &str) -> Answer {
    Answer::status(
        404,
        "NotFound",
        &format!("{}.{} \"{name}\" not found", crd.plural, crd.group),
        Some(json!({"name": name, "group": crd.group, "kind": crd.plural})),
    )
}

/// RFC 6902, the operations a printed patch may use: test, replace, add, remove.
fn json_patch(target: &mut Value, ops: &Value) -> Result<(), String> {
    let ops = ops
        .as_array()
        .ok_or("a JSON patch is a list of operations")?;
    for op in ops {
        let path = op["path"].as_str().ok_or("an operation without a path")?;
        match op["op"].as_str() {
            Some("test") => {
                if target.pointer(path) != Some(&op["value"]) {
                    return Err(format!("testing value {path} failed"));
                }
            }
            Some("replace") => {
                let slot = target.pointer_mut(path).ok_or_else(|| {
                    format!("replace operation does not apply: doc is missing key: {path}")
                })?;
                *slot = op["value"].clone();
            }
            Some("add") => {
                let (parent, key) = path.rsplit_once('/').ok_or("a path without a parent")?;
                let parent = target.pointer_mut(parent).ok_or_else(|| {
                    format!("add operation does not apply: doc is missing path: {path}")
                })?;
                match parent {
                    Value::Object(m) => {
                        m.insert(
                            key.replace("~1", "/").replace("~0", "~"),
                            op["value"].clone(),
                        );
                    }
                    Value::Array(a) if key == "-" => a.push(op["value"].clone()),
                    Value::Array(a) => {
                        let i: usize = key.parse().map_err(|_| format!("bad index in {path}"))?;
                        if i > a.len() {
                            return Err(format!(
                                "add operation does not apply: index out of range: {path}"
                            ));
                        }
                        a.insert(i, op["value"].clone());
                    }
                    _ => return Err(format!("add operation does not apply: {path}")),
                }
            }
            Some("remove") => {
                let (parent, key) = path.rsplit_once('/').ok_or("a path without a parent")?;
                let removed = match target.pointer_mut(parent) {
                    Some(Value::Object(m)) => m.remove(key).is_some(),
                    Some(Value::Array(a)) => match key.parse::<usize>() {
                        Ok(i) if i < a.len() => {
                            a.remove(i);
                            true
                        }
                        _ => false,
                    },
                    _ => false,
                };
                if !removed {
                    return Err(format!(
                        "remove operation does not apply: doc is missing path: {path}"
                    ));
                }
            }
            other => return Err(format!("unsupported operation {other:?}")),
        }
    }
    Ok(())
}

/// The dotted paths in `v` (under `at`) that the CRD does not declare.
fn undeclared(crd: &Crd, v: &Value, at: &str, out: &mut Vec<String>) {
    if !crd.declares(at) {
        out.push(at.to_string());
        return;
    }
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                undeclared(crd, child, &format!("{at}.{k}"), out);
            }
        }
        Value::Array(items) => {
            for child in items {
                // Entries of a list share one schema: declared as `path[]`.
                if let Value::Object(m) = child {
                    for (k, c) in m {
                        undeclared(crd, c, &format!("{at}[].{k}"), out);
                    }
                }
            }
        }
        _ => {}
    }
}

/// Removes an undeclared field named by its dotted path (entries of lists included).
fn prune(v: &mut Value, path: &str) {
    fn walk(v: &mut Value, segs: &[&str]) {
        let Some((first, rest)) = segs.split_first() else {
            return;
        };
        let (key, list) = match first.strip_suffix("[]") {
            Some(k) => (k, true),
            None => (*first, false),
        };
        let Some(m) = v.as_object_mut() else { return };
        if rest.is_empty() && !list {
            m.remove(key);
            return;
        }
        match m.get_mut(key) {
            Some(Value::Array(items)) if list => items.iter_mut().for_each(|i| walk(i, rest)),
            Some(child) if !list => walk(child, rest),
            _ => {}
        }
    }
    let segs: Vec<&str> = path.split('.').collect();
    walk(v, &segs);
}
