//! The layout's promises, checked from the source text: no import cycle
//! between files, data flowing one way (no module imports one of a higher
//! layer), and no function outside `src/render/` longer than 120 lines.
//!
//! It reads every `use crate::…`, inline `crate::…`, `super::…` and
//! `self::…` path in `src/`, resolves each to the file of the module it
//! names, and looks for strongly connected components. Test modules at the
//! end of a file (`#[cfg(test)] mod tests`) are left out: they may use
//! anything. Run `cargo test --test tests layout:: -- --nocapture` for the
//! longest functions.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Longest function allowed outside `src/render/`.
const MAX_FN_LINES: usize = 120;

/// The layers, lowest first: a module may import its own layer and those
/// below. Order of the data: text/numbers -> diagnostics -> YAML -> the input
/// files -> the report's values -> loading and the gate -> renderers ->
/// adapters. (`load` builds the gate's `Change`s and the gate reads none of
/// `load`, so they share a layer; the cycle check keeps them apart.)
const LAYERS: &[(&str, u32)] = &[
    ("text", 0),
    ("num", 0),
    ("month", 0),
    ("exit", 0),
    ("diagnostic", 10),
    ("yaml", 20),
    ("baseline", 30),
    ("policy", 30),
    ("prices", 30),
    ("manifest", 30),
    ("finance", 30),
    ("actuals", 30),
    ("report", 40),
    ("load", 50),
    ("local", 50),
    ("git", 50),
    ("gate", 50),
    ("render", 60),
    ("cli", 70),
    ("github", 70),
];

/// A source file and the module path it defines (`["gate", "verdict"]`).
struct Module {
    file: String,
    path: Vec<String>,
    text: String,
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn modules() -> Vec<Module> {
    let mut out = Vec::new();
    let mut stack = vec![src()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("src is readable").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            if p.extension().is_none_or(|x| x != "rs") {
                continue;
            }
            let rel = p
                .strip_prefix(src())
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if rel == "main.rs" {
                continue; // the binary: above everything
            }
            let mut path: Vec<String> = rel
                .trim_end_matches(".rs")
                .split('/')
                .map(String::from)
                .collect();
            if path.last().is_some_and(|l| l == "mod" || l == "lib") {
                path.pop();
            }
            let text = std::fs::read_to_string(&p).expect("source is text");
            out.push(Module {
                file: format!("src/{rel}"),
                path,
                text: without_tests(&text),
            });
        }
    }
    out.sort_by(|a, b| a.file.cmp(&b.file));
    out
}

/// The text before a trailing `#[cfg(test)] mod tests`.
fn without_tests(text: &str) -> String {
    let mut cut = text.len();
    for (i, _) in text.match_indices("#[cfg(test)]") {
        let rest = text[i + "#[cfg(test)]".len()..].trim_start();
        if rest.starts_with("mod ") {
            cut = i;
            break;
        }
    }
    text[..cut].to_string()
}

/// Drops comments and string literals, so a doc example or a message that
/// mentions `crate::x` is not an import.
fn code_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                i += 1;
            }
            i += 2;
        } else if b[i] == b'"' {
            // A raw string r#"…"# is rare here; a plain one ends at an
            // unescaped quote.
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    i += 1;
                }
                if b.get(i) == Some(&b'\n') {
                    out.push('\n');
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if b[i] == b'r'
            && matches!(b.get(i + 1), Some(b'"' | b'#'))
            && !text[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_')
        {
            // r"…" or r#"…"#: ends at the quote and as many hashes.
            let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
            let close = format!("\"{}", "#".repeat(hashes));
            let body = i + 2 + hashes;
            let end = text[body.min(text.len())..]
                .find(&close)
                .map_or(text.len(), |e| body + e + close.len());
            out.extend(text[i..end].chars().filter(|&c| c == '\n'));
            out.push_str("\"\"");
            i = end;
        } else if b[i] == b'\'' && b.get(i + 1) == Some(&b'\\') {
            // An escaped char literal: '\n', '\'', '\"', '\u{..}'.
            i += 2;
            while i < b.len() && b[i] != b'\'' {
                i += 1;
            }
            i += 1;
            out.push_str("' '");
        } else if b[i] == b'\'' && b.get(i + 2) == Some(&b'\'') {
            out.push_str("' '");
            i += 3;
        } else {
            let c = text[i..].chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// Every path a `use` tree names, expanded: `crate::{a, b::{c, d}}` gives
/// `crate::a`, `crate::b::c`, `crate::b::d`.
fn expand(tree: &str) -> Vec<String> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = tree.find('{') else {
        return vec![tree];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| expand(&format!("{prefix}{p}")))
        .collect()
}

/// The module paths (absolute, from the crate root) that `m` refers to.
fn references(m: &Module) -> Vec<Vec<String>> {
    let code = code_only(&m.text);
    let mut raw: Vec<String> = Vec::new();
    for (i, _) in code.match_indices("use ") {
        let before = code[..i].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let Some(end) = code[i..].find(';') else {
            continue;
        };
        let tree = code[i + 4..i + end].trim();
        if tree.starts_with("crate::") || tree.starts_with("super::") || tree.starts_with("self::")
        {
            raw.extend(expand(tree));
        }
    }
    for marker in ["crate::", "super::"] {
        for (i, _) in code.match_indices(marker) {
            let before = code[..i].chars().last();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let path: String = code[i..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            raw.push(path);
        }
    }
    raw.iter()
        .filter_map(|p| {
            let segs: Vec<&str> = p.split("::").filter(|s| !s.is_empty()).collect();
            let mut abs: Vec<String> = Vec::new();
            let mut rest = segs.as_slice();
            match rest.first() {
                Some(&"crate") => rest = &rest[1..],
                Some(&"self") => {
                    abs = m.path.clone();
                    rest = &rest[1..];
                }
                Some(&"super") => {
                    abs = m.path.clone();
                    while rest.first() == Some(&"super") {
                        abs.pop()?;
                        rest = &rest[1..];
                    }
                }
                _ => return None,
            }
            abs.extend(rest.iter().map(|s| s.to_string()));
            Some(abs)
        })
        .collect()
}

/// The file whose module is the longest prefix of `path`.
fn resolve<'a>(path: &[String], by_path: &'a BTreeMap<Vec<String>, String>) -> Option<&'a String> {
    (1..=path.len()).rev().find_map(|n| by_path.get(&path[..n]))
}

/// File -> files it imports (not itself, not its own module declarations).
fn graph(mods: &[Module]) -> BTreeMap<String, BTreeSet<String>> {
    let by_path: BTreeMap<Vec<String>, String> = mods
        .iter()
        .map(|m| (m.path.clone(), m.file.clone()))
        .collect();
    mods.iter()
        .map(|m| {
            let deps = references(m)
                .iter()
                .filter_map(|p| resolve(p, &by_path))
                .filter(|f| **f != m.file)
                .cloned()
                .collect();
            (m.file.clone(), deps)
        })
        .collect()
}

/// Strongly connected components with more than one file (Tarjan).
fn cycles(g: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct T<'a> {
        g: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a str) {
        let n = t.index.len();
        t.index.insert(v, n);
        t.low.insert(v, n);
        t.stack.push(v);
        t.on.insert(v);
        for w in t.g.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !t.g.contains_key(w) {
                continue;
            }
            if !t.index.contains_key(w) {
                visit(t, w);
                let lw = t.low[w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if t.on.contains(w) {
                let iw = t.index[w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if t.low[v] == t.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(w);
                comp.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                t.out.push(comp);
            }
        }
    }
    let mut t = T {
        g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: vec![],
        on: BTreeSet::new(),
        out: vec![],
    };
    for v in g.keys() {
        if !t.index.contains_key(v.as_str()) {
            visit(&mut t, v);
        }
    }
    t.out
}

fn layer(file: &str) -> Option<u32> {
    let top = file.trim_start_matches("src/").split(['/', '.']).next()?;
    LAYERS
        .iter()
        .find(|(name, _)| *name == top)
        .map(|(_, l)| *l)
}

/// `(file, line, name, length)` of every function, from its `fn` line to
/// the line of its closing brace.
fn functions(m: &Module) -> Vec<(String, usize, String, usize)> {
    let code = code_only(&m.text);
    let lines: Vec<&str> = code.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        let Some(at) = [
            "fn ",
            "pub fn ",
            "pub(crate) fn ",
            "async fn ",
            "pub async fn ",
            "pub(crate) async fn ",
            "const fn ",
            "pub const fn ",
        ]
        .iter()
        .find_map(|p| t.strip_prefix(p)) else {
            continue;
        };
        let name: String = at
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        // Find the body's opening brace (a `;` first means no body), then
        // its match.
        let mut depth = 0i32;
        let mut opened = false;
        let mut end = None;
        'scan: for (j, l) in lines.iter().enumerate().skip(i) {
            for c in l.chars() {
                match c {
                    ';' if !opened && depth == 0 => break 'scan,
                    '{' => {
                        opened = true;
                        depth += 1;
                    }
                    '}' => {
                        depth -= 1;
                        if opened && depth == 0 {
                            end = Some(j);
                            break 'scan;
                        }
                    }
                    _ => {}
                }
            }
        }
        if let Some(end) = end {
            out.push((m.file.clone(), i + 1, name, end - i + 1));
        }
    }
    out
}

#[test]
fn no_import_cycle_between_files() {
    let mods = modules();
    assert!(mods.len() > 20, "found too few modules: {}", mods.len());
    let g = graph(&mods);
    // The checker sees real imports: the gate reads the manifest.
    assert!(
        g.iter()
            .any(|(f, d)| f.starts_with("src/gate/")
                && d.iter().any(|x| x.starts_with("src/manifest"))),
        "the import scan found no gate -> manifest edge: {g:#?}"
    );
    let found = cycles(&g);
    assert!(found.is_empty(), "import cycles between files: {found:#?}");
}

#[test]
fn data_flows_one_way() {
    let mods = modules();
    let g = graph(&mods);
    let mut wrong = Vec::new();
    for (file, deps) in &g {
        let Some(from) = layer(file) else {
            if file != "src/lib.rs" {
                wrong.push(format!(
                    "{file} is in no layer: add it to LAYERS in tests/layout.rs"
                ));
            }
            continue;
        };
        for dep in deps {
            if let Some(to) = layer(dep) {
                if to > from {
                    wrong.push(format!("{file} (layer {from}) imports {dep} (layer {to})"));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the flow:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn no_long_function_outside_render() {
    let mut all: Vec<_> = modules().iter().flat_map(functions).collect();
    all.sort_by_key(|f| std::cmp::Reverse(f.3));
    for (file, line, name, len) in all.iter().take(10) {
        println!("{len:>4} lines  {file}:{line} {name}");
    }
    assert!(
        all.iter().any(|f| f.3 > 20),
        "the scan found no function body"
    );
    let long: Vec<String> = all
        .iter()
        .filter(|(file, ..)| !file.starts_with("src/render/"))
        .filter(|f| f.3 > MAX_FN_LINES)
        .map(|(file, line, name, len)| format!("{file}:{line} {name}: {len} lines"))
        .collect();
    assert!(
        long.is_empty(),
        "functions over {MAX_FN_LINES} lines:\n{}",
        long.join("\n")
    );
}

#[test]
fn the_scanner_reads_use_trees_and_finds_cycles() {
    assert_eq!(
        expand("crate::a::{b, c::{d, e}}"),
        ["crate::a::b", "crate::a::c::d", "crate::a::c::e"]
    );
    assert_eq!(
        code_only("let x = \"crate::a\"; // crate::b\ncrate::c"),
        "let x = \"\"; \ncrate::c"
    );
    let g: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec!["a"]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.into_iter().map(String::from).collect()))
    .collect();
    assert_eq!(cycles(&g), [vec!["a".to_string(), "b".into(), "c".into()]]);
    let m = Module {
        file: "src/x.rs".into(),
        path: vec!["x".into()],
        text: "fn short() {\n}\nfn long() {\n    let a = 1;\n    {\n    }\n}\n".into(),
    };
    let f = functions(&m);
    assert_eq!(
        f.iter().map(|x| (x.2.as_str(), x.3)).collect::<Vec<_>>(),
        [("short", 2), ("long", 5)]
    );
}
