//! CLI cases: `tests/cmd/*.toml` (exit codes, JSON, `checks`, `explain`, usage and input errors).
//! Refresh expected output with `TRYCMD=overwrite cargo test --test cli`.

#[test]
fn cli() {
    trycmd::TestCases::new().case("tests/cmd/*.toml");
}
