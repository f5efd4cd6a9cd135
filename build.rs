//! Embeds every built-in rule file (`rules/**/*.yml`) into the binary, so the tool needs no
//! files next to it at run time, and does the part of loading them that never changes at build
//! time: each file is parsed here (with libyaml, as the tool parses YAML) into JSON, which
//! loads without a YAML parser, and the regexes of the secret rules are syntax-checked here, so
//! a start of the tool (a pre-commit hook's, for one file) does neither. A built-in rule file
//! that is not valid YAML or whose regex does not parse fails the build with its file and line.
//! The JSON is checked against the tool's own YAML loader by a test (`rules::tests`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

#[path = "src/loader/libyaml.rs"]
#[allow(dead_code)]
mod libyaml;
#[path = "src/secrets/pattern.rs"]
mod pattern;

use libyaml::{Event, Mark, Style};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if matches!(path.extension().and_then(|e| e.to_str()), Some("yml" | "yaml")) {
            out.push(path);
        }
    }
}

/// A YAML value as the tool's loader types it (src/loader/yaml.rs, `scalar_value`), with the
/// line and column where it starts.
enum Yaml {
    Null,
    Bool(bool),
    /// Kept as written; written as a JSON number when it is one, as `Node::to_json` does.
    Number(String),
    String(String),
    Seq(Vec<(Yaml, Mark)>),
    Map(Vec<(String, Yaml, Mark)>),
}

struct Reader<'a> {
    parser: libyaml::Parser<'a>,
}

impl Reader<'_> {
    fn next(&mut self) -> Result<(Event<'_>, Mark), String> {
        match self.parser.next_event() {
            Some(Ok((ev, start, _))) => Ok((ev, start)),
            Some(Err(e)) => {
                let (line, column) = match e.at {
                    libyaml::At::Mark(m) => (m.line + 1, m.column + 1),
                    libyaml::At::Offset(_) => (1, 1),
                };
                Err(format!("{line}:{column}: not valid YAML: {}", e.problem))
            }
            None => Err("1:1: unexpected end of the YAML stream".into()),
        }
    }

    /// The node whose first event is `ev`.
    fn node(&mut self, ev: Event<'_>, at: Mark) -> Result<Yaml, String> {
        let here = |m: Mark| format!("{}:{}", m.line + 1, m.column + 1);
        let plain = |anchor: Option<&str>, tag: Option<&str>| -> Result<(), String> {
            if anchor.is_some() || tag.is_some() {
                return Err(format!("{}: anchors and tags are not used in built-in rule files", here(at)));
            }
            Ok(())
        };
        match ev {
            Event::Scalar { value, style, anchor, tag } => {
                plain(anchor, tag)?;
                Ok(scalar(value, style))
            }
            Event::SequenceStart { anchor, tag } => {
                plain(anchor, tag)?;
                let mut items = Vec::new();
                loop {
                    let (ev, m) = self.next()?;
                    if ev == Event::SequenceEnd {
                        return Ok(Yaml::Seq(items));
                    }
                    let ev = owned(ev);
                    items.push((self.node(ev.event(), m)?, m));
                }
            }
            Event::MappingStart { anchor, tag } => {
                plain(anchor, tag)?;
                let mut entries: Vec<(String, Yaml, Mark)> = Vec::new();
                loop {
                    let (ev, m) = self.next()?;
                    let key = match ev {
                        Event::MappingEnd => return Ok(Yaml::Map(entries)),
                        Event::Scalar { value, style, anchor: None, tag: None } => match scalar(value, style) {
                            Yaml::Null => String::new(),
                            Yaml::Bool(b) => b.to_string(),
                            Yaml::Number(s) | Yaml::String(s) => s,
                            Yaml::Seq(_) | Yaml::Map(_) => unreachable!("a scalar"),
                        },
                        _ => return Err(format!("{}: keys are plain scalars in built-in rule files", here(m))),
                    };
                    if key == "<<" || entries.iter().any(|(k, _, _)| *k == key) {
                        return Err(format!("{}: key `{key}` is a merge key or given twice", here(m)));
                    }
                    let (ev, vm) = self.next()?;
                    let ev = owned(ev);
                    let value = self.node(ev.event(), vm)?;
                    entries.push((key, value, vm));
                }
            }
            Event::Alias { .. } => Err(format!("{}: aliases are not used in built-in rule files", here(at))),
            _ => Err(format!("{}: unexpected YAML event", here(at))),
        }
    }
}

/// An event detached from the parser's buffer, so the parser can move on.
enum Owned {
    Scalar(String, Style, bool),
    SeqStart(bool),
    MapStart(bool),
    Other,
}

fn owned(ev: Event<'_>) -> Owned {
    match ev {
        Event::Scalar { value, style, anchor, tag } => {
            Owned::Scalar(value.to_string(), style, anchor.is_some() || tag.is_some())
        }
        Event::SequenceStart { anchor, tag } => Owned::SeqStart(anchor.is_some() || tag.is_some()),
        Event::MappingStart { anchor, tag } => Owned::MapStart(anchor.is_some() || tag.is_some()),
        _ => Owned::Other,
    }
}

impl Owned {
    fn event(&self) -> Event<'_> {
        let mark = |decorated: bool| decorated.then_some("!");
        match self {
            Owned::Scalar(v, style, d) => Event::Scalar { value: v, style: *style, anchor: mark(*d), tag: None },
            Owned::SeqStart(d) => Event::SequenceStart { anchor: mark(*d), tag: None },
            Owned::MapStart(d) => Event::MappingStart { anchor: mark(*d), tag: None },
            Owned::Other => Event::Alias { anchor: "" },
        }
    }
}

/// The loader's typing of an untagged scalar (src/loader/yaml.rs, `scalar_value`).
fn scalar(text: &str, style: Style) -> Yaml {
    if style != Style::Plain {
        return Yaml::String(text.to_string());
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => Yaml::Null,
        "true" | "True" | "TRUE" => Yaml::Bool(true),
        "false" | "False" | "FALSE" => Yaml::Bool(false),
        _ if is_number(text) => Yaml::Number(text.to_string()),
        _ => Yaml::String(text.to_string()),
    }
}

/// src/loader/yaml.rs, `is_number`.
fn is_number(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() {
        return false;
    }
    if let Some(hex) = s.strip_prefix("0x") {
        return !hex.is_empty() && hex.bytes().all(|c| c.is_ascii_hexdigit());
    }
    if let Some(oct) = s.strip_prefix("0o") {
        return !oct.is_empty() && oct.bytes().all(|c| (b'0'..=b'7').contains(&c));
    }
    if matches!(s, ".inf" | ".Inf" | ".INF" | "-.inf" | "+.inf" | ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let mut parts = mantissa.splitn(2, '.');
    let int = parts.next().unwrap_or("");
    let frac = parts.next();
    let digits = |x: &str| x.bytes().all(|c| c.is_ascii_digit());
    let mantissa_ok = match frac {
        None => !int.is_empty() && digits(int),
        Some(f) => (!int.is_empty() || !f.is_empty()) && digits(int) && digits(f),
    };
    let exp_ok = exp.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exp_ok
}

/// The first document of `text`.
fn parse(text: &str) -> Result<(Yaml, Mark), String> {
    let mut r = Reader { parser: libyaml::Parser::new(text) };
    loop {
        let (ev, m) = r.next()?;
        match ev {
            Event::StreamStart | Event::DocumentStart => {}
            Event::StreamEnd => return Ok((Yaml::Null, m)),
            _ => {
                let ev = owned(ev);
                return Ok((r.node(ev.event(), m)?, m));
            }
        }
    }
}

fn json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => write!(out, "\\u{:04x}", c as u32).expect("write to String"),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `Node::to_json`'s form of the value.
fn json(out: &mut String, y: &Yaml) {
    match y {
        Yaml::Null => out.push_str("null"),
        Yaml::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Yaml::Number(n) => match (n.parse::<i64>(), n.parse::<f64>()) {
            (Ok(i), _) => write!(out, "{i}").expect("write to String"),
            (_, Ok(f)) if f.is_finite() => write!(out, "{f:?}").expect("write to String"),
            _ => json_str(out, n),
        },
        Yaml::String(s) => json_str(out, s),
        Yaml::Seq(items) => {
            out.push('[');
            for (i, (v, _)) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json(out, v);
            }
            out.push(']');
        }
        Yaml::Map(entries) => {
            out.push('{');
            for (i, (k, v, _)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_str(out, k);
                out.push(':');
                json(out, v);
            }
            out.push('}');
        }
    }
}

fn get<'y>(y: &'y Yaml, key: &str) -> Option<(&'y Yaml, Mark)> {
    match y {
        Yaml::Map(entries) => entries.iter().find(|(k, _, _)| k == key).map(|(_, v, m)| (v, *m)),
        _ => None,
    }
}

fn text(y: Option<(&Yaml, Mark)>) -> Option<(&str, Mark)> {
    match y {
        Some((Yaml::String(s) | Yaml::Number(s), m)) => Some((s, m)),
        _ => None,
    }
}

fn int(y: Option<(&Yaml, Mark)>) -> Option<(usize, Mark)> {
    match y {
        Some((Yaml::Number(n), m)) => n.parse().ok().map(|n| (n, m)),
        _ => None,
    }
}

/// The pattern of a `regex` or `assignment` (src/secrets/mod.rs, `pattern_src`), when it has
/// exactly one of them; the tool reports the other cases when it loads the rule.
fn pattern_of(m: &Yaml) -> Option<(String, Mark)> {
    let regex = text(get(m, "regex")).filter(|(r, _)| !r.trim().is_empty());
    match (regex, get(m, "assignment")) {
        (Some((r, at)), None) => Some((r.to_string(), at)),
        (None, Some((a, at))) => {
            let (name, value) = (text(get(a, "name"))?, text(get(a, "value"))?);
            Some((pattern::assignment_pattern(name.0, value.0), at))
        }
        _ => None,
    }
}

/// The checks of regex syntax that `CompiledSecret::compile` makes for a user's rule (it skips
/// them for built-in rules, because they were made here).
fn check_secret(secret: &Yaml) -> Result<(), String> {
    let at = |m: Mark| format!("{}:{}", m.line + 1, m.column + 1);
    let parse = |src: &str, utf8: bool| {
        regex_syntax::ParserBuilder::new().utf8(utf8).build().parse(src).map_err(|e| e.to_string())
    };
    if let Some((src, m)) = pattern_of(secret) {
        let hir = parse(&src, false).map_err(|e| format!("{}: invalid regex: {e}", at(m)))?;
        let groups = hir.properties().explicit_captures_len();
        if let Some((g, m)) = int(get(secret, "secret_group")) {
            if g == 0 || g > groups {
                return Err(format!("{}: the regex has no capture group {g}", at(m)));
            }
        }
        if let Some((verify, m)) = get(secret, "verify") {
            if let Some((g, _)) = get(verify, "base64-json").and_then(|b| int(get(b.0, "group"))) {
                if g == 0 || g > groups {
                    return Err(format!("{}: the regex has no capture group {g}", at(m)));
                }
            }
        }
    }
    if let Some((pair, _)) = get(secret, "pair") {
        if let Some((src, m)) = pattern_of(pair) {
            parse(&src, false).map_err(|e| format!("{}: invalid regex: {e}", at(m)))?;
        }
    }
    if let Some((Yaml::Seq(items), _)) = get(secret, "allowlist") {
        for (item, m) in items {
            if let Yaml::String(a) | Yaml::Number(a) = item {
                parse(a, true).map_err(|e| format!("{}: invalid allowlist regex `{a}`: {e}", at(*m)))?;
            }
        }
    }
    Ok(())
}

fn main() {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let rules = root.join("rules");
    println!("cargo:rerun-if-changed=rules");
    println!("cargo:rerun-if-changed=src/loader/libyaml.rs");
    println!("cargo:rerun-if-changed=src/secrets/pattern.rs");
    let mut files = Vec::new();
    collect(&rules, &mut files);
    files.sort();
    let mut src = String::from(
        "/// Built-in rule files, made by build.rs.\n\
         pub static EMBEDDED_RULES: &[EmbeddedRule] = &[\n",
    );
    let mut errors = Vec::new();
    for f in &files {
        // Directories must be watched one by one for new files to trigger a rebuild.
        if let Some(parent) = f.parent() {
            println!("cargo:rerun-if-changed={}", parent.display());
        }
        let rel = f.strip_prefix(&rules).expect("under rules/").to_string_lossy().replace('\\', "/");
        let text = match fs::read_to_string(f) {
            Ok(t) => t,
            Err(e) => {
                errors.push(format!("rules/{rel}: {e}"));
                continue;
            }
        };
        let doc = match parse(&text) {
            Ok((doc, _)) => doc,
            Err(e) => {
                errors.push(format!("rules/{rel}:{e}"));
                continue;
            }
        };
        if let Some((secret, _)) = get(&doc, "matcher").and_then(|(m, _)| get(m, "secret")) {
            if let Err(e) = check_secret(secret) {
                errors.push(format!("rules/{rel}:{e}"));
            }
        }
        // The examples apart: a scan never reads them (see `LazyExamples`). The tool checks the
        // rest of a rule when it loads; that it has examples both ways is checked here.
        let mut doc = doc;
        let mut examples = String::new();
        if let Yaml::Map(entries) = &mut doc {
            if let Some((_, value, m)) = entries.iter_mut().find(|(k, _, _)| k == "examples") {
                // Left in place empty, as the field is required.
                let empty = Yaml::Map(vec![
                    ("fire".into(), Yaml::Seq(Vec::new()), *m),
                    ("no_fire".into(), Yaml::Seq(Vec::new()), *m),
                ]);
                let (ex, m) = (std::mem::replace(value, empty), *m);
                let both = ["fire", "no_fire"]
                    .iter()
                    .all(|k| matches!(get(&ex, k), Some((Yaml::Seq(items), _)) if !items.is_empty()));
                if !both {
                    errors.push(format!(
                        "rules/{rel}:{}:{}: `examples` needs at least one `fire` and one `no_fire` input",
                        m.line + 1,
                        m.column + 1
                    ));
                }
                json(&mut examples, &ex);
            }
        }
        if examples.is_empty() {
            errors.push(format!("rules/{rel}: a rule needs `examples`"));
        }
        // Long texts apart too, as string literals the rule borrows instead of copying.
        let mut texts = [None, None, None];
        if let Yaml::Map(entries) = &mut doc {
            for (key, text) in ["description", "remediation", "format_source"].iter().zip(&mut texts) {
                if let Some((_, Yaml::String(value), _)) = entries.iter_mut().find(|(k, _, _)| k == key) {
                    // Left in place, empty, as the first two are required.
                    *text = Some(std::mem::take(value));
                }
            }
            entries.retain(|(k, v, _)| !(k == "format_source" && matches!(v, Yaml::String(s) if s.is_empty())));
        }
        let mut out = String::new();
        json(&mut out, &doc);
        let [description, remediation, format_source] = texts;
        writeln!(
            src,
            "    EmbeddedRule {{ path: {rel:?}, yaml: include_str!({:?}), json: {out:?}, examples: {examples:?}, \
             description: {description:?}, remediation: {remediation:?}, format_source: {format_source:?} }},",
            f.display().to_string()
        )
        .expect("write to String");
    }
    if !errors.is_empty() {
        for e in &errors {
            println!("cargo:warning={e}");
        }
        panic!("{} built-in rule file(s) are invalid:\n{}", errors.len(), errors.join("\n"));
    }
    src.push_str("];\n");
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("embedded_rules.rs");
    fs::write(out, src).expect("write embedded_rules.rs");
}
