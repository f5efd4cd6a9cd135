//! Handler resolution: from what a manifest says (runtime, handler, [`Package`]) to the file and
//! symbol of a function's code, or the reason it cannot be known. Then its module graph.

use super::graph;
use super::ir::{ExprKind, FileFacts, Stmt, walk_exprs, walk_stmts};
use super::stage::CodeBase;
use super::{Language, js, python};
use crate::model::{Code, CodeLink, Function, Model, Val};

/// Node.js module extensions, in the order Lambda and bundlers try them.
const JS_EXTS: [&str; 8] = [".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".tsx", ".jsx"];
/// Directories that hold build output: a handler there points at a bundle, whose source is the
/// same path without them.
const BUILD_DIRS: [&str; 8] =
    [".webpack/service/", ".webpack/", ".esbuild/.build/", ".build/", "dist/", "build/", "out/", ".aws-sam/build/"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Node,
    Python,
    Go,
    Rust,
    /// `provided.*`: Go or Rust, whichever the code is.
    Provided,
}

fn family(runtime: &str) -> Result<Option<Family>, String> {
    let r = runtime.to_ascii_lowercase();
    Ok(Some(if r.starts_with("nodejs") || r.starts_with("node") {
        Family::Node
    } else if r.starts_with("python") {
        Family::Python
    } else if r.starts_with("go") {
        Family::Go
    } else if r.starts_with("provided") {
        Family::Provided
    } else if r.starts_with("rust") {
        Family::Rust
    } else if r.is_empty() {
        return Ok(None);
    } else {
        return Err(format!("runtime `{runtime}`: slsguard reads JavaScript, TypeScript, Python, Go and Rust code"));
    }))
}

/// `a/b/../c/./d` → `a/c/d`; keeps a leading `/` and leading `..` that cannot be resolved.
pub fn normalize(path: &str) -> String {
    // Most paths are normal already: no empty, `.` or `..` part (after a leading `/`).
    let body = path.strip_prefix('/').unwrap_or(path);
    if !body.is_empty() && !body.split('/').any(|p| p.is_empty() || p == "." || p == "..") {
        return path.to_string();
    }
    let abs = path.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|l| *l != "..") {
                    out.pop();
                } else if !abs {
                    out.push("..");
                }
            }
            p => out.push(p),
        }
    }
    let joined = out.join("/");
    if abs { format!("/{joined}") } else { joined }
}

pub fn join(dir: &str, rel: &str) -> String {
    if rel.starts_with('/') || dir.is_empty() { normalize(rel) } else { normalize(&format!("{dir}/{rel}")) }
}

pub fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

/// A path from a manifest value: known text, or Terraform's `${path.module}` prefix.
fn path_value(v: &Val) -> Option<String> {
    match v {
        Val::Known(s, _) => Some(s.clone()),
        Val::Partial(s, _) => {
            let s = s.replace("${path.module}", ".").replace("${path.root}", ".").replace("${path.cwd}", ".");
            (!s.contains("${")).then_some(s)
        }
        Val::Unknown(..) => None,
    }
}

/// Links every function of `models` to its code. Inline code (`Code.ZipFile`) is parsed here
/// and added to `base`.
pub fn link(models: &mut [Model], base: &mut CodeBase) {
    for m in models.iter_mut() {
        for fi in 0..m.functions.len() {
            let code = resolve(m, fi, base);
            m.functions[fi].code = code;
        }
    }
}

fn resolve(m: &Model, fi: usize, base: &mut CodeBase) -> Code {
    let f = &m.functions[fi];
    let manifest = m.path(f.loc.file).to_string();
    let dir = parent(&manifest).to_string();
    if f.package.image.is_some() {
        return Code::Unknown("deployed as a container image, built outside the manifest".into());
    }
    let fam = match f.runtime.as_ref() {
        Some(Val::Known(r, _)) => match family(r) {
            Ok(x) => x,
            Err(e) => return Code::Unknown(e),
        },
        _ => None,
    };
    if let Some(inline) = &f.package.inline {
        return inline_code(f, inline, &manifest, fam, base);
    }
    let root = match &f.package.dir {
        Some(v) => match path_value(v) {
            Some(d) => join(&dir, &d),
            None => {
                return Code::Unknown(format!(
                    "its code directory is `{}`, which slsguard cannot resolve",
                    v.display()
                ));
            }
        },
        None => dir.clone(),
    };
    let handler = f.handler.as_ref().and_then(Val::known).map(str::to_string);
    let found = if let Some(app) = &f.package.web_app {
        // The adapter's handler module is generated at packaging time; the code is the app.
        match app.known().and_then(|a| python_handler(base, &root, a)) {
            Some(found) => Some(found),
            None => {
                return Code::Unknown(format!(
                    "its handler serves the WSGI app `{}` (serverless-wsgi), which is not among the scanned files",
                    app.display()
                ));
            }
        }
    } else if let Some(file) = &f.package.file {
        // A file given whole (Terraform `source_file`, Azure `scriptFile`).
        match path_value(file) {
            Some(p) => {
                let path = join(&dir, &p);
                let symbol = handler.as_deref().map(|h| h.rsplit('.').next().unwrap_or(h).to_string());
                by_file(base, &path, symbol.as_deref(), fam)
            }
            None => {
                return Code::Unknown(format!(
                    "its source file is `{}`, which slsguard cannot resolve",
                    file.display()
                ));
            }
        }
    } else {
        match fam {
            Some(Family::Node) => handler.as_deref().and_then(|h| node(base, &root, h, f)),
            Some(Family::Python) => handler.as_deref().and_then(|h| python_handler(base, &root, h)),
            Some(Family::Go) => go(base, &root, &dir, handler.as_deref(), f),
            Some(Family::Rust) => rust(base, &root, &dir, handler.as_deref(), f),
            Some(Family::Provided) => {
                rust(base, &root, &dir, handler.as_deref(), f).or_else(|| go(base, &root, &dir, handler.as_deref(), f))
            }
            None => None,
        }
        // No runtime (or one that does not match the code): whatever the handler names.
        .or_else(|| {
            handler.as_deref().and_then(|h| {
                node(base, &root, h, f)
                    .or_else(|| python_handler(base, &root, h))
                    .or_else(|| go(base, &root, &dir, Some(h), f))
                    .or_else(|| rust(base, &root, &dir, Some(h), f))
            })
        })
    };
    match found {
        Some((file, symbol, line)) => {
            let Some(facts) = base.facts(&file) else {
                return Code::Unknown(format!("its handler file `{file}` was not analysed"));
            };
            let language = facts.language.map_or("", Language::name).to_string();
            let files = graph::module_graph(base, &file, &root);
            Code::Found(CodeLink { file, symbol, language, line, files, ..CodeLink::default() })
        }
        None => Code::Unknown(why_not(f, &root, handler.as_deref(), fam, base)),
    }
}

/// Why no code was found, in the terms of what the manifest says.
fn why_not(f: &Function, root: &str, handler: Option<&str>, fam: Option<Family>, base: &CodeBase) -> String {
    let at = if root.is_empty() { ".".to_string() } else { root.to_string() };
    if let Some(a) = &f.package.artifact {
        return format!(
            "deployed from the built artifact `{}`; its source is not among the scanned files",
            a.display()
        );
    }
    if let Some(file) = &f.package.file {
        return format!("its source file `{}` is not among the scanned files", file.display());
    }
    if let Some(Val::Unknown(expr, _) | Val::Partial(expr, _)) = &f.handler {
        return format!("its handler is `{expr}`, which slsguard cannot resolve");
    }
    match (handler, fam) {
        (None, Some(Family::Node | Family::Python)) | (None, None) => "the manifest names no handler".into(),
        (Some(h), Some(Family::Go | Family::Rust | Family::Provided)) => format!(
            "no Go `lambda.Start` or Rust `lambda_runtime::run` / `lambda_http::run` program for `{h}` under `{at}`"
        ),
        (None, _) => format!("no Go or Rust Lambda program under `{at}`"),
        (Some(h), _) => {
            let module = h.rsplit_once('.').map_or(h, |(m, _)| m);
            // One lookup in the sorted paths: this runs for every function left unresolved.
            let prefix = format!("{at}/");
            let under = at == "."
                || base
                    .paths
                    .range::<str, _>((std::ops::Bound::Included(prefix.as_str()), std::ops::Bound::Unbounded))
                    .next()
                    .is_some_and(|p| p.starts_with(&prefix));
            if under {
                format!("handler `{h}`: no file `{module}` (any extension) under `{at}`")
            } else {
                format!("handler `{h}`: `{at}` is not among the scanned files")
            }
        }
    }
}

/// A file and symbol found: (path, symbol, line of its definition or 0).
type Found = (String, String, u32);

/// The line where `symbol` is defined in `facts` (following exports to local names).
pub fn symbol_line(facts: &FileFacts, symbol: &str) -> Option<(String, u32)> {
    let local =
        facts.exports.iter().find(|(e, _)| e == symbol).map(|(_, l)| l.clone()).unwrap_or_else(|| symbol.to_string());
    if let Some(id) = facts.function(&local).or_else(|| facts.function(symbol)) {
        return Some((local, facts.functions[id].pos.line));
    }
    // `exports.handler = serverless(app)`: the assignment.
    let top = facts.top()?;
    let mut line = None;
    walk_stmts(&top.body, &mut |s| {
        if let Stmt::Assign { target, pos, .. } = s {
            let hit = target.names().contains(&local.as_str())
                || matches!(target, super::ir::Target::Member(e) if e.path().is_some_and(|p| p.ends_with(&format!(".{symbol}"))));
            if hit && line.is_none() {
                line = Some(pos.line);
            }
        }
    });
    line.map(|l| (local, l))
}

fn by_file(base: &CodeBase, path: &str, symbol: Option<&str>, fam: Option<Family>) -> Option<Found> {
    let path = source_of(base, path).unwrap_or_else(|| path.to_string());
    let facts = base.facts(&path)?;
    let default = match (facts.language, fam) {
        (Some(Language::Python), _) => "main",
        _ => "default",
    };
    let symbol = symbol.unwrap_or(default);
    let (sym, line) = symbol_line(facts, symbol)
        .or_else(|| facts.exports.iter().find(|(e, _)| e == "default").and_then(|(_, l)| symbol_line(facts, l)))
        .unwrap_or((symbol.to_string(), 0));
    Some((path, sym, line))
}

/// A source file for a path that may be build output: itself when it is source, else the same
/// path outside the build directory (with any source extension), so findings point at code
/// people edit.
fn source_of(base: &CodeBase, path: &str) -> Option<String> {
    let is_source = |p: &str| base.facts(p).is_some_and(|f| f.generated.is_none());
    if is_source(path) && !BUILD_DIRS.iter().any(|d| path.contains(d)) {
        return Some(path.to_string());
    }
    let stem = path.rsplit_once('.').map_or(path, |(s, _)| s);
    for d in BUILD_DIRS {
        if let Some(i) = stem.find(d) {
            let (before, after) = (&stem[..i], &stem[i + d.len()..]);
            for prefix in ["", "src/"] {
                for ext in JS_EXTS {
                    let cand = format!("{before}{prefix}{after}{ext}");
                    if is_source(&cand) {
                        return Some(cand);
                    }
                }
            }
        }
    }
    is_source(path).then(|| path.to_string())
}

/// Node.js: `src/users/create.handler` → `src/users/create.{js,ts,…}` and export `handler`;
/// SAM esbuild `EntryPoints` name the source file.
fn node(base: &CodeBase, root: &str, handler: &str, f: &Function) -> Option<Found> {
    let (module, symbol) = handler.rsplit_once('.')?;
    let mut candidates: Vec<String> = Vec::new();
    for e in &f.package.entry_points {
        if let Some(p) = path_value(e) {
            candidates.push(join(root, &p));
        }
    }
    for ext in JS_EXTS {
        candidates.push(join(root, &format!("{module}{ext}")));
    }
    for ext in JS_EXTS {
        candidates.push(join(root, &format!("{module}/index{ext}")));
    }
    for c in candidates {
        if let Some(path) = source_of(base, &c) {
            let facts = base.facts(&path)?;
            if !matches!(facts.language, Some(Language::JavaScript | Language::TypeScript | Language::Tsx)) {
                continue;
            }
            let (sym, line) = symbol_line(facts, symbol).unwrap_or((symbol.to_string(), 0));
            return Some((path, sym, line));
        }
    }
    None
}

/// Python: `handlers/users.create` or `handlers.users.create` → `handlers/users.py` (or a
/// package's `__init__.py`) and function `create`.
fn python_handler(base: &CodeBase, root: &str, handler: &str) -> Option<Found> {
    let (module, symbol) = handler.rsplit_once('.')?;
    let module = if module.contains('/') { module.to_string() } else { module.replace('.', "/") };
    for cand in [format!("{module}.py"), format!("{module}/__init__.py")] {
        let path = join(root, &cand);
        if let Some(facts) = base.facts(&path) {
            let (sym, line) = symbol_line(facts, symbol).unwrap_or((symbol.to_string(), 0));
            return Some((path, sym, line));
        }
    }
    None
}

/// The function a Go program hands to `lambda.Start` (or `StartWithOptions`, `StartHandler`),
/// or a Rust program to `service_fn` inside `lambda_runtime::run` / `lambda_http::run`.
fn started_handler(facts: &FileFacts) -> Option<(String, u32)> {
    let mut found = None;
    for func in &facts.functions {
        walk_exprs(&func.body, &mut |e| {
            if found.is_some() {
                return;
            }
            let ExprKind::Call { callee, args } = &e.kind else { return };
            let Some(name) = facts.resolve(callee) else { return };
            let go_start = name.ends_with("aws-lambda-go/lambda.Start")
                || name.ends_with("aws-lambda-go/lambda.StartWithOptions")
                || name.ends_with("aws-lambda-go/lambda.StartHandler")
                || name.ends_with("aws-lambda-go/lambda.StartWithContext");
            let rust_fn = name.ends_with("service_fn") || name.ends_with("handler_fn");
            if !(go_start || rust_fn) {
                return;
            }
            let arg = args.iter().find(|a| a.name.is_none()).map(|a| &a.value);
            match arg.map(|a| &a.kind) {
                Some(ExprKind::Name(h)) => {
                    let line = facts.function(h).map_or(e.pos.line, |id| facts.functions[id].pos.line);
                    found = Some((h.clone(), line));
                }
                Some(ExprKind::Member(_, h)) => found = Some((h.clone(), e.pos.line)),
                Some(ExprKind::Func(id)) => found = Some(("<closure>".into(), facts.functions[*id].pos.line)),
                _ => found = Some(("main".into(), e.pos.line)),
            }
        });
    }
    found
}

/// Go: the `main` package that starts a Lambda handler, in the code directory, or named by the
/// handler (`bin/hello` built from `hello/`, `cmd/hello/`, `functions/hello/`).
fn go(base: &CodeBase, root: &str, dir: &str, handler: Option<&str>, f: &Function) -> Option<Found> {
    let mut dirs = vec![root.to_string()];
    let names: Vec<String> = [handler.map(|h| h.rsplit('/').next().unwrap_or(h).to_string()), Some(f.name.clone())]
        .into_iter()
        .flatten()
        .filter(|n| n != "bootstrap" && n != "main" && !n.is_empty())
        .collect();
    for n in &names {
        for pat in ["{}", "cmd/{}", "functions/{}", "src/{}", "lambda/{}", "lambdas/{}", "handlers/{}"] {
            dirs.push(join(dir, &pat.replace("{}", n)));
            dirs.push(join(root, &pat.replace("{}", n)));
        }
    }
    if let Some(h) = handler {
        // `handler: hello/main.go` or a directory.
        dirs.push(join(root, parent(h)));
    }
    dirs.dedup();
    for d in &dirs {
        for file in super::graph::go_dir(base, d) {
            let Some(facts) = base.facts(file) else { continue };
            if facts.package.as_deref() != Some("main") {
                continue;
            }
            if let Some((sym, line)) = started_handler(facts) {
                return Some((file.to_string(), sym, line));
            }
        }
    }
    None
}

/// Rust (cargo-lambda): the binary of a crate that runs a Lambda handler. The crate is the code
/// directory (SAM `CodeUri`), or holds a `target/lambda/<bin>/` artifact, or is the manifest's
/// directory; the binary is `src/main.rs`, `src/bin/<name>.rs` or `src/bin/<name>/main.rs`, or a
/// `[[bin]]` path, chosen by name when the manifest gives one.
fn rust(base: &CodeBase, root: &str, dir: &str, handler: Option<&str>, f: &Function) -> Option<Found> {
    let mut crates = vec![root.to_string()];
    let mut bin_hint: Vec<String> = Vec::new();
    if let Some(a) = f.package.artifact.as_ref().or(f.package.file.as_ref()).and_then(path_value) {
        // cargo-lambda builds `target/lambda/<bin>/bootstrap(.zip)`.
        if let Some(i) = a.find("target/lambda/") {
            let rest = &a[i + "target/lambda/".len()..];
            bin_hint.push(rest.split('/').next().unwrap_or("").to_string());
            crates.push(join(dir, &a[..i]));
        }
    }
    bin_hint.extend(f.package.entry_points.iter().filter_map(path_value));
    if let Some(h) = handler.filter(|h| *h != "bootstrap") {
        // serverless-rust: `handler: package.bin`.
        bin_hint.push(h.rsplit('.').next().unwrap_or(h).to_string());
    }
    bin_hint.push(f.name.clone());
    crates.push(dir.to_string());
    crates.dedup();
    for c in crates {
        let cargo = join(&c, "Cargo.toml");
        if !base.exists(&cargo) && !base.aux.contains_key(&cargo) {
            continue;
        }
        let bins = rust_bins(base, &c);
        let runs: Vec<&(String, String)> =
            bins.iter().filter(|(_, p)| base.facts(p).is_some_and(|x| started_handler(x).is_some())).collect();
        let chosen = bin_hint
            .iter()
            .find_map(|h| runs.iter().find(|(n, _)| n == h || n.replace('-', "_") == h.replace('-', "_")))
            .or_else(|| if runs.len() == 1 { runs.first() } else { None });
        if let Some((_, path)) = chosen {
            let facts = base.facts(path)?;
            let (sym, line) = started_handler(facts)?;
            return Some((path.clone(), sym, line));
        }
    }
    None
}

/// The binaries of a crate: (name, path).
fn rust_bins(base: &CodeBase, crate_dir: &str) -> Vec<(String, String)> {
    let cargo = join(crate_dir, "Cargo.toml");
    let text = base.aux.get(&cargo).map(|t| String::from_utf8_lossy(t).into_owned()).unwrap_or_default();
    let package = toml_value(&text, "package", "name").unwrap_or_default();
    let mut out = Vec::new();
    // `[[bin]]` sections.
    for section in text.split("[[bin]]").skip(1) {
        let section = section.split("\n[").next().unwrap_or("");
        let name = toml_key(section, "name");
        let path = toml_key(section, "path");
        if let Some(n) = &name {
            let p = path.unwrap_or_else(|| format!("src/bin/{n}.rs"));
            out.push((n.clone(), join(crate_dir, &p)));
        }
    }
    let main = join(crate_dir, "src/main.rs");
    if base.files.contains_key(&main) {
        out.push((package.clone(), main));
    }
    let bin_dir = join(crate_dir, "src/bin");
    for p in base.files_under(&bin_dir).filter(|p| p.ends_with(".rs")) {
        let rest = &p[bin_dir.len() + 1..];
        let name = match rest.split_once('/') {
            Some((d, "main.rs")) => d.to_string(),
            Some(_) => continue,
            None => rest.trim_end_matches(".rs").to_string(),
        };
        if !out.iter().any(|(_, q)| q == p) {
            out.push((name, p.clone()));
        }
    }
    out
}

/// `key = "value"` in a TOML table (enough of TOML for package and bin names).
fn toml_value(text: &str, table: &str, key: &str) -> Option<String> {
    let start = text.find(&format!("[{table}]"))?;
    let section = text[start..].split("\n[").next().unwrap_or("");
    toml_key(section, key)
}

fn toml_key(section: &str, key: &str) -> Option<String> {
    section.lines().find_map(|l| {
        let (k, v) = l.split_once('=')?;
        (k.trim() == key).then(|| v.trim().trim_matches('"').trim_matches('\'').to_string())
    })
}

/// Inline code (`Code.ZipFile`, `InlineCode`): parsed from the manifest's value, its lines
/// mapped back to the manifest.
fn inline_code(f: &Function, inline: &Val, manifest: &str, fam: Option<Family>, base: &mut CodeBase) -> Code {
    let Val::Known(src, loc) = inline else {
        return Code::Unknown(format!("its inline code is `{}`, which slsguard cannot resolve", inline.display()));
    };
    let lang = match fam {
        Some(Family::Python) => Language::Python,
        Some(Family::Node) => Language::JavaScript,
        _ => {
            if src.contains("def ") {
                Language::Python
            } else {
                Language::JavaScript
            }
        }
    };
    let mut facts = match lang {
        Language::Python => python::lower(manifest, src.as_bytes()),
        _ => js::lower(manifest, lang, src.as_bytes()),
    };
    // A block scalar's span starts at its indicator (`ZipFile: |`); its content on the next line.
    let offset = if loc.span.end.line > loc.span.start.line {
        loc.span.start.line
    } else {
        loc.span.start.line.saturating_sub(1)
    };
    super::ir::shift_lines(&mut facts, offset);
    // Literal byte ranges are relative to the value, not the manifest: drop them.
    super::ir::forget_byte_ranges(&mut facts);
    let symbol = f.handler.as_ref().and_then(Val::known).map_or("handler", |h| h.rsplit('.').next().unwrap_or(h));
    let (sym, line) = symbol_line(&facts, symbol).unwrap_or((symbol.to_string(), 0));
    let key = format!("{manifest}#inline:{}", f.name);
    facts.path = manifest.to_string();
    base.inline.insert(key.clone(), std::sync::Arc::new(facts));
    Code::Found(CodeLink {
        file: manifest.to_string(),
        symbol: sym,
        language: lang.name().into(),
        line,
        files: vec![manifest.to_string()],
        ..CodeLink::default()
    })
}
