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
/// a zero-width space after `@` (no mention, no email link) and inside
/// `://` and `www.` (GitHub links bare URLs even without link syntax), a
/// backslash before each of `marked`, one line, no control or bidi
/// characters.
fn md_inert(s: &str, marked: &[char]) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let bare_link = (c == '/' && out.ends_with(':'))
            || (c == '.' && out.len() >= 3 && {
                let b = out.as_bytes(); // bytes: the text before may be any UTF-8
                b[b.len() - 3..].eq_ignore_ascii_case(b"www")
            });
        if bare_link {
            out.push('\u{200B}');
        }
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
            c if is_active(c) => {}
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

/// A name from a manifest as a code span in a sentence ier-gate writes
/// (levers, reasons): its backticks become quotes, so the span it sits in
/// cannot be closed early by the name (which would let the rest of it
/// render as Markdown once [`md_prose`] keeps the span).
pub fn span(name: &str) -> String {
    format!("`{}`", name.replace('`', "'"))
}

/// Makes text from a manifest inert on a terminal: no escape sequences, no
/// bidirectional overrides.
pub fn term_escape(s: &str) -> String {
    s.chars()
        .map(|c| if c == '\n' || c == '\t' { ' ' } else { c })
        .filter(|c| !is_active(*c))
        .collect()
}

pub(crate) fn is_bidi(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// A character that acts instead of showing: a control character (escape
/// sequences, carriage returns that overwrite a line) or a bidirectional
/// control (text that reads differently from how it is stored).
pub fn is_active(c: char) -> bool {
    c.is_control() || is_bidi(c)
}

/// A character that takes no visible place of its own: whitespace, an
/// [active](is_active) character, or one Unicode says a renderer may ignore
/// (zero-width spaces and joiners, the BOM, the soft hyphen, variation
/// selectors, tags, Hangul fillers, the blank braille pattern).
fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || is_active(c)
        || matches!(c,
            '\u{00AD}' | '\u{034F}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
            | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202F}'
            | '\u{205F}'..='\u{206F}' | '\u{2800}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}' | '\u{FFA0}' | '\u{FFF0}'..='\u{FFF8}' | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}')
}

/// Whether `s` shows anything to a reader: at least one character that is
/// not [invisible](is_invisible). Text that is only zero-width spaces, a
/// BOM or bidi controls says nothing, however long it is.
pub fn has_visible_text(s: &str) -> bool {
    s.chars().any(|c| !is_invisible(c))
}

/// `s` without [active](is_active) characters, except those in `keep`.
pub fn drop_active(s: &str, keep: &[char]) -> String {
    s.chars()
        .filter(|c| keep.contains(c) || !is_active(*c))
        .collect()
}

/// Text from the network for one line of a log, where a line of its own
/// could be read as a workflow command: whitespace becomes a space, active
/// characters go, at most `max` characters, trimmed.
pub fn log_line(s: &str, max: usize) -> String {
    s.chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .filter(|c| !is_active(*c))
        .take(max)
        .collect::<String>()
        .trim()
        .to_string()
}

/// A Markdown report from an untrusted file, safe to post with a write
/// token: no mentions that ping, no HTML beyond the tags the renderer writes
/// (`<details>`, `<summary>`, `<sub>`), so no forged comment marker either,
/// and no active characters but line breaks and tabs.
pub fn md_harden(markdown: &str) -> String {
    const ALLOWED: [&str; 6] = [
        "<details>",
        "</details>",
        "<summary>",
        "</summary>",
        "<sub>",
        "</sub>",
    ];
    let mut out = String::with_capacity(markdown.len());
    let mut rest = markdown;
    while let Some(c) = rest.chars().next() {
        match c {
            '<' if !ALLOWED.iter().any(|t| rest.starts_with(t)) => out.push_str("&lt;"),
            '@' if !rest[1..].starts_with('\u{200B}') => out.push_str("@\u{200B}"),
            '\n' | '\t' => out.push(c),
            c if is_active(c) => {}
            c => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// `s` with control characters (but line breaks and tabs) and bidirectional
/// controls replaced by characters of the same UTF-8 length: `?`, `??` or
/// U+FFFD. A carriage return counts as a line break only before a line feed.
pub fn visible(s: &str) -> String {
    // Printable ASCII, line feeds and tabs (nearly every file) are kept as
    // they are: one pass over the bytes, not a decoding of each character.
    if s.bytes().all(|b| matches!(b, b' '..=b'~' | b'\n' | b'\t')) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        let crlf = c == '\r' && chars.peek() == Some(&'\n');
        if crlf || matches!(c, '\n' | '\t') || !is_active(c) {
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
        // bare URLs, www. names and emails are not linked (GFM autolinks)
        assert_eq!(
            md_escape("see https://e.x/a, WWW.e.x and a@b.co"),
            "see https:\u{200B}//e.x/a, WWW\u{200B}.e.x and a@\u{200B}b.co"
        );
        assert_eq!(md_prose("http://e"), "http:\u{200B}//e");
        assert_eq!(md_escape("é.ü@"), "é.ü@\u{200B}", "any UTF-8 before a dot");
    }

    #[test]
    fn prose_keeps_code_spans_but_nothing_active() {
        assert_eq!(md_prose("`a` (b)"), "`a` (b)");
        assert_eq!(
            md_prose("<img src=x> @jane [x](http://e)|"),
            "&lt;img src=x&gt; @\u{200B}jane \\[x\\](http:\u{200B}//e)\\|"
        );
        assert_eq!(md_code("a`b"), "`a'b`");
        // a name in a sentence cannot close the span around it
        assert_eq!(md_prose(&span("w`**x**`")), "`w'**x**'`");
    }

    #[test]
    fn network_text_is_one_inert_log_line() {
        assert_eq!(log_line(" a\r\nb\u{1b}[1m\u{202E}c\t", 200), "a  b[1mc");
        assert_eq!(log_line("abcdef", 3), "abc");
        assert_eq!(drop_active("a\r\n\u{7}\u{2066}b", &['\r', '\n']), "a\r\nb");
    }

    #[test]
    fn untrusted_reports_keep_only_the_renderers_tags() {
        assert_eq!(
            md_harden("<img src=x> @jane <details><sub>x</sub></details> <!-- ier-gate:k run=9 -->"),
            "&lt;img src=x> @\u{200B}jane <details><sub>x</sub></details> &lt;!-- ier-gate:k run=9 -->"
        );
        assert_eq!(md_harden("@\u{200B}jane"), "@\u{200B}jane");
        assert_eq!(md_harden("a\u{1b}\u{202E}\n\tb"), "a\n\tb");
    }

    #[test]
    fn visible_keeps_printable_ascii_and_masks_every_other_control() {
        for b in 0..=127u8 {
            let c = char::from(b);
            let expected = match b {
                b'\n' | b'\t' | b' '..=b'~' => c.to_string(),
                _ => "?".to_string(),
            };
            assert_eq!(
                visible(&format!("a{c}b")),
                format!("a{expected}b"),
                "{b:#x}"
            );
        }
        assert_eq!(visible("a\r\nb\rc"), "a\r\nb?c");
        assert_eq!(visible("ok \u{202E}x"), "ok \u{FFFD}x");
    }

    #[test]
    fn only_invisible_characters_are_no_visible_text() {
        for s in [
            "",
            " \t\n",
            "\u{200B}\u{FEFF}\u{00AD}",
            "\u{202E}\u{2066}\u{1b}\u{7}",
            "\u{3000}\u{2800}\u{E0041}",
        ] {
            assert!(!has_visible_text(s), "{s:?}");
        }
        assert!(has_visible_text("\u{200B}x"));
        assert!(has_visible_text("計画"));
    }

    #[test]
    fn terminal_text_has_no_escapes() {
        assert_eq!(term_escape("a\u{1b}[31mred"), "a[31mred");
    }
}
