//! Watch streams (`?watch=1`), as the API server serves them: newline-delimited
//! `{"type":...,"object":...}` events on a held-open response, resumable from a
//! resourceVersion, a 410 `ERROR` event when that version is too old, and the connection
//! closed by the server now and then (clients reconnect from their last version).
//!
//! A test drives the cluster through a [`WatchHub`]: every event gets the next
//! resourceVersion (above any the lists give out), is kept, and reaches every open watch of
//! its resource. A watch from version V first gets the kept events after V, so an event
//! pushed before the client's watch request arrived is not lost, as on a real server.

use serde_json::{Value, json};
use std::sync::Mutex;
use tokio::sync::broadcast;

/// Versions of pushed events start above every resourceVersion the recorded lists carry.
const FIRST_VERSION: u64 = 1_000_000;

#[derive(Debug, Clone)]
pub(super) struct Line {
    pub resource: String,
    pub version: u64,
    /// The JSON text of the event, or `None` to close the watches of the resource.
    pub text: Option<String>,
    /// Changes are replayed to a watch that starts from an older version; an `ERROR` is
    /// for the watches open when it happened (replaying it would expire every re-list).
    pub replay: bool,
}

#[derive(Debug)]
pub struct WatchHub {
    log: Mutex<Vec<Line>>,
    tx: broadcast::Sender<Line>,
}

impl Default for WatchHub {
    fn default() -> Self {
        WatchHub {
            log: Mutex::new(Vec::new()),
            tx: broadcast::channel(1024).0,
        }
    }
}

impl WatchHub {
    fn next_version(&self, log: &[Line]) -> u64 {
        log.last().map_or(FIRST_VERSION, |l| l.version + 1)
    }

    fn send(&self, resource: &str, replay: bool, event: impl FnOnce(u64) -> Option<String>) {
        let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        let version = self.next_version(&log);
        let line = Line {
            resource: resource.to_string(),
            version,
            text: event(version),
            replay,
        };
        log.push(line.clone());
        let _ = self.tx.send(line);
    }

    /// `ADDED`, `MODIFIED` or `DELETED` of `object` (given a fresh resourceVersion).
    pub fn push(&self, resource: &str, kind: &str, mut object: Value) {
        self.send(resource, true, |v| {
            object["metadata"]["resourceVersion"] = json!(v.to_string());
            Some(json!({"type": kind, "object": object}).to_string())
        });
    }

    /// A `BOOKMARK`: only a newer resourceVersion, no change.
    pub fn bookmark(&self, resource: &str, kind: &str, api_version: &str) {
        self.send(resource, true, |v| {
            Some(
                json!({"type": "BOOKMARK", "object": {"kind": kind, "apiVersion": api_version,
                       "metadata": {"resourceVersion": v.to_string()}}})
                .to_string(),
            )
        });
    }

    /// The watches of `resource` get a 410 "too old resource version" and are closed, as
    /// after an etcd compaction: clients list again.
    pub fn expire(&self, resource: &str) {
        self.send(resource, false, |_| {
            Some(
                json!({"type": "ERROR", "object": {"kind": "Status", "apiVersion": "v1",
                       "metadata": {}, "status": "Failure",
                       "message": "too old resource version: 1 (2)", "reason": "Expired",
                       "code": 410}})
                .to_string(),
            )
        });
        self.close(resource);
    }

    /// The server closes the open watches of `resource` (clients resume from their last
    /// version).
    pub fn close(&self, resource: &str) {
        self.send(resource, false, |_| None);
    }

    /// The kept changes of `resource` after version `from`, and the live feed from there.
    pub(super) fn lines_after(
        &self,
        resource: &str,
        from: u64,
    ) -> (Vec<Line>, broadcast::Receiver<Line>) {
        let log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        // Subscribed under the lock: nothing is sent between the replay and the live part.
        let rx = self.tx.subscribe();
        let replay = log
            .iter()
            .filter(|l| l.resource == resource && l.version > from && l.replay)
            .cloned()
            .collect();
        (replay, rx)
    }
}

/// The body of one watch response: the kept events after `from`, then live ones, until the
/// resource's watches are closed. An expired version gets only the 410 event.
pub(super) fn body(hub: &WatchHub, resource: &str, from: u64) -> axum::body::Body {
    use futures::StreamExt;
    let (replay, rx) = hub.lines_after(resource, from);
    let resource = resource.to_string();
    let replayed = futures::stream::iter(replay.into_iter().map(Some));
    let live = futures::stream::unfold(rx, move |mut rx| {
        let resource = resource.clone();
        async move {
            loop {
                match rx.recv().await {
                    Ok(l) if l.resource == resource => return Some((Some(l), rx)),
                    Ok(_) => continue,
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        }
    });
    let lines = replayed
        .chain(live)
        // A close ends the stream; an event with the 410 ends it after itself.
        .take_while(|l| futures::future::ready(l.as_ref().is_some_and(|l| l.text.is_some())))
        .map(|l| {
            let mut text = l.and_then(|l| l.text).unwrap_or_default();
            text.push('\n');
            Ok::<_, std::convert::Infallible>(axum::body::Bytes::from(text))
        });
    axum::body::Body::from_stream(lines)
}
