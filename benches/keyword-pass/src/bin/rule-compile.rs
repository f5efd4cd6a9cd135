//! What each rule file costs at start-up (parsing the YAML, compiling its regexes and globs),
//! the fixed cost of every `slsguard scan`, however small the input.
//!
//! usage: rule-compile [RULES_DIR]   (default: ../../rules, i.e. the repository's rules/)

use std::path::{Path, PathBuf};
use std::time::Instant;

fn main() {
    let root = std::env::args().nth(1).map(PathBuf::from).unwrap_or_else(|| PathBuf::from("../../rules"));
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    let mut rows: Vec<(f64, String)> = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("read");
        let rel = f.strip_prefix(&root).unwrap_or(f).to_string_lossy().replace('\\', "/");
        let origin = format!("rules/{rel}");
        let mut best = f64::MAX;
        for _ in 0..5 {
            let t = Instant::now();
            let r = slsguard::rules::parse_rule(&origin, &text, true);
            best = best.min(t.elapsed().as_secs_f64());
            if let Err(e) = r {
                eprintln!("rule-compile: {e}");
                break;
            }
        }
        rows.push((best, rel));
    }
    let total: f64 = rows.iter().map(|r| r.0).sum();
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!("{} rule files, {:.1} ms in all (best of 5 each)\n", rows.len(), total * 1e3);
    println!("| rule file | ms |\n|---|---:|");
    for (t, name) in rows.iter().take(15) {
        println!("| {name} | {:.2} |", t * 1e3);
    }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "yml" || x == "yaml") {
            out.push(p);
        }
    }
}
