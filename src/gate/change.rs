//! What the gate is asked about: the manifests a pull request touches, and
//! the files it reads them against. Kept apart so every step of the gate
//! takes the same input and a caller (check, github, fuzz) builds it once.

use crate::baseline::Baseline;
use crate::gate::projection::Adoption;
use crate::manifest::Manifest;
use crate::policy::Policy;
use crate::prices::PriceBook;
use crate::report::{ChangeKind, Reason};

/// One manifest the pull request adds, modifies, renames or removes.
#[derive(Clone, Debug)]
pub struct Change {
    pub kind: ChangeKind,
    pub head: Option<Manifest>,
    pub base: Option<Manifest>,
    pub path: String,
    pub previous_path: Option<String>,
    /// The feature has observed usage in the committed actuals (SPEC
    /// 8.3): an added manifest for it declares a live feature, which sits
    /// at steady state like a modified one instead of ramping from launch.
    pub observed: bool,
}

impl Change {
    /// A manifest treated as a new launch (no `--base`).
    pub fn added(m: Manifest) -> Change {
        Change {
            kind: ChangeKind::Added,
            path: m.file.path.clone(),
            previous_path: None,
            head: Some(m),
            base: None,
            observed: false,
        }
    }

    /// The feature as the pull request leaves it, or as it was when removed.
    pub(crate) fn feature(&self) -> &Manifest {
        self.head
            .as_ref()
            .or(self.base.as_ref())
            .expect("a change has at least one side")
    }

    /// A new launch follows its ramp; a live feature sits at steady state,
    /// an added manifest of a feature with observed usage included.
    pub(crate) fn head_adoption(&self) -> Adoption {
        match self.kind {
            ChangeKind::Added if !self.observed => Adoption::Ramp,
            _ => Adoption::Steady,
        }
    }
}

/// Everything the gate reads.
pub struct Inputs<'a> {
    pub policy: &'a Policy,
    pub baseline: &'a Baseline,
    pub book: &'a PriceBook,
    pub changes: &'a [Change],
    /// Labels on the pull request (or `--label`).
    pub labels: &'a [String],
    /// Policy, baseline or prices files the pull request edits.
    pub edited_config: &'a [String],
    /// Warnings found while loading (a manifest whose base version no
    /// longer validates): like the gate's own, they turn a pass into a warn.
    pub warnings: &'a [Reason],
}
