//! Renderers: the domain produces a [`Report`](crate::report::Report); these
//! turn it into text for a terminal, JSON for machines and Markdown for the
//! pull request comment and job summary.

pub mod chart;
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

/// A bar of `width` cells for `value` out of `max`, for the tornado.
pub(crate) fn bar(
    value: Option<rust_decimal::Decimal>,
    max: rust_decimal::Decimal,
    width: u32,
) -> String {
    use rust_decimal::prelude::ToPrimitive;
    let cells = match value {
        None => width,
        Some(v) if v.is_zero() => 0,
        Some(_) if max.is_zero() => 1,
        // Divided first: `v * width` may not fit a decimal.
        Some(v) => v
            .checked_div(max)
            .and_then(|share| share.checked_mul(rust_decimal::Decimal::from(width)))
            .map_or(width, |c| c.round().to_u32().unwrap_or(0))
            .clamp(1, width),
    };
    "█".repeat(cells as usize)
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
