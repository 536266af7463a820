//! The README's house rules: a newcomer reads it in one sitting, so it stays short, and the
//! attributes are documented in one place, the registry pages under `docs/`, never copied into it.

/// The README's hard limit, in lines.
pub const README_MAX_LINES: usize = 150;

/// What the README breaks of its rules, one sentence each; empty when it keeps them.
pub fn readme_problems(readme: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let lines = readme.lines().count();
    if lines > README_MAX_LINES {
        problems.push(format!(
            "README.md has {lines} lines, more than {README_MAX_LINES}: move the detail to a guide \
             (templates/guides/) or a crate's README"
        ));
    }
    for (number, line) in readme.lines().enumerate() {
        if is_attribute_table_header(line) {
            problems.push(format!(
                "README.md line {} starts an attribute table: attributes are documented in docs/ only \
                 (generated from the schema); link to them instead",
                number + 1
            ));
        }
    }
    problems
}

/// A markdown table header whose cells name attributes or arguments, or the old generator marker.
fn is_attribute_table_header(line: &str) -> bool {
    let line = line.trim();
    if line.contains("BEGIN ATTRIBUTES") {
        return true;
    }
    line.starts_with('|')
        && line.split('|').any(|cell| {
            matches!(
                cell.trim().to_ascii_lowercase().as_str(),
                "attribute" | "attributes" | "argument" | "arguments"
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_readme_without_attribute_tables_passes() {
        let readme = "# x\n\n| command | what |\n|---|---|\n| `cargo test` | tests |\n";
        assert!(readme_problems(readme).is_empty());
        assert!(readme_problems(&"line\n".repeat(README_MAX_LINES)).is_empty());
    }

    #[test]
    fn a_long_readme_or_an_attribute_table_is_reported() {
        let long = readme_problems(&"line\n".repeat(README_MAX_LINES + 1));
        assert_eq!(long.len(), 1);
        assert!(long[0].contains("151 lines"), "{long:?}");
        let table = readme_problems("# x\n\n| Attribute | Type | Use |\n|---|---|---|\n");
        assert_eq!(table.len(), 1);
        assert!(table[0].contains("line 3"), "{table:?}");
        assert_eq!(readme_problems("|argument|type|\n").len(), 1);
        assert_eq!(readme_problems("<!-- BEGIN ATTRIBUTES -->\n").len(), 1);
    }
}
