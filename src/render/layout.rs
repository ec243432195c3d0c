//! Lines that fit a terminal: prose wrapped between words, tables whose
//! widest cells wrap between words when the row would not fit, and colour
//! applied after padding, so a coloured report lines up exactly as the plain
//! one does (strip the escapes and the two are the same text).
//!
//! Widths count characters: everything the reports print (digits, `×`,
//! the block characters of bars) takes one terminal cell.

use std::fmt::Write;

use anstyle::Style;

/// The narrowest layout: below it, lines would be mostly wrapping.
pub const MIN_WIDTH: usize = 60;
/// The width when nothing says otherwise (a pipe, a CI log).
pub const DEFAULT_WIDTH: usize = 100;

/// The width to lay out for: `COLUMNS` when it is a number, else the
/// terminal's width when stdout is one, else [`DEFAULT_WIDTH`]; never below
/// [`MIN_WIDTH`].
pub fn terminal_width() -> usize {
    let columns = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|c| *c > 0);
    let term = || terminal_size::terminal_size_of(std::io::stdout()).map(|(w, _)| usize::from(w.0));
    columns
        .or_else(term)
        .unwrap_or(DEFAULT_WIDTH)
        .max(MIN_WIDTH)
}

/// Characters a terminal shows for `s`.
pub fn width(s: &str) -> usize {
    s.chars().count()
}

/// A run of text in one style (`None`: plain).
#[derive(Clone, Debug, Default)]
pub struct Seg {
    pub text: String,
    pub style: Option<Style>,
}

impl Seg {
    pub fn plain(s: impl Into<String>) -> Seg {
        Seg {
            text: s.into(),
            style: None,
        }
    }
    pub fn styled(s: impl Into<String>, style: Style) -> Seg {
        Seg {
            text: s.into(),
            style: Some(style),
        }
    }
}

/// The laid-out report: plain lines of segments, painted at the end.
#[derive(Default)]
pub struct Page {
    pub width: usize,
    pub color: bool,
    out: String,
}

impl Page {
    pub fn new(width: usize, color: bool) -> Page {
        Page {
            width: width.max(MIN_WIDTH),
            color,
            out: String::new(),
        }
    }

    pub fn finish(self) -> String {
        self.out
    }

    pub fn blank(&mut self) {
        self.out.push('\n');
    }

    /// One line of segments, written as it is (the caller made it fit).
    pub fn line(&mut self, segs: &[Seg]) {
        let start = self.out.len();
        for s in segs {
            paint(&mut self.out, self.color, s);
        }
        let kept = self.out[start..].trim_end().len();
        self.out.truncate(start + kept);
        self.out.push('\n');
    }

    /// Prose: `segs` flowed between words, the first line at `indent`
    /// spaces, the following ones at `hang`. A word wider than a line is
    /// printed whole on a line of its own.
    pub fn prose(&mut self, indent: usize, hang: usize, segs: &[Seg]) {
        for l in flow(segs, self.width, indent, hang) {
            self.line(&l);
        }
    }

    /// A table: see [`Table`].
    pub fn table(&mut self, t: &Table) {
        for l in t.lay_out(self.width) {
            self.line(&l);
        }
    }
}

fn paint(out: &mut String, color: bool, s: &Seg) {
    match s.style {
        Some(st) if color && !s.text.trim().is_empty() => {
            // Only the visible text is coloured: the padding stays plain.
            let text = s.text.trim_end();
            let pad = &s.text[text.len()..];
            let lead = text.len() - text.trim_start().len();
            // Writing to a String cannot fail.
            let _ = write!(out, "{}{st}{}{st:#}{pad}", &text[..lead], &text[lead..]);
        }
        _ => out.push_str(&s.text),
    }
}

/// Appends `text` in `style` to a line: a plain word joins the plain run
/// before it (what [`Page::line`] writes is the same either way, with one
/// allocation a run instead of one a word).
fn push(line: &mut Vec<Seg>, text: &str, style: Option<Style>) {
    match line.last_mut() {
        Some(last) if style.is_none() && last.style.is_none() => last.text.push_str(text),
        _ => line.push(Seg {
            text: text.to_string(),
            style,
        }),
    }
}

/// Lines of at most `width` characters (but for a single over-wide word),
/// words joined by one space.
pub fn flow(segs: &[Seg], width: usize, indent: usize, hang: usize) -> Vec<Vec<Seg>> {
    let mut lines = Vec::new();
    let mut cur: Vec<Seg> = vec![Seg::plain(" ".repeat(indent))];
    let mut used = indent;
    let mut empty = true;
    let words = segs.iter().flat_map(|s| {
        s.text
            .split(' ')
            .filter(|w| !w.is_empty())
            .map(|w| (w, s.style))
    });
    for (w, style) in words {
        let wide = self::width(w);
        let need = wide + usize::from(!empty);
        if !empty && used + need > width {
            lines.push(std::mem::take(&mut cur));
            cur.push(Seg::plain(" ".repeat(hang)));
            used = hang;
            empty = true;
        }
        if !empty {
            push(&mut cur, " ", None);
            used += 1;
        }
        used += wide;
        push(&mut cur, w, style);
        empty = false;
    }
    if !empty {
        lines.push(cur);
    }
    lines
}

fn width_of(s: &Seg) -> usize {
    width(&s.text)
}

/// How a column aligns its cells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// Rows of cells under optional headings. Laid out at its natural widths
/// when they fit; else the columns marked `wrap` narrow, their cells
/// wrapping between words onto more lines of the row; a row that still
/// does not fit is printed with its cells flowed, whole, over several
/// lines.
pub struct Table {
    pub indent: usize,
    pub gap: usize,
    pub align: Vec<Align>,
    /// Columns that may wrap their cells between words.
    pub wrap: Vec<bool>,
    /// The order the wrapping columns narrow in, in groups: each group down
    /// to its columns' longest words before the next, within a group the
    /// column with the most room to spare first.
    pub order: Vec<Vec<usize>>,
    pub rows: Vec<Vec<Seg>>,
}

impl Table {
    pub fn new(indent: usize, align: &[Align]) -> Table {
        Table {
            indent,
            gap: 2,
            align: align.to_vec(),
            wrap: vec![false; align.len()],
            order: Vec::new(),
            rows: Vec::new(),
        }
    }

    /// Lets column `i` wrap between words, narrowing after those before.
    pub fn wrapping(self, i: usize) -> Table {
        self.wrapping_together(&[i])
    }

    /// Lets columns `cols` wrap, narrowing together after those before.
    pub fn wrapping_together(mut self, cols: &[usize]) -> Table {
        let cols: Vec<usize> = cols
            .iter()
            .copied()
            .filter(|i| *i < self.wrap.len())
            .collect();
        for &i in &cols {
            self.wrap[i] = true;
        }
        self.order.push(cols);
        self
    }

    pub fn row(&mut self, cells: Vec<Seg>) {
        self.rows.push(cells);
    }

    fn natural(&self) -> Vec<usize> {
        let mut w = vec![0; self.align.len()];
        for r in &self.rows {
            for (i, c) in r.iter().enumerate().take(w.len()) {
                w[i] = w[i].max(width_of(c));
            }
        }
        w
    }

    /// The lines of the table for `width` characters.
    pub fn lay_out(&self, width: usize) -> Vec<Vec<Seg>> {
        let mut cols = self.natural();
        let used = |cols: &[usize]| {
            let n = cols.iter().filter(|w| **w > 0).count();
            self.indent + cols.iter().sum::<usize>() + self.gap * n.saturating_sub(1)
        };
        // Narrow the wrapping columns in order, each down to its longest word.
        for group in &self.order {
            let floors: Vec<(usize, usize)> =
                group.iter().map(|&i| (i, self.longest_word(i))).collect();
            while used(&cols) > width {
                let widest = floors
                    .iter()
                    .filter(|(i, f)| cols[*i] > *f)
                    .max_by_key(|(i, f)| cols[*i] - f);
                match widest {
                    Some((i, _)) => cols[*i] -= 1,
                    None => break,
                }
            }
        }
        let fits = used(&cols) <= width;
        let mut out = Vec::new();
        for r in &self.rows {
            if fits {
                out.extend(self.row_lines(r, &cols));
            } else {
                out.extend(self.stacked(r, width));
            }
        }
        out
    }

    fn longest_word(&self, i: usize) -> usize {
        self.rows
            .iter()
            .filter_map(|r| r.get(i))
            .flat_map(|c| c.text.split(' ').map(width).collect::<Vec<_>>())
            .max()
            .unwrap_or(0)
    }

    /// One row at column widths `cols`: a wrapping cell may take several lines.
    fn row_lines(&self, r: &[Seg], cols: &[usize]) -> Vec<Vec<Seg>> {
        let cells: Vec<Vec<String>> = cols
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let c = r.get(i).cloned().unwrap_or_default();
                if self.wrap[i] && width(&c.text) > *w {
                    flow(&[Seg::plain(c.text)], *w, 0, 0)
                        .into_iter()
                        .map(|l| l.into_iter().map(|s| s.text).collect())
                        .collect()
                } else {
                    vec![c.text]
                }
            })
            .collect();
        let height = cells.iter().map(Vec::len).max().unwrap_or(1);
        let last = cols.iter().rposition(|w| *w > 0).unwrap_or(0);
        (0..height)
            .map(|k| {
                let mut line = vec![Seg::plain(" ".repeat(self.indent))];
                for (i, w) in cols.iter().enumerate() {
                    if *w == 0 {
                        continue;
                    }
                    let text = cells[i].get(k).cloned().unwrap_or_default();
                    let pad = " ".repeat(w.saturating_sub(width(&text)));
                    let padded = match self.align[i] {
                        Align::Left => format!("{text}{pad}"),
                        Align::Right => format!("{pad}{text}"),
                    };
                    let style = r.get(i).and_then(|c| c.style);
                    line.push(Seg {
                        text: padded,
                        style,
                    });
                    if i < last {
                        line.push(Seg::plain(" ".repeat(self.gap)));
                    }
                }
                line
            })
            .collect()
    }

    /// A row too wide for any column widths: its cells, whole, flowed.
    fn stacked(&self, r: &[Seg], width: usize) -> Vec<Vec<Seg>> {
        let mut lines = Vec::new();
        let mut cur = vec![Seg::plain(" ".repeat(self.indent))];
        let mut used = self.indent;
        let mut empty = true;
        for c in r.iter().filter(|c| !c.text.trim().is_empty()) {
            let c = Seg {
                text: c.text.trim().to_string(),
                style: c.style,
            };
            let need = width_of(&c) + if empty { 0 } else { self.gap };
            if !empty && used + need > width {
                lines.push(std::mem::take(&mut cur));
                cur.push(Seg::plain(" ".repeat(self.indent + 2)));
                used = self.indent + 2;
                empty = true;
            }
            if !empty {
                cur.push(Seg::plain(" ".repeat(self.gap)));
                used += self.gap;
            }
            used += width_of(&c);
            cur.push(c);
            empty = false;
        }
        if !empty {
            lines.push(cur);
        }
        lines
    }
}

/// Removes ANSI escape sequences (`ESC [ ... letter`): what a coloured
/// report reads as without colour.
pub fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lines: &[Vec<Seg>]) -> Vec<String> {
        lines
            .iter()
            .map(|l| {
                let line: String = l.iter().map(|s| s.text.as_str()).collect();
                line.trim_end().to_string()
            })
            .collect()
    }

    #[test]
    fn prose_wraps_between_words_with_a_hanging_indent() {
        let l = flow(&[Seg::plain("aaa bbb ccc ddd")], 9, 2, 4);
        assert_eq!(text(&l), ["  aaa bbb", "    ccc", "    ddd"]);
    }

    #[test]
    fn a_word_wider_than_the_line_stays_whole() {
        let l = flow(&[Seg::plain("a 1,759,500.00")], 6, 0, 0);
        assert_eq!(text(&l), ["a", "1,759,500.00"]);
    }

    #[test]
    fn a_table_narrows_its_wrapping_column_then_stacks() {
        let mut t = Table::new(0, &[Align::Left, Align::Right]).wrapping(0);
        t.row(vec![Seg::plain("one two three"), Seg::plain("12.00")]);
        assert_eq!(text(&t.lay_out(40)), ["one two three  12.00"]);
        assert_eq!(text(&t.lay_out(16)), ["one two    12.00", "three"]);
        let mut t = Table::new(0, &[Align::Left, Align::Right]);
        t.row(vec![Seg::plain("one two three"), Seg::plain("12.00")]);
        assert_eq!(text(&t.lay_out(16)), ["one two three", "  12.00"]);
    }

    #[test]
    fn colour_goes_on_after_padding() {
        let mut p = Page::new(60, true);
        let mut t = Table::new(0, &[Align::Left, Align::Left]);
        t.row(vec![
            Seg::styled("ok", anstyle::AnsiColor::Green.on_default()),
            Seg::plain("x"),
        ]);
        t.row(vec![Seg::plain("longer"), Seg::plain("y")]);
        p.table(&t);
        let coloured = p.finish();
        let mut q = Page::new(60, false);
        q.table(&t);
        assert_eq!(strip_ansi(&coloured), q.finish());
        assert!(coloured.contains("\u{1b}["));
    }
}
