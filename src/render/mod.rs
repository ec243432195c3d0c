//! Renderers: the domain produces a [`Report`](crate::report::Report); these
//! turn it into text for a terminal, JSON for machines and Markdown for the
//! pull request comment and job summary.

pub mod json;
pub mod markdown;
pub mod text;

/// Output format of `check` and `explain`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
}

/// Makes text from a manifest inert in Markdown: no HTML, no pinging
/// @mentions, no table breaks, no links or emphasis, one line.
pub fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '@' => out.push_str("@\u{200B}"),
            '|' | '`' | '*' | '_' | '[' | ']' | '\\' | '#' | '~' | '!' | '(' | ')' => {
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

/// "Mitigation plan by OWNER, due DUE: PLAN", with manifest text made inert
/// by the renderer's `esc`.
pub(crate) fn plan_line(m: &crate::report::MitigationReport, esc: fn(&str) -> String) -> String {
    let owner = m
        .owner
        .as_ref()
        .map(|o| format!(" by {}", esc(o)))
        .unwrap_or_default();
    let due = m
        .due
        .as_ref()
        .map(|d| format!(", due {}", esc(d)))
        .unwrap_or_default();
    format!("Mitigation plan{owner}{due}: {}", esc(&m.plan))
}

/// Makes text from a manifest inert on a terminal: no escape sequences, no
/// bidirectional overrides.
pub fn term_escape(s: &str) -> String {
    s.chars()
        .map(|c| if c == '\n' || c == '\t' { ' ' } else { c })
        .filter(|c| !c.is_control() && !is_bidi(*c))
        .collect()
}

fn is_bidi(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
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
    fn terminal_text_has_no_escapes() {
        assert_eq!(term_escape("a\u{1b}[31mred"), "a[31mred");
    }
}
