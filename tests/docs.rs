//! Generated documentation must match the rules and the CLI. Regenerate with
//! `UPDATE_DOCS=1 cargo test --test docs`.

use slsguard::RuleSet;
use slsguard::docs;
use std::collections::BTreeMap;
use std::path::Path;

fn check_or_update(files: BTreeMap<String, String>, dir: &Path, remove_others: bool) {
    let update = std::env::var_os("UPDATE_DOCS").is_some();
    let mut stale = Vec::new();
    if update {
        std::fs::create_dir_all(dir).expect("create docs dir");
    }
    if remove_others && dir.exists() {
        for e in std::fs::read_dir(dir).expect("read docs dir").flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".md") && !files.contains_key(&name) {
                if update {
                    std::fs::remove_file(e.path()).expect("remove stale page");
                } else {
                    stale.push(format!("{name} (no such rule any more)"));
                }
            }
        }
    }
    for (name, content) in &files {
        let path = dir.join(name);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current != *content {
            if update {
                std::fs::write(&path, content).expect("write page");
            } else {
                stale.push(path.display().to_string());
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated docs (run `UPDATE_DOCS=1 cargo test --test docs`):\n{}",
        stale.join("\n")
    );
}

#[test]
fn rule_reference_is_up_to_date() {
    let rules = RuleSet::builtin().expect("built-in rules load");
    check_or_update(docs::all_pages(&rules), Path::new("docs/rules"), true);
}

#[test]
fn cli_reference_is_up_to_date() {
    let mut files = BTreeMap::new();
    files.insert("cli.md".to_string(), docs::cli_page());
    files.insert("model-fields.md".to_string(), docs::model_fields_page());
    check_or_update(files, Path::new("docs"), false);
}
