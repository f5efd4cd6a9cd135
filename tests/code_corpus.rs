//! Handler resolution on other projects' apps (../shared/corpus): every function whose code is
//! present resolves to a file that exists, and every function that does not resolve says why —
//! checked against the files on disk, so a "no such file" reason is true. Prints the counts.
//! `#[ignore]`d: `.ci/run` runs it when ../shared exists.

use slsguard::model::Code;
use slsguard::{RuleSet, ScanOptions};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const SOURCE_EXTS: [&str; 11] = ["js", "mjs", "cjs", "ts", "mts", "cts", "tsx", "jsx", "py", "go", "rs"];

fn corpus() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    assert!(dir.is_dir(), "{} is missing: this test needs the shared corpus beside the checkout", dir.display());
    dir
}

/// What kind of reason an unknown gives (its first words), for the counts.
fn category(why: &str) -> &'static str {
    if why.starts_with("deployed from the built artifact") {
        "built artifact"
    } else if why.starts_with("deployed as a container image") {
        "container image"
    } else if why.starts_with("runtime `") {
        "runtime not read"
    } else if why.contains("cannot resolve") {
        "unresolvable value"
    } else if why.contains("no file `") || why.contains("not among the scanned files") {
        "code not in the corpus"
    } else if why.starts_with("the manifest names no handler") {
        "no handler"
    } else if why.starts_with("no Go") {
        "no Go or Rust program"
    } else {
        "other"
    }
}

#[test]
#[ignore = "reads ../shared/corpus"]
fn handler_resolution_on_the_corpus() {
    let root = corpus();
    // Display paths are relative to the working directory (the crate's, under cargo test).
    std::env::set_current_dir(env!("CARGO_MANIFEST_DIR")).expect("cd");
    let rules = RuleSet::builtin().expect("rules load");
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root).expect("corpus").flatten().map(|e| e.path()).collect();
    dirs.sort();
    for dir in dirs.into_iter().filter(|d| d.is_dir()) {
        let opts = ScanOptions { paths: vec![dir.clone()], ..ScanOptions::default() };
        let report = slsguard::scan(&opts, &rules).expect("scan runs");
        for f in &report.functions {
            let at = format!("{}:{} function {}", f.manifest, f.line, f.name);
            match &f.code {
                Code::Found(link) => {
                    *counts.entry("resolved").or_default() += 1;
                    if !Path::new(&link.file).is_file() {
                        failures.push(format!("{at}: resolved to {}, which does not exist", link.file));
                    }
                    for file in &link.files {
                        if !Path::new(file).is_file() {
                            failures.push(format!("{at}: its module graph names {file}, which does not exist"));
                        }
                    }
                }
                Code::Unknown(why) => {
                    let c = category(why);
                    *counts.entry(c).or_default() += 1;
                    if c == "other" || why.trim().is_empty() {
                        failures.push(format!("{at}: unknown without a clear reason: {why:?}"));
                    }
                    // "handler `m.h`: no file `m` (any extension) under `dir`": true on disk.
                    if let Some((module, under)) = why
                        .split_once("no file `")
                        .and_then(|(_, r)| r.split_once("` (any extension) under `"))
                        .and_then(|(m, r)| r.strip_suffix('`').map(|u| (m, u)))
                    {
                        for ext in SOURCE_EXTS {
                            let p = Path::new(under).join(format!("{module}.{ext}"));
                            if p.is_file() {
                                failures.push(format!("{at}: says no file `{module}`, yet {} exists", p.display()));
                            }
                        }
                    }
                }
                Code::NotAnalysed => failures.push(format!("{at}: not analysed")),
            }
        }
    }
    eprintln!("handler resolution on ../shared/corpus: {counts:?}");
    assert!(counts.get("resolved").copied().unwrap_or(0) > 0, "nothing resolved: {counts:?}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
