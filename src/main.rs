//! The binary edge: parse arguments, call the library, map outcomes to exit codes
//! (0 clean, 1 findings at or above --fail-on, 2 the tool could not do its job, 141 standard
//! output was closed early, as for a process that SIGPIPE ended).

use anyhow::{Context, Result};
use clap::{CommandFactory, FromArgMatches};
use slsguard::baseline::Baseline;
use slsguard::cli::{
    Cli, ColorChoice, Command, ExplainArgs, FailOn, Format, ListFormat, ParseErrors, ReportTarget, RulesArgs,
    RulesCommand, ScanArgs, SortOrder,
};
use slsguard::config::{self, Config};
use slsguard::report::text::TextOptions;
use slsguard::rules::{RuleSet, selftest};
use slsguard::{Source, progress, report, suppress};
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const EXIT_FINDINGS: u8 = 1;
const EXIT_ERROR: u8 = 2;
/// The notification kind of a manifest that could not be read (see `--parse-errors`).
const PARSE_ERROR: &str = "parse-error";
/// 128 + SIGPIPE: what a shell reports for a writer whose reader went away (`| head -1`).
const EXIT_BROKEN_PIPE: u8 = 141;

fn main() -> ExitCode {
    // Parsed in two steps: the derive API does not keep the flags' positions, which pair each
    // --output with its --format.
    let parsed = Cli::command().try_get_matches().and_then(|m| Cli::from_arg_matches(&m).map(|cli| (cli, m)));
    let (cli, matches) = match parsed {
        Ok(parsed) => parsed,
        Err(e) => {
            // clap prints help/version with code 0 and usage errors with code 2.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_ERROR } else { 0 });
        }
    };
    let result = match cli.command {
        Command::Scan(args) => {
            let targets = matches.subcommand_matches("scan").map(slsguard::cli::report_targets);
            match targets.unwrap_or_else(|| Ok(Vec::new())) {
                Ok(targets) => scan(args, targets),
                Err(message) => {
                    let _ = Cli::command().error(clap::error::ErrorKind::ArgumentConflict, message).print();
                    return ExitCode::from(EXIT_ERROR);
                }
            }
        }
        Command::Rules(args) => rules(args),
        Command::Explain(args) => explain(args),
        Command::Init(args) => init(args),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "slsguard", &mut out);
            print_bytes(&out)
        }
        Command::Man { command } => man(command.as_deref()),
        Command::Policy(args) => policy(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) if is_broken_pipe(&e) => ExitCode::from(EXIT_BROKEN_PIPE),
        Err(e) => {
            eprintln!("slsguard: error: {e:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<io::Error>().is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe))
}

fn scan(args: ScanArgs, targets: Vec<ReportTarget>) -> Result<u8> {
    let config = load_config(&args)?;
    let mut dirs = config.as_ref().map(|c| c.rule_dirs.clone()).unwrap_or_default();
    dirs.extend(args.rules.dirs.iter().cloned());
    // Every loaded rule, selected or not: suppressions and the config may name any of them.
    // Never freed: the process ends after the scan, and freeing ~500 rules one allocation at a
    // time was a twentieth of a pre-commit run over one small file.
    let known = std::mem::ManuallyDrop::new(RuleSet::load(true, &dirs)?);
    let (mut only, mut skip) = (args.rules.only.clone(), args.rules.skip.clone());
    if let Some(c) = &config {
        c.check_rules(&known)?;
        if only.is_empty() {
            only = c.enable.clone();
        }
        skip.extend(c.disable.iter().cloned());
    }
    let mut rules = known.select(&only, &skip)?;
    if let Some(c) = &config {
        rules = c.apply_severity(&rules);
    }
    let stdin = args.paths.len() == 1 && args.paths[0].as_os_str() == "-";
    let source = if stdin {
        if args.staged || args.changed_since.is_some() || args.from_index {
            anyhow::bail!("`-` (standard input) cannot be combined with --staged, --changed-since or --from-index");
        }
        let mut content = Vec::new();
        io::Read::read_to_end(&mut io::stdin().lock(), &mut content).context("could not read standard input")?;
        Source::Stdin { display: args.stdin_filename.clone().unwrap_or_else(|| "<stdin>".into()), content }
    } else if args.from_index {
        Source::Index
    } else {
        match (&args.staged, &args.changed_since) {
            (true, _) => Source::Staged,
            (false, Some(rev)) => Source::ChangedSince(rev.clone()),
            (false, None) => Source::Paths,
        }
    };
    if args.stdin_filename.is_some() && !stdin {
        anyhow::bail!("--stdin-filename names standard input: give `-` as the path to scan");
    }
    let opts = slsguard::ScanOptions {
        paths: args.paths.clone(),
        threads: args.threads,
        no_ignore: args.no_ignore,
        respect_ignore_files: args.respect_ignore_files || config.as_ref().is_some_and(|c| c.respect_ignore_files),
        max_file_size: args.max_file_size,
        source,
        exclude: config.as_ref().map(|c| c.exclude.clone()),
        public_routes: config.as_ref().map(|c| c.public_routes.clone()).unwrap_or_default(),
        progress: progress::wanted(),
        fingerprint_key: std::env::var("SLSGUARD_FINGERPRINT_KEY")
            .ok()
            .filter(|k| !k.is_empty())
            .or_else(|| config.as_ref().and_then(|c| c.fingerprint_key.clone())),
        policies: false,
        fixes: targets.iter().any(|t| t.format == Format::Sarif),
    };
    let started = std::time::SystemTime::now();
    // Never freed either, for the same reason (its secret engine above all).
    let mut report = std::mem::ManuallyDrop::new(slsguard::scan(&opts, &rules)?);
    let parse_errors = args.parse_errors.or(config.as_ref().and_then(|c| c.parse_errors)).unwrap_or_default();
    if parse_errors == ParseErrors::Error {
        // A manifest that was not read is a gap in the gate, reported as such in every format.
        for n in report.notifications.iter_mut().filter(|n| n.kind == PARSE_ERROR) {
            n.level = report::Level::Error;
        }
    }
    suppress::apply(&mut report, &known, !args.no_suppress);
    if let Some(file) = &args.write_baseline {
        let baseline = Baseline::of_report(&report);
        baseline.write(file)?;
        let n = baseline.entries.len();
        eprintln!("slsguard: wrote {n} finding{} to {}", if n == 1 { "" } else { "s" }, file.display());
        if !args.no_suppress {
            baseline.apply(&mut report, &rules, &file.display().to_string());
        }
    } else if let (Some(file), false) = (&args.baseline, args.no_suppress) {
        Baseline::read(file)?.apply(&mut report, &rules, &file.display().to_string());
    }
    let fail_on = args.fail_on.or(config.as_ref().and_then(|c| c.fail_on)).unwrap_or(FailOn::Medium);
    let fails = report.fails(fail_on.threshold());
    // Redacted and keyed once for every format, in place (not a copy of every finding), then
    // filtered and ordered as asked; never freed either.
    let shown = std::mem::ManuallyDrop::new(
        std::mem::ManuallyDrop::into_inner(report)
            .into_shown()
            .present(args.min_severity.map(|s| s.severity()), args.sort == SortOrder::Severity),
    );
    let render = Render {
        color: args.color,
        quiet: args.quiet,
        fail_on: fail_on.threshold(),
        times: report::gitlab::ScanTimes { start: started, end: std::time::SystemTime::now() },
    };
    let mut pipe_closed = false;
    for target in &targets {
        pipe_closed |= write_report(&shown, &rules, target, &render)?;
    }
    if pipe_closed {
        return Ok(EXIT_BROKEN_PIPE);
    }
    if parse_errors == ParseErrors::Error {
        let mut unread: Vec<&str> =
            shown.notifications.iter().filter(|n| n.kind == PARSE_ERROR).map(|n| n.path.as_str()).collect();
        unread.dedup();
        if !unread.is_empty() {
            eprintln!(
                "slsguard: error: {} manifest{} could not be read, so {} IAM and authentication were not checked: {}\n  \
                 hint: fix {}, or pass `--parse-errors warn` (`parse_errors: warn` in .slsguard.yml) to report \
                 unreadable manifests without failing",
                unread.len(),
                if unread.len() == 1 { "" } else { "s" },
                if unread.len() == 1 { "its" } else { "their" },
                report::escape_controls(&unread.join(", ")),
                if unread.len() == 1 { "it or exclude it" } else { "them or exclude them" },
            );
            return Ok(EXIT_ERROR);
        }
    }
    // Files and directories that could not be read (manifests that did not parse are above).
    let unread: Vec<String> = shown
        .notifications
        .iter()
        .filter(|n| n.level == report::Level::Error && n.kind != PARSE_ERROR)
        .map(|n| format!("{} ({})", n.path, n.message))
        .collect();
    if !unread.is_empty() {
        eprintln!(
            "slsguard: error: could not read what it was asked to scan: {}",
            report::escape_controls(&unread.join("; "))
        );
        return Ok(EXIT_ERROR);
    }
    if args.strict {
        let gaps: Vec<String> = shown
            .problems()
            .filter(|n| n.kind != "stale-baseline")
            .map(|n| format!("{} ({})", n.path, n.kind))
            .collect();
        if !gaps.is_empty() {
            eprintln!(
                "slsguard: error: --strict: the scan did not see everything it was asked to: {}",
                report::escape_controls(&gaps.join(", "))
            );
            return Ok(EXIT_ERROR);
        }
    }
    Ok(if fails { EXIT_FINDINGS } else { 0 })
}

/// `--config FILE`, else `.slsguard.yml` in the one directory scanned, else in the current one.
/// `--config FILE`; else, for `--staged` and `--from-index`, the nearest `.slsguard.yml` as the
/// git index holds it (the configuration the commit will hold); else the nearest one above the
/// scanned paths, up to the repository root. Paths with different nearest files are an error.
fn load_config(args: &ScanArgs) -> Result<Option<Config>> {
    if args.no_config {
        return Ok(None);
    }
    if let Some(p) = &args.config {
        return Ok(Some(Config::load(p)?));
    }
    if args.staged || args.from_index {
        for dir in config::search_dirs(Path::new(".")) {
            for name in config::FILE_NAMES {
                let path = if dir == Path::new(".") { PathBuf::from(name) } else { dir.join(name) };
                if let Some(bytes) = slsguard::git::index_content(&path) {
                    let text = String::from_utf8(bytes)
                        .map_err(|_| anyhow::anyhow!("{} (staged): not valid UTF-8", path.display()))?;
                    return Ok(Some(Config::parse(&path, &text)?));
                }
                if path.is_file() {
                    eprintln!(
                        "slsguard: warning: {} is not in the git index, so the commit will not hold it: not used (stage it with `git add`)",
                        path.display()
                    );
                }
            }
        }
        return Ok(None);
    }
    let stdin = args.paths.len() == 1 && args.paths[0].as_os_str() == "-";
    let starts: Vec<PathBuf> =
        if stdin || args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths.clone() };
    let mut found: Option<PathBuf> = None;
    for start in &starts {
        let Some(candidate) = config::discover(start) else { continue };
        match &found {
            None => found = Some(candidate),
            Some(first) => {
                let same = match (std::fs::canonicalize(first), std::fs::canonicalize(&candidate)) {
                    (Ok(a), Ok(b)) => a == b,
                    _ => *first == candidate,
                };
                if !same {
                    anyhow::bail!(
                        "the scanned paths have different configuration files, {} and {}: scan them separately, or choose one with --config",
                        first.display(),
                        candidate.display()
                    );
                }
            }
        }
    }
    Ok(match found {
        Some(p) => Some(Config::load(&p)?),
        None => None,
    })
}

/// What the reports need besides the report and the rules.
struct Render {
    color: ColorChoice,
    quiet: bool,
    fail_on: Option<slsguard::Severity>,
    times: report::gitlab::ScanTimes,
}

/// Whether to color: `--color always|never`; else NO_COLOR (set and not empty) turns color off,
/// FORCE_COLOR (set and not empty) turns it on, and otherwise a terminal decides.
fn use_color(choice: ColorChoice, to_terminal: bool) -> bool {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto if set("NO_COLOR") => false,
        ColorChoice::Auto if set("FORCE_COLOR") => true,
        ColorChoice::Auto => to_terminal,
    }
}

/// Writes one report; `Ok(true)` when standard output was closed before it was all written
/// (the other reports are still written).
fn write_report(report: &report::Report, rules: &RuleSet, target: &ReportTarget, render: &Render) -> Result<bool> {
    let to_terminal = target.output.is_none() && io::stdout().is_terminal();
    let text = TextOptions { color: use_color(render.color, to_terminal), quiet: render.quiet };
    let mut buf: Vec<u8> = Vec::new();
    match target.format {
        Format::Text => report::text::write(report, &mut buf, text)?,
        Format::Json => report::json::write(report, rules, &mut buf)?,
        Format::Sarif => report::sarif::write(report, rules, &mut buf)?,
        Format::Github => report::github::write(report, rules, &mut buf)?,
        Format::GitlabSast => report::gitlab::write(report, rules, render.times, &mut buf)?,
        Format::Junit => report::junit::write(report, rules, render.fail_on, &mut buf)?,
        Format::Jsonl => report::jsonl::write(report, rules, &mut buf)?,
    }
    match &target.output {
        Some(path) => {
            // CI steps name a report under a directory the checkout does not have (`out/x.sarif`).
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
            }
            std::fs::write(path, &buf).with_context(|| format!("could not write {}", path.display()))?
        }
        None => {
            let mut out = io::stdout().lock();
            match out.write_all(&buf).and_then(|()| out.flush()) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(true),
                Err(e) => return Err(anyhow::Error::new(e).context("could not write to standard output")),
            }
        }
    }
    Ok(false)
}

fn rules(args: RulesArgs) -> Result<u8> {
    match args.command {
        Some(RulesCommand::Test { dir }) => {
            // The loader `scan --rules` uses (built-in ids checked too), without the built-ins.
            let rules = RuleSet::load(false, std::slice::from_ref(&dir))?;
            let failures = selftest::run(&rules);
            let examples: usize =
                rules.rules().iter().map(|r| r.spec.examples.fire.len() + r.spec.examples.no_fire.len()).sum();
            let mut out = io::stdout().lock();
            for f in &failures {
                writeln!(out, "FAIL {f}")?;
            }
            writeln!(
                out,
                "{} rule{}, {examples} examples: {}",
                rules.len(),
                if rules.len() == 1 { "" } else { "s" },
                if failures.is_empty() { "all pass".to_string() } else { format!("{} failed", failures.len()) }
            )?;
            Ok(if failures.is_empty() { 0 } else { EXIT_FINDINGS })
        }
        None => {
            let all = RuleSet::load(true, &args.dirs)?;
            let rules: Vec<&slsguard::rules::Rule> =
                all.rules().iter().filter(|r| args.tag.is_empty() || args.tag.iter().any(|t| r.has_tag(t))).collect();
            let mut out = io::stdout().lock();
            match args.format {
                ListFormat::Text => {
                    let w = rules.iter().map(|r| r.id().len()).max().unwrap_or(0);
                    for r in &rules {
                        writeln!(out, "{:<w$}  {:<8}  {}", r.id(), r.spec.severity.as_str(), r.spec.title)?;
                    }
                }
                ListFormat::Json => {
                    let list: Vec<serde_json::Value> = rules
                        .iter()
                        .map(|r| {
                            serde_json::json!({
                                "id": r.id(), "severity": r.spec.severity, "title": r.spec.title,
                                "tags": r.spec.tags, "precision": r.spec.precision.as_str(),
                                "provider": r.spec.provider, "builtin": r.builtin, "origin": r.origin,
                            })
                        })
                        .collect();
                    serde_json::to_writer_pretty(&mut out, &list)?;
                    writeln!(out)?;
                }
            }
            Ok(0)
        }
    }
}

/// `slsguard policy`: scans with the least-privilege rules only and prints the policies.
fn policy(args: slsguard::cli::PolicyArgs) -> Result<u8> {
    let ids = ["iam-unused-permission", "iam-unscoped-resource", "iam-missing-permission"].map(String::from);
    let rules = RuleSet::builtin()?.select(&ids, &[])?;
    let paths = if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths };
    let opts = slsguard::ScanOptions { paths, fixes: false, ..slsguard::ScanOptions::default() };
    let report = slsguard::scan(&opts, &rules)?;
    let mut chosen: Vec<&slsguard::leastpriv::policy::FunctionPolicy> = Vec::new();
    if args.all {
        chosen.extend(&report.policies);
    } else {
        for name in &args.functions {
            let found: Vec<_> = report.policies.iter().filter(|p| &p.function == name).collect();
            if found.is_empty() {
                let known: Vec<&str> = report.policies.iter().map(|p| p.function.as_str()).collect();
                anyhow::bail!("no function `{name}` in the scanned manifests (functions: {})", known.join(", "));
            }
            chosen.extend(found);
        }
    }
    let mut out = io::stdout().lock();
    match args.format {
        slsguard::cli::PolicyFormat::Text => {
            for (i, p) in chosen.iter().enumerate() {
                if i > 0 {
                    writeln!(out)?;
                }
                out.write_all(p.render().as_bytes())?;
            }
        }
        slsguard::cli::PolicyFormat::Json => {
            let owned: Vec<_> = chosen.into_iter().cloned().collect();
            serde_json::to_writer_pretty(&mut out, &slsguard::leastpriv::policy::json(&owned))?;
            writeln!(out)?;
        }
    }
    Ok(0)
}

fn explain(args: ExplainArgs) -> Result<u8> {
    let rules = RuleSet::load(true, &args.dirs)?;
    let rule =
        rules.get(&args.id).with_context(|| format!("no rule `{}` (run `slsguard rules` for the list)", args.id))?;
    let page = slsguard::docs::rule_page(rule);
    if args.markdown {
        return print_bytes(page.as_bytes());
    }
    let color = use_color(ColorChoice::Auto, io::stdout().is_terminal());
    print_bytes(slsguard::docs::for_terminal(&page, color).as_bytes())
}

fn print_bytes(bytes: &[u8]) -> Result<u8> {
    let mut out = io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()?;
    Ok(0)
}

/// slsguard(1), or slsguard-COMMAND(1) for one command (its options, which slsguard(1) only
/// lists by command name).
fn man(command: Option<&str>) -> Result<u8> {
    let top = Cli::command();
    let page = match command {
        None => top,
        Some(name) => {
            let sub = top
                .find_subcommand(name)
                .filter(|c| c.get_name() != "help")
                .with_context(|| format!("no command `{name}` (scan, rules, explain, init, completions, man)"))?
                .clone();
            let full = format!("slsguard-{}", sub.get_name());
            sub.name(full.clone()).bin_name(full.replace('-', " ")).version(env!("CARGO_PKG_VERSION"))
        }
    };
    let mut out = Vec::new();
    clap_mangen::Man::new(page).render(&mut out)?;
    print_bytes(&out)
}

fn init(args: slsguard::cli::InitArgs) -> Result<u8> {
    let written = slsguard::init::write(Path::new("."), args.pre_commit, args.github, args.force)?;
    for p in &written {
        eprintln!("slsguard: wrote {}", p.display());
    }
    Ok(0)
}
