//! The difference between what a function's role grants and what its code calls: actions
//! granted that no call needs (`iam-unused-permission`), grants on every resource where the
//! code touches named ones (`iam-unscoped-resource`), and calls no statement grants
//! (`iam-missing-permission`).
//!
//! Only functions whose code was found and whose role is defined in the manifest are judged.
//! A service is not judged for unused grants when a call may be one of its own that could not be
//! resolved; grants Lambda itself uses are never unused.

use super::Needs;
use super::calls::Call;
use super::resources::{self, Resource};
use crate::finding::{self, Finding, Location, Related, Severity};
use crate::iam::actions::{Action, catalog};
use crate::iam::analysis::{self, EVENT_SOURCE_POLLING, covers_every, is_wildcard_resource};
use crate::iam::lambda::{LAMBDA_OWN, lambda_needs};
use crate::model::{Effect, Function, Model, Origin, PolicyKind, RoleKind, Statement, Val};
use crate::rules::Rule;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Which difference a rule reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Check {
    Unused,
    Unscoped,
    Missing,
}

impl Check {
    pub fn as_str(self) -> &'static str {
        match self {
            Check::Unused => "unused",
            Check::Unscoped => "unscoped",
            Check::Missing => "missing",
        }
    }
}

/// Is the catalog action one [`lambda_needs`] may take as Lambda's own (whatever the function's
/// settings)? A set of the catalog's names, built once: comparing every granted action with each
/// listed name was a tenth of a scan of 1,000 functions.
fn maybe_lambda_own(a: &Action) -> bool {
    static OWN: std::sync::OnceLock<foldhash::HashSet<(&'static str, &'static str)>> = std::sync::OnceLock::new();
    OWN.get_or_init(|| {
        analysis::EXECUTION_BASELINE
            .iter()
            .chain(EVENT_SOURCE_POLLING)
            .chain(LAMBDA_OWN)
            .filter_map(|n| catalog().lookup(n))
            .map(|a| (a.service, a.name))
            .collect()
    })
    .contains(&(a.service, a.name))
}

/// Actions an SDK helper may use besides the one it needs (a multipart upload's clean-up):
/// never reported as unused, never required.
fn optional(action: &str) -> bool {
    action.split_once(':').is_some_and(|(s, n)| optional_name(s, n))
}

/// Service and name of each [`optional`] action (catalog actions' services are lowercase).
const OPTIONAL: [(&str, &str); 2] = [("s3", "AbortMultipartUpload"), ("s3", "ListMultipartUploadParts")];

fn optional_name(service: &str, name: &str) -> bool {
    OPTIONAL.iter().any(|(s, n)| s.eq_ignore_ascii_case(service) && n.eq_ignore_ascii_case(name))
}

/// [`optional`] of a catalog action, without formatting its name.
fn optional_action(a: &Action) -> bool {
    optional_name(a.service, a.name)
}

/// The findings of one check on one model.
pub fn findings(rule: &Rule, check: Check, model: &Model, needs: &[Needs]) -> Vec<Finding> {
    let mut out = Vec::new();
    // A role's statements and what they grant are the same for every function sharing it.
    let mut roles: HashMap<usize, RoleGrants> = HashMap::new();
    for (fi, f) in model.functions.iter().enumerate() {
        let Some(Needs::Known { calls, unresolved }) = needs.get(fi) else { continue };
        let Some(role) = f.role.and_then(|r| model.roles.get(r).map(|x| (r, x))) else { continue };
        if role.1.kind == RoleKind::External {
            continue;
        }
        let grants = roles.entry(role.0).or_insert_with(|| RoleGrants::new(model, role.0, check == Check::Unused));
        let stmts = &grants.stmts;
        // Services whose grants cannot be judged: an unresolved call may be theirs.
        let mut blocked: BTreeSet<&str> = BTreeSet::new();
        let mut all_blocked = false;
        for u in unresolved {
            if u.services.is_empty() {
                all_blocked = true;
            }
            for s in &u.services {
                if let Some(svc) = super::sdkmap::service(s) {
                    blocked.insert(svc.prefix);
                }
            }
        }
        let ctx = Fn { model, f, fi, rule, calls, stmts };
        match check {
            Check::Unused if !all_blocked => out.extend(ctx.unused(&grants.by_service(), &blocked)),
            Check::Unused => {}
            Check::Unscoped => out.extend(ctx.unscoped()),
            Check::Missing if role_fully_known(model, role.0, stmts) => out.extend(ctx.missing()),
            Check::Missing => {}
        }
    }
    out
}

/// Per service (its prefix, in order), every action granted, by name: slices of
/// [`RoleGrants::all`].
type Granted<'m> = [(&'static str, &'m [Grant<'m>])];

/// One granted action: the statement and pattern that grant it most specifically (see [`rank`]).
struct Grant<'m> {
    si: usize,
    pattern: &'m str,
    action: Action,
    /// May Lambda use it itself, or is it an optional helper action? Judged once per role, so
    /// that the per-function check of every granted action is a flag in the common case.
    special: bool,
    /// Its [`rank`] among the grants of the action, kept for choosing the statement a finding
    /// names (counted once per role, not per function).
    rank: Rank,
}

/// One role's identity statements and, for the unused check, every action they allow, sorted
/// by service and name (a sorted vector: a map per service allocated a node per action, for
/// every role of a monorepo).
struct RoleGrants<'m> {
    stmts: Vec<&'m Statement>,
    all: Vec<Grant<'m>>,
}

impl<'m> RoleGrants<'m> {
    fn new(model: &'m Model, role: usize, expand: bool) -> Self {
        let stmts: Vec<&Statement> =
            model.statements.iter().filter(|s| s.kind == PolicyKind::Identity && s.roles.contains(&role)).collect();
        let mut all: Vec<Grant> = Vec::new();
        if expand {
            for (si, s) in stmts.iter().enumerate() {
                if s.effect != Some(Effect::Allow) || s.not_action_loc.is_some() {
                    continue;
                }
                for v in &s.actions {
                    let Some(pattern) = v.known() else { continue };
                    let rank = rank(&stmts, si, pattern);
                    all.extend(expand_memo(pattern).iter().map(|&(action, special)| Grant {
                        si,
                        pattern,
                        action,
                        special,
                        rank,
                    }));
                }
            }
        }
        // Per action the best-ranked grant; on a tie the first written (the sort is stable, and
        // finds each pattern's expansion already in order).
        all.sort_by(|a, b| (a.action.service, a.action.name, a.rank).cmp(&(b.action.service, b.action.name, b.rank)));
        all.dedup_by(|b, a| a.action.service == b.action.service && a.action.name == b.action.name);
        RoleGrants { stmts, all }
    }

    fn by_service(&self) -> Vec<(&'static str, &[Grant<'m>])> {
        self.all.chunk_by(|a, b| a.action.service == b.action.service).map(|c| (c[0].action.service, c)).collect()
    }
}

/// [`Catalog::expand`](crate::iam::actions::Catalog::expand), remembered: the same patterns
/// (`s3:*`, a managed policy's) come back in every role of a monorepo, and matching one against
/// a service's actions costs more than the rest of a role's expansion. In (service, name)
/// order, each with whether Lambda may use it itself or it is an optional helper action (both
/// judged once per pattern, not per role).
fn expand_memo(pattern: &str) -> std::sync::Arc<[(Action, bool)]> {
    type Memo = std::sync::RwLock<HashMap<String, std::sync::Arc<[(Action, bool)]>>>;
    static MEMO: std::sync::OnceLock<Memo> = std::sync::OnceLock::new();
    let memo = MEMO.get_or_init(Default::default);
    if let Some(found) = memo.read().ok().and_then(|m| m.get(pattern).cloned()) {
        return found;
    }
    let mut actions: Vec<(Action, bool)> =
        catalog().expand(pattern).into_iter().map(|a| (a, maybe_lambda_own(&a) || optional_action(&a))).collect();
    actions.sort_by(|(a, _), (b, _)| (a.service, a.name).cmp(&(b.service, b.name)));
    let actions: std::sync::Arc<[(Action, bool)]> = actions.into();
    if let Ok(mut m) = memo.write() {
        m.insert(pattern.to_string(), actions.clone());
    }
    actions
}

type Rank = (std::cmp::Reverse<usize>, bool, usize);

/// Which of several statements granting one action a finding names, smallest first: the most
/// specific pattern (`s3:GetObject` before `s3:*` before `*`), then statements written in the
/// manifest before AWS managed policies, then manifest order. Not manifest order alone: SAM
/// lists managed policies among its `Policies` where the translated role holds them apart in
/// `ManagedPolicyArns`, and both must give the same findings.
fn rank(stmts: &[&Statement], si: usize, pattern: &str) -> Rank {
    let specific = pattern.chars().filter(|c| !matches!(c, '*' | '?')).count();
    let managed = matches!(stmts[si].origin, Origin::AwsManaged { .. });
    (std::cmp::Reverse(specific), managed, si)
}

/// Are all of the role's permissions known (no unresolved action, no policy attached from
/// elsewhere)?
fn role_fully_known(model: &Model, role: usize, stmts: &[&Statement]) -> bool {
    stmts.iter().all(|s| s.actions.iter().chain(&s.not_actions).all(|a| a.known().is_some()))
        && model.managed_policies.iter().filter(|m| m.roles.contains(&role)).all(|m| m.aws_name.is_some())
}

/// A service the code never calls: its prefix, how many of its actions are granted, the unused.
type Idle<'s, 'm> = (&'s str, usize, Vec<&'s Grant<'m>>);

/// One statement's grants on every resource: where, the actions, the resources the code needs,
/// the calls.
type Unscoped<'c> = (crate::model::Loc, Vec<String>, BTreeSet<Resource>, Vec<&'c Call>);

struct Fn<'a> {
    model: &'a Model,
    f: &'a Function,
    fi: usize,
    rule: &'a Rule,
    calls: &'a [Call],
    stmts: &'a [&'a Statement],
}

impl Fn<'_> {
    fn called(&self) -> BTreeMap<String, Vec<&Call>> {
        let mut out: BTreeMap<String, Vec<&Call>> = BTreeMap::new();
        for c in self.calls {
            for g in &c.grants {
                let key = catalog().lookup(&g.action).map_or_else(|| g.action.clone(), |a| a.full());
                out.entry(key).or_default().push(c);
            }
        }
        out
    }

    fn function_related(&self) -> Related {
        Related {
            location: Location { path: self.model.path(self.f.loc.file).to_string(), span: self.f.loc.span },
            message: format!("function `{}`", self.f.name),
        }
    }

    fn finding(
        &self,
        severity: Severity,
        loc: crate::model::Loc,
        message: String,
        identity: &str,
        related: Vec<Related>,
    ) -> Finding {
        let path = self.model.path(loc.file).to_string();
        Finding {
            rule_id: self.rule.spec.id.clone(),
            severity,
            message,
            fingerprint: finding::fingerprint(&self.rule.spec.id, &path, identity),
            location: Location { path, span: loc.span },
            related,
            snippet: String::new(),
            flow: Vec::new(),
        }
    }

    fn unused(&self, granted: &Granted, blocked: &BTreeSet<&str>) -> Vec<Finding> {
        let called = self.called();
        // The catalog's actions the code calls (a few), compared without formatting each granted name.
        let called_actions: Vec<(&str, &str)> = self
            .calls
            .iter()
            .flat_map(|c| &c.grants)
            .filter_map(|g| catalog().lookup(&g.action))
            .map(|a| (a.service, a.name))
            .collect();
        let mut out = Vec::new();
        // Services the code never calls, by the statement granting them first: one finding for
        // each such statement (`Action: "*"` is not 400 findings).
        let mut idle: BTreeMap<usize, Vec<Idle>> = BTreeMap::new();
        for &(service, actions) in granted {
            if blocked.contains(service) {
                continue;
            }
            // The names called in this service (most services: none).
            let called_here: Vec<&str> =
                called_actions.iter().filter(|(s, _)| *s == service).map(|(_, n)| *n).collect();
            let mut unused: Vec<&Grant> = Vec::with_capacity(actions.len());
            unused.extend(actions.iter().filter(|g| {
                let a = &g.action;
                !called_here.contains(&a.name)
                    && !(g.special && (optional_action(a) || lambda_needs(&a.full(), self.f.platform.as_ref())))
            }));
            if unused.is_empty() {
                continue;
            }
            let calls_service = called.keys().any(|a| a.split(':').next() == Some(service));
            // The statement a finding points at: the one granting an unused action most specifically.
            let best = unused.iter().map(|g| (g.rank, g.si)).min().map(|(_, si)| si);
            if !calls_service {
                if let Some(si) = best {
                    // The grants, not copies of their actions (`*` is every action of some 400 services).
                    idle.entry(si).or_default().push((service, actions.len(), unused));
                }
                continue;
            }
            let Some(si) = best else { continue };
            let s = self.stmts[si];
            let first_unused = unused.iter().find(|g| g.si == si).map(|g| g.action.full()).unwrap_or_default();
            let loc = analysis::grants(s, &first_unused).unwrap_or(s.loc);
            let mutating = unused.iter().any(|g| g.action.level.is_mutating());
            let severity = if mutating { self.rule.spec.severity } else { self.rule.spec.severity.lower() };
            // How the grants come: per policy, the patterns written (a SAM template by name).
            let mut sources: Vec<(String, Vec<&str>)> = Vec::new();
            // Per statement and pattern once, not per action (`s3:*` is some 200 actions).
            // A few pairs: a list, not a hashed set (this ran for every action of every service).
            let mut seen: Vec<(usize, &str)> = Vec::new();
            for Grant { si: i, pattern: p, .. } in actions {
                if seen.contains(&(*i, *p)) {
                    continue;
                }
                seen.push((*i, *p));
                let s = self.stmts[*i];
                let key = match &s.origin {
                    Origin::SamTemplate { name } => format!("SAM policy template {name}"),
                    _ => via(s),
                };
                match sources.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, ps)) => {
                        if !ps.contains(p) {
                            ps.push(p);
                        }
                    }
                    None => sources.push((key, vec![*p])),
                }
            }
            let how: Vec<String> = sources
                .iter()
                .map(|(key, ps)| {
                    if key.starts_with("SAM policy template") {
                        return key.clone();
                    }
                    let mut shown: Vec<String> = ps.iter().take(3).map(|p| format!("`{p}`")).collect();
                    if ps.len() > 3 {
                        shown.push("…".into());
                    }
                    format!("{}{key}", shown.join(", "))
                })
                .collect();
            let calls_here: Vec<(&String, &Vec<&Call>)> =
                called.iter().filter(|(a, _)| a.split(':').next() == Some(service)).collect();
            let code = if calls_here.is_empty() {
                format!("its code calls no {service} action")
            } else {
                let names: Vec<&str> = calls_here.iter().map(|(a, _)| a.as_str()).collect();
                let mut sites: Vec<String> = calls_here.iter().flat_map(|(_, cs)| cs.iter().map(|c| site(c))).collect();
                sites.sort();
                sites.dedup();
                format!("its code calls {} ({})", names.join(", "), sites.join(", "))
            };
            let unused_text = unused_text(&unused.iter().map(|g| &g.action).collect::<Vec<_>>());
            let message = format!(
                "function `{}` is granted {} {service} action{} ({}); {code}: unused {unused_text}",
                self.f.name,
                actions.len(),
                if actions.len() == 1 { "" } else { "s" },
                how.join("; "),
            );
            let mut related = vec![self.function_related()];
            for (_, cs) in &calls_here {
                for c in cs.iter() {
                    related.push(call_related(c));
                }
            }
            related.sort();
            related.dedup();
            out.push(self.finding(severity, loc, message, &format!("{}|{service}", self.f.name), related));
        }
        for (si, group) in idle {
            let s = self.stmts[si];
            let unused: Vec<&Action> = group.iter().flat_map(|(_, _, u)| u.iter().map(|g| &g.action)).collect();
            let loc = unused.first().and_then(|a| analysis::grants(s, &a.full())).unwrap_or(s.loc);
            let granted: usize = group.iter().map(|(_, n, _)| n).sum();
            let mutating = unused.iter().any(|a| a.level.is_mutating());
            let severity = if mutating { self.rule.spec.severity } else { self.rule.spec.severity.lower() };
            let mut names: Vec<&str> = group.iter().map(|(svc, _, _)| *svc).collect();
            names.sort_by_key(|n| std::cmp::Reverse(group.iter().find(|g| g.0 == *n).map_or(0, |g| g.1)));
            let shown = names.iter().take(5).copied().collect::<Vec<_>>().join(", ");
            let more = if names.len() > 5 { format!(", and {} more", names.len() - 5) } else { String::new() };
            // The patterns that grant these services.
            let patterns: Vec<String> = s
                .actions
                .iter()
                .filter_map(Val::known)
                .filter(|p| {
                    let prefix = p.split(':').next().unwrap_or(p);
                    group.iter().any(|(svc, _, _)| crate::iam::glob_match_ci(prefix, svc))
                })
                .take(3)
                .map(|p| format!("`{p}`"))
                .collect();
            let how = format!("{}{}", patterns.join(", "), via(s));
            let message = match group.as_slice() {
                [(service, n, _)] => format!(
                    "function `{}` is granted {n} {service} action{} ({how}); its code calls no {service} action: unused {}",
                    self.f.name,
                    if *n == 1 { "" } else { "s" },
                    unused_text(&unused),
                ),
                _ => format!(
                    "function `{}` is granted {granted} actions of {} services its code never calls ({how}): {shown}{more}",
                    self.f.name,
                    group.len(),
                ),
            };
            out.push(self.finding(
                severity,
                loc,
                message,
                &format!("{}|{si}|idle", self.f.name),
                vec![self.function_related()],
            ));
        }
        out
    }

    fn unscoped(&self) -> Vec<Finding> {
        let env = &self.f.environment;
        // Per action: the resources the code touches (all known), and where.
        let mut needed: BTreeMap<String, (BTreeSet<Resource>, Vec<&Call>)> = BTreeMap::new();
        let mut unknown: BTreeSet<String> = BTreeSet::new();
        for c in self.calls {
            for g in &c.grants {
                let r = resources::resolve(c, g, env);
                match r {
                    Resource::Arn(_) => {
                        let e = needed.entry(g.action.clone()).or_default();
                        e.0.insert(r);
                        e.1.push(c);
                    }
                    _ => {
                        unknown.insert(g.action.clone());
                    }
                }
            }
        }
        // Lambda polls the function's SQS triggers with its role: on their queues, if known.
        match resources::polling(self.model, self.f) {
            Some(own) => {
                for o in own {
                    needed.entry(o.action.to_string()).or_default().0.insert(o.resource);
                }
            }
            None => unknown.extend(EVENT_SOURCE_POLLING.iter().map(|a| a.to_string())),
        }
        // Per statement: the actions it grants on every resource that the code uses on named ones.
        let mut per_stmt: BTreeMap<usize, Unscoped> = BTreeMap::new();
        for (action, (res, cs)) in &needed {
            if unknown.contains(action) {
                continue;
            }
            let Some(cat) = catalog().lookup(action) else { continue };
            for (si, s) in self.stmts.iter().enumerate() {
                if s.effect != Some(Effect::Allow) || analysis::grants(s, action).is_none() {
                    continue;
                }
                let Some(wide) = s.resources.iter().find(|r| is_wildcard_resource(r) || covers_every(r, &cat)) else {
                    continue;
                };
                let e = per_stmt.entry(si).or_insert_with(|| (wide.loc(), Vec::new(), BTreeSet::new(), Vec::new()));
                e.1.push(action.clone());
                e.2.extend(res.iter().cloned());
                e.3.extend(cs.iter().copied());
            }
        }
        let mut out = Vec::new();
        for (si, (loc, actions, res, cs)) in per_stmt {
            let s = self.stmts[si];
            let wide: Vec<&str> = s.resources.iter().map(Val::display).collect();
            let res: Vec<String> = res.iter().map(|r| format!("`{}`", r.text())).collect();
            let message = format!(
                "function `{}` uses {} only on {}, and{} grants {} on `{}`",
                self.f.name,
                actions.join(", "),
                res.join(", "),
                via(s),
                if actions.len() == 1 { "it" } else { "them" },
                wide.join("`, `"),
            );
            let mut related = vec![self.function_related()];
            related.extend(cs.iter().map(|c| call_related(c)));
            related.sort();
            related.dedup();
            out.push(self.finding(
                self.rule.spec.severity,
                loc,
                message,
                &format!("{}|{}", self.f.name, actions.join(",")),
                related,
            ));
        }
        out
    }

    fn missing(&self) -> Vec<Finding> {
        let mut out = Vec::new();
        for c in self.calls {
            for g in &c.grants {
                if optional(&g.action) {
                    continue;
                }
                let granted = self.stmts.iter().any(|s| analysis::grants(s, &g.action).is_some());
                if granted {
                    continue;
                }
                let message = format!(
                    "function `{}` calls {} {} (needs `{}`), which its role does not grant: the call fails at run time",
                    self.f.name, c.service, c.operation, g.action
                );
                let loc = Location { path: c.file.clone(), span: c.pos.span() };
                out.push(Finding {
                    rule_id: self.rule.spec.id.clone(),
                    severity: self.rule.spec.severity,
                    message,
                    fingerprint: finding::fingerprint(
                        &self.rule.spec.id,
                        &c.file,
                        &format!("{}|{}|{}", self.f.name, g.action, self.fi),
                    ),
                    location: loc,
                    related: vec![self.function_related()],
                    snippet: String::new(),
                    flow: Vec::new(),
                });
            }
        }
        out.sort_by(|a, b| (&a.location, &a.message).cmp(&(&b.location, &b.message)));
        out.dedup_by(|a, b| a.location == b.location && a.message == b.message);
        out
    }
}

/// The unused actions, all of them when few, else how many with the first writes.
fn unused_text(unused: &[&Action]) -> String {
    if unused.len() <= 6 {
        return unused.iter().map(|a| a.full()).collect::<Vec<_>>().join(", ");
    }
    let shown: Vec<String> = unused.iter().filter(|a| a.level.is_mutating()).take(4).map(|a| a.full()).collect();
    if shown.is_empty() {
        format!("{} actions", unused.len())
    } else {
        format!("{} actions, among them {}", unused.len(), shown.join(", "))
    }
}

/// ` via AWS managed policy X` / ` via SAM policy template X`, or nothing for inline statements.
fn via(s: &Statement) -> String {
    match &s.origin {
        Origin::Inline => String::new(),
        Origin::AwsManaged { name } => format!(" via AWS managed policy {name}"),
        Origin::SamTemplate { name } => format!(" via SAM policy template {name}"),
    }
}

fn site(c: &Call) -> String {
    format!("{}:{}", c.file, c.pos.line)
}

fn call_related(c: &Call) -> Related {
    Related {
        location: Location { path: c.file.clone(), span: c.pos.span() },
        message: format!("calls {} {}", c.service, c.operation),
    }
}

/// The rules that report actions granted on every resource from the manifest alone.
const WILDCARD_RULES: [&str; 2] = ["iam-wildcard-resource", "iam-sensitive-wildcard-resource"];

/// One finding per cause: where `iam-wildcard-resource` (or its sensitive-read variant) already
/// reports a statement for actions on `*`, an `iam-unscoped-resource` finding on the same
/// statement is the same cause seen from the code. It becomes a related location of those
/// findings (which say which resources the code touches), and is dropped when they name every
/// action it names; else it stays and refers to them.
pub fn merge_causes(models: &[Model], findings: &mut Vec<Finding>) {
    let unscoped = "iam-unscoped-resource";
    // Statements' spans and the wildcard rules' findings, by file: looked up per unscoped finding
    // (scanning every statement and finding for each was quadratic in a monorepo).
    let mut spans: HashMap<&str, Vec<crate::source::Span>> = HashMap::new();
    for m in models {
        for s in &m.statements {
            spans.entry(m.path(s.loc.file)).or_default().push(s.loc.span);
        }
    }
    let mut wildcards: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, w) in findings.iter().enumerate() {
        if WILDCARD_RULES.contains(&w.rule_id.as_str()) {
            wildcards.entry(w.location.path.as_str()).or_default().push(i);
        }
    }
    // Per unscoped finding: the wildcard findings of its statement, and whether they name every
    // action it names.
    let mut plan: Vec<(usize, Vec<usize>, bool)> = Vec::new();
    for (ui, u) in findings.iter().enumerate() {
        if u.rule_id != unscoped {
            continue;
        }
        let path = u.location.path.as_str();
        let at = u.location.span.start;
        // The statement the finding points into: the narrowest holding its location.
        let stmt = spans
            .get(path)
            .into_iter()
            .flatten()
            .filter(|s| s.start <= at && at < s.end)
            .min_by_key(|s| (s.end.line - s.start.line, s.end.column));
        let Some(span) = stmt else { continue };
        let same: Vec<usize> = wildcards
            .get(path)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&i| span.start <= findings[i].location.span.start && findings[i].location.span.start < span.end)
            .collect();
        if same.is_empty() {
            continue;
        }
        let actions: Vec<&str> = u
            .message
            .split_once(" uses ")
            .and_then(|(_, r)| r.split_once(" only on "))
            .map(|(a, _)| a.split(", ").collect())
            .unwrap_or_default();
        let covered = !actions.is_empty()
            && actions.iter().all(|a| same.iter().any(|&i| findings[i].message.contains(&format!("`{a}`"))));
        plan.push((ui, same, covered));
    }
    let mut drop = vec![false; findings.len()];
    for (ui, same, covered) in plan {
        let back = Related {
            location: findings[ui].location.clone(),
            message: format!("{unscoped}: {}", findings[ui].message),
        };
        for &i in &same {
            findings[i].related.push(back.clone());
        }
        if covered {
            drop[ui] = true;
        } else {
            let refs: Vec<Related> = same
                .iter()
                .map(|&i| Related {
                    location: findings[i].location.clone(),
                    message: format!("{}: {}", findings[i].rule_id, findings[i].message),
                })
                .collect();
            findings[ui].related.extend(refs);
        }
    }
    let mut i = 0;
    findings.retain(|_| {
        i += 1;
        !drop[i - 1]
    });
}
