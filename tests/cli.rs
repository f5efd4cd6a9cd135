//! CLI behaviour as data (trycmd): each tests/cmd/*.md file is a terminal session whose
//! commands, outputs and exit codes must match. Regenerate outputs with
//! `TRYCMD=overwrite cargo test --test cli`, then review the diff. The fingerprint key is fixed,
//! so outputs do not depend on this clone's history (a shallow clone has no first commit).

#[test]
fn cli_cases() {
    trycmd::TestCases::new()
        .default_bin_name("slsguard")
        .env("NO_COLOR", "1")
        .env("SLSGUARD_FINGERPRINT_KEY", "slsguard-test-fingerprint-key")
        .case("tests/cmd/*.md");
}
