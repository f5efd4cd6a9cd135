//! Command-line definitions (clap). Flags are documented here once; `--help` and docs/cli.md
//! are generated from these definitions.

use crate::finding::Severity;
use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
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
        not do its job (bad arguments, unreadable or invalid rule file, a manifest that could not be \
        read unless --parse-errors warn).",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
// Parsed once per process: boxing the large variant would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum Command {
    /// Scan files and directories for findings
    Scan(ScanArgs),
    /// List the rules (id, severity, title), or test custom rules with `rules test DIR`
    Rules(RulesArgs),
    /// Show one rule's description, remediation and examples
    Explain(ExplainArgs),
    /// Write a commented .slsguard.yml (and, on request, the pre-commit hook entry and the
    /// GitHub Actions workflow) in the current directory
    Init(InitArgs),
    /// Print a shell completion script (e.g. `slsguard completions bash > ~/.local/share/bash-completion/completions/slsguard`)
    Completions {
        #[arg(value_enum, value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// Print a man page (roff): slsguard(1), e.g. `slsguard man > slsguard.1`, or a command's,
    /// e.g. `slsguard man scan > slsguard-scan.1`
    Man {
        /// The command whose page to print (scan, rules, explain, init, completions)
        #[arg(value_name = "COMMAND")]
        command: Option<String>,
    },
    /// Print the least-privilege policy of functions: the actions their code calls, on the
    /// resources it touches, in the manifest's own syntax
    Policy(PolicyArgs),
}

#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// Functions to print the policy of (as the manifest names them)
    #[arg(value_name = "FUNCTION", required_unless_present = "all")]
    pub functions: Vec<String>,

    /// Every function of the scanned manifests
    #[arg(long, conflicts_with = "functions")]
    pub all: bool,

    /// Where the app is: files and directories to read [default: .]
    #[arg(long = "path", value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Output: the manifest's syntax, commented (`text`), or JSON for scripts
    #[arg(long, value_enum, default_value = "text", value_name = "FORMAT")]
    pub format: PolicyFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PolicyFormat {
    /// The manifest's own syntax, each statement commented with the call sites it serves
    Text,
    /// One JSON document: every function's policy, calls and unresolved calls
    Json,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Also write .pre-commit-config.yaml with the slsguard hook
    #[arg(long)]
    pub pre_commit: bool,

    /// Also write .github/workflows/slsguard.yml (the slsguard Action)
    #[arg(long)]
    pub github: bool,

    /// Replace files that exist
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
#[command(after_long_help = SCAN_AFTER_HELP)]
pub struct ScanArgs {
    /// Files and directories to scan (with --staged or --changed-since: limits which changed
    /// files are considered); `-` reads one file from standard input (see --stdin-filename)
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// The name standard input (`-`) is scanned as: it decides which rules apply and how the
    /// content is parsed, e.g. `serverless.yml` [default: `<stdin>`, secrets only]
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,

    /// Read each given file as the git index holds it (the content a commit records) when git
    /// tracks it, else from disk: for pre-commit, which passes the files to check
    /// (`pre-commit run --all-files` passes every tracked file)
    #[arg(long, conflicts_with_all = ["staged", "changed_since"])]
    pub from_index: bool,

    /// Report format (repeatable: each --format is paired with the --output that follows it;
    /// see "Several reports" below)
    #[arg(long, value_enum, value_name = "FORMAT", action = ArgAction::Append)]
    pub format: Vec<Format>,

    /// Write the report of the preceding --format to FILE instead of standard output
    /// (repeatable; missing directories are created)
    #[arg(long, short = 'o', value_name = "FILE", action = ArgAction::Append)]
    pub output: Vec<PathBuf>,

    /// Exit with 1 when a finding is at or above this severity (`none`: never) [default: the
    /// config file's `fail_on`, else medium: secrets, over-broad permissions and public routes
    /// fail; low findings are reported only]
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,

    #[command(flatten)]
    pub rules: RuleSelection,

    /// Scan what is staged in the git index (not the working tree), only the staged files:
    /// the pre-commit hook
    #[arg(long, conflicts_with = "changed_since")]
    pub staged: bool,

    /// Report only findings in files changed since the merge base of REV and HEAD (committed,
    /// uncommitted and untracked changes); manifests are still read whole, so facts that span
    /// files stay right. For pull-request gates, e.g. `--changed-since origin/main`
    #[arg(long, value_name = "REV")]
    pub changed_since: Option<String>,

    /// Hide the findings recorded in FILE (written by --write-baseline); report how many were
    /// hidden and which entries no longer match anything
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Record the current findings in FILE as the accepted baseline, then report as with
    /// --baseline FILE
    #[arg(long, value_name = "FILE", conflicts_with_all = ["baseline", "staged", "changed_since"])]
    pub write_baseline: Option<PathBuf>,

    /// Ignore inline and resource-level suppressions and the baseline: report everything
    #[arg(long)]
    pub no_suppress: bool,

    /// Read the configuration from FILE [default: the nearest .slsguard.yml (or .yaml) in or
    /// above the scanned paths, up to the repository root; with --staged and --from-index, the
    /// one the git index holds]
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,

    /// Do not read a configuration file
    #[arg(long)]
    pub no_config: bool,

    /// Worker threads (0: one per CPU; at most two per CPU, larger values are lowered)
    #[arg(long, short = 'j', value_name = "N", default_value_t = 0)]
    pub threads: usize,

    /// Also scan the untracked files that .gitignore and git's excludes leave out (files git
    /// tracks are always scanned)
    #[arg(long)]
    pub no_ignore: bool,

    /// Also honour .ignore and .rgignore files, which are not honoured by default: they are
    /// not what git ships, and a committed one could hide files from the gate [default: the
    /// config file's `respect_ignore_files`, else no]
    #[arg(long, conflicts_with = "no_ignore")]
    pub respect_ignore_files: bool,

    /// Exit with 2 when the scan did not see everything it was asked to: nothing scanned in a
    /// tree that has files, a file skipped or unreadable, a manifest that did not parse, or
    /// any other warning but a stale baseline entry
    #[arg(long)]
    pub strict: bool,

    /// What a manifest that cannot be read (a syntax error, a file over a loader's limits) does
    /// to the exit code: `error` exits with 2, as its IAM and auth were not checked; `warn`
    /// reports it without failing, for repositories with deliberately broken fixtures [default:
    /// the config file's `parse_errors`, else error]
    #[arg(long, value_enum, value_name = "MODE")]
    pub parse_errors: Option<ParseErrors>,

    /// Skip (and report) files larger than this; accepts K, M and G suffixes (KiB, MiB, GiB)
    #[arg(long, value_name = "BYTES", default_value = "10M", value_parser = parse_size)]
    pub max_file_size: u64,

    /// When to color the text report [auto: on a terminal, unless NO_COLOR is set; FORCE_COLOR
    /// turns it on anywhere]
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    /// Show only findings at or above this severity in every report (the exit code still
    /// follows --fail-on; the summary counts what was left out)
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub min_severity: Option<SeverityArg>,

    /// Order of the findings in every report: by file and line, or most severe first
    #[arg(long, value_enum, default_value_t = SortOrder::Path, value_name = "ORDER")]
    pub sort: SortOrder,

    /// Text report: only the summary by rule and severity (and files that could not be read);
    /// the exit code as usual
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SeverityArg {
    Low,
    Medium,
    High,
    Critical,
}

impl SeverityArg {
    pub fn severity(self) -> Severity {
        match self {
            SeverityArg::Low => Severity::Low,
            SeverityArg::Medium => Severity::Medium,
            SeverityArg::High => Severity::High,
            SeverityArg::Critical => Severity::Critical,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SortOrder {
    /// By file, line and column
    Path,
    /// Most severe first, then by file and line
    Severity,
}

const SCAN_AFTER_HELP: &str = "\
Several reports:
  One run can write several reports. Each --output FILE takes the report of the last --format
  before it (or, when no --format comes before it, of the first one after it); a --format with
  no --output of its own goes to standard output, and at most one may. The default is one text
  report on standard output. For example, to upload SARIF and read text in the CI log:

    slsguard scan --format sarif --output slsguard.sarif --format text

Suppressions:
  `slsguard:ignore RULE-ID reason` in a comment (#, //, /* */, --) on a finding's line, or alone
  on the line above it, suppresses it; so does `Metadata: {slsguard: {ignore: [{id, reason}]}}`
  on a CloudFormation/SAM/CDK resource and `slsguard: {ignore: [{id, reason}]}` under a
  serverless.yml function. Suppressed and baselined findings never fail the scan; they are
  counted in the summary and kept in SARIF as `suppressions`. See docs/config.md.

Progress:
  On a terminal, scans that take longer than a second show files done / total on standard
  error; never when standard error is a pipe or a file, or when CI is set.";

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

    /// List only the rules with this tag, or `provider:NAME` for the secrets a provider issues
    /// (repeatable: any of them)
    #[arg(long, value_name = "TAG")]
    pub tag: Vec<String>,

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

    /// Print the rule's page as Markdown instead of text for a terminal
    #[arg(long)]
    pub markdown: bool,

    /// Also load the rule files in DIR (repeatable)
    #[arg(long = "rules", value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For terminals: one block per finding, then a summary
    Text,
    /// For scripts (docs/json-output.md)
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers
    Sarif,
    /// GitHub Actions workflow commands: one annotation per finding
    Github,
    /// GitLab's SAST report (`gl-sast-report.json`, schema 15.0.7): findings in merge requests
    /// and the vulnerability report
    GitlabSast,
    /// JUnit XML, for the test panels of GitLab, Jenkins and other CIs: one test case per
    /// finding, failing at or above --fail-on
    Junit,
    /// JSON Lines: one JSON object per line (findings, then problems, then a summary)
    Jsonl,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
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

/// What an unreadable manifest does to the exit code (`--parse-errors`, `parse_errors:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ParseErrors {
    /// Exit with 2.
    #[default]
    Error,
    /// Report, and exit as if the file were not there.
    Warn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// One report of a scan: its format, and the file it goes to (`None`: standard output).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportTarget {
    pub format: Format,
    pub output: Option<PathBuf>,
}

/// Pairs the `--format` and `--output` flags of a `scan` by their positions on the command line
/// (see the "Several reports" help). `formats` and `outputs` carry clap's argument indices.
pub fn pair_reports(formats: &[(usize, Format)], outputs: &[(usize, PathBuf)]) -> Result<Vec<ReportTarget>, String> {
    let mut targets: Vec<ReportTarget> =
        formats.iter().map(|&(_, format)| ReportTarget { format, output: None }).collect();
    if targets.is_empty() {
        targets.push(ReportTarget { format: Format::Text, output: None });
    }
    for (at, file) in outputs {
        // The last --format before this --output, else the first one after it.
        let owner = formats.iter().rposition(|(i, _)| i < at).unwrap_or(0);
        let target = &mut targets[owner];
        if let Some(first) = &target.output {
            return Err(format!(
                "--output {} and --output {} both take the {} report; give each --output its own --format",
                first.display(),
                file.display(),
                target.format.name()
            ));
        }
        target.output = Some(file.clone());
    }
    let to_stdout: Vec<&str> = targets.iter().filter(|t| t.output.is_none()).map(|t| t.format.name()).collect();
    if to_stdout.len() > 1 {
        return Err(format!(
            "only one report can go to standard output, but {} have no --output FILE",
            to_stdout.join(" and ")
        ));
    }
    Ok(targets)
}

/// The reports of a `scan`, from its matches (clap's derive API does not expose positions).
pub fn report_targets(scan: &clap::ArgMatches) -> Result<Vec<ReportTarget>, String> {
    fn positioned<T: Clone + Send + Sync + 'static>(m: &clap::ArgMatches, id: &str) -> Vec<(usize, T)> {
        match (m.indices_of(id), m.get_many::<T>(id)) {
            (Some(i), Some(v)) => i.zip(v.cloned()).collect(),
            _ => Vec::new(),
        }
    }
    pair_reports(&positioned::<Format>(scan, "format"), &positioned::<PathBuf>(scan, "output"))
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Github => "github",
            Format::GitlabSast => "gitlab-sast",
            Format::Junit => "junit",
            Format::Jsonl => "jsonl",
        }
    }
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

    fn targets(
        formats: &[(usize, Format)],
        outputs: &[(usize, &str)],
    ) -> Result<Vec<(Format, Option<String>)>, String> {
        let outputs: Vec<(usize, PathBuf)> = outputs.iter().map(|&(i, p)| (i, PathBuf::from(p))).collect();
        pair_reports(formats, &outputs)
            .map(|t| t.into_iter().map(|t| (t.format, t.output.map(|p| p.display().to_string()))).collect())
    }

    #[test]
    fn reports_pair_by_position() {
        use Format::*;
        assert_eq!(targets(&[], &[]), Ok(vec![(Text, None)]));
        assert_eq!(targets(&[], &[(2, "r.txt")]), Ok(vec![(Text, Some("r.txt".into()))]));
        // `--format sarif --output out.sarif --format text`
        assert_eq!(
            targets(&[(2, Sarif), (6, Text)], &[(4, "out.sarif")]),
            Ok(vec![(Sarif, Some("out.sarif".into())), (Text, None)])
        );
        // `--output r.json --format json`: an --output before any --format takes the first one.
        assert_eq!(targets(&[(4, Json)], &[(2, "r.json")]), Ok(vec![(Json, Some("r.json".into()))]));
        assert_eq!(
            targets(&[(2, Sarif), (6, Json)], &[(4, "a.sarif"), (8, "a.json")]),
            Ok(vec![(Sarif, Some("a.sarif".into())), (Json, Some("a.json".into()))])
        );
        assert!(targets(&[(2, Sarif), (4, Text)], &[]).unwrap_err().contains("standard output"));
        assert!(targets(&[(2, Sarif)], &[(4, "a"), (6, "b")]).unwrap_err().contains("its own --format"));
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
