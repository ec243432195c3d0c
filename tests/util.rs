//! Fixture helpers shared by the test modules.

/// The `ier-gate` binary cargo built for these tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_ier-gate");

/// The absolute path of a shipped example (`examples/NAME`).
pub fn examples(name: &str) -> String {
    format!("{}/examples/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A process's output as text.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
