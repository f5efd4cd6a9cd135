//! The binary edge: parse arguments, call the library, map outcomes to exit codes
//! (0 clean, 1 findings at or above --fail-on, 2 the tool could not do its job).

use anyhow::{Context, Result};
use clap::Parser;
use slsguard::cli::{Cli, ColorChoice, Command, ExplainArgs, Format, ListFormat, RulesArgs, RulesCommand, ScanArgs};
use slsguard::report;
use slsguard::rules::{RuleSet, selftest};
use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

const EXIT_FINDINGS: u8 = 1;
const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version with code 0 and usage errors with code 2.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_ERROR } else { 0 });
        }
    };
    let result = match cli.command {
        Command::Scan(args) => scan(args),
        Command::Rules(args) => rules(args),
        Command::Explain(args) => explain(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("slsguard: error: {e:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<io::Error>().is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe))
}

fn scan(args: ScanArgs) -> Result<u8> {
    let rules = RuleSet::load(true, &args.rules.dirs)?.select(&args.rules.only, &args.rules.skip)?;
    let opts = slsguard::ScanOptions {
        paths: args.paths.clone(),
        threads: args.threads,
        no_ignore: args.no_ignore,
        max_file_size: args.max_file_size,
    };
    let report = slsguard::scan(&opts, &rules)?;
    let to_terminal = args.output.is_none() && io::stdout().is_terminal();
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    };
    let mut buf: Vec<u8> = Vec::new();
    match args.format {
        Format::Text => report::text::write(&report, &mut buf, color)?,
        Format::Json => report::json::write(&report, &rules, &mut buf)?,
        Format::Sarif => report::sarif::write(&report, &rules, &mut buf)?,
    }
    match &args.output {
        Some(path) => std::fs::write(path, &buf).with_context(|| format!("could not write {}", path.display()))?,
        None => {
            let mut out = io::stdout().lock();
            out.write_all(&buf)?;
            out.flush()?;
        }
    }
    Ok(if report.fails(args.fail_on.threshold()) { EXIT_FINDINGS } else { 0 })
}

fn rules(args: RulesArgs) -> Result<u8> {
    match args.command {
        Some(RulesCommand::Test { dir }) => {
            let rules = RuleSet::load(false, std::slice::from_ref(&dir))?;
            if rules.is_empty() {
                anyhow::bail!("no rule files (*.yml, *.yaml) in {}", dir.display());
            }
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
            let rules = RuleSet::load(true, &args.dirs)?;
            let mut out = io::stdout().lock();
            match args.format {
                ListFormat::Text => {
                    let w = rules.rules().iter().map(|r| r.id().len()).max().unwrap_or(0);
                    for r in rules.rules() {
                        writeln!(out, "{:<w$}  {:<8}  {}", r.id(), r.spec.severity.as_str(), r.spec.title)?;
                    }
                }
                ListFormat::Json => {
                    let list: Vec<serde_json::Value> = rules
                        .rules()
                        .iter()
                        .map(|r| {
                            serde_json::json!({
                                "id": r.id(), "severity": r.spec.severity, "title": r.spec.title,
                                "tags": r.spec.tags, "builtin": r.builtin, "origin": r.origin,
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

fn explain(args: ExplainArgs) -> Result<u8> {
    let rules = RuleSet::load(true, &args.dirs)?;
    let rule =
        rules.get(&args.id).with_context(|| format!("no rule `{}` (run `slsguard rules` for the list)", args.id))?;
    let mut out = io::stdout().lock();
    out.write_all(slsguard::docs::rule_page(rule).as_bytes())?;
    Ok(0)
}
