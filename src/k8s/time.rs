//! Durations for evidence lines. They are computed from the analysis time passed in, never
//! from the clock, so the same snapshot and `now` always give the same text.

use jiff::Timestamp;

/// Seconds from `t` to `now` (negative when `t` is in the future).
pub fn secs_since(t: Timestamp, now: Timestamp) -> i64 {
    now.as_second() - t.as_second()
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
