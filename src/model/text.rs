//! Small wording helpers shared by everything that prints counts.

/// `1 entry`, `2 entries`: `n` with the word in the right number.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts() {
        assert_eq!(super::count(1, "entry", "entries"), "1 entry");
        assert_eq!(super::count(0, "change", "changes"), "0 changes");
        assert_eq!(super::count(2, "change", "changes"), "2 changes");
    }
}
