//! The fake's objects for `pvc-expand --apply`: single PersistentVolumeClaims, Pods and one
//! StatefulSet that can be read, patched, evicted, deleted and created, with the
//! controllers' part simulated, so a test can run the whole expansion over real HTTP.
//!
//! Switched on per test with [`Options::expansion`](super::Options::expansion); without it
//! the fake answers none of these requests (they keep their 404s). What it models, after the
//! recorded v1.36 server where there is a recording:
//! - `GET`/`PATCH` (merge) of a claim: `?dryRun=All` changes nothing and answers the object
//!   as it would be; `metadata.resourceVersion` in the patch is a precondition (409); a
//!   request below `status.capacity` is the recorded 422. After a real patch the resizer and
//!   kubelet are simulated per claim ([`Resizer`]), one step per read.
//! - `GET` of a pod; lists of claims, pods (with a `labelSelector` too) and StatefulSets
//!   in a namespace, from the objects as they are now (a second run reads what the first
//!   one changed).
//! - Evictions: the dry run answers the recorded 201; a real one checks the
//!   `deleteOptions.preconditions` (409), then the pod is replaced: the next read shows a
//!   new pod (new uid) not yet Ready, the one after it Ready. An `Offline` claim of that pod
//!   then finishes its filesystem resize.
//! - `GET`/`DELETE` of the StatefulSet: options from the body when there is one (the query's
//!   `dryRun` then ignored, as the real server does), preconditions (409); with
//!   `propagationPolicy: Orphan` it stays terminating for one read (the garbage collector
//!   orphaning the pods: their ownerReferences go), then 404.
//! - `POST` of a StatefulSet: `?dryRun=All` honoured; a `resourceVersion` in the body is the
//!   real server's 400; an existing name a 409. A created one gets a new uid and adopts the
//!   pods its selector matches (their controller ownerReference now names it).
//! - `GET …/resourcequotas`: the quotas given (an empty list by default), or 403.

use super::{Answer, fixture, query_value};
use axum::http::Method;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// How the resizer and the kubelet answer a claim's expansion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resizer {
    /// The next read shows the new capacity.
    Online,
    /// The next read shows `FileSystemResizePending`, the one after it the new capacity
    /// (the kubelet grew the mounted filesystem online).
    OnlineAfterPending,
    /// `FileSystemResizePending` until the claim's pod has been replaced (the driver can
    /// only grow the filesystem when it is mounted anew).
    Offline,
}

#[derive(Debug, Default)]
struct State {
    /// (resource, namespace, name) to the object as stored.
    objects: BTreeMap<(String, String, String), Value>,
    /// Claims patched for real and not finished growing, with how many reads since.
    resizing: BTreeMap<(String, String), usize>,
    /// Pods evicted for real: how many reads of their replacement so far.
    replaced: BTreeMap<(String, String), usize>,
    /// StatefulSets deleted with orphan propagation: reads while terminating.
    terminating: BTreeMap<(String, String), usize>,
    next_rv: u64,
    next_uid: u64,
}

/// The objects and the simulation. Keep an `Arc` of it to look at the objects afterwards.
#[derive(Debug)]
pub struct Expansion {
    state: Mutex<State>,
    resizers: BTreeMap<String, Resizer>,
    quotas: Option<Vec<Value>>,
    fail_create: Option<u16>,
    /// A claim whose resourceVersion moves on right after the first list of claims.
    changes_after_listing: Option<String>,
}

fn key(resource: &str, ns: &str, name: &str) -> (String, String, String) {
    (resource.to_string(), ns.to_string(), name.to_string())
}

fn str_at<'a>(v: &'a Value, p: &str) -> &'a str {
    v.pointer(p).and_then(Value::as_str).unwrap_or_default()
}

/// RFC 7396.
fn merge(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(p) => {
            if !target.is_object() {
                *target = json!({});
            }
            if let Value::Object(t) = target {
                for (k, v) in p {
                    if v.is_null() {
                        t.remove(k);
                    } else {
                        merge(t.entry(k.clone()).or_insert(Value::Null), v);
                    }
                }
            }
        }
        other => *target = other.clone(),
    }
}

fn quantity_gi(q: &str) -> Option<f64> {
    let q = q.trim();
    if let Some(n) = q.strip_suffix("Gi") {
        return n.parse().ok();
    }
    if let Some(n) = q.strip_suffix("Mi") {
        return n.parse::<f64>().ok().map(|m| m / 1024.0);
    }
    q.parse::<f64>().ok().map(|b| b / 1024f64.powi(3))
}

fn with_type(mut obj: Value, kind: &str, api_version: &str) -> Value {
    if let Some(o) = obj.as_object_mut() {
        o.insert("kind".into(), json!(kind));
        o.insert("apiVersion".into(), json!(api_version));
    }
    obj
}

fn conflict(resource: &str, name: &str) -> Answer {
    Answer::status(
        409,
        "Conflict",
        &format!(
            "Operation cannot be fulfilled on {resource} \"{name}\": the object has been modified; please apply your changes to the latest version and try again"
        ),
        Some(json!({"name": name, "kind": resource})),
    )
}

fn missing(resource: &str, name: &str) -> Answer {
    Answer::status(
        404,
        "NotFound",
        &format!("{resource} \"{name}\" not found"),
        Some(json!({"name": name, "kind": resource})),
    )
}

/// The preconditions of delete options: the first mismatch, as the real 409 words it.
fn preconditions_fail(options: &Value, obj: &Value, kind: &str, name: &str) -> Option<Answer> {
    for (k, p, what) in [
        ("uid", "/metadata/uid", "UID"),
        (
            "resourceVersion",
            "/metadata/resourceVersion",
            "ResourceVersion",
        ),
    ] {
        let Some(want) = options
            .pointer(&format!("/preconditions/{k}"))
            .and_then(Value::as_str)
        else {
            continue;
        };
        let have = str_at(obj, p);
        if want != have {
            return Some(Answer::status(
                409,
                "Conflict",
                &format!(
                    "Operation cannot be fulfilled on {kind} \"{name}\": the {what} in the precondition ({want}) does not match the {what} in record ({have}). The object might have been modified"
                ),
                Some(json!({"name": name, "kind": kind})),
            ));
        }
    }
    None
}

fn dry_run_in(v: &Value) -> bool {
    v.get("dryRun")
        .and_then(Value::as_array)
        .is_some_and(|a| a.iter().any(|x| x == "All"))
}

impl Expansion {
    /// The objects to serve: claims and pods as listed (`fixture_items`), and the
    /// StatefulSet as a single object (its recorded GET).
    pub fn new(statefulset: Value, claims: Vec<Value>, pods: Vec<Value>) -> Self {
        let mut st = State {
            next_rv: 1000,
            next_uid: 1,
            ..State::default()
        };
        let mut put = |resource: &str, o: Value| {
            let k = key(
                resource,
                str_at(&o, "/metadata/namespace"),
                str_at(&o, "/metadata/name"),
            );
            st.objects.insert(k, o);
        };
        put("statefulsets", statefulset);
        let mut resizing = Vec::new();
        for c in claims {
            // A claim left mid-resize (a test of a second run) goes on from there.
            let pending = c
                .pointer("/status/conditions")
                .and_then(Value::as_array)
                .is_some_and(|a| a.iter().any(|x| x["type"] == "FileSystemResizePending"));
            if pending {
                resizing.push((
                    str_at(&c, "/metadata/namespace").to_string(),
                    str_at(&c, "/metadata/name").to_string(),
                ));
            }
            put("persistentvolumeclaims", c);
        }
        for p in pods {
            put("pods", p);
        }
        for k in resizing {
            st.resizing.insert(k, 1);
        }
        Expansion {
            state: Mutex::new(st),
            resizers: BTreeMap::new(),
            quotas: Some(Vec::new()),
            fail_create: None,
            changes_after_listing: None,
        }
    }

    /// How claim `name` grows (default [`Resizer::Online`]).
    pub fn resizer(mut self, claim: &str, r: Resizer) -> Self {
        self.resizers.insert(claim.to_string(), r);
        self
    }

    /// The ResourceQuotas to list; `None`: listing them is Forbidden.
    pub fn quotas(mut self, quotas: Option<Vec<Value>>) -> Self {
        self.quotas = quotas;
        self
    }

    /// Right after claims are first listed, claim `name` changes (its resourceVersion moves
    /// on), as when someone edits it between the plan and the patch.
    pub fn changes_after_listing(mut self, claim: &str) -> Self {
        self.changes_after_listing = Some(claim.to_string());
        self
    }

    /// Answer the real (not dry-run) POST of a StatefulSet with this status.
    pub fn fail_create(mut self, code: u16) -> Self {
        self.fail_create = Some(code);
        self
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// An object as stored now.
    pub fn object(&self, resource: &str, ns: &str, name: &str) -> Option<Value> {
        self.state().objects.get(&key(resource, ns, name)).cloned()
    }

    /// The answer to a request this simulation serves, `None` for any other request.
    pub(super) fn answer(
        &self,
        method: &Method,
        path: &str,
        query: &[(String, String)],
        body: Option<&str>,
    ) -> Option<Answer> {
        let rest = path
            .strip_prefix("/api/v1/namespaces/")
            .map(|r| ("core", r))
            .or_else(|| {
                path.strip_prefix("/apis/apps/v1/namespaces/")
                    .map(|r| ("apps", r))
            })?;
        let segs: Vec<&str> = rest.1.split('/').collect();
        let dry_query = query_value(query, "dryRun") == Some("All");
        match (rest.0, method.clone(), segs.as_slice()) {
            ("core", Method::GET, [ns, "resourcequotas"]) => Some(self.quota_list(ns)),
            ("core", Method::GET, [ns, "persistentvolumeclaims", name]) => {
                Some(self.get_claim(ns, name))
            }
            ("core", Method::PATCH, [ns, "persistentvolumeclaims", name]) => {
                Some(self.patch_claim(ns, name, body, dry_query))
            }
            ("core", Method::GET, [ns, "pods", name]) => Some(self.get_pod(ns, name)),
            ("core", Method::GET, [ns, "pods"]) => Some(self.list(
                ns,
                "pods",
                ("PodList", "v1"),
                query_value(query, "labelSelector").unwrap_or_default(),
            )),
            ("core", Method::GET, [ns, "persistentvolumeclaims"]) => Some(self.list(
                ns,
                "persistentvolumeclaims",
                ("PersistentVolumeClaimList", "v1"),
                "",
            )),
            ("apps", Method::GET, [ns, "statefulsets"]) => {
                Some(self.list(ns, "statefulsets", ("StatefulSetList", "apps/v1"), ""))
            }
            ("core", Method::POST, [ns, "pods", name, "eviction"]) => {
                Some(self.evict(ns, name, body, dry_query))
            }
            ("apps", Method::GET, [ns, "statefulsets", name]) => Some(self.get_sts(ns, name)),
            ("apps", Method::DELETE, [ns, "statefulsets", name]) => {
                Some(self.delete_sts(ns, name, body, dry_query))
            }
            ("apps", Method::POST, [ns, "statefulsets"]) => {
                Some(self.create_sts(ns, body, dry_query))
            }
            _ => None,
        }
    }

    fn bump(st: &mut State, obj: &mut Value) {
        st.next_rv += 1;
        obj["metadata"]["resourceVersion"] = json!(st.next_rv.to_string());
    }

    fn quota_list(&self, ns: &str) -> Answer {
        match &self.quotas {
            None => Answer::status(
                403,
                "Forbidden",
                &format!(
                    "resourcequotas is forbidden: User \"fake\" cannot list resource \"resourcequotas\" in API group \"\" in the namespace \"{ns}\""
                ),
                Some(json!({"kind": "resourcequotas"})),
            ),
            Some(q) => Answer::json(
                200,
                &json!({"kind": "ResourceQuotaList", "apiVersion": "v1",
                        "metadata": {"resourceVersion": "334"},
                        "items": q.iter().filter(|o| str_at(o, "/metadata/namespace") == ns).collect::<Vec<_>>()}),
            ),
        }
    }

    /// One step of the resizer and kubelet for a claim being resized, per read.
    fn advance_claim(&self, st: &mut State, ns: &str, name: &str) {
        let k = (ns.to_string(), name.to_string());
        let Some(reads) = st.resizing.get(&k).copied() else {
            return;
        };
        let pod = name
            .rsplit_once('-')
            .map(|(prefix, ord)| {
                let sts = prefix.split_once('-').map(|(_, s)| s).unwrap_or(prefix);
                format!("{sts}-{ord}")
            })
            .unwrap_or_default();
        let restarted = st
            .replaced
            .get(&(ns.to_string(), pod))
            .is_some_and(|r| *r >= 2);
        let mode = self.resizers.get(name).copied().unwrap_or(Resizer::Online);
        let grown = match mode {
            Resizer::Online => true,
            Resizer::OnlineAfterPending => reads >= 1,
            Resizer::Offline => restarted,
        };
        let Some(mut obj) = st
            .objects
            .get(&key("persistentvolumeclaims", ns, name))
            .cloned()
        else {
            return;
        };
        let size = obj
            .pointer("/spec/resources/requests/storage")
            .cloned()
            .unwrap_or(json!("0"));
        if grown {
            obj["status"]["capacity"]["storage"] = size.clone();
            if let Some(s) = obj["status"].as_object_mut() {
                s.remove("conditions");
            }
            st.resizing.remove(&k);
        } else {
            obj["status"]["allocatedResources"] = json!({"storage": size});
            obj["status"]["conditions"] = json!([{
                "type": "FileSystemResizePending", "status": "True",
                "lastTransitionTime": "2026-11-22T03:00:05Z",
                "message": "Waiting for user to (re-)start a pod to finish file system resize of volume on node."}]);
            st.resizing.insert(k, reads + 1);
        }
        Self::bump(st, &mut obj);
        st.objects
            .insert(key("persistentvolumeclaims", ns, name), obj);
    }

    fn get_claim(&self, ns: &str, name: &str) -> Answer {
        let mut st = self.state();
        self.advance_claim(&mut st, ns, name);
        match st.objects.get(&key("persistentvolumeclaims", ns, name)) {
            Some(o) => Answer::json(200, &with_type(o.clone(), "PersistentVolumeClaim", "v1")),
            None => missing("persistentvolumeclaims", name),
        }
    }

    fn patch_claim(&self, ns: &str, name: &str, body: Option<&str>, dry_run: bool) -> Answer {
        let Some(Ok(patch)) = body.map(serde_json::from_str::<Value>) else {
            return Answer::status(
                400,
                "BadRequest",
                "the patch body is missing or not JSON",
                None,
            );
        };
        let mut st = self.state();
        let Some(stored) = st
            .objects
            .get(&key("persistentvolumeclaims", ns, name))
            .cloned()
        else {
            return missing("persistentvolumeclaims", name);
        };
        if let Some(want) = patch
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
            && want != str_at(&stored, "/metadata/resourceVersion")
        {
            return conflict("persistentvolumeclaims", name);
        }
        let mut obj = stored.clone();
        merge(&mut obj, &patch);
        // The precondition is not stored: the object keeps its own version until written.
        obj["metadata"]["resourceVersion"] = stored["metadata"]["resourceVersion"].clone();
        let new = quantity_gi(str_at(&obj, "/spec/resources/requests/storage"));
        let cap = quantity_gi(str_at(&stored, "/status/capacity/storage"));
        if let (Some(n), Some(c)) = (new, cap)
            && n < c
        {
            return Answer::json(
                422,
                &fixture(
                    "PATCH_api_v1_namespaces_shop_persistentvolumeclaims_data-orders-db-0_dryRunAll_shrink.json",
                ),
            );
        }
        if !dry_run {
            Self::bump(&mut st, &mut obj);
            st.objects
                .insert(key("persistentvolumeclaims", ns, name), obj.clone());
            st.resizing.insert((ns.to_string(), name.to_string()), 0);
        }
        Answer::json(200, &with_type(obj, "PersistentVolumeClaim", "v1"))
    }

    /// A replaced pod's next read: new uid, not Ready; the read after: Ready.
    fn advance_pod(&self, st: &mut State, ns: &str, name: &str) {
        let k = (ns.to_string(), name.to_string());
        let Some(reads) = st.replaced.get(&k).copied() else {
            return;
        };
        if reads >= 2 {
            return;
        }
        let Some(mut pod) = st.objects.get(&key("pods", ns, name)).cloned() else {
            return;
        };
        if reads == 0 {
            st.next_uid += 1;
            pod["metadata"]["uid"] = json!(format!("00000000-0000-4000-8000-{:012}", st.next_uid));
            pod["status"]["phase"] = json!("Pending");
            pod["status"]["conditions"] = json!([{"type": "Ready", "status": "False"}]);
        } else {
            pod["status"]["phase"] = json!("Running");
            pod["status"]["conditions"] = json!([{"type": "Ready", "status": "True"}]);
        }
        Self::bump(st, &mut pod);
        st.objects.insert(key("pods", ns, name), pod);
        st.replaced.insert(k, reads + 1);
    }

    fn get_pod(&self, ns: &str, name: &str) -> Answer {
        let mut st = self.state();
        self.advance_pod(&mut st, ns, name);
        match st.objects.get(&key("pods", ns, name)) {
            Some(o) => Answer::json(200, &with_type(o.clone(), "Pod", "v1")),
            None => missing("pods", name),
        }
    }

    /// A namespace's list of a kind the simulation holds, as it is now (so a second run's
    /// collector sees what the first one changed): one page, filtered by `key=value`
    /// selectors.
    fn list(&self, ns: &str, resource: &str, list: (&str, &str), selector: &str) -> Answer {
        let want: Vec<(&str, &str)> = selector
            .split(',')
            .filter_map(|kv| kv.split_once('='))
            .collect();
        let mut st = self.state();
        let items: Vec<Value> = st
            .objects
            .iter()
            .filter(|((r, n, _), _)| r == resource && n == ns)
            .map(|(_, o)| o.clone())
            .filter(|o| {
                want.iter().all(|(k, v)| {
                    o.pointer(&format!("/metadata/labels/{k}"))
                        .and_then(Value::as_str)
                        == Some(*v)
                })
            })
            .collect();
        let answer = Answer::json(
            200,
            &json!({"kind": list.0, "apiVersion": list.1,
                    "metadata": {"resourceVersion": st.next_rv.to_string()}, "items": items}),
        );
        if resource == "persistentvolumeclaims"
            && let Some(name) = &self.changes_after_listing
            && let Some(mut o) = st.objects.get(&key(resource, ns, name)).cloned()
            && o.pointer("/metadata/annotations/changed").is_none()
        {
            o["metadata"]["annotations"]["changed"] = json!("by someone else");
            Self::bump(&mut st, &mut o);
            st.objects.insert(key(resource, ns, name), o);
        }
        answer
    }

    fn evict(&self, ns: &str, name: &str, body: Option<&str>, dry_query: bool) -> Answer {
        let Some(Ok(ev)) = body.map(serde_json::from_str::<Value>) else {
            return Answer::status(400, "BadRequest", "the Eviction body is missing", None);
        };
        if str_at(&ev, "/metadata/name") != name {
            return Answer::status(
                400,
                "BadRequest",
                "name in URL does not match name in Eviction object",
                None,
            );
        }
        let options = ev.get("deleteOptions").cloned().unwrap_or(json!({}));
        let dry_run = dry_query || dry_run_in(&options);
        let mut st = self.state();
        let Some(pod) = st.objects.get(&key("pods", ns, name)).cloned() else {
            return missing("pods", name);
        };
        if let Some(a) = preconditions_fail(&options, &pod, "Pod", name) {
            return a;
        }
        if !dry_run {
            st.replaced.insert((ns.to_string(), name.to_string()), 0);
        }
        Answer::json(
            201,
            &fixture("POST_api_v1_namespaces_shop_pods_orders-db-0_eviction_dryRunAll.json"),
        )
    }

    fn get_sts(&self, ns: &str, name: &str) -> Answer {
        let mut st = self.state();
        let k = (ns.to_string(), name.to_string());
        if let Some(reads) = st.terminating.get(&k).copied() {
            if reads >= 1 {
                // The garbage collector has orphaned the pods; the object is gone.
                st.terminating.remove(&k);
                st.objects.remove(&key("statefulsets", ns, name));
                let pods: Vec<_> = st
                    .objects
                    .keys()
                    .filter(|(r, n, _)| r == "pods" && n == ns)
                    .cloned()
                    .collect();
                for p in pods {
                    if let Some(o) = st.objects.get_mut(&p)
                        && let Some(m) = o["metadata"].as_object_mut()
                    {
                        m.remove("ownerReferences");
                    }
                }
            } else {
                st.terminating.insert(k, reads + 1);
            }
        }
        match st.objects.get(&key("statefulsets", ns, name)) {
            Some(o) => Answer::json(200, &with_type(o.clone(), "StatefulSet", "apps/v1")),
            None => missing("statefulsets.apps", name),
        }
    }

    fn delete_sts(&self, ns: &str, name: &str, body: Option<&str>, dry_query: bool) -> Answer {
        // With a body, the options come from it alone (the query's dryRun is ignored).
        let options = match body {
            Some(b) => match serde_json::from_str::<Value>(b) {
                Ok(v) => v,
                Err(e) => {
                    return Answer::status(
                        400,
                        "BadRequest",
                        &format!("error decoding DeleteOptions: {e}"),
                        None,
                    );
                }
            },
            None => json!({"dryRun": if dry_query { json!(["All"]) } else { Value::Null }}),
        };
        let dry_run = dry_run_in(&options);
        let mut st = self.state();
        let Some(mut obj) = st.objects.get(&key("statefulsets", ns, name)).cloned() else {
            return missing("statefulsets.apps", name);
        };
        if let Some(a) = preconditions_fail(&options, &obj, "StatefulSet", name) {
            return a;
        }
        if options.get("propagationPolicy").and_then(Value::as_str) != Some("Orphan") {
            return Answer::status(
                400,
                "BadRequest",
                "the fake API server only deletes StatefulSets with propagationPolicy Orphan",
                None,
            );
        }
        if obj.pointer("/metadata/deletionTimestamp").is_none() {
            obj["metadata"]["deletionTimestamp"] = json!("2026-11-22T03:01:00Z");
            obj["metadata"]["deletionGracePeriodSeconds"] = json!(0);
            obj["metadata"]["finalizers"] = json!(["orphan"]);
        }
        if !dry_run {
            Self::bump(&mut st, &mut obj);
            st.objects
                .insert(key("statefulsets", ns, name), obj.clone());
            st.terminating.insert((ns.to_string(), name.to_string()), 0);
        }
        Answer::json(200, &with_type(obj, "StatefulSet", "apps/v1"))
    }

    fn create_sts(&self, ns: &str, body: Option<&str>, dry_run: bool) -> Answer {
        let Some(Ok(mut obj)) = body.map(serde_json::from_str::<Value>) else {
            return Answer::status(
                400,
                "BadRequest",
                "the StatefulSet body is missing or not JSON",
                None,
            );
        };
        if obj.pointer("/metadata/resourceVersion").is_some() {
            return Answer::status(
                400,
                "BadRequest",
                "resourceVersion should not be set on objects to be created",
                None,
            );
        }
        let name = str_at(&obj, "/metadata/name").to_string();
        if str_at(&obj, "/metadata/namespace") != ns {
            return Answer::status(
                400,
                "BadRequest",
                "the namespace of the provided object does not match the namespace sent on the request",
                None,
            );
        }
        if !dry_run && let Some(code) = self.fail_create {
            return Answer::status(
                code,
                "InternalError",
                "Internal error occurred: etcdserver: request timed out",
                None,
            );
        }
        let mut st = self.state();
        if st.objects.contains_key(&key("statefulsets", ns, &name)) {
            return Answer::status(
                409,
                "AlreadyExists",
                &format!("statefulsets.apps \"{name}\" already exists"),
                Some(json!({"name": name, "group": "apps", "kind": "statefulsets"})),
            );
        }
        st.next_uid += 1;
        let uid = format!("00000000-0000-4000-8000-{:012}", st.next_uid);
        obj["metadata"]["uid"] = json!(uid);
        obj["metadata"]["generation"] = json!(1);
        obj["metadata"]["creationTimestamp"] = json!("2026-11-22T03:01:30Z");
        Self::bump(&mut st, &mut obj);
        if !dry_run {
            st.objects
                .insert(key("statefulsets", ns, &name), obj.clone());
            // The controller adopts the orphans its selector matches.
            let labels: Vec<(String, String)> = obj
                .pointer("/spec/selector/matchLabels")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                        .collect()
                })
                .unwrap_or_default();
            let pods: Vec<_> = st
                .objects
                .keys()
                .filter(|(r, n, _)| r == "pods" && n == ns)
                .cloned()
                .collect();
            for p in pods {
                if let Some(o) = st.objects.get_mut(&p) {
                    let matches = labels.iter().all(|(k, v)| {
                        o.pointer(&format!("/metadata/labels/{k}"))
                            .and_then(Value::as_str)
                            == Some(v)
                    });
                    if matches && o.pointer("/metadata/ownerReferences").is_none() {
                        o["metadata"]["ownerReferences"] = json!([{
                            "apiVersion": "apps/v1", "kind": "StatefulSet", "name": name, "uid": uid,
                            "controller": true, "blockOwnerDeletion": true}]);
                    }
                }
            }
        }
        Answer::json(201, &with_type(obj, "StatefulSet", "apps/v1"))
    }
}
