//! Kubernetes resource quantities (`10Gi`, `500M`, `1.5Ti`, `100m`, `1e3`), parsed without
//! panicking on anything a user or a broken object may hold.

/// The value of a quantity in base units (bytes for storage, cores for cpu), or `None`
/// when it is not a valid quantity. Surrounding whitespace is not valid, as in the API.
pub fn parse(s: &str) -> Option<f64> {
    if s.is_empty() || s.trim() != s {
        return None;
    }
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(s.len());
    let (num, suffix) = s.split_at(split);
    if num.is_empty() || num == "+" || num == "-" {
        return None;
    }
    let n: f64 = num.parse().ok()?;
    let mult = match suffix {
        "" => 1.0,
        "Ki" => 1024f64,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        e if e.starts_with(['e', 'E']) => {
            let exp: i32 = e[1..].parse().ok()?;
            if !(-30..=30).contains(&exp) {
                return None;
            }
            10f64.powi(exp)
        }
        _ => return None,
    };
    let v = n * mult;
    v.is_finite().then_some(v)
}

/// Bytes as a quantity people use for volumes: the largest binary unit that keeps an
/// integer (`20Gi`, `1536Mi`), rounded up to whole Mi.
pub fn format_bytes(bytes: f64) -> String {
    let mi = (bytes / 1024f64.powi(2)).ceil().max(1.0) as u64;
    if mi.is_multiple_of(1024 * 1024) {
        format!("{}Ti", mi / (1024 * 1024))
    } else if mi.is_multiple_of(1024) {
        format!("{}Gi", mi / 1024)
    } else {
        format!("{mi}Mi")
    }
}

/// Bytes rounded up to whole Gi, the unit people grow volumes in.
pub fn format_gib_ceil(bytes: f64) -> String {
    let gi = (bytes / 1024f64.powi(3)).ceil().max(1.0) as u64;
    format!("{gi}Gi")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_binary_decimal_and_exponent_forms() {
        assert_eq!(parse("10Gi"), Some(10.0 * 1024f64.powi(3)));
        assert_eq!(parse("500M"), Some(5e8));
        assert_eq!(parse("0.5Ti"), Some(0.5 * 1024f64.powi(4)));
        assert_eq!(parse("100m"), Some(0.1));
        assert_eq!(parse("1e3"), Some(1000.0));
        assert_eq!(parse("-1Gi"), Some(-(1024f64.powi(3))));
        assert_eq!(parse("4"), Some(4.0));
    }

    #[test]
    fn rejects_what_the_api_rejects_without_panicking() {
        for bad in [
            "", "10Gi ", " 10Gi", "10GB", "Gi", "1e999", "1..2Gi", "--1", "10gi", "1e", "+",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn formats_sizes() {
        assert_eq!(format_bytes(20.0 * 1024f64.powi(3)), "20Gi");
        assert_eq!(format_bytes(1.5 * 1024f64.powi(3)), "1536Mi");
        assert_eq!(format_bytes(2.0 * 1024f64.powi(4)), "2Ti");
        assert_eq!(format_gib_ceil(10.2 * 1024f64.powi(3)), "11Gi");
    }
}
