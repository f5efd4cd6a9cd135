//! CLI behaviour as data (trycmd): each tests/cmd/*.md file is a terminal session whose
//! commands, outputs and exit codes must match. Regenerate outputs with
//! `TRYCMD=overwrite cargo test --test cli`, then review the diff.

#[test]
fn cli_cases() {
    trycmd::TestCases::new().default_bin_name("slsguard").env("NO_COLOR", "1").case("tests/cmd/*.md");
}
