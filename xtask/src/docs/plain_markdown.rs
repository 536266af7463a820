//! Markdown reduced to text for places that do not render it (a page's front matter).

/// As tfplugindocs' `plainmarkdown` does: code spans lose their backticks, links become
/// "text url", bold its stars; a bracket that opens no link is kept as written.
pub(super) fn plain_markdown(markdown: &str) -> String {
    let mut plain = String::with_capacity(markdown.len());
    let mut rest = markdown;
    while let Some(open) = rest.find('[') {
        plain.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let link = after.find("](").and_then(|close| {
            after[close + 2..]
                .find(')')
                .map(|end| (close, close + 2 + end))
        });
        match link {
            Some((close, end)) if !after[..close].contains('[') => {
                plain.push_str(&after[..close]);
                plain.push(' ');
                plain.push_str(&after[close + 2..end]);
                rest = &after[end + 1..];
            }
            _ => {
                plain.push('[');
                rest = after;
            }
        }
    }
    plain.push_str(rest);
    plain.replace('`', "").replace("**", "")
}

#[cfg(test)]
mod tests {
    use super::plain_markdown;

    #[test]
    fn plain_markdown_keeps_unmatched_brackets() {
        assert_eq!(
            plain_markdown("a [b] c [d](e) `f` **g**"),
            "a [b] c d e f g"
        );
    }
}
