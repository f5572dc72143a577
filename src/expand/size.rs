//! The size people ask for: a Kubernetes quantity, checked the way the API checks it, with a
//! hint for the units people mix up under pressure (`20GB`, `20gb`, `20G` for `20Gi`), and
//! the size `--to-usage` computes from the kubelet's volume stats.

use crate::k8s::quantity;

const GI: f64 = 1024.0 * 1024.0 * 1024.0;

/// A size that parsed, as typed (the exact string goes into the patch) with its bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Size {
    pub text: String,
    pub bytes: f64,
    /// A valid size that is probably not what was meant (`20G`: decimal gigabytes).
    pub hint: Option<String>,
}

/// `10^n` written the way the hint prints it.
fn power_of_ten(suffix: &str) -> Option<&'static str> {
    Some(match suffix {
        "k" | "K" => "10³",
        "M" => "10⁶",
        "G" => "10⁹",
        "T" => "10¹²",
        "P" => "10¹⁵",
        "E" => "10¹⁸",
        _ => return None,
    })
}

/// The binary suffix a decimal or misspelled one was meant as: `G`, `g`, `GB`, `gib` → `Gi`.
fn binary_for(letter: char) -> Option<&'static str> {
    Some(match letter.to_ascii_uppercase() {
        'K' => "Ki",
        'M' => "Mi",
        'G' => "Gi",
        'T' => "Ti",
        'P' => "Pi",
        'E' => "Ei",
        _ => return None,
    })
}

/// Splits `20GB` into `("20", "GB")`.
fn split_number(s: &str) -> (&str, &str) {
    let at = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    s.split_at(at)
}

/// What `20GB`, `20gb`, `20 Gi`, `20gib` probably meant, if it looks like a size at all.
fn suggestion(s: &str) -> Option<String> {
    let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    let (num, unit) = split_number(&compact);
    if num.is_empty() || num.parse::<f64>().is_err() {
        return None;
    }
    let mut chars = unit.chars();
    let letter = chars.next()?;
    let rest: String = chars.collect::<String>().to_ascii_lowercase();
    if !matches!(rest.as_str(), "" | "i" | "b" | "ib") {
        return None;
    }
    let bin = binary_for(letter)?;
    let mut hint = format!("did you mean {num}{bin}?");
    // Only a decimal unit people know (GB, G) deserves the arithmetic.
    let upper = letter.to_ascii_uppercase().to_string();
    let dec = if upper == "K" { "k".to_string() } else { upper };
    if let Some(p) = power_of_ten(&dec)
        && !rest.contains('i')
    {
        hint.push_str(&format!(" {num}{dec} is {num}×{p} bytes"));
    }
    Some(hint)
}

/// Parses a size given on the command line. An invalid one is an error whose message says
/// what was probably meant.
pub fn parse(s: &str) -> Result<Size, String> {
    let Some(bytes) = quantity::parse(s) else {
        let why = format!("invalid size {s:?}: not a Kubernetes quantity");
        return Err(match suggestion(s) {
            Some(h) => format!("{why}; {h}"),
            None => format!("{why} (examples: 20Gi, 500Gi, 1Ti)"),
        });
    };
    let (num, unit) = split_number(s);
    // `m` is thousandths: `10m` is a hundredth of a byte, never a size anyone means.
    if unit == "m" {
        return Err(format!(
            "invalid size {s:?}: the suffix m means thousandths of a byte; did you mean {num}Mi?"
        ));
    }
    if bytes < 1.0 {
        return Err(format!(
            "invalid size {s:?}: a volume size must be at least one byte"
        ));
    }
    // Volume sizes travel as int64 bytes (CSI's `required_bytes`, `Quantity.Value()`).
    if bytes > i64::MAX as f64 {
        return Err(format!(
            "invalid size {s:?}: larger than 8Ei, the most a volume size can express in bytes"
        ));
    }
    if bytes.fract() != 0.0 {
        return Err(format!(
            "invalid size {s:?}: {bytes} bytes is not a whole number of bytes"
        ));
    }
    let hint = power_of_ten(unit).map(|p| {
        let bin = binary_for(unit.chars().next().unwrap_or('G')).unwrap_or("Gi");
        format!(
            "did you mean {num}{bin}? {num}{unit} is {num}×{p} bytes ({}); volumes are usually sized in binary units",
            quantity::format_bytes(bytes)
        )
    });
    Ok(Size {
        text: s.to_string(),
        bytes,
        hint,
    })
}

/// `--to-usage PERCENT`: a number above 0 and below 100, with or without `%`.
pub fn parse_percent(s: &str) -> Result<f64, String> {
    let n: f64 = s
        .trim()
        .trim_end_matches('%')
        .parse()
        .map_err(|_| format!("invalid percentage {s:?}: use a number such as 70"))?;
    if !(n > 0.0 && n < 100.0) {
        return Err(format!(
            "invalid percentage {s:?}: must be above 0 and below 100"
        ));
    }
    Ok(n)
}

/// One member's usage, for `--to-usage`.
#[derive(Debug, Clone, PartialEq)]
pub struct Usage {
    pub claim: String,
    pub used_bytes: u64,
    /// The filesystem size the kubelet reports (a little below the volume's size: the
    /// filesystem's own overhead).
    pub fs_bytes: Option<u64>,
    /// The volume's size (the claim's capacity, else its request).
    pub volume_bytes: Option<f64>,
    /// Growth of the used bytes per second (Prometheus's trend); 0 when unknown or not
    /// growing.
    pub per_second: f64,
}

/// The size, in whole Gi, at which the fullest member uses at most `percent` % of its
/// filesystem, and a sentence saying how it was found. The filesystem overhead seen now
/// (filesystem size / volume size) is assumed to stay the same proportion.
pub fn for_usage(usages: &[Usage], percent: f64) -> Option<(Size, String)> {
    for_usage_after(usages, percent, None)
}

/// [`for_usage`] for the usage `horizon` from now (`(seconds, "30d")`) at each member's
/// current growth rate: the size that still keeps the fullest member at `percent` % then.
pub fn for_usage_after(
    usages: &[Usage],
    percent: f64,
    horizon: Option<(f64, &str)>,
) -> Option<(Size, String)> {
    let secs = horizon.map_or(0.0, |(s, _)| s);
    let later = |u: &Usage| u.used_bytes as f64 + u.per_second.max(0.0) * secs;
    let mut best: Option<(f64, &Usage)> = None;
    for u in usages {
        let overhead = match (u.fs_bytes, u.volume_bytes) {
            (Some(fs), Some(vol)) if vol > 0.0 && fs > 0 => (fs as f64 / vol).clamp(0.5, 1.0),
            _ => 1.0,
        };
        let need = later(u) / (percent / 100.0) / overhead;
        if best.is_none_or(|(b, _)| need > b) {
            best = Some((need, u));
        }
    }
    let (need, u) = best?;
    let gi = (need / GI).ceil().max(1.0);
    let text = format!("{gi}Gi");
    let fs = u
        .fs_bytes
        .map(|b| quantity::format_bytes(b as f64))
        .unwrap_or_else(|| "?".into());
    let basis = match horizon {
        None => format!(
            "the fullest member, {}, uses {} of {fs}; at {text} it would use at most {percent} %",
            u.claim,
            quantity::format_bytes(u.used_bytes as f64),
        ),
        Some((_, h)) => format!(
            "the fullest member in {h} at the current rate, {}, uses {} of {fs} and grows {}/h: {} in {h}; at {text} it would use at most {percent} %",
            u.claim,
            quantity::format_bytes(u.used_bytes as f64),
            quantity::format_bytes((u.per_second.max(0.0) * 3600.0).round()),
            quantity::format_bytes(later(u).round()),
        ),
    };
    Some((
        Size {
            text,
            bytes: gi * GI,
            hint: None,
        },
        basis,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_sizes_parse_without_a_hint() {
        let s = parse("20Gi").unwrap();
        assert_eq!(
            (s.text.as_str(), s.bytes, s.hint),
            ("20Gi", 20.0 * GI, None)
        );
        assert_eq!(parse("1Ti").unwrap().bytes, 1024.0 * GI);
        assert_eq!(parse("21474836480").unwrap().bytes, 20.0 * GI);
    }

    #[test]
    fn decimal_units_parse_with_a_hint() {
        let s = parse("20G").unwrap();
        assert_eq!(s.bytes, 20e9);
        let h = s.hint.unwrap();
        assert!(
            h.starts_with("did you mean 20Gi? 20G is 20×10⁹ bytes"),
            "{h}"
        );
        assert!(parse("500M").unwrap().hint.unwrap().contains("500Mi"));
    }

    #[test]
    fn units_people_get_wrong_are_refused_with_what_they_meant() {
        for (bad, want) in [
            ("20GB", "did you mean 20Gi? 20G is 20×10⁹ bytes"),
            ("20gb", "did you mean 20Gi? 20G is 20×10⁹ bytes"),
            ("20gi", "did you mean 20Gi?"),
            ("20GiB", "did you mean 20Gi?"),
            ("1.5TB", "did you mean 1.5Ti? 1.5T is 1.5×10¹² bytes"),
            ("20 Gi", "did you mean 20Gi?"),
        ] {
            let e = parse(bad).unwrap_err();
            assert!(e.contains("not a Kubernetes quantity"), "{e}");
            assert!(e.contains(want), "{bad}: {e}");
        }
        let e = parse("lots").unwrap_err();
        assert!(e.contains("examples: 20Gi"), "{e}");
        assert!(parse("0").is_err());
        assert!(parse("-5Gi").is_err());
        assert!(parse("10m").unwrap_err().contains("did you mean 10Mi?"));
        assert!(parse("5000m").is_err());
        assert!(parse("1.5").is_err());
        // Beyond int64 bytes no storage API can carry it (was accepted as 1.15e41 bytes).
        assert!(parse("8Ei").is_ok());
        assert!(
            parse("99999999999999999999999Ei")
                .unwrap_err()
                .contains("larger than 8Ei")
        );
        assert!(parse("9Ei").unwrap_err().contains("larger than 8Ei"));
    }

    #[test]
    fn percentages_are_between_zero_and_a_hundred() {
        assert_eq!(parse_percent("70").unwrap(), 70.0);
        assert_eq!(parse_percent("70%").unwrap(), 70.0);
        for bad in ["0", "100", "-3", "x", "150"] {
            assert!(parse_percent(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn to_usage_sizes_the_fullest_member_rounding_up_to_whole_gi() {
        let u = |claim: &str, used_gi: f64| Usage {
            claim: claim.into(),
            used_bytes: (used_gi * GI) as u64,
            fs_bytes: Some((9.8 * GI) as u64),
            volume_bytes: Some(10.0 * GI),
            per_second: 0.0,
        };
        // 9 Gi used of a 9.8 Gi filesystem on a 10 Gi volume: 9 / 0.7 / 0.98 = 13.1 → 14Gi.
        let (s, basis) = for_usage(&[u("data-db-0", 5.0), u("data-db-1", 9.0)], 70.0).unwrap();
        assert_eq!(s.text, "14Gi");
        assert!(
            basis.starts_with("the fullest member, data-db-1, uses 9Gi of"),
            "{basis}"
        );
        assert!(for_usage(&[], 70.0).is_none());
        // 30 days at 1 Gi a day on top of 5 Gi: 35 / 0.7 / 0.98 = 51.02 → 52Gi; the member
        // that grows, not the fullest now, decides.
        let mut growing = u("data-db-0", 5.0);
        growing.per_second = GI / 86_400.0;
        let (s, basis) = for_usage_after(
            &[growing, u("data-db-1", 9.0)],
            70.0,
            Some((30.0 * 86_400.0, "30d")),
        )
        .unwrap();
        assert_eq!(s.text, "52Gi");
        assert!(
            basis.starts_with("the fullest member in 30d at the current rate, data-db-0, uses 5Gi"),
            "{basis}"
        );
    }
}
