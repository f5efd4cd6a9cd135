//! Command-line definitions (clap). Flags are documented here once; `--help` and docs/cli.md
//! are generated from these definitions.

use crate::finding::Severity;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "slsguard",
    version,
    about = "Security linter and secrets auditor for serverless applications",
    long_about = "Security linter and secrets auditor for serverless applications.\n\n\
        Scans function code and deployment manifests for hardcoded secrets, over-broad permissions \
        and missing authentication, and reports findings as text, JSON or SARIF.\n\n\
        Exit codes: 0 no finding at or above --fail-on; 1 findings at or above it; 2 the tool could \
        not do its job (bad arguments, unreadable or invalid rule file).",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and directories for findings
    Scan(ScanArgs),
    /// List the rules (id, severity, title), or test custom rules with `rules test DIR`
    Rules(RulesArgs),
    /// Show one rule's description, remediation and examples
    Explain(ExplainArgs),
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files and directories to scan
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Write the report to FILE instead of standard output
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Exit with 1 when a finding is at or above this severity (`none`: never)
    #[arg(long, value_enum, default_value_t = FailOn::Low, value_name = "SEVERITY")]
    pub fail_on: FailOn,

    #[command(flatten)]
    pub rules: RuleSelection,

    /// Worker threads (0: one per CPU)
    #[arg(long, short = 'j', value_name = "N", default_value_t = 0)]
    pub threads: usize,

    /// Also scan files that .gitignore, .ignore and git's excludes leave out
    #[arg(long)]
    pub no_ignore: bool,

    /// Skip (and report) files larger than this; accepts K, M and G suffixes (KiB, MiB, GiB)
    #[arg(long, value_name = "BYTES", default_value = "10M", value_parser = parse_size)]
    pub max_file_size: u64,

    /// When to color the text report
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

#[derive(Debug, Args, Clone, Default)]
pub struct RuleSelection {
    /// Also load the rule files in DIR (repeatable)
    #[arg(long = "rules", value_name = "DIR")]
    pub dirs: Vec<PathBuf>,

    /// Run only this rule; an id or a glob such as `secret-*` (repeatable)
    #[arg(long, value_name = "ID")]
    pub only: Vec<String>,

    /// Do not run this rule; an id or a glob (repeatable)
    #[arg(long, value_name = "ID")]
    pub skip: Vec<String>,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    #[command(subcommand)]
    pub command: Option<RulesCommand>,

    /// Also load the rule files in DIR (repeatable)
    #[arg(long = "rules", value_name = "DIR")]
    pub dirs: Vec<PathBuf>,

    /// Output format of the list
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Check that every rule in DIR is valid and that its examples behave: each `fire` input
    /// gives a finding, each `no_fire` input none (exit 1 if one does not)
    Test {
        /// A rule file or a directory of them
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Rule id
    #[arg(value_name = "ID")]
    pub id: String,

    /// Also load the rule files in DIR (repeatable)
    #[arg(long = "rules", value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    None,
    Low,
    Medium,
    High,
    Critical,
}

impl FailOn {
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::None => None,
            FailOn::Low => Some(Severity::Low),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::High => Some(Severity::High),
            FailOn::Critical => Some(Severity::Critical),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// `1048576`, `512K`, `10M`, `1G` (binary multiples).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, mult) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let m = match c.to_ascii_uppercase() {
                'K' => 1u64 << 10,
                'M' => 1 << 20,
                'G' => 1 << 30,
                _ => return Err(format!("unknown size suffix `{c}` (use K, M or G)")),
            };
            (&s[..i], m)
        }
        _ => (s, 1),
    };
    let n: u64 = num.parse().map_err(|_| format!("`{s}` is not a size in bytes (e.g. 1048576, 512K, 10M)"))?;
    n.checked_mul(mult).ok_or_else(|| format!("`{s}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_valid() {
        Cli::command().debug_assert();
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("10M"), Ok(10 << 20));
        assert_eq!(parse_size("512k"), Ok(512 << 10));
        assert_eq!(parse_size("42"), Ok(42));
        assert!(parse_size("ten").is_err());
        assert!(parse_size("5T").is_err());
    }
}
