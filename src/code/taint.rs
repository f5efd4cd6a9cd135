//! Taint analysis over code facts, in the manner of Semgrep's taint mode: data from a source
//! (a handler's event, a framework's request, a caught error) that reaches a sink (a shell, an
//! `eval`, a query built from strings, a response) without passing a sanitizer.
//!
//! Statements are followed in order (so a later `x = quote(x)` cleans `x`); branches are merged
//! (tainted on either side is tainted), a branch that leaves the function does not reach the code
//! after it, and allow-list checks clean what they check on the side where the check passed.
//! Calls of functions in the same file or in imported files are followed through summaries
//! (which parameters reach the return value and which sinks), computed once per function and
//! set of tainted parameters. Unknown calls pass taint from their arguments and receiver to
//! their result.

use super::graph;
use super::handlers::parent;
use super::ir::{Expr, ExprKind, FileFacts, FuncId, ImportKind, Pos, Stmt, Target};
use super::matcher::{self, CompiledCode, Sink, Source, Taint as Spec};
use super::stage::CodeBase;
use super::{Language, ir};
use crate::rules::code_matcher::NamePattern;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::rc::Rc;

/// Longest path kept (source, steps, sink).
const MAX_STEPS: usize = 16;
/// Deepest chain of calls followed into other functions.
const MAX_CALL_DEPTH: usize = 12;

/// One step of a data flow.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Step {
    pub file: String,
    pub pos: Pos,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Origin {
    /// A source of the rule, with its label.
    Source(Rc<str>),
    /// Parameter `i` of the function a summary is computed for.
    Param(usize),
}

#[derive(Debug, Clone)]
struct Taint {
    origin: Origin,
    steps: Steps,
}

impl Taint {
    fn step(mut self, file: &str, pos: Pos, note: String) -> Self {
        if self.steps.len() < MAX_STEPS && self.steps.last().is_none_or(|s| s.pos.line != pos.line || s.file != file) {
            self.steps.push(Step { file: file.to_string(), pos, note });
        }
        self
    }
}

/// The steps of a flow so far, newest first, shared: taint is copied at every read of a name
/// and the whole state at every branch, so a copy must not copy the steps.
#[derive(Debug, Clone, Default)]
struct Steps(Option<Rc<StepNode>>);

#[derive(Debug)]
struct StepNode {
    step: Step,
    prev: Steps,
    len: usize,
}

impl Steps {
    fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |n| n.len)
    }

    fn last(&self) -> Option<&Step> {
        self.0.as_ref().map(|n| &n.step)
    }

    fn push(&mut self, step: Step) {
        let len = self.len() + 1;
        self.0 = Some(Rc::new(StepNode { step, prev: std::mem::take(self), len }));
    }

    /// Oldest first.
    fn to_vec(&self) -> Vec<Step> {
        let mut out = Vec::with_capacity(self.len());
        let mut at = self.0.as_deref();
        while let Some(n) = at {
            out.push(n.step.clone());
            at = n.prev.0.as_deref();
        }
        out.reverse();
        out
    }
}

/// A data flow found: source to sink.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Flow {
    pub file: String,
    pub pos: Pos,
    pub sink: String,
    pub source: String,
    /// From the source to the sink (the sink is the last step).
    pub steps: Vec<Step>,
}

type State = HashMap<String, Taint>;

#[derive(Debug, Clone, Default)]
struct Summary {
    ret: Option<Taint>,
    /// Flows from the function's parameters to sinks inside it (the sink step last).
    sinks: Vec<(Taint, String, String, Pos)>,
}

/// Which functions are entry points, and which of their parameters carry the event.
#[derive(Debug, Clone, Default)]
pub struct Entries {
    /// (file, function) → event parameter indexes.
    pub handlers: HashMap<(String, FuncId), Vec<usize>>,
}

struct Ctx<'a> {
    facts: &'a FileFacts,
    /// The function is an entry point: what it returns is its response.
    entry: bool,
    summary: Summary,
}

/// An import of a file, with the name imported through it.
type ImportKey = (String, String, Pos, String);

pub struct Engine<'a> {
    spec: &'a Spec,
    lang_ok: &'a CompiledCode,
    base: &'a CodeBase,
    entries: &'a Entries,
    summaries: RefCell<HashMap<(String, FuncId, u64), Summary>>,
    in_progress: RefCell<HashSet<(String, FuncId)>>,
    depth: RefCell<usize>,
    flows: RefCell<Vec<Flow>>,
    /// Per file, the function each name finds (as [`FileFacts::function`]): looked up at every
    /// call, a scan of every function made a file of many functions quadratic.
    functions: RefCell<HashMap<String, Rc<HashMap<String, FuncId>>>>,
    /// The files each import refers to, by (file, module, import position, imported name):
    /// resolved once, not at every call through the import.
    modules: RefCell<HashMap<ImportKey, Rc<Vec<String>>>>,
    /// What each call name matches, and which source each name read is (by index), once per
    /// name.
    calls: RefCell<HashMap<String, Rc<CallName>>>,
    reads: RefCell<HashMap<String, Option<usize>>>,
}

/// What a call name matches among a rule's patterns.
#[derive(Debug, Default)]
struct CallName {
    /// Per sink of the rule: one of its call patterns matches.
    sinks: Vec<bool>,
    sanitizer: bool,
    /// The sources whose callback calls match.
    callbacks: Vec<usize>,
}

impl<'a> Engine<'a> {
    pub fn new(code: &'a CompiledCode, base: &'a CodeBase, entries: &'a Entries) -> Option<Self> {
        let spec = code.taint.as_ref()?;
        Some(Self {
            spec,
            lang_ok: code,
            base,
            entries,
            summaries: RefCell::default(),
            in_progress: RefCell::default(),
            depth: RefCell::new(0),
            flows: RefCell::default(),
            functions: RefCell::default(),
            modules: RefCell::default(),
            calls: RefCell::default(),
            reads: RefCell::default(),
        })
    }

    /// Every flow in one file: each of its named functions (and its top level) analysed as an
    /// entry point, with the parameters sources give.
    pub fn file(&self, facts: &FileFacts) -> Vec<Flow> {
        let Some(lang) = facts.language else { return Vec::new() };
        if !self.lang_ok.applies_to(lang) || facts.generated.is_some() {
            return Vec::new();
        }
        for (id, func) in facts.functions.iter().enumerate() {
            if id != 0 && func.name.is_empty() {
                // Anonymous functions are analysed where they are written, with what they see.
                continue;
            }
            let mut state = State::new();
            let mut entry = false;
            let event_params = self.entries.handlers.get(&(facts.path.clone(), id));
            for (i, p) in func.params.iter().enumerate() {
                let mut taint = None;
                if event_params.is_some_and(|ps| ps.contains(&i)) {
                    if let Some(s) = self.spec.sources.iter().find(|s| s.event) {
                        taint = Some(self.source(s, facts, p.pos, p.name().unwrap_or("event")));
                    }
                    entry = true;
                }
                for s in &self.spec.sources {
                    if taint.is_some() {
                        break;
                    }
                    let by_type = p.ty.as_ref().is_some_and(|t| type_matches(facts, t, &s.param_type));
                    let by_decorator = func.decorators.iter().any(|d| decorated(facts, d, &s.decorated));
                    if by_type || by_decorator {
                        taint = Some(self.source(s, facts, p.pos, p.name().unwrap_or("parameter")));
                        entry = true;
                    }
                }
                if func.decorators.iter().any(|d| self.spec.sources.iter().any(|s| decorated(facts, d, &s.decorated))) {
                    entry = true;
                }
                if let Some(t) = taint {
                    bind(&mut state, &p.target, Some(t), facts, p.pos);
                }
            }
            if event_params.is_some()
                || func
                    .decorators
                    .iter()
                    .any(|d| self.spec.sinks.iter().any(|k| k.returned && decorated(facts, d, &k.decorated)))
            {
                entry = true;
            }
            let mut ctx = Ctx { facts, entry, summary: Summary::default() };
            self.block(&mut ctx, &func.body, &mut state);
        }
        let mut flows = std::mem::take(&mut *self.flows.borrow_mut());
        flows.sort();
        flows.dedup_by(|a, b| a.file == b.file && a.pos == b.pos && a.sink == b.sink);
        flows
    }

    fn source(&self, s: &Source, facts: &FileFacts, pos: Pos, what: &str) -> Taint {
        let label = s.label.clone();
        Taint { origin: Origin::Source(Rc::from(label.as_str())), steps: Steps::default() }.step(
            &facts.path,
            pos,
            format!("{label} enters as `{what}`"),
        )
    }

    /// Runs statements; returns whether they always leave (return, throw, break).
    fn block(&self, ctx: &mut Ctx<'_>, stmts: &[Stmt], state: &mut State) -> bool {
        for s in stmts {
            if self.stmt(ctx, s, state) {
                return true;
            }
        }
        false
    }

    fn stmt(&self, ctx: &mut Ctx<'_>, s: &Stmt, state: &mut State) -> bool {
        let facts = ctx.facts;
        match s {
            Stmt::Expr(e) => {
                self.eval(ctx, e, state);
                false
            }
            Stmt::Assign { target, value, pos } => {
                let mut t = self.eval(ctx, value, state);
                // Go: `x, err := f()` binds an error.
                if facts.language == Some(Language::Go)
                    && matches!(value.kind, ExprKind::Call { .. })
                    && target.names().contains(&"err")
                {
                    if let Some(s) = self.spec.sources.iter().find(|s| s.caught_error) {
                        bind(state, target, t, facts, *pos);
                        let st = self.source(s, facts, *pos, "err");
                        state.insert("err".into(), st);
                        return false;
                    }
                }
                // Rust: `Err(e)` patterns bind an error.
                if let Target::Destructure(items) = target {
                    if let [(Some(k), inner)] = items.as_slice() {
                        if k == "Err" {
                            if let Some(s) = self.spec.sources.iter().find(|s| s.caught_error) {
                                let name = inner.names().first().map_or("e", |n| *n).to_string();
                                t = Some(self.source(s, facts, *pos, &name));
                            }
                            bind(state, inner, t, facts, *pos);
                            return false;
                        }
                    }
                }
                bind(state, target, t, facts, *pos);
                false
            }
            Stmt::Return(e, pos) => {
                let t = e.as_ref().and_then(|e| self.eval(ctx, e, state));
                // What reaches the caller of an entry point: its response, not an error value
                // (Go's second result, Rust's `Err(…)`), which the runtime does not show.
                let response = e.as_ref().and_then(response_part);
                let rt = if ctx.entry && response.is_some() {
                    response.and_then(|r| self.eval(ctx, r, &mut state.clone()))
                } else {
                    None
                };
                if let Some(rt) = rt {
                    for sink in self.spec.sinks.iter().filter(|k| k.returned && self.sink_lang(k, facts)) {
                        self.report(ctx, rt.clone(), &sink.label, "returned", *pos);
                    }
                }
                // Go: what a function gives its callers is its first result; a returned error is
                // the callers' to check, not their data (`order, _ := store.Find(id)`).
                let t = if facts.language == Some(Language::Go) {
                    response.and_then(|r| self.eval(ctx, r, &mut state.clone()))
                } else {
                    t
                };
                if let Some(t) = &t {
                    if ctx.summary.ret.is_none() {
                        ctx.summary.ret = Some(t.clone().step(&facts.path, *pos, "returned".into()));
                    }
                }
                true
            }
            Stmt::Throw(e, _) => {
                if let Some(e) = e {
                    self.eval(ctx, e, state);
                }
                true
            }
            Stmt::Jump(_) => true,
            Stmt::If { cond, then, els } => {
                self.eval(ctx, cond, state);
                let (checked, negated) = guarded(facts, cond, &self.spec.guards);
                let mut then_state = state.clone();
                let mut else_state = state.clone();
                let clean = |st: &mut State| {
                    for n in &checked {
                        st.remove(n);
                    }
                };
                if negated {
                    clean(&mut else_state);
                } else {
                    clean(&mut then_state);
                }
                let then_exits = self.block(ctx, then, &mut then_state);
                let else_exits = self.block(ctx, els, &mut else_state);
                *state = match (then_exits, else_exits) {
                    (true, true) => return true,
                    (true, false) => else_state,
                    (false, true) => then_state,
                    (false, false) => merge(then_state, else_state),
                };
                false
            }
            Stmt::Loop { bind: b, body } => {
                if let Some((target, iter)) = b {
                    let t = self.eval(ctx, iter, state);
                    bind(state, target, t, facts, iter.pos);
                }
                // Twice: what the end of the body taints reaches its start.
                for _ in 0..2 {
                    let mut inner = state.clone();
                    self.block(ctx, body, &mut inner);
                    *state = merge(std::mem::take(state), inner);
                }
                false
            }
            Stmt::Try { body, handlers, finally } => {
                let mut out = state.clone();
                let body_exits = self.block(ctx, body, &mut out);
                let mut merged = if body_exits { None } else { Some(out.clone()) };
                for (name, pos, h) in handlers {
                    // The handler may run after any part of the body.
                    let mut hs = merge(state.clone(), out.clone());
                    if let (Some(n), Some(s)) = (name, self.spec.sources.iter().find(|s| s.caught_error)) {
                        let t = self.source(s, facts, *pos, n);
                        hs.insert(n.clone(), t);
                    } else if let Some(n) = name {
                        hs.remove(n);
                    }
                    if !self.block(ctx, h, &mut hs) {
                        merged = Some(match merged {
                            Some(m) => merge(m, hs),
                            None => hs,
                        });
                    }
                }
                let Some(mut after) = merged else { return true };
                let exits = self.block(ctx, finally, &mut after);
                *state = after;
                exits
            }
            Stmt::Def(_) => false,
            Stmt::Block(b) => self.block(ctx, b, state),
        }
    }

    /// The taint of an expression; sinks inside it are checked on the way.
    fn eval(&self, ctx: &mut Ctx<'_>, e: &Expr, state: &mut State) -> Option<Taint> {
        let facts = ctx.facts;
        match &e.kind {
            ExprKind::Name(n) => state.get(n).cloned().or_else(|| self.read_source(facts, e)),
            ExprKind::Member(obj, _) | ExprKind::Index(obj, _) => {
                if let ExprKind::Index(_, key) = &e.kind {
                    self.eval(ctx, key, state);
                }
                if let Some(t) = e.path().and_then(|p| state.get(&p).cloned()) {
                    return Some(t);
                }
                self.read_source(facts, e).or_else(|| self.eval(ctx, obj, state))
            }
            ExprKind::Call { callee, args } => self.call(ctx, e, callee, args, state),
            ExprKind::Str { .. } | ExprKind::Number(_) | ExprKind::Bool(_) | ExprKind::Null => None,
            ExprKind::Binary(op, a, b) => {
                let ta = self.eval(ctx, a, state);
                let tb = self.eval(ctx, b, state);
                // Comparisons make booleans.
                if matches!(
                    op.as_str(),
                    "==" | "!="
                        | "==="
                        | "!=="
                        | "<"
                        | ">"
                        | "<="
                        | ">="
                        | "in"
                        | "not in"
                        | "is"
                        | "is not"
                        | "instanceof"
                ) {
                    None
                } else {
                    ta.or(tb)
                }
            }
            ExprKind::Not(a) => {
                self.eval(ctx, a, state);
                None
            }
            ExprKind::Func(id) => {
                self.closure(ctx, *id, state, &[]);
                None
            }
            ExprKind::Template(parts) | ExprKind::Array(parts) | ExprKind::Other(parts) => {
                let mut out = None;
                for p in parts {
                    let t = self.eval(ctx, p, state);
                    out = out.or(t);
                }
                out
            }
            ExprKind::Object(items) => {
                let mut out = None;
                for (_, v) in items {
                    let t = self.eval(ctx, v, state);
                    out = out.or(t);
                }
                out
            }
        }
    }

    /// Reading a name a `read` source names.
    fn read_source(&self, facts: &FileFacts, e: &Expr) -> Option<Taint> {
        let name = facts.resolve(e)?;
        // Reading under a source is reading it: `request.args.get` reads `flask.request`.
        let cached = self.reads.borrow().get(&name).copied();
        let found = cached.unwrap_or_else(|| {
            let prefixes = canonical_prefixes(&name);
            let found =
                self.spec.sources.iter().position(|s| s.read.iter().any(|p| prefixes.iter().any(|x| p.matches(x))));
            self.reads.borrow_mut().insert(name.clone(), found);
            found
        });
        let s = &self.spec.sources[found?];
        let shown = e.path().unwrap_or(name);
        Some(self.source(s, facts, e.pos, &shown))
    }

    /// A function written inline (a callback, a closure): analysed in place, seeing the
    /// enclosing state; `tainted_params` from callback sources.
    fn closure(
        &self,
        ctx: &mut Ctx<'_>,
        id: FuncId,
        state: &State,
        tainted_params: &[(usize, Taint)],
    ) -> Option<Taint> {
        let facts = ctx.facts;
        let func = facts.functions.get(id)?;
        let mut inner = state.clone();
        for p in &func.params {
            for n in p.target.names() {
                inner.remove(n);
            }
        }
        for (i, t) in tainted_params {
            if let Some(p) = func.params.get(*i) {
                bind(&mut inner, &p.target, Some(t.clone()), facts, p.pos);
            }
        }
        let mut sub = Ctx { facts, entry: !tainted_params.is_empty(), summary: Summary::default() };
        *self.depth.borrow_mut() += 1;
        if *self.depth.borrow() <= MAX_CALL_DEPTH * 2 {
            self.block(&mut sub, &func.body, &mut inner);
        }
        *self.depth.borrow_mut() -= 1;
        sub.summary.ret
    }

    fn call(&self, ctx: &mut Ctx<'_>, e: &Expr, callee: &Expr, args: &[ir::Arg], state: &mut State) -> Option<Taint> {
        let facts = ctx.facts;
        let name = facts.callee_name(callee);
        // The receiver of a method call (`x.trim()` carries `x`).
        let recv = match &callee.kind {
            ExprKind::Member(obj, _) => self.eval(ctx, obj, state).or_else(|| self.read_source(facts, callee)),
            ExprKind::Func(id) => {
                // A function called in place (Rust blocks used as values).
                return self.closure(ctx, *id, state, &[]);
            }
            _ => self.read_source(facts, callee),
        };
        // Callbacks given to framework routes get the request as a parameter.
        let hits = name.as_deref().map(|n| self.call_name(n));
        let callback_sources: Vec<&Source> =
            hits.iter().flat_map(|h| h.callbacks.iter().map(|&i| &self.spec.sources[i])).collect();
        let mut arg_taints: Vec<Option<Taint>> = Vec::with_capacity(args.len());
        for a in args {
            if let ExprKind::Func(id) = &a.value.kind {
                let mut params = Vec::new();
                for s in &callback_sources {
                    if let Some((_, i)) = &s.callback {
                        let pname = facts
                            .functions
                            .get(*id)
                            .and_then(|f| f.params.get(*i))
                            .and_then(|p| p.name())
                            .unwrap_or("req")
                            .to_string();
                        let pos =
                            facts.functions.get(*id).and_then(|f| f.params.get(*i)).map_or(a.value.pos, |p| p.pos);
                        params.push((*i, self.source(s, facts, pos, &pname)));
                    }
                }
                self.closure(ctx, *id, state, &params);
                arg_taints.push(None);
            } else {
                arg_taints.push(self.eval(ctx, &a.value, state));
            }
        }
        let Some(name) = name else {
            return arg_taints.into_iter().flatten().next().or(recv);
        };
        // Sinks.
        let hits = hits.unwrap_or_default();
        for (i, sink) in self.spec.sinks.iter().enumerate().filter(|(_, k)| !k.returned && self.sink_lang(k, facts)) {
            if !hits.sinks.get(i).copied().unwrap_or(false) || !call_conditions(facts, sink, callee, args) {
                continue;
            }
            let positional: Vec<(usize, &Option<Taint>)> = args
                .iter()
                .zip(&arg_taints)
                .filter(|(a, _)| a.name.is_none())
                .enumerate()
                .map(|(i, (_, t))| (i, t))
                .collect();
            let hit = match &sink.tainted {
                Some(idx) if !idx.is_empty() => {
                    positional.iter().find(|(i, t)| idx.contains(i) && t.is_some()).and_then(|(_, t)| (*t).clone())
                }
                _ => arg_taints.iter().flatten().next().cloned().or_else(|| recv.clone()),
            };
            if let Some(t) = hit {
                let shown = name.strip_prefix("_.").map_or(name.clone(), |m| format!(".{m}"));
                self.report(ctx, t, &sink.label, &format!("`{shown}(…)`"), e.pos);
            }
        }
        // Sanitizers.
        if hits.sanitizer {
            return None;
        }
        // Calls of functions we can read.
        if let Some((file, id)) = self.callee_function(facts, callee) {
            if let Some(t) = self.through(ctx, &file, id, &name, &arg_taints, e.pos) {
                return Some(t);
            }
            // A known function that returns nothing tainted from these arguments.
            if !self.in_progress.borrow().contains(&(file, id)) {
                return None;
            }
        }
        arg_taints.into_iter().flatten().next().or(recv)
    }

    /// A call of a function we can read: its summary for these tainted arguments, with the
    /// flows it completes reported.
    fn through(
        &self,
        ctx: &mut Ctx<'_>,
        file: &str,
        id: FuncId,
        name: &str,
        args: &[Option<Taint>],
        pos: Pos,
    ) -> Option<Taint> {
        let mask: u64 =
            args.iter().enumerate().filter(|(i, t)| *i < 64 && t.is_some()).fold(0, |m, (i, _)| m | (1 << i));
        let key = (file.to_string(), id, mask);
        let cached = self.summaries.borrow().get(&key).cloned();
        let summary = match cached {
            Some(s) => s,
            None => {
                if self.in_progress.borrow().contains(&(file.to_string(), id)) || *self.depth.borrow() >= MAX_CALL_DEPTH
                {
                    return None;
                }
                let facts = self.base.facts(file).or_else(|| (file == ctx.facts.path).then_some(ctx.facts))?;
                let func = facts.functions.get(id)?;
                self.in_progress.borrow_mut().insert((file.to_string(), id));
                *self.depth.borrow_mut() += 1;
                let mut state = State::new();
                for (i, p) in func.params.iter().enumerate() {
                    if mask & (1 << i.min(63)) != 0 && i < 64 {
                        bind(
                            &mut state,
                            &p.target,
                            Some(Taint { origin: Origin::Param(i), steps: Steps::default() }),
                            facts,
                            p.pos,
                        );
                    }
                }
                let mut sub = Ctx { facts, entry: false, summary: Summary::default() };
                self.block(&mut sub, &func.body, &mut state);
                *self.depth.borrow_mut() -= 1;
                self.in_progress.borrow_mut().remove(&(file.to_string(), id));
                self.summaries.borrow_mut().insert(key, sub.summary.clone());
                sub.summary
            }
        };
        let short = name.rsplit('.').next().unwrap_or(name);
        let call_note = format!("passed to `{short}` ({}:{})", display_file(file), self_line(self.base, file, id));
        let complete = |t: &Taint| -> Option<Taint> {
            match &t.origin {
                Origin::Param(i) => {
                    let arg = args.get(*i)?.clone()?;
                    let mut out = arg.step(&ctx.facts.path, pos, call_note.clone());
                    for s in t.steps.to_vec() {
                        out = out.step(&s.file, s.pos, s.note);
                    }
                    Some(out)
                }
                Origin::Source(_) => Some(t.clone()),
            }
        };
        for (t, label, sink_text, sink_pos) in &summary.sinks {
            if let Some(full) = complete(t) {
                if let Origin::Source(_) = &t.origin {
                    continue; // reported when that function is analysed itself
                }
                let sink_file = t.steps.last().map_or(file.to_string(), |s| s.file.clone());
                self.report_at(ctx, full, label, sink_text, &sink_file, *sink_pos);
            }
        }
        summary.ret.as_ref().and_then(complete)
    }

    /// The function a callee names: in this file, or in the file an import names.
    fn callee_function(&self, facts: &FileFacts, callee: &Expr) -> Option<(String, FuncId)> {
        match &callee.kind {
            ExprKind::Name(n) => {
                if let Some(id) = self.function(facts, n).filter(|id| *id != 0) {
                    return Some((facts.path.clone(), id));
                }
                let (imp, imported) = facts.import_of(n)?;
                let target = self.module_file(facts, imp, Some(imported))?;
                let tf = self.base.facts(&target)?;
                let local = tf.exports.iter().find(|(e, _)| e == imported).map_or(imported, |(_, l)| l.as_str());
                self.function(tf, local).filter(|id| *id != 0).map(|id| (target, id))
            }
            ExprKind::Member(obj, m) => {
                let ExprKind::Name(ns) = &obj.kind else { return None };
                if ns == "this" || ns == "self" {
                    let id = facts.functions.iter().position(|f| f.name.ends_with(&format!(".{m}")))?;
                    return Some((facts.path.clone(), id));
                }
                let (imp, imported) = facts.import_of(ns).or_else(|| {
                    // Rust `mod db;` then `db::save()`.
                    facts.imports.iter().find(|i| i.kind == ImportKind::RustMod && &i.module == ns).map(|i| (i, "*"))
                })?;
                for target in self.module_files(facts, imp, imported).iter() {
                    if let Some(tf) = self.base.facts(target) {
                        let local = tf.exports.iter().find(|(e, _)| e == m).map_or(m.as_str(), |(_, l)| l.as_str());
                        if let Some(id) = self.function(tf, local).filter(|id| *id != 0) {
                            return Some((target.clone(), id));
                        }
                    }
                }
                None
            }
            _ => None,
        }
    }

    /// What the call name `name` matches among the rule's patterns (asked at every call, and
    /// the same names are called again and again).
    fn call_name(&self, name: &str) -> Rc<CallName> {
        if let Some(hits) = self.calls.borrow().get(name) {
            return Rc::clone(hits);
        }
        let hits = Rc::new(CallName {
            sinks: self.spec.sinks.iter().map(|k| k.call.iter().any(|p| p.matches(name))).collect(),
            sanitizer: self.spec.sanitizer_calls.iter().any(|p| p.matches(name)),
            callbacks: (0..self.spec.sources.len())
                .filter(|&i| {
                    self.spec.sources[i]
                        .callback
                        .as_ref()
                        .is_some_and(|(calls, _)| calls.iter().any(|c| c.matches(name)))
                })
                .collect(),
        });
        self.calls.borrow_mut().insert(name.to_string(), Rc::clone(&hits));
        hits
    }

    /// [`FileFacts::function`], through an index of the file's functions built once.
    fn function(&self, facts: &FileFacts, name: &str) -> Option<FuncId> {
        let index = self.functions.borrow().get(&facts.path).cloned();
        let index = index.unwrap_or_else(|| {
            let index = Rc::new(function_index(facts));
            self.functions.borrow_mut().insert(facts.path.clone(), Rc::clone(&index));
            index
        });
        index.get(name).copied()
    }

    fn module_file(&self, facts: &FileFacts, imp: &ir::Import, name: Option<&str>) -> Option<String> {
        self.module_files(facts, imp, name.unwrap_or("*")).first().cloned()
    }

    /// The files an import refers to (a Go package is several files), resolved once per import.
    fn module_files(&self, facts: &FileFacts, imp: &ir::Import, imported: &str) -> Rc<Vec<String>> {
        let key = (facts.path.clone(), imp.module.clone(), imp.pos, imported.to_string());
        if let Some(files) = self.modules.borrow().get(&key) {
            return Rc::clone(files);
        }
        let files = Rc::new(self.resolve_module_files(facts, imp, imported));
        self.modules.borrow_mut().insert(key, Rc::clone(&files));
        files
    }

    fn resolve_module_files(&self, facts: &FileFacts, imp: &ir::Import, imported: &str) -> Vec<String> {
        let base = self.base;
        match facts.language {
            Some(Language::JavaScript | Language::TypeScript | Language::Tsx) => {
                graph::js_module(base, &facts.path, &imp.module).into_iter().collect()
            }
            Some(Language::Python) => {
                // A submodule imported by name comes first: `from . import repo` then `repo.get`.
                let mut files = graph::python_modules(base, &facts.path, parent(&facts.path), imp);
                if imported != "*" {
                    files.sort_by_key(|f| !f.ends_with(&format!("/{imported}.py")));
                }
                files
            }
            Some(Language::Rust) => {
                // `use krate::store;` then `store::find()`: the file of module `store`, wherever
                // in the crate's module tree (`lib.rs` → `mod store;` → `store.rs`).
                let all = graph::module_graph(base, &facts.path, parent(&facts.path));
                let last = imp.module.rsplit("::").next().unwrap_or(&imp.module);
                let names: Vec<&str> = [imported, last].into_iter().filter(|n| *n != "*" && !n.is_empty()).collect();
                for n in names {
                    let picked: Vec<String> = all
                        .iter()
                        .filter(|f| f.ends_with(&format!("/{n}.rs")) || f.ends_with(&format!("/{n}/mod.rs")))
                        .cloned()
                        .collect();
                    if !picked.is_empty() {
                        return picked;
                    }
                }
                all.into_iter().filter(|f| *f != facts.path).collect()
            }
            Some(Language::Go) => {
                let all = graph::imported_files(base, facts, parent(&facts.path));
                let last = imp.module.rsplit(['/', ':']).next().unwrap_or(&imp.module).to_string();
                let mut picked: Vec<String> = all
                    .into_iter()
                    .filter(|f| {
                        let dir = parent(f);
                        dir.ends_with(&format!("/{last}"))
                            || dir == last
                            || f.ends_with(&format!("/{last}.rs"))
                            || f.ends_with(&format!("/{last}/mod.rs"))
                    })
                    .collect();
                if picked.is_empty() && imported != "*" {
                    picked = graph::imported_files(base, facts, parent(&facts.path));
                }
                picked
            }
            None => Vec::new(),
        }
    }

    fn sink_lang(&self, sink: &Sink, facts: &FileFacts) -> bool {
        facts.language.is_some_and(|l| sink.languages.contains(&l))
    }

    fn report(&self, ctx: &mut Ctx<'_>, t: Taint, label: &str, sink_text: &str, pos: Pos) {
        let file = ctx.facts.path.clone();
        self.report_at(ctx, t, label, sink_text, &file, pos);
    }

    fn report_at(&self, ctx: &mut Ctx<'_>, t: Taint, label: &str, sink_text: &str, file: &str, pos: Pos) {
        match &t.origin {
            Origin::Param(_) => {
                // Inside a summary: completed at each call site.
                let mut t = t;
                t.steps.push(Step { file: file.to_string(), pos, note: format!("reaches {label}: {sink_text}") });
                ctx.summary.sinks.push((t, label.to_string(), sink_text.to_string(), pos));
            }
            Origin::Source(source) => {
                let mut steps = t.steps.to_vec();
                steps.push(Step { file: file.to_string(), pos, note: format!("reaches {label}: {sink_text}") });
                steps.dedup();
                self.flows.borrow_mut().push(Flow {
                    file: file.to_string(),
                    pos,
                    sink: format!("{label} ({sink_text})"),
                    source: source.to_string(),
                    steps,
                });
            }
        }
    }
}

/// The prefixes of a canonical name by whole segments (as
/// [`split_canonical`](crate::rules::code_matcher::split_canonical) splits it), shortest first:
/// `a.b.c` → `a`, `a.b`, `a.b.c`; `github.com/x/events.Request` → `github.com/x/events`, the
/// whole. Slices of the name: this runs at every read of a name.
fn canonical_prefixes(name: &str) -> Vec<&str> {
    // Segments are separated by the dots after the last `/` (a Go package path keeps its own).
    let from = name.rfind('/').unwrap_or(0);
    let mut out: Vec<&str> = name[from..].match_indices('.').map(|(i, _)| &name[..from + i]).collect();
    out.push(name);
    out
}

/// Name → the function [`FileFacts::function`] finds: the first top-level function of that
/// name, else the first function of that name.
fn function_index(facts: &FileFacts) -> HashMap<String, FuncId> {
    let mut out: HashMap<String, FuncId> = HashMap::new();
    for (id, f) in facts.functions.iter().enumerate() {
        out.entry(f.name.clone()).or_insert(id);
    }
    for (id, f) in facts.functions.iter().enumerate().rev() {
        if f.parent == Some(0) {
            out.insert(f.name.clone(), id);
        }
    }
    out
}

fn display_file(f: &str) -> &str {
    f.rsplit('/').next().unwrap_or(f)
}

fn self_line(base: &CodeBase, file: &str, id: FuncId) -> u32 {
    base.facts(file).and_then(|f| f.functions.get(id)).map_or(0, |f| f.pos.line)
}

/// The part of a returned value that is the response: Go's first result, Rust's `Ok(…)`; none
/// for Rust's `Err(…)`.
fn response_part(e: &Expr) -> Option<&Expr> {
    match &e.kind {
        ExprKind::Array(items) if !items.is_empty() => items.first(),
        ExprKind::Call { callee, args } => match &callee.kind {
            ExprKind::Name(n) if n == "Err" => None,
            ExprKind::Name(n) if n == "Ok" => args.first().map(|a| &a.value),
            _ => Some(e),
        },
        _ => Some(e),
    }
}

/// Binds a target to a taint (or clears it).
fn bind(state: &mut State, target: &Target, t: Option<Taint>, facts: &FileFacts, pos: Pos) {
    match target {
        Target::Name(n) => match t {
            Some(t) => {
                let t = t.step(&facts.path, pos, format!("assigned to `{n}`"));
                state.insert(n.clone(), t);
            }
            None => {
                state.remove(n);
            }
        },
        Target::Member(e) => {
            if let Some(p) = e.path() {
                match t {
                    Some(t) => {
                        let t = t.step(&facts.path, pos, format!("assigned to `{p}`"));
                        // The object now holds tainted data.
                        if let Some(root) = p.split('.').next() {
                            state.entry(root.to_string()).or_insert_with(|| t.clone());
                        }
                        state.insert(p, t);
                    }
                    None => {
                        state.remove(&p);
                    }
                }
            }
        }
        Target::Destructure(items) => {
            for (_, sub) in items {
                bind(state, sub, t.clone(), facts, pos);
            }
        }
        Target::Ignore => {}
    }
}

/// Tainted on either side is tainted.
fn merge(mut a: State, b: State) -> State {
    for (k, v) in b {
        a.entry(k).or_insert(v);
    }
    a
}

/// The names an `if` condition checks against an allow-list, and whether the check is negated
/// (`if (!ALLOWED.includes(x))`, `if x not in ALLOWED`).
fn guarded(facts: &FileFacts, cond: &Expr, guards: &[NamePattern]) -> (Vec<String>, bool) {
    fn names_in(e: &Expr) -> Vec<String> {
        match &e.kind {
            ExprKind::Name(_) | ExprKind::Member(..) | ExprKind::Index(..) => e.path().into_iter().collect(),
            ExprKind::Other(c) if c.len() == 1 => names_in(&c[0]),
            _ => Vec::new(),
        }
    }
    let (inner, negated) = match &cond.kind {
        ExprKind::Not(x) => (x.as_ref(), true),
        _ => (cond, false),
    };
    let mut out = Vec::new();
    match &inner.kind {
        ExprKind::Call { callee, args } => {
            if let Some(n) = facts.callee_name(callee) {
                if guards.iter().any(|g| g.matches(&n)) {
                    for a in args {
                        out.extend(names_in(&a.value));
                    }
                }
            }
        }
        // Python `x in ALLOWED`.
        ExprKind::Binary(op, a, _) if op == "in" => out.extend(names_in(a)),
        _ => {}
    }
    (out, negated)
}

/// A parameter's type is one the source names.
fn type_matches(facts: &FileFacts, ty: &str, patterns: &[NamePattern]) -> bool {
    if patterns.is_empty() {
        return false;
    }
    // `LambdaEvent<Value>`, `*events.APIGatewayProxyRequest`, `&Request`.
    let base = ty.trim_start_matches(['*', '&']).split('<').next().unwrap_or(ty).trim();
    let e = dotted(base);
    let resolved = facts.resolve(&e).unwrap_or_else(|| base.replace("::", "."));
    patterns.iter().any(|p| p.matches(&resolved) || p.matches(&base.replace("::", ".")))
}

fn dotted(s: &str) -> Expr {
    let mut parts = s.split(['.', ':']).filter(|p| !p.is_empty());
    let first = parts.next().unwrap_or("");
    let mut e = Expr::new(ExprKind::Name(first.to_string()), Pos::default());
    for p in parts {
        e = Expr::new(ExprKind::Member(Box::new(e), p.to_string()), Pos::default());
    }
    e
}

/// A decorator (`@app.route('/x')`, `@app.get`) is one of the patterns.
fn decorated(facts: &FileFacts, d: &Expr, patterns: &[NamePattern]) -> bool {
    let callee = match &d.kind {
        ExprKind::Call { callee, .. } => callee.as_ref(),
        _ => d,
    };
    facts.callee_name(callee).is_some_and(|n| patterns.iter().any(|p| p.matches(&n)))
}

/// A sink's conditions on a call: literal arguments, an option, a receiver chain.
fn call_conditions(facts: &FileFacts, sink: &Sink, callee: &Expr, args: &[ir::Arg]) -> bool {
    let literal = |e: &Expr, vals: &[String]| e.literal().is_some_and(|l| vals.iter().any(|v| v == &l));
    if !sink.args.iter().all(|(i, vals)| matcher::positional(args, *i).is_some_and(|a| literal(a, vals))) {
        return false;
    }
    if let Some(o) = &sink.option {
        let found = matcher::option_value(facts, args, &o.name);
        let ok = match (&found, &o.values) {
            (Some(v), Some(vals)) => {
                v.literal().is_some_and(|l| vals.iter().any(|x| x.eq_ignore_ascii_case(&l)))
                    || facts.resolve(v).is_some_and(|n| vals.iter().any(|x| n == *x || n.ends_with(&format!(".{x}"))))
            }
            (Some(_), None) => true,
            (None, _) => false,
        };
        if ok == o.absent {
            return false;
        }
    }
    if let Some(r) = &sink.receiver {
        // Walk the receiver chain: `a.b(…).c(…)` → the calls before this one.
        let mut cur = match &callee.kind {
            ExprKind::Member(obj, _) => Some(obj.as_ref()),
            _ => None,
        };
        let mut found = false;
        while let Some(e) = cur {
            match &e.kind {
                ExprKind::Call { callee: c, args: a } => {
                    if facts.callee_name(c).is_some_and(|n| r.call.iter().any(|p| p.matches(&n)))
                        && call_conditions(facts, r, c, a)
                    {
                        found = true;
                        break;
                    }
                    cur = match &c.kind {
                        ExprKind::Member(obj, _) => Some(obj.as_ref()),
                        _ => None,
                    };
                }
                ExprKind::Member(obj, _) => cur = Some(obj),
                _ => cur = None,
            }
        }
        if !found {
            return false;
        }
    }
    true
}

/// The handler entry points of the scanned code: functions named by the models' code links,
/// and functions that declare themselves handlers (`lambda.Start(h)`, `service_fn(h)`,
/// `exports.handler = async (event) =>`, `def lambda_handler(event, context)`).
pub fn entries(base: &CodeBase, links: &[(String, String)]) -> Entries {
    let mut out = Entries::default();
    let mut add = |facts: &FileFacts, id: FuncId| {
        let func = &facts.functions[id];
        let params: Vec<usize> =
            func.params.iter().enumerate().filter(|(_, p)| !is_context(p)).map(|(i, _)| i).take(1).collect();
        out.handlers.insert((facts.path.clone(), id), params);
    };
    for (file, symbol) in links {
        if let Some(facts) =
            base.facts(file).or_else(|| base.inline.values().find(|f| &f.path == file).map(|a| a.as_ref()))
        {
            let local = facts.exports.iter().find(|(e, _)| e == symbol).map_or(symbol.as_str(), |(_, l)| l.as_str());
            if let Some(id) = facts.function(local).filter(|id| *id != 0) {
                add(facts, id);
            }
        }
    }
    let all: Vec<&FileFacts> = base.files.values().chain(base.inline.values()).map(|a| a.as_ref()).collect();
    for facts in all {
        let exported: HashSet<&str> = facts.exports.iter().map(|(_, l)| l.as_str()).collect();
        for (id, func) in facts.functions.iter().enumerate().skip(1) {
            if looks_like_handler(facts, func, &exported) {
                add(facts, id);
            }
        }
        if let Some(h) = started(facts) {
            add(facts, h);
        }
    }
    out
}

fn is_context(p: &ir::Param) -> bool {
    let name = p.name().unwrap_or("").to_ascii_lowercase();
    let ty = p.ty.as_deref().unwrap_or("");
    matches!(name.as_str(), "context" | "ctx" | "_context" | "_ctx" | "callback" | "cb" | "lambda_context")
        || ty.ends_with("context.Context")
        || ty.ends_with("Context") && !ty.contains("Event")
}

/// `exported`: the local names the file exports.
fn looks_like_handler(facts: &FileFacts, func: &ir::Func, exported: &HashSet<&str>) -> bool {
    let names: Vec<String> = func.params.iter().map(|p| p.name().unwrap_or("").to_ascii_lowercase()).collect();
    let first_is_event =
        names.first().is_some_and(|n| matches!(n.as_str(), "event" | "evt" | "ev" | "_event" | "payload"));
    let second_is_context =
        names.get(1).is_some_and(|n| matches!(n.as_str(), "context" | "ctx" | "_context" | "lambda_context"));
    match facts.language {
        Some(Language::JavaScript | Language::TypeScript | Language::Tsx) => {
            first_is_event && (exported.contains(func.name.as_str()) || second_is_context)
        }
        Some(Language::Python) => first_is_event && (second_is_context || func.name.ends_with("handler")),
        _ => false,
    }
}

/// The function a Go or Rust program starts as its handler.
fn started(facts: &FileFacts) -> Option<FuncId> {
    let mut found = None;
    for func in &facts.functions {
        ir::walk_exprs(&func.body, &mut |e| {
            let ExprKind::Call { callee, args } = &e.kind else { return };
            let Some(n) = facts.resolve(callee) else { return };
            let start = n.ends_with("aws-lambda-go/lambda.Start")
                || n.ends_with("aws-lambda-go/lambda.StartWithOptions")
                || n.ends_with("service_fn")
                || n.ends_with("handler_fn");
            if !start || found.is_some() {
                return;
            }
            match args.first().map(|a| &a.value.kind) {
                Some(ExprKind::Name(h)) => found = facts.function(h),
                Some(ExprKind::Func(id)) => found = Some(*id),
                _ => {}
            }
        });
    }
    found
}

/// Groups flows by sink for messages: (file, sink position) → flows.
pub fn by_sink(flows: Vec<Flow>) -> BTreeMap<(String, Pos), Vec<Flow>> {
    let mut out: BTreeMap<(String, Pos), Vec<Flow>> = BTreeMap::new();
    for f in flows {
        out.entry((f.file.clone(), f.pos)).or_default().push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn canonical_prefixes_are_joined_segments() {
        for name in ["a", "a.b.c", "", "a..b", "a.", ".a", "x/y", "x/y.", "a.b/c.d.e", "github.com/x/events.Request"] {
            let segs = crate::rules::code_matcher::split_canonical(name);
            let joined: Vec<String> = (1..=segs.len()).map(|n| segs[..n].join(".")).collect();
            assert_eq!(super::canonical_prefixes(name), joined, "{name}");
        }
    }
}
