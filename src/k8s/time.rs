//! Durations for evidence lines. They are computed from the analysis time passed in, never
//! from the clock, so the same snapshot and `now` always give the same text.

use jiff::Timestamp;

/// Seconds from `t` to `now` (negative when `t` is in the future).
pub fn secs_since(t: Timestamp, now: Timestamp) -> i64 {
    now.as_second() - t.as_second()
}

/// The short age of `t` at `now` (`12m`): how long a condition has held.
pub fn age(t: Timestamp, now: Timestamp) -> String {
    short(secs_since(t, now))
}

/// kubectl-style short age: `45s`, `12m`, `3h`, `5d`.
pub fn short(secs: i64) -> String {
    let s = secs.max(0);
    if s < 120 {
        format!("{s}s")
    } else if s < 2 * 3600 {
        format!("{}m", s / 60)
    } else if s < 48 * 3600 {
        format!("{}h", s / 3600)
    } else {
        format!("{}d", s / 86400)
    }
}

/// When an event last happened, whichever recorder wrote it (legacy events carry
/// `lastTimestamp`; events.k8s.io ones `eventTime` or a series).
pub fn event_time(e: &crate::model::Event) -> Option<jiff::Timestamp> {
    e.last_timestamp
        .as_ref()
        .map(|t| t.0)
        .or_else(|| {
            e.series
                .as_ref()
                .and_then(|s| s.last_observed_time.as_ref())
                .map(|t| t.0)
        })
        .or_else(|| e.event_time.as_ref().map(|t| t.0))
        .or_else(|| e.first_timestamp.as_ref().map(|t| t.0))
        .or_else(|| e.metadata.creation_timestamp.as_ref().map(|t| t.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_like_kubectl() {
        assert_eq!(short(5), "5s");
        assert_eq!(short(119), "119s");
        assert_eq!(short(600), "10m");
        assert_eq!(short(3 * 3600), "3h");
        assert_eq!(short(5 * 86400), "5d");
        assert_eq!(short(-3), "0s");
    }
}
