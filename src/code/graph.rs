//! Module graphs: from a handler's file, the files of the repository it imports, directly or
//! not. Dependencies (`node_modules`, `site-packages`, `vendor`), generated and minified files,
//! and modules outside the scanned files are not part of it.

use super::Language;
use super::handlers::{join, normalize, parent};
use super::ir::{FileFacts, Import, ImportKind};
use super::stage::CodeBase;
use std::collections::{BTreeSet, VecDeque};

/// Most files one graph holds (a monorepo's barrel files can reach everything).
const MAX_FILES: usize = 5000;

const JS_EXTS: [&str; 8] = [".ts", ".tsx", ".js", ".mjs", ".cjs", ".mts", ".cts", ".jsx"];

/// Paths of third-party or vendored code. (Not Rust's `target/`: build output is ignored by
/// the walk through `.gitignore`, and a scan of a tree under a `target/` directory — as the
/// benchmarks do — would otherwise lose every module graph.)
pub fn is_dependency(path: &str) -> bool {
    ["node_modules/", "site-packages/", "vendor/", ".venv/", "venv/", "dist-packages/", ".serverless/"]
        .iter()
        .any(|d| path.contains(d) || path.starts_with(d.trim_start_matches('/')))
}

/// The handler file and every repository file it reaches through imports, sorted. `root` is
/// the function's code root (Python resolves absolute imports from it).
pub fn module_graph(base: &CodeBase, start: &str, root: &str) -> Vec<String> {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut queue = VecDeque::from([start.to_string()]);
    seen.insert(start.to_string());
    while let Some(file) = queue.pop_front() {
        if seen.len() >= MAX_FILES {
            break;
        }
        let Some(facts) = base.facts(&file) else { continue };
        for next in imported_files(base, facts, root) {
            if !seen.contains(&next) {
                seen.insert(next.clone());
                queue.push_back(next);
            }
        }
    }
    seen.into_iter().collect()
}

/// The repository files one file imports.
pub fn imported_files(base: &CodeBase, facts: &FileFacts, root: &str) -> Vec<String> {
    let mut out = Vec::new();
    let keep = |p: &str| base.facts(p).is_some_and(|f| f.generated.is_none()) && !is_dependency(p);
    match facts.language {
        Some(Language::JavaScript | Language::TypeScript | Language::Tsx) => {
            for i in &facts.imports {
                if let Some(p) = js_module(base, &facts.path, &i.module) {
                    out.push(p);
                }
            }
        }
        Some(Language::Python) => {
            for i in &facts.imports {
                out.extend(python_modules(base, &facts.path, root, i));
            }
        }
        Some(Language::Go) => out.extend(go_packages(base, facts)),
        Some(Language::Rust) => out.extend(rust_modules(base, facts)),
        None => {}
    }
    out.retain(|p| keep(p) && p != &facts.path);
    out.sort();
    out.dedup();
    out
}

/// The file a relative JavaScript/TypeScript specifier names (`./db`, `../lib/x.js`).
pub fn js_module(base: &CodeBase, from: &str, spec: &str) -> Option<String> {
    if !spec.starts_with("./") && !spec.starts_with("../") && spec != "." && spec != ".." {
        return None;
    }
    let p = join(parent(from), spec);
    let exists = |c: &str| base.facts(c).is_some();
    if exists(&p) {
        return Some(p);
    }
    // TypeScript imports name the compiled `.js`; the source is `.ts`.
    if let Some(stem) = p.strip_suffix(".js").or_else(|| p.strip_suffix(".mjs")).or_else(|| p.strip_suffix(".cjs")) {
        for ext in [".ts", ".tsx", ".mts", ".cts"] {
            let c = format!("{stem}{ext}");
            if exists(&c) {
                return Some(c);
            }
        }
    }
    for ext in JS_EXTS {
        let c = format!("{p}{ext}");
        if exists(&c) {
            return Some(c);
        }
    }
    for ext in JS_EXTS {
        let c = format!("{p}/index{ext}");
        if exists(&c) {
            return Some(c);
        }
    }
    None
}

/// The files a Python import loads: `.x` relative to the package, `a.b` from the code root or
/// the file's directory; `from pkg import mod` may name a submodule.
pub fn python_modules(base: &CodeBase, from: &str, root: &str, i: &Import) -> Vec<String> {
    let dots = i.module.chars().take_while(|c| *c == '.').count();
    let rest = &i.module[dots..];
    let mut bases: Vec<String> = Vec::new();
    if dots > 0 {
        let mut d = parent(from).to_string();
        for _ in 1..dots {
            d = parent(&d).to_string();
        }
        bases.push(d);
    } else {
        bases.push(root.to_string());
        bases.push(parent(from).to_string());
        // A `src/` layout.
        bases.push(join(root, "src"));
    }
    let rel = rest.replace('.', "/");
    let mut out = Vec::new();
    for b in &bases {
        let module = if rel.is_empty() { b.clone() } else { join(b, &rel) };
        let mut found = false;
        for cand in [format!("{module}.py"), format!("{module}/__init__.py")] {
            let cand = normalize(&cand);
            if base.facts(&cand).is_some() {
                out.push(cand);
                found = true;
                break;
            }
        }
        // `from pkg import mod`: submodules.
        for (name, _) in &i.names {
            if name == "*" {
                continue;
            }
            let cand = normalize(&format!("{module}/{name}.py"));
            if base.facts(&cand).is_some() {
                out.push(cand);
                found = true;
            }
        }
        if found {
            break;
        }
    }
    out
}

/// Go: the other files of the package, and the packages of the same module it imports.
fn go_packages(base: &CodeBase, facts: &FileFacts) -> Vec<String> {
    let dir = parent(&facts.path);
    let mut out: Vec<String> = go_dir(base, dir)
        .into_iter()
        .filter(|p| base.facts(p).is_some_and(|f| f.package == facts.package))
        .map(str::to_string)
        .collect();
    if let Some((mod_dir, module)) = go_module(base, dir) {
        for i in &facts.imports {
            if let Some(rest) = i.module.strip_prefix(&format!("{module}/")) {
                out.extend(go_dir(base, &join(&mod_dir, rest)).into_iter().map(str::to_string));
            }
        }
    }
    out
}

/// The Go source files of one package directory (not its subdirectories, not tests).
pub fn go_dir<'b>(base: &'b CodeBase, dir: &str) -> Vec<&'b str> {
    let prefix = if dir.is_empty() { String::new() } else { format!("{dir}/") };
    base.files_under(dir)
        .filter(|p| p.ends_with(".go") && !p.ends_with("_test.go"))
        .filter(|p| p.strip_prefix(&prefix).is_some_and(|r| !r.contains('/')))
        .map(String::as_str)
        .collect()
}

/// The nearest `go.mod` at or above `dir`: its directory and module path.
fn go_module(base: &CodeBase, dir: &str) -> Option<(String, String)> {
    let mut d = dir.to_string();
    loop {
        let gomod = join(&d, "go.mod");
        if let Some(text) = base.aux.get(&gomod) {
            let text = String::from_utf8_lossy(text);
            let module = text
                .lines()
                .find_map(|l| l.trim().strip_prefix("module ").map(|m| m.trim().trim_matches('"').to_string()))?;
            return Some((d, module));
        }
        if d.is_empty() || d == "." {
            return None;
        }
        d = parent(&d).to_string();
    }
}

/// Rust: `mod x;` files, and the crate's `lib.rs` for a binary that uses the library crate.
fn rust_modules(base: &CodeBase, facts: &FileFacts) -> Vec<String> {
    let path = &facts.path;
    let dir = parent(path);
    let name = path.rsplit('/').next().unwrap_or(path);
    let mod_dir = if matches!(name, "main.rs" | "lib.rs" | "mod.rs") {
        dir.to_string()
    } else {
        join(dir, name.trim_end_matches(".rs"))
    };
    let mut out = Vec::new();
    for i in facts.imports.iter().filter(|i| i.kind == ImportKind::RustMod) {
        for cand in [join(&mod_dir, &format!("{}.rs", i.module)), join(&mod_dir, &format!("{}/mod.rs", i.module))] {
            if base.facts(&cand).is_some() {
                out.push(cand);
                break;
            }
        }
    }
    // A binary (`src/main.rs`, `src/bin/x.rs`) using its own library crate: `use my_crate::…`.
    if let Some(src) = path.rfind("/src/").map(|i| &path[..i + 4]).or_else(|| path.starts_with("src/").then_some("src"))
    {
        let lib = format!("{src}/lib.rs");
        let crate_dir = parent(src);
        let cargo = join(crate_dir, "Cargo.toml");
        let package = base
            .aux
            .get(&cargo)
            .and_then(|t| {
                let t = String::from_utf8_lossy(t);
                let start = t.find("[package]")?;
                t[start..].lines().find_map(|l| {
                    let (k, v) = l.split_once('=')?;
                    (k.trim() == "name").then(|| v.trim().trim_matches('"').replace('-', "_"))
                })
            })
            .unwrap_or_default();
        if !package.is_empty()
            && facts.imports.iter().any(|i| i.module == package || i.module.starts_with(&format!("{package}::")))
            && base.facts(&lib).is_some()
        {
            out.push(lib);
        }
    }
    out
}
