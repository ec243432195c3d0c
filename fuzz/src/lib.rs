//! The fuzz harnesses: arbitrary bytes into ier-gate's public API.
//!
//! Each function reads its input as UTF-8 (lossily, as a pull request's
//! bytes would be shown), runs the parser and validator, or the whole gate,
//! and renders whatever comes out. None may panic, hang or run out of
//! memory. `fuzz_targets/*.rs` call these; `tests/engine.rs` includes this
//! file (`#[path]`) to replay `tests/fuzz_regressions/<target>/*` under
//! `cargo test`, so a crash found once stays fixed without the fuzzer.

use std::sync::{Arc, OnceLock};

use ier_gate::diagnostic::{self, Diags, SourceFile};
use ier_gate::gate;
use ier_gate::load::{self, Failure, ManifestChange};
use ier_gate::prices::PriceBook;
use ier_gate::render;
use ier_gate::report::ChangeKind;
use ier_gate::{baseline, manifest, policy};

/// The files of an `evaluate` input are separated by this byte: policy,
/// baseline, prices, then the changed manifests (see [`evaluate`]).
pub const SEPARATOR: char = '\0';

/// Most added manifests an `evaluate` input carries after head and base.
const MAX_EXTRA_MANIFESTS: usize = 8;

/// A fuzz target: bytes in, nothing out; it must not panic.
pub type Target = fn(&[u8]);

/// The targets, by the name of their `fuzz_targets/*.rs`.
pub const TARGETS: [(&str, Target); 5] = [
    ("manifest", manifest),
    ("baseline", baseline),
    ("policy", policy),
    ("prices", prices),
    ("evaluate", evaluate),
];

fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// The built-in catalogue, read once; a harness that changes it clones it.
fn builtin() -> &'static PriceBook {
    static BOOK: OnceLock<PriceBook> = OnceLock::new();
    BOOK.get_or_init(|| PriceBook::builtin().expect("the built-in catalogue loads"))
}

/// Renders the diagnostics as the CLI does on a terminal. Once, in colour:
/// the plain rendering differs only in the theme's styles (the same spans,
/// lines and wrapping), and rendering is most of an input's time (textwrap's
/// line breaking alone a third), so a second pass halved the executions a
/// campaign gets without reaching any other code.
fn show(diags: &[diagnostic::Diag]) {
    let _ = diagnostic::render(diags, true);
    for d in diags {
        let _ = d.position();
    }
}

/// A cost manifest: `manifest::load` against the built-in catalogue.
pub fn manifest(data: &[u8]) {
    let file = SourceFile::new("ai-features/m.yaml", text(data));
    let mut diags = Diags::default();
    let _ = manifest::load(&file, builtin(), &mut diags);
    show(&diags.0);
}

/// A baseline: `baseline::load`.
pub fn baseline(data: &[u8]) {
    let file = SourceFile::new(".ier/baseline.yaml", text(data));
    let mut diags = Diags::default();
    if let Some(b) = baseline::load(&file, &mut diags) {
        let _ = b.latest();
    }
    show(&diags.0);
}

/// A policy: `policy::load`.
pub fn policy(data: &[u8]) {
    let file = SourceFile::new(".ier/policy.yaml", text(data));
    let mut diags = Diags::default();
    let _ = policy::load(&file, &mut diags);
    show(&diags.0);
}

/// Price overrides: `PriceBook::apply_overrides` over the built-in catalogue.
pub fn prices(data: &[u8]) {
    let file = SourceFile::new(".ier/prices.yaml", text(data));
    let mut diags = Diags::default();
    let mut book = builtin().clone();
    book.apply_overrides(&file, &mut diags);
    let _ = book.overridden();
    show(&diags.0);
}

fn file(path: &str, part: Option<&str>) -> Option<Arc<SourceFile>> {
    part.filter(|t| !t.is_empty())
        .map(|t| SourceFile::new(path, t))
}

/// The whole gate from one input split at [`SEPARATOR`] into
/// `policy, baseline, prices, head, base, extra...`: the policy and the
/// baseline are always there (maybe empty), an empty prices part means no
/// prices file; `head` and `base` are one changed manifest (both: modified,
/// head only: added, base only: removed) and every further part is another
/// added manifest. Then `load::read_policy`, `load::assemble`, the
/// evaluation (`gate::evaluate`, deprecations included) and
/// every renderer, or the diagnostics, as `ier-gate check` would. The pull
/// request edits the prices file and carries the policy's mitigation label.
pub fn evaluate(data: &[u8]) {
    let text = text(data);
    let mut parts = text.split(SEPARATOR);
    let policy_file = SourceFile::new(".ier/policy.yaml", parts.next().unwrap_or(""));
    let baseline_file = SourceFile::new(".ier/baseline.yaml", parts.next().unwrap_or(""));
    let prices_file = file(".ier/prices.yaml", parts.next());
    let head = file("ai-features/changed.yaml", parts.next());
    let base = file("base:ai-features/changed.yaml", parts.next());

    let mut fetched = Vec::new();
    let kind = match (&head, &base) {
        (Some(_), Some(_)) => Some(ChangeKind::Modified),
        (Some(_), None) => Some(ChangeKind::Added),
        (None, Some(_)) => Some(ChangeKind::Removed),
        (None, None) => None,
    };
    if let Some(kind) = kind {
        fetched.push(ManifestChange {
            kind,
            path: "ai-features/changed.yaml".into(),
            previous_path: None,
            head,
            base,
        });
    }
    for (i, part) in parts.take(MAX_EXTRA_MANIFESTS).enumerate() {
        let path = format!("ai-features/added-{i}.yaml");
        if let Some(f) = file(&path, Some(part)) {
            fetched.push(ManifestChange {
                kind: ChangeKind::Added,
                path,
                previous_path: None,
                head: Some(f),
                base: None,
            });
        }
    }

    let mut diags = Diags::default();
    let (policy, policy_ok) = load::read_policy(Some(&policy_file), &mut diags);
    let edited = vec![policy.paths.prices.clone()];
    let loaded = match load::assemble(
        policy,
        policy_ok,
        Some(&baseline_file),
        prices_file.as_ref(),
        fetched,
        edited,
        diags,
    ) {
        Ok(l) => l,
        Err(Failure::Input(d)) => return show(&d),
        Err(Failure::Environment(_)) => return,
    };
    let labels = loaded
        .policy
        .mitigation_label
        .iter()
        .cloned()
        .collect::<Vec<_>>();
    let report = match gate::evaluate(&loaded.inputs(&labels)) {
        Ok(r) => r,
        Err(d) => return show(&d),
    };
    let _ = render::text::render(&report, false);
    let _ = render::text::render(&report, true);
    let _ = render::json::render(&report);
    let _ = render::markdown::render(&report);
    let _ = render::chart::svg(&report);
}
