//! Code rules, compiled ([`CompiledCode`]) and their structural patterns evaluated on one
//! file's facts. Taint specifications are evaluated by [`super::taint`].

use super::Language;
use super::ir::{Arg, Expr, ExprKind, FileFacts, Pos, Stmt, Target, walk_exprs, walk_stmts};
use crate::rules::code_matcher::{self, CodeSpec, NamePattern, OptionSpec, PatternSpec, SinkSpec, TaintSpec};

#[derive(Debug, Clone)]
pub struct CompiledCode {
    pub languages: Vec<Language>,
    pub patterns: Vec<Pattern>,
    pub taint: Option<Taint>,
    message: String,
}

#[derive(Debug, Clone)]
pub enum PatternKind {
    Call,
    Assign,
    Key,
    Reference,
}

#[derive(Debug, Clone)]
pub struct Pattern {
    pub kind: PatternKind,
    pub names: Vec<NamePattern>,
    pub value: Option<Vec<String>>,
    pub args: Vec<(usize, Vec<String>)>,
    pub option: Option<CompiledOption>,
    pub languages: Vec<Language>,
}

#[derive(Debug, Clone)]
pub struct CompiledOption {
    pub name: String,
    pub values: Option<Vec<String>>,
    pub absent: bool,
}

#[derive(Debug, Clone)]
pub struct Taint {
    pub sources: Vec<Source>,
    pub sanitizer_calls: Vec<NamePattern>,
    pub guards: Vec<NamePattern>,
    pub sinks: Vec<Sink>,
}

#[derive(Debug, Clone, Default)]
pub struct Source {
    pub event: bool,
    pub read: Vec<NamePattern>,
    pub callback: Option<(Vec<NamePattern>, usize)>,
    pub decorated: Vec<NamePattern>,
    pub param_type: Vec<NamePattern>,
    pub caught_error: bool,
    pub label: String,
}

#[derive(Debug, Clone, Default)]
pub struct Sink {
    pub call: Vec<NamePattern>,
    pub tainted: Option<Vec<usize>>,
    pub args: Vec<(usize, Vec<String>)>,
    pub option: Option<CompiledOption>,
    pub receiver: Option<Box<Sink>>,
    pub returned: bool,
    pub decorated: Vec<NamePattern>,
    pub label: String,
    pub languages: Vec<Language>,
}

/// One structural match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub pos: Pos,
    /// What matched, for the message (`requests.get(…, verify=False)`).
    pub text: String,
}

type Error = (&'static str, String);

fn names(list: &[String], field: &'static str) -> Result<Vec<NamePattern>, Error> {
    list.iter().map(|n| NamePattern::parse(n).map_err(|e| (field, e))).collect()
}

fn option(o: &Option<OptionSpec>) -> Option<CompiledOption> {
    o.as_ref().map(|o| CompiledOption {
        name: o.name.clone(),
        values: o.value.as_ref().map(|v| v.texts()),
        absent: o.absent,
    })
}

impl CompiledCode {
    pub fn compile(spec: &CodeSpec) -> Result<Self, Error> {
        let languages = code_matcher::languages(&spec.languages).map_err(|e| ("languages", e))?;
        if languages.is_empty() {
            return Err(("languages", "`languages` needs at least one language".into()));
        }
        if spec.patterns.is_empty() == spec.taint.is_none() {
            return Err(("patterns", "a code matcher has either `patterns` or `taint`".into()));
        }
        let mut patterns = Vec::new();
        for p in &spec.patterns {
            patterns.push(Self::pattern(p, &languages)?);
        }
        let taint = spec.taint.as_ref().map(|t| Self::taint(t, &languages)).transpose()?;
        for placeholder in placeholders(&spec.message) {
            if !matches!(placeholder.as_str(), "match" | "source" | "sink") {
                return Err((
                    "message",
                    format!("unknown placeholder `{{{placeholder}}}` (use {{match}}, {{source}}, {{sink}})"),
                ));
            }
        }
        Ok(Self { languages, patterns, taint, message: spec.message.clone() })
    }

    fn pattern(p: &PatternSpec, rule_langs: &[Language]) -> Result<Pattern, Error> {
        let kinds = [
            (PatternKind::Call, &p.call),
            (PatternKind::Assign, &p.assign),
            (PatternKind::Key, &p.key),
            (PatternKind::Reference, &p.reference),
        ];
        let given: Vec<_> = kinds.into_iter().filter(|(_, v)| !v.is_empty()).collect();
        let [(kind, list)] = given.as_slice() else {
            return Err(("patterns", "each pattern has exactly one of `call`, `assign`, `key`, `reference`".into()));
        };
        let languages = if p.languages.is_empty() {
            rule_langs.to_vec()
        } else {
            code_matcher::languages(&p.languages).map_err(|e| ("patterns", e))?
        };
        let names = match kind {
            // Keys are plain names, compared as written.
            PatternKind::Key => list.iter().map(|k| NamePattern::parse(k)).collect::<Result<Vec<_>, _>>(),
            _ => list.iter().map(|k| NamePattern::parse(k)).collect(),
        }
        .map_err(|e| ("patterns", e))?;
        if matches!(kind, PatternKind::Assign | PatternKind::Key) && p.value.is_none() {
            return Err(("patterns", "`assign` and `key` patterns need a `value`".into()));
        }
        Ok(Pattern {
            kind: kind.clone(),
            names,
            value: p.value.as_ref().map(|v| v.texts()),
            args: p.args.iter().map(|(i, v)| (*i, v.texts())).collect(),
            option: option(&p.option),
            languages,
        })
    }

    fn taint(t: &TaintSpec, rule_langs: &[Language]) -> Result<Taint, Error> {
        let mut sources = Vec::new();
        for s in &t.sources {
            let kinds = [
                s.event,
                !s.read.is_empty(),
                s.callback_param.is_some(),
                !s.decorated.is_empty(),
                !s.param_type.is_empty(),
                s.caught_error,
            ];
            if kinds.iter().filter(|k| **k).count() != 1 {
                return Err((
                    "taint",
                    "each source has exactly one of `event`, `read`, `callback_param`, `decorated`, `param_type`, `caught_error`".into(),
                ));
            }
            sources.push(Source {
                event: s.event,
                read: names(&s.read, "taint")?,
                callback: s
                    .callback_param
                    .as_ref()
                    .map(|c| names(&c.call, "taint").map(|n| (n, c.index)))
                    .transpose()?,
                decorated: names(&s.decorated, "taint")?,
                param_type: names(&s.param_type, "taint")?,
                caught_error: s.caught_error,
                label: s
                    .label
                    .clone()
                    .unwrap_or_else(|| if s.caught_error { "the error".into() } else { "event data".into() }),
            });
        }
        let mut sanitizer_calls = Vec::new();
        let mut guards = Vec::new();
        for s in &t.sanitizers {
            sanitizer_calls.extend(names(&s.call, "taint")?);
            guards.extend(names(&s.guard, "taint")?);
        }
        let sinks = t.sinks.iter().map(|s| Self::sink(s, rule_langs)).collect::<Result<Vec<_>, _>>()?;
        if sources.is_empty() || sinks.is_empty() {
            return Err(("taint", "`taint` needs at least one source and one sink".into()));
        }
        Ok(Taint { sources, sanitizer_calls, guards, sinks })
    }

    fn sink(s: &SinkSpec, rule_langs: &[Language]) -> Result<Sink, Error> {
        if s.call.is_empty() != s.returned {
            return Err(("taint", "each sink is either a `call` or `returned: true`".into()));
        }
        let languages = if s.languages.is_empty() {
            rule_langs.to_vec()
        } else {
            code_matcher::languages(&s.languages).map_err(|e| ("taint", e))?
        };
        Ok(Sink {
            call: names(&s.call, "taint")?,
            tainted: s.tainted.clone(),
            args: s.args.iter().map(|(i, v)| (*i, v.texts())).collect(),
            option: option(&s.option),
            receiver: s.receiver.as_ref().map(|r| Self::sink_receiver(r, rule_langs)).transpose()?.map(Box::new),
            returned: s.returned,
            decorated: names(&s.decorated, "taint")?,
            label: s.label.clone(),
            languages,
        })
    }

    fn sink_receiver(s: &SinkSpec, rule_langs: &[Language]) -> Result<Sink, Error> {
        let mut r = Self::sink(&SinkSpec { label: s.label.clone(), ..s.clone() }, rule_langs)?;
        r.tainted = Some(Vec::new());
        Ok(r)
    }

    pub fn applies_to(&self, lang: Language) -> bool {
        self.languages.contains(&lang)
    }

    /// The message with its placeholders filled in.
    pub fn message(&self, matched: &str, source: &str, sink: &str) -> String {
        self.message.replace("{match}", matched).replace("{source}", source).replace("{sink}", sink)
    }

    /// The structural matches in one file.
    pub fn structural(&self, facts: &FileFacts) -> Vec<Match> {
        let Some(lang) = facts.language else { return Vec::new() };
        let mut out = Vec::new();
        for p in self.patterns.iter().filter(|p| p.languages.contains(&lang)) {
            for func in &facts.functions {
                match p.kind {
                    PatternKind::Assign => walk_stmts(&func.body, &mut |s| {
                        if let Stmt::Assign { target, value, pos } = s {
                            let name = match target {
                                Target::Name(n) => Some(facts.resolve_name(n)),
                                Target::Member(e) => facts.resolve(e),
                                _ => None,
                            };
                            if let Some(name) = name.filter(|n| p.names.iter().any(|x| x.matches(n))) {
                                if literal_in(value, p.value.as_deref()) {
                                    out.push(Match { pos: *pos, text: format!("{name} = {}", show(value)) });
                                }
                            }
                        }
                    }),
                    _ => walk_exprs(&func.body, &mut |e| {
                        if let Some(m) = p.matches(facts, e) {
                            out.push(m);
                        }
                    }),
                }
            }
        }
        out.sort_by_key(|m| m.pos);
        out.dedup_by_key(|m| m.pos);
        out
    }
}

impl Pattern {
    fn matches(&self, facts: &FileFacts, e: &Expr) -> Option<Match> {
        match (&self.kind, &e.kind) {
            (PatternKind::Call, ExprKind::Call { callee, args }) => {
                let name = facts.callee_name(callee)?;
                if !self.names.iter().any(|p| p.matches(&name)) {
                    return None;
                }
                let name = name.strip_prefix('_').unwrap_or(&name).to_string();
                if !self.args.iter().all(|(i, vals)| positional(args, *i).is_some_and(|a| literal_in(a, Some(vals)))) {
                    return None;
                }
                let shown = match &self.option {
                    Some(o) => {
                        let found = option_value(facts, args, &o.name);
                        let ok = match (&found, &o.values) {
                            (Some(v), Some(vals)) => value_in(facts, v, vals),
                            (Some(_), None) => true,
                            (None, _) => false,
                        };
                        if ok == o.absent {
                            return None;
                        }
                        match found {
                            Some(v) if !o.absent => format!("{name}(…, {}: {})", o.name, show(v)),
                            _ => format!("{name}(…)"),
                        }
                    }
                    None => {
                        let shown: Vec<String> =
                            self.args.iter().filter_map(|(i, _)| positional(args, *i).map(show)).collect();
                        format!("{name}({})", shown.join(", "))
                    }
                };
                Some(Match { pos: e.pos, text: shown })
            }
            (PatternKind::Key, ExprKind::Object(items)) => {
                let (k, v) = items.iter().find_map(|(k, v)| {
                    let k = k.as_ref()?;
                    (self.names.iter().any(|p| p.matches(k)) && literal_in(v, self.value.as_deref())).then_some((k, v))
                })?;
                Some(Match { pos: v.pos, text: format!("{k}: {}", show(v)) })
            }
            (PatternKind::Key, ExprKind::Call { args, .. }) => {
                // Keyword arguments: `verify=False`.
                let a = args.iter().find(|a| {
                    a.name.as_ref().is_some_and(|n| self.names.iter().any(|p| p.matches(n)))
                        && literal_in(&a.value, self.value.as_deref())
                })?;
                Some(Match {
                    pos: a.value.pos,
                    text: format!("{}={}", a.name.as_deref().unwrap_or(""), show(&a.value)),
                })
            }
            (PatternKind::Reference, ExprKind::Name(_) | ExprKind::Member(..)) => {
                let name = facts.resolve(e)?;
                self.names.iter().any(|p| p.matches(&name)).then_some(Match { pos: e.pos, text: name })
            }
            _ => None,
        }
    }
}

/// The `i`-th positional argument.
pub fn positional(args: &[Arg], i: usize) -> Option<&Expr> {
    args.iter().filter(|a| a.name.is_none()).nth(i).map(|a| &a.value)
}

/// A keyword argument, or a key of an object argument (nested objects included), by name.
pub fn option_value<'e>(facts: &FileFacts, args: &'e [Arg], name: &str) -> Option<&'e Expr> {
    let _ = facts;
    fn in_object<'e>(e: &'e Expr, name: &str, depth: usize) -> Option<&'e Expr> {
        match &e.kind {
            ExprKind::Object(items) if depth < 4 => items
                .iter()
                .find_map(|(k, v)| if k.as_deref() == Some(name) { Some(v) } else { in_object(v, name, depth + 1) }),
            // Struct literals (`tls.Config{…}`) are calls with one object argument.
            ExprKind::Call { args, .. } if depth < 4 => args.iter().find_map(|a| in_object(&a.value, name, depth + 1)),
            _ => None,
        }
    }
    args.iter()
        .find(|a| a.name.as_deref() == Some(name))
        .map(|a| &a.value)
        .or_else(|| args.iter().filter(|a| a.name.is_none()).find_map(|a| in_object(&a.value, name, 0)))
}

/// Is the expression one of `values` (a literal as written, or a name)? No values: any literal.
fn literal_in(e: &Expr, values: Option<&[String]>) -> bool {
    match (e.literal(), values) {
        (Some(l), Some(vals)) => vals.iter().any(|v| literal_eq(&l, v)),
        (Some(_), None) => true,
        (None, _) => false,
    }
}

fn value_in(facts: &FileFacts, e: &Expr, values: &[String]) -> bool {
    if literal_in(e, Some(values)) {
        return true;
    }
    facts.resolve(e).is_some_and(|n| {
        values
            .iter()
            .any(|v| NamePattern::parse(v).is_ok_and(|p| p.matches(&n)) || n.rsplit('.').next() == Some(v.as_str()))
    })
}

/// Literals compared across languages: `False`/`false`, `0`/`'0'`.
fn literal_eq(a: &str, b: &str) -> bool {
    a == b || a.eq_ignore_ascii_case(b) && matches!(b.to_ascii_lowercase().as_str(), "true" | "false" | "null" | "none")
}

/// A short rendering of an expression for messages.
pub fn show(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Str { value, .. } => {
            let v: String = value.chars().take(40).collect();
            format!("'{v}'")
        }
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Number(n) => n.clone(),
        ExprKind::Null => "null".into(),
        _ => e.path().unwrap_or_else(|| "…".into()),
    }
}

fn placeholders(msg: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = msg;
    while let Some(i) = rest.find('{') {
        let Some(j) = rest[i..].find('}') else { break };
        out.push(rest[i + 1..i + j].to_string());
        rest = &rest[i + j + 1..];
    }
    out
}
