//! Known failure patterns in a crashed container's last log lines, turned into evidence.
//! Deliberately few and specific: a pattern that matches normal chatter would send the
//! on-call engineer the wrong way.

/// What a log line says went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogCause {
    PermissionDenied,
    NoSpace,
    IncompatibleVersion,
    Corruption,
}

impl LogCause {
    pub fn explain(self) -> &'static str {
        match self {
            LogCause::PermissionDenied => {
                "permission denied on its files: the volume's owner does not match the container user (check securityContext.fsGroup / runAsUser, or a volume moved from another node)"
            }
            LogCause::NoSpace => {
                "no space left on device: the data volume is full (kubectl sts pvc-expand)"
            }
            LogCause::IncompatibleVersion => {
                "the data directory was written by an incompatible version: an image upgrade or downgrade the data format does not allow"
            }
            LogCause::Corruption => {
                "corrupted data or failed crash recovery: restore this replica from a peer or a backup"
            }
        }
    }
}

const PATTERNS: &[(LogCause, &[&str])] = &[
    (
        LogCause::NoSpace,
        &[
            "no space left on device",
            "enospc",
            "disk full",
            "not enough space",
        ],
    ),
    (
        LogCause::PermissionDenied,
        &[
            "permission denied",
            "eacces",
            "operation not permitted",
            "access denied to data directory",
        ],
    ),
    (
        LogCause::IncompatibleVersion,
        &[
            "database files are incompatible with server",
            "was initialized by postgresql version",
            "created by a newer version",
            "unsupported version",
            "incompatible data directory",
            "featurecompatibilityversion",
            "upgrade from an older version is not supported",
            "cannot be opened by this version",
        ],
    ),
    (
        LogCause::Corruption,
        &[
            "corrupt",
            "checksum mismatch",
            "invalid page in block",
            "wrong checksum",
            "failed to recover",
            "recovery failed",
            "could not locate a valid checkpoint",
            "unrecoverable",
        ],
    ),
];

/// The causes found in `lines`, each with the newest line that shows it, in the order of
/// [`PATTERNS`].
pub fn classify(lines: &[String]) -> Vec<(LogCause, String)> {
    let mut out = Vec::new();
    for (cause, needles) in PATTERNS {
        let hit = lines.iter().rev().find(|l| {
            let low = l.to_lowercase();
            needles.iter().any(|n| low.contains(n))
        });
        if let Some(line) = hit {
            let mut l: String = line.trim().chars().take(200).collect();
            if line.trim().chars().count() > 200 {
                l.push('…');
            }
            out.push((*cause, l));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn recognises_the_classic_stateful_crashes() {
        let l = lines(&[
            "2026-11-22 LOG:  starting PostgreSQL 16.4",
            "FATAL:  database files are incompatible with server",
            "DETAIL:  The data directory was initialized by PostgreSQL version 15",
        ]);
        let c = classify(&l);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].0, LogCause::IncompatibleVersion);
        assert!(c[0].1.contains("initialized by PostgreSQL version 15"));

        let l = lines(&["mkdir: cannot create directory '/bitnami/redis/data': Permission denied"]);
        assert_eq!(classify(&l)[0].0, LogCause::PermissionDenied);

        let l = lines(&["ERROR [main] write error: No space left on device"]);
        assert_eq!(classify(&l)[0].0, LogCause::NoSpace);

        let l = lines(&[
            "WiredTiger error (-31802) WT_ERROR: non-specific WiredTiger error, file is corrupt",
        ]);
        assert_eq!(classify(&l)[0].0, LogCause::Corruption);
    }

    #[test]
    fn ordinary_lines_match_nothing() {
        let l = lines(&["INFO started", "WARN slow query 2s", "checkpoint complete"]);
        assert!(classify(&l).is_empty());
    }
}
