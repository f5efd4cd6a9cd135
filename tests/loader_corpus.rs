//! The loaders on other projects' templates (../shared/corpus: cfn-lint, cfn_nag, KICS,
//! serverless-rules, AWS's SAM translator inputs and outputs): every file that PyYAML reads
//! must load, and every mapping key's span must point at that key in the file.
//!
//! PyYAML's verdict is asked at test time (its pure-Python loader, the one cfn-lint and the AWS
//! CLI use). Without python3 and PyYAML, the files it rejected when this test was written are
//! the only ones allowed to fail. `#[ignore]`d: `.ci/run` runs it when ../shared exists.

use slsguard::loader::{self, Node, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Files PyYAML 6.0 rejects (JSON indented with tabs), for machines without python3/PyYAML.
const PYYAML_REJECTS: &[&str] = &[
    "cfn-lint-good/core/config_cfn_lint.json",
    "cfn_nag/spec/test_templates/json/lambda_function/lambda_inside_vpc.json",
    "cfn_nag/spec/test_templates/json/lambda_function/lambda_not_inside_vpc.json",
    "cfn_nag/spec/test_templates/json/lambda_function/lambda_not_reserved_executions.json",
    "cfn_nag/spec/test_templates/json/lambda_function/lambda_reserved_executions.json",
    "cfn_nag/spec/test_templates/json/lambda_function/lambda_without_cloudwatch_logs_permission.json",
];

/// Reads a list of paths on stdin, prints those PyYAML cannot parse (events only: tags and
/// duplicate keys are not its parser's business).
const PYYAML_JUDGE: &str = r#"
import sys, yaml
for p in sys.stdin.read().splitlines():
    try:
        with open(p, 'rb') as f:
            for _ in yaml.parse(f.read().decode('utf-8'), Loader=yaml.SafeLoader):
                pass
    except Exception:
        print(p)
"#;

fn corpus() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    assert!(dir.is_dir(), "{} is missing: this test needs the shared corpus beside the checkout", dir.display());
    dir
}

fn templates(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).expect("corpus directory reads").flatten().collect();
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let path = e.path();
        if path.is_dir() {
            templates(&path, out);
        } else if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
            if matches!(ext.to_ascii_lowercase().as_str(), "yaml" | "yml" | "json" | "template") {
                out.push(path);
            }
        }
    }
}

/// The files PyYAML rejects, by its own judgement when it is installed.
fn pyyaml_rejects(root: &Path, files: &[PathBuf]) -> BTreeSet<PathBuf> {
    pyyaml_judge(files).unwrap_or_else(|| {
        eprintln!("python3 with PyYAML is not available: using the recorded list of files it rejects");
        PYYAML_REJECTS.iter().map(|p| root.join(p)).collect()
    })
}

/// PyYAML's rejects among `files`, or `None` without python3 and PyYAML.
fn pyyaml_judge(files: &[PathBuf]) -> Option<BTreeSet<PathBuf>> {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let child = Command::new("python3")
        .args(["-c", PYYAML_JUDGE])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    child.ok().and_then(|mut c| {
        let list: String = files.iter().map(|f| format!("{}\n", f.display())).collect();
        c.stdin.take()?.write_all(list.as_bytes()).ok()?;
        let out = c.wait_with_output().ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).lines().map(PathBuf::from).collect())
    })
}

fn load(path: &Path, text: &str) -> Result<Vec<Node>, loader::LoadError> {
    // As the scan does: `.json` with the JSON parser, the rest as YAML streams.
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) {
        loader::json::parse(text).map(|n| vec![n])
    } else {
        loader::yaml::parse(text)
    }
}

/// Source text of a span (1-based lines and code-point columns), up to the end of its line.
fn text_at<'t>(lines: &[&'t str], span: slsguard::source::Span) -> Option<&'t str> {
    let line = lines.get(span.start.line.checked_sub(1)? as usize)?;
    let (i, _) = line.char_indices().nth(span.start.column.checked_sub(1)? as usize)?;
    line.get(i..)
}

/// Checks that every mapping key's span starts at the key as written; returns the mismatches.
fn check_keys(node: &Node, lines: &[&str], out: &mut Vec<String>) {
    match &node.value {
        Value::Map(entries) => {
            for e in entries {
                // Keys that are not scalars (`? [a, b]`) have no text of their own.
                if !e.key.starts_with('<') && !key_is_at(&e.key, text_at(lines, e.key_span)) {
                    out.push(format!(
                        "key `{}` at {}:{} reads `{}`",
                        e.key,
                        e.key_span.start.line,
                        e.key_span.start.column,
                        text_at(lines, e.key_span).unwrap_or("<outside the file>").chars().take(40).collect::<String>()
                    ));
                }
                check_keys(&e.value, lines, out);
            }
        }
        Value::Seq(items) => items.iter().for_each(|i| check_keys(i, lines, out)),
        _ => {}
    }
}

fn key_is_at(key: &str, text: Option<&str>) -> bool {
    let Some(text) = text else { return false };
    let mut text = text.trim_start_matches('\u{feff}');
    // A short-form tag becomes its long-form key: `!GetAtt` is `Fn::GetAtt`.
    if let Some(tag) = text.strip_prefix('!') {
        if tag.starts_with(key.strip_prefix("Fn::").unwrap_or(key)) {
            return true;
        }
    }
    // Node properties (`!tag`, `&anchor`) written before the key.
    while text.starts_with(['!', '&']) {
        let end = text.find([' ', '\t']).unwrap_or(text.len());
        text = text[end..].trim_start_matches([' ', '\t']);
    }
    match text.chars().next() {
        // A quoted key may hold escapes; its first character is enough.
        Some(q @ ('"' | '\'')) => {
            let inner = &text[1..];
            inner.starts_with(key) || key.is_empty() && inner.starts_with(q) || inner.starts_with('\\')
        }
        _ => text.starts_with(key),
    }
}

#[test]
#[ignore = "needs ../shared/corpus; .ci/run runs it"]
fn every_template_pyyaml_reads_loads_with_keys_at_their_spans() {
    let root = corpus();
    let mut files = Vec::new();
    templates(&root, &mut files);
    assert!(files.len() > 2000, "expected the whole corpus, found {} files", files.len());
    let rejected = pyyaml_rejects(&root, &files);
    let mut failures = Vec::new();
    let mut span_failures = Vec::new();
    let mut loaded = 0;
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else { continue };
        let name = path.strip_prefix(&root).unwrap_or(path).display().to_string();
        match load(path, &text) {
            Ok(docs) => {
                loaded += 1;
                let lines: Vec<&str> = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect();
                let mut bad = Vec::new();
                docs.iter().for_each(|d| check_keys(d, &lines, &mut bad));
                span_failures.extend(bad.into_iter().take(3).map(|b| format!("{name}: {b}")));
            }
            Err(e) if !rejected.contains(path) => failures.push(format!("{name}:{e}")),
            Err(_) => {}
        }
    }
    eprintln!("{loaded} of {} files loaded; PyYAML rejects {}", files.len(), rejected.len());
    assert!(failures.is_empty(), "{} files PyYAML reads did not load:\n{}", failures.len(), failures.join("\n"));
    assert!(span_failures.is_empty(), "key spans that miss their key:\n{}", span_failures.join("\n"));
}

/// Rewrites of a template into shapes that real templates use and libyaml reads, but a strict
/// YAML 1.2 reader does not: the first suitable `key: a b c` as a single-quoted scalar continued
/// at the key's own indentation; the first `key: [x, y]` as a flow sequence whose items and
/// closing bracket sit at the key's indentation; the same with a flow mapping; a `%YAML 1.1`
/// directive.
fn variants(text: &str) -> Vec<(&'static str, String)> {
    let plain = regex::Regex::new(r"^( *)(- )?([A-Za-z0-9_]+): ([A-Za-z0-9_./${}:*-]+( [A-Za-z0-9_./${}:*-]+)+)\s*$")
        .expect("valid regex");
    let flow =
        regex::Regex::new(r"^( *)(- )?([A-Za-z0-9_]+): ([\[{])([^\[\]{}#'&*!|>]+)([\]}])\s*$").expect("valid regex");
    let lines: Vec<&str> = text.lines().collect();
    let rebuild = |i: usize, with: Vec<String>| {
        let mut out: Vec<String> = lines[..i].iter().map(|l| l.to_string()).collect();
        out.extend(with);
        out.extend(lines[i + 1..].iter().map(|l| l.to_string()));
        out.join("\n") + "\n"
    };
    let indent = |c: &regex::Captures| " ".repeat(c[1].len() + c.get(2).map_or(0, |m| m.len()));
    let mut out = Vec::new();
    if let Some((i, c)) = lines.iter().enumerate().find_map(|(i, l)| plain.captures(l).map(|c| (i, c))) {
        let (first, rest) = c[4].split_once(' ').unwrap_or((&c[4], ""));
        let key = format!("{}{}{}: '{first}", &c[1], c.get(2).map_or("", |m| m.as_str()), &c[3]);
        out.push((
            "quoted-scalar-continued-at-key-indentation",
            rebuild(i, vec![key, format!("{}{rest}'", indent(&c))]),
        ));
    }
    for (kind, open) in [("flow-sequence-at-key-indentation", "["), ("flow-mapping-at-key-indentation", "{")] {
        let found =
            lines.iter().enumerate().find_map(|(i, l)| flow.captures(l).filter(|c| &c[4] == open).map(|c| (i, c)));
        if let Some((i, c)) = found {
            let ind = indent(&c);
            let mut with = vec![format!("{}{}{}: {open}", &c[1], c.get(2).map_or("", |m| m.as_str()), &c[3])];
            with.extend(c[5].split(',').map(|item| format!("{ind}  {},", item.trim())));
            if let Some(last) = with.last_mut() {
                last.pop();
            }
            with.push(format!("{ind}{}", &c[6]));
            out.push((kind, rebuild(i, with)));
        }
    }
    if !text.starts_with(['%', '-', '\u{feff}']) {
        out.push(("yaml-1.1-directive", format!("%YAML 1.1\n---\n{text}")));
    }
    out
}

#[test]
#[ignore = "needs ../shared/corpus and python3 with PyYAML; .ci/run runs it"]
fn libyaml_shapes_of_every_template_load_when_pyyaml_reads_them() {
    let root = corpus();
    let mut files = Vec::new();
    templates(&root, &mut files);
    files.retain(|f| !f.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")));
    let dir = tempfile::tempdir().expect("temp dir");
    let mut written = Vec::new();
    for (n, path) in files.iter().enumerate() {
        let Ok(text) = std::fs::read_to_string(path) else { continue };
        for (kind, variant) in variants(&text) {
            let out = dir.path().join(format!("{n:05}-{kind}.yaml"));
            std::fs::write(&out, variant).expect("write variant");
            written.push((out, path.strip_prefix(&root).unwrap_or(path).display().to_string()));
        }
    }
    let paths: Vec<PathBuf> = written.iter().map(|(p, _)| p.clone()).collect();
    let Some(rejected) = pyyaml_judge(&paths) else {
        eprintln!("python3 with PyYAML is not available: the variants cannot be judged, skipped");
        return;
    };
    let mut failures = Vec::new();
    let mut kinds = std::collections::BTreeMap::<String, (usize, usize)>::new();
    for (path, source) in &written {
        let kind = path.file_name().and_then(|n| n.to_str()).and_then(|n| n.get(6..)).unwrap_or("");
        let kind = kind.trim_end_matches(".yaml");
        if rejected.contains(path) {
            continue;
        }
        let text = std::fs::read_to_string(path).expect("read variant");
        let counts = kinds.entry(kind.to_string()).or_default();
        counts.0 += 1;
        match loader::yaml::parse(&text) {
            Ok(_) => counts.1 += 1,
            Err(e) => failures.push(format!("{kind} of {source}: {e}")),
        }
    }
    eprintln!("variants PyYAML reads / that load: {kinds:?}");
    assert!(kinds.values().map(|c| c.0).sum::<usize>() > 1000, "too few variants: {kinds:?}");
    assert!(failures.is_empty(), "{} variants PyYAML reads did not load:\n{}", failures.len(), failures.join("\n"));
}
