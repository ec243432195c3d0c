//! CLI snapshot tests: every case is `tests/cmd/*.toml` (trycmd).
//!
//! Regenerate expected output with `TRYCMD=overwrite cargo test --test cli`,
//! then read every changed snapshot before committing it.

#[test]
fn cli() {
    trycmd::TestCases::new().case("tests/cmd/*.toml");
}
