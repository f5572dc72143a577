//! What an orphan costs per month: its capacity times a price per GiB-month, per storage
//! class when the user gave one. Prices are the user's estimate (no provider is asked), so
//! every output that shows a cost also says which prices it used.

use serde::Serialize;
use std::collections::BTreeMap;

/// The default price per GiB-month: roughly a general-purpose cloud SSD.
pub const DEFAULT_PRICE_PER_GIB_MONTH: f64 = 0.10;

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// Prices per GiB-month: a default and per-class overrides.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prices {
    pub per_gib_month: f64,
    /// Storage class name to price; a class not listed costs `per_gib_month`.
    pub per_class: BTreeMap<String, f64>,
}

impl Default for Prices {
    fn default() -> Self {
        Prices {
            per_gib_month: DEFAULT_PRICE_PER_GIB_MONTH,
            per_class: BTreeMap::new(),
        }
    }
}

impl Prices {
    pub fn new(per_gib_month: f64, per_class: &[(String, f64)]) -> Self {
        Prices {
            per_gib_month,
            // A class given twice: the last one wins, as with repeated flags elsewhere.
            per_class: per_class.iter().cloned().collect(),
        }
    }

    /// The price per GiB-month for a storage class (`None`: no class).
    pub fn for_class(&self, class: Option<&str>) -> f64 {
        class
            .and_then(|c| self.per_class.get(c))
            .copied()
            .unwrap_or(self.per_gib_month)
    }

    /// The monthly cost of `bytes` in `class`, rounded to cents so that the items of a
    /// table add up to its total line.
    pub fn monthly(&self, bytes: u64, class: Option<&str>) -> f64 {
        round_cents(bytes as f64 / GIB * self.for_class(class))
    }

    /// "0.10 per GiB-month (gp3 0.08, io2 0.125)" for the estimate note.
    pub fn describe(&self) -> String {
        let mut s = format!("{} per GiB-month", money(self.per_gib_month));
        if !self.per_class.is_empty() {
            let classes: Vec<String> = self
                .per_class
                .iter()
                .map(|(c, p)| format!("{c} {}", money(*p)))
                .collect();
            s.push_str(&format!(" ({})", classes.join(", ")));
        }
        s
    }
}

pub fn round_cents(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// A price or cost for people: two decimals, more when a price has them (0.125).
pub fn money(v: f64) -> String {
    let two = format!("{v:.2}");
    if (two.parse::<f64>().unwrap_or(v) - v).abs() < 1e-9 {
        two
    } else {
        let s = format!("{v:.6}");
        s.trim_end_matches('0').to_string()
    }
}

/// Bytes in GiB for summaries ("150 GiB", "0.5 GiB").
pub fn gib(bytes: u64) -> String {
    let g = bytes as f64 / GIB;
    if (g - g.round()).abs() < 1e-9 {
        format!("{} GiB", g.round() as u64)
    } else {
        format!("{g:.1} GiB")
    }
}

/// `--price-per-gib`: a finite, non-negative number.
pub fn parse_price(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a number (e.g. 0.08)"))?;
    if !v.is_finite() || v < 0.0 {
        return Err(format!("{s:?} must be a non-negative number"));
    }
    Ok(v)
}

/// `--price CLASS=PRICE`.
pub fn parse_class_price(s: &str) -> Result<(String, f64), String> {
    let (class, price) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?} is not CLASS=PRICE (e.g. gp3=0.08)"))?;
    let class = class.trim();
    if class.is_empty() {
        return Err(format!("{s:?} names no storage class (e.g. gp3=0.08)"));
    }
    Ok((class.to_string(), parse_price(price)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_prices_override_the_default() {
        let p = Prices::new(0.10, &[("gp3".into(), 0.08), ("io2".into(), 0.125)]);
        let fifty = 50 * 1024 * 1024 * 1024;
        assert_eq!(p.monthly(fifty, Some("gp3")), 4.0);
        assert_eq!(p.monthly(fifty, Some("standard")), 5.0);
        assert_eq!(p.monthly(fifty, None), 5.0);
        assert_eq!(p.monthly(fifty, Some("io2")), 6.25);
        assert_eq!(p.describe(), "0.10 per GiB-month (gp3 0.08, io2 0.125)");
    }

    #[test]
    fn small_volumes_round_to_cents() {
        let p = Prices::default();
        assert_eq!(p.monthly(100 * 1024 * 1024, None), 0.01);
        assert_eq!(p.monthly(0, None), 0.0);
    }

    #[test]
    fn price_flags_are_validated() {
        assert_eq!(parse_price("0.08"), Ok(0.08));
        assert!(parse_price("-1").is_err());
        assert!(parse_price("NaN").is_err());
        assert!(parse_price("cheap").is_err());
        assert_eq!(parse_class_price("gp3=0.08"), Ok(("gp3".into(), 0.08)));
        assert!(parse_class_price("gp3").is_err());
        assert!(parse_class_price("=0.08").is_err());
        assert!(parse_class_price("gp3=x").is_err());
    }

    #[test]
    fn sizes_and_money_read_well() {
        assert_eq!(gib(150 * 1024 * 1024 * 1024), "150 GiB");
        assert_eq!(gib(512 * 1024 * 1024), "0.5 GiB");
        assert_eq!(money(5.0), "5.00");
        assert_eq!(money(0.125), "0.125");
    }
}
