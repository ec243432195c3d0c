//! Untrusted text made inert. Every manifest, baseline and policy arrives in
//! a pull request from someone: the names and notes in them reach a
//! terminal, a PR comment, a job summary and workflow commands. These are
//! the only functions that decide which characters may pass to each, so a
//! hole is fixed in one place.

/// Makes text from a manifest inert in Markdown: no HTML, no pinging
/// @mentions, no table breaks, no links or emphasis, one line.
pub fn md_escape(s: &str) -> String {
    md_inert(
        s,
        &['|', '`', '*', '_', '[', ']', '\\', '#', '~', '!', '(', ')'],
    )
}

/// The one escaper behind [`md_escape`] and [`md_prose`]: HTML entities,
/// a zero-width space after `@`, a backslash before each of `marked`, one
/// line, no control or bidi characters.
fn md_inert(s: &str, marked: &[char]) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '@' => out.push_str("@\u{200B}"),
            c if marked.contains(&c) => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() || is_bidi(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// For sentences ier-gate writes around manifest text (reasons, levers):
/// keeps their `code` spans and parentheses, but still lets no HTML, link,
/// image, @mention or table break through.
pub fn md_prose(s: &str) -> String {
    md_inert(s, &['|', '[', ']', '\\'])
}

/// A code span holding manifest text: backticks inside become quotes so the
/// span cannot be closed early; the rest as [`md_prose`].
pub fn md_code(s: &str) -> String {
    format!("`{}`", md_prose(&s.replace('`', "'")))
}

/// Makes text from a manifest inert on a terminal: no escape sequences, no
/// bidirectional overrides.
pub fn term_escape(s: &str) -> String {
    s.chars()
        .map(|c| if c == '\n' || c == '\t' { ' ' } else { c })
        .filter(|c| !c.is_control() && !is_bidi(*c))
        .collect()
}

pub(crate) fn is_bidi(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// `s` with control characters (but line breaks and tabs) and bidirectional
/// controls replaced by characters of the same UTF-8 length: `?`, `??` or
/// U+FFFD. A carriage return counts as a line break only before a line feed.
pub fn visible(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        let crlf = c == '\r' && chars.peek() == Some(&'\n');
        if crlf || matches!(c, '\n' | '\t') || !(c.is_control() || is_bidi(c)) {
            out.push(c);
        } else {
            match c.len_utf8() {
                1 => out.push('?'),
                2 => out.push_str("??"),
                _ => out.push('\u{FFFD}'),
            }
        }
    }
    out
}

/// [`visible`] on one line (line breaks become spaces), cut after 500
/// characters: a message that quotes a 100 KB value quotes its start.
pub fn one_line(s: &str) -> String {
    const MAX: usize = 500;
    let mut line = visible(&s.replace(['\n', '\r'], " "));
    if let Some((i, _)) = line.char_indices().nth(MAX) {
        line.truncate(i);
        line.push('…');
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_text_is_inert_in_markdown() {
        assert_eq!(md_escape("<b>hi</b>"), "&lt;b&gt;hi&lt;/b&gt;");
        assert_eq!(md_escape("@jane"), "@\u{200B}jane");
        assert_eq!(md_escape("a|b"), "a\\|b");
        assert_eq!(md_escape("<!-- ier-gate -->"), "&lt;\\!-- ier-gate --&gt;");
        assert_eq!(md_escape("x\u{202E}y\n"), "xy ");
    }

    #[test]
    fn prose_keeps_code_spans_but_nothing_active() {
        assert_eq!(md_prose("`a` (b)"), "`a` (b)");
        assert_eq!(
            md_prose("<img src=x> @jane [x](http://e)|"),
            "&lt;img src=x&gt; @\u{200B}jane \\[x\\](http://e)\\|"
        );
        assert_eq!(md_code("a`b"), "`a'b`");
    }

    #[test]
    fn terminal_text_has_no_escapes() {
        assert_eq!(term_escape("a\u{1b}[31mred"), "a[31mred");
    }
}
