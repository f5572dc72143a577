//! "Did you mean": the known names closest to one that was not found, for errors.

/// The closest names to `want`, for "not found" errors.
pub fn closest<'a>(want: &str, names: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut scored: Vec<(usize, &str)> = names
        .into_iter()
        .map(|n| (edit_distance(want, n), n))
        .filter(|(d, n)| {
            *d <= want.len().min(n.len()) / 3 + 1 || n.contains(want) || want.contains(n)
        })
        .collect();
    scored.sort();
    scored.dedup();
    scored.into_iter().take(3).map(|(_, n)| n).collect()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    #[test]
    fn closest_names_are_suggested() {
        let names = ["orders-db", "orders-cache", "payments"];
        assert_eq!(super::closest("order-db", names), vec!["orders-db"]);
        assert!(super::closest("zzzzzzzz", names).is_empty());
    }
}
