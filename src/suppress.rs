//! Suppressions written in the scanned files: `slsguard:ignore RULE-ID reason` comments, and
//! `slsguard: {ignore: [{id, reason}]}` metadata on a CloudFormation/SAM/CDK resource or a
//! serverless.yml function. Directives are read per file during the scan ([`directives`]) and
//! applied to the whole report afterwards ([`apply`]), because model findings only exist once
//! every manifest is read.
//!
//! A suppression must say why: one without a reason, naming no rule or an unknown rule, or
//! malformed, is reported as an `invalid-suppression` notification and is not applied, so the
//! finding it meant to hide still fails the gate until the suppression is fixed.

use crate::finding::Location;
use crate::loader::{self, Node};
use crate::report::{Level, Notification, Report, SuppressedBy, Suppression};
use crate::rules::{RuleSet, id_matches};
use crate::source::{LineIndex, Position, Span};

/// The comment marker.
pub const MARK: &str = "slsguard:ignore";
/// Comment openers the marker may follow (only whitespace between them). `<!--` ends in `--`.
const OPENERS: [&str; 4] = ["//", "/*", "--", "#"];

/// Which findings a directive covers, in its file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// Findings starting on these lines (inclusive): the comment's line, and the next one when
    /// the comment stands alone on its line.
    Lines(u32, u32),
    /// Findings starting inside this region (a resource or a function, key to end of value).
    Region(Span),
}

/// One suppression written in a scanned file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Directive {
    pub path: String,
    /// Where it is written: the marker, or the `ignore` entry.
    pub at: Span,
    /// Rule ids or globs (`secret-*`) it names.
    pub rules: Vec<String>,
    /// Why the findings are acceptable; empty when none was given.
    pub reason: String,
    pub scope: Scope,
    pub by: SuppressedBy,
    /// What a resource-level directive is attached to (`resource OrdersFunction`), for messages.
    pub owner: Option<String>,
    /// A problem found while reading it (malformed metadata), reported by [`apply`].
    pub problem: Option<String>,
}

impl Directive {
    fn covers(&self, loc: &Location) -> bool {
        if loc.path != self.path {
            return false;
        }
        let start = loc.span.start;
        match self.scope {
            Scope::Lines(first, last) => (first..=last).contains(&start.line),
            Scope::Region(r) => r.start <= start && start < r.end,
        }
    }

    fn matches_rule(&self, rule_id: &str) -> bool {
        self.rules.iter().any(|p| id_matches(p, rule_id))
    }
}

/// Every directive in one file. Cheap for files that mention no suppression (a substring
/// search); only files that contain `slsguard` and could be manifests are parsed for the
/// resource-level form.
pub fn directives(path: &str, text: &[u8]) -> Vec<Directive> {
    let Some(first) = memchr::memmem::find(text, b"slsguard") else { return Vec::new() };
    let mut out = Vec::new();
    if memchr::memmem::find(&text[first..], MARK.as_bytes()).is_some() {
        comment_directives(path, text, &mut out);
    }
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    if matches!(ext.as_str(), "yml" | "yaml" | "json" | "template") {
        if let Ok(s) = std::str::from_utf8(text) {
            // Parse errors are the scanner's to report (for manifests); here they only mean
            // there is no metadata to read.
            let docs = if ext == "json" { loader::json::parse(s).map(|d| vec![d]) } else { loader::yaml::parse(s) };
            for doc in docs.iter().flatten() {
                resource_directives(path, doc, &mut out);
            }
        }
    }
    out
}

/// A `slsguard:ignore` comment on one line.
#[derive(Debug, PartialEq, Eq)]
struct Comment {
    /// Byte offset of the marker in the line.
    offset: usize,
    rules: Vec<String>,
    reason: String,
    /// Only whitespace before the comment opener: the comment is about the next line.
    standalone: bool,
}

fn parse_comment(line: &str) -> Option<Comment> {
    let mut from = 0;
    while let Some(i) = line[from..].find(MARK).map(|i| i + from) {
        from = i + MARK.len();
        let before = line[..i].trim_end();
        let Some(opener) = OPENERS.iter().find(|o| before.ends_with(*o)) else { continue };
        let after = &line[i + MARK.len()..];
        // `slsguard:ignored`, `slsguard:ignore-file`: not ours.
        if after.chars().next().is_some_and(|c| !c.is_whitespace()) {
            continue;
        }
        let lead = before[..before.len() - opener.len()].trim();
        let standalone = lead.is_empty() || lead == "<!";
        let mut rest = after.trim();
        for close in ["*/", "-->"] {
            rest = rest.strip_suffix(close).unwrap_or(rest).trim_end();
        }
        let mut rules = Vec::new();
        loop {
            let (token, tail) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            // `secret-x: reason`: rule ids never contain ':'.
            let token = token.trim_end_matches(':');
            rules.extend(token.split(',').filter(|r| !r.is_empty()).map(str::to_string));
            rest = tail.trim_start();
            // `secret-a, secret-b reason`: a trailing comma continues the list.
            if !token.ends_with(',') || rest.is_empty() {
                break;
            }
        }
        let reason = rest.trim_start_matches([':', '-', '–', '—']).trim().to_string();
        return Some(Comment { offset: i, rules, reason, standalone });
    }
    None
}

fn comment_directives(path: &str, text: &[u8], out: &mut Vec<Directive>) {
    let index = LineIndex::new(text);
    let mut last_line = 0;
    for at in memchr::memmem::find_iter(text, MARK.as_bytes()) {
        let pos = index.position(text, at);
        if pos.line == last_line {
            continue; // one directive per line, found by parse_comment
        }
        last_line = pos.line;
        let range = index.line_range(text, pos.line);
        let line = String::from_utf8_lossy(&text[range.clone()]);
        let Some(c) = parse_comment(&line) else { continue };
        let start = index.position(text, range.start + c.offset);
        let end = Position::new(start.line, start.column + MARK.chars().count() as u32);
        let problem = c.rules.is_empty().then(|| format!("`{MARK}` names no rule; write `{MARK} RULE-ID reason`"));
        out.push(Directive {
            path: path.to_string(),
            at: Span::new(start, end),
            rules: c.rules,
            reason: c.reason,
            scope: Scope::Lines(pos.line, if c.standalone { pos.line + 1 } else { pos.line }),
            by: SuppressedBy::Comment,
            owner: None,
            problem,
        });
    }
}

/// `Resources.X.Metadata.slsguard` (CloudFormation, SAM, CDK output, and serverless.yml's
/// `resources:`) and `functions.f.slsguard` (serverless.yml).
fn resource_directives(path: &str, doc: &Node, out: &mut Vec<Directive>) {
    for resources in [doc.get("Resources"), doc.path(&["resources", "Resources"])].into_iter().flatten() {
        for e in resources.as_map().unwrap_or_default() {
            if let Some(meta) = e.value.path(&["Metadata", "slsguard"]) {
                let region = Span::new(e.key_span.start, e.value.span.end.max(e.key_span.end));
                ignore_list(path, &format!("resource {}", e.key), region, meta, out);
            }
        }
    }
    if let Some(functions) = doc.get("functions").and_then(Node::as_map) {
        for e in functions {
            if let Some(meta) = e.value.get("slsguard") {
                let region = Span::new(e.key_span.start, e.value.span.end.max(e.key_span.end));
                ignore_list(path, &format!("function {}", e.key), region, meta, out);
            }
        }
    }
}

const SHAPE: &str = "expected `slsguard: {ignore: [{id: RULE-ID, reason: why}]}`";

fn ignore_list(path: &str, owner: &str, region: Span, meta: &Node, out: &mut Vec<Directive>) {
    let directive = |at: Span, rules: Vec<String>, reason: String, problem: Option<String>| Directive {
        path: path.to_string(),
        at,
        rules,
        reason,
        scope: Scope::Region(region),
        by: SuppressedBy::Resource,
        owner: Some(owner.to_string()),
        problem,
    };
    let items = match meta.get("ignore").map(|n| (n, n.as_seq())) {
        Some((_, Some(items))) if meta.as_map().is_some_and(|m| m.len() == 1) => items,
        _ => {
            out.push(directive(meta.span, Vec::new(), String::new(), Some(format!("{owner}: {SHAPE}"))));
            return;
        }
    };
    for item in items {
        let id = item.get("id").and_then(Node::as_str).map(str::trim).unwrap_or_default();
        let reason = item.get("reason").and_then(|r| r.scalar_text()).map(|r| r.trim().to_string()).unwrap_or_default();
        let extra = item.as_map().and_then(|m| m.iter().find(|e| e.key != "id" && e.key != "reason"));
        let problem = if item.as_map().is_none() || id.is_empty() {
            Some(format!("{owner}: an `ignore` entry needs an `id` (the rule) and a `reason`; {SHAPE}"))
        } else {
            extra.map(|e| format!("{owner}: unknown key `{}` in an `ignore` entry; {SHAPE}", e.key))
        };
        let rules = if id.is_empty() { Vec::new() } else { vec![id.to_string()] };
        out.push(directive(item.span, rules, reason, problem));
    }
}

/// Validates the report's directives against `known` (every loaded rule, selected or not),
/// reports the invalid ones as notifications, and — unless `enabled` is false (`--no-suppress`)
/// — moves the findings the valid ones cover to `report.suppressed`.
pub fn apply(report: &mut Report, known: &RuleSet, enabled: bool) {
    let mut valid = Vec::new();
    for d in std::mem::take(&mut report.directives) {
        match problem(&d, known) {
            Some(message) => report.notifications.push(Notification::at(
                Level::Warning,
                "invalid-suppression",
                &d.path,
                d.at.start.line,
                d.at.start.column,
                &message,
            )),
            None => valid.push(d),
        }
    }
    if enabled && !valid.is_empty() {
        let (open, hidden): (Vec<_>, Vec<_>) = std::mem::take(&mut report.findings)
            .into_iter()
            .partition(|f| !valid.iter().any(|d| d.covers(&f.location) && d.matches_rule(&f.rule_id)));
        report.findings = open;
        for finding in hidden {
            let Some(d) = valid.iter().find(|d| d.covers(&finding.location) && d.matches_rule(&finding.rule_id)) else {
                continue;
            };
            let suppression = Suppression {
                by: d.by,
                justification: d.reason.clone(),
                location: Some(Location { path: d.path.clone(), span: d.at }),
            };
            report.suppressed.push(crate::report::Suppressed { finding, suppression });
        }
    }
    report.directives = valid;
    report.sort();
}

/// Why a directive is not applied, if it is not.
fn problem(d: &Directive, known: &RuleSet) -> Option<String> {
    if let Some(p) = &d.problem {
        return Some(format!("{p} (not applied)"));
    }
    let unknown: Vec<&str> =
        d.rules.iter().filter(|p| !known.rules().iter().any(|r| id_matches(p, r.id()))).map(String::as_str).collect();
    let what = d.owner.as_ref().map_or(String::new(), |o| format!("{o}: "));
    if !unknown.is_empty() {
        let list = unknown.iter().map(|u| format!("`{u}`")).collect::<Vec<_>>().join(", ");
        return Some(format!(
            "{what}suppression names no known rule {list} (run `slsguard rules` for the list; not applied)"
        ));
    }
    if d.reason.is_empty() {
        let rules = d.rules.join(",");
        let how = match d.by {
            SuppressedBy::Resource => format!("`{{id: {rules}, reason: …}}`"),
            _ => format!("`{MARK} {rules} <why this is safe>`"),
        };
        return Some(format!("{what}suppression of `{rules}` gives no reason, so it is not applied; write {how}"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comment(line: &str) -> Option<(Vec<String>, String, bool)> {
        parse_comment(line).map(|c| (c.rules, c.reason, c.standalone))
    }

    fn owned(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn comments_in_every_syntax() {
        let want = Some((owned(&["secret-x"]), "test fixture".to_string(), false));
        assert_eq!(comment("KEY: v # slsguard:ignore secret-x test fixture"), want);
        assert_eq!(comment("k = 'v' // slsguard:ignore secret-x test fixture"), want);
        assert_eq!(comment("x /* slsguard:ignore secret-x test fixture */"), want);
        assert_eq!(comment("select 1 -- slsguard:ignore secret-x test fixture"), want);
        assert_eq!(comment("<a/> <!-- slsguard:ignore secret-x test fixture -->"), want);
        assert_eq!(
            comment("    # slsguard:ignore secret-x, iam-y: rotated, see TICKET-1"),
            Some((owned(&["secret-x", "iam-y"]), "rotated, see TICKET-1".to_string(), true))
        );
        assert_eq!(comment("<!-- slsguard:ignore secret-x -->"), Some((owned(&["secret-x"]), String::new(), true)));
        assert_eq!(comment("# slsguard:ignore"), Some((Vec::new(), String::new(), true)));
    }

    #[test]
    fn markers_outside_comments_are_not_directives() {
        assert_eq!(comment(r#"const m = "slsguard:ignore secret-x because";"#), None);
        assert_eq!(comment("# slsguard:ignored secret-x"), None);
        assert_eq!(comment("# see slsguard:ignore docs"), None);
    }

    #[test]
    fn directive_scopes() {
        let text = b"a: 1\n# slsguard:ignore secret-x reason\nb: 2 # slsguard:ignore iam-* reason\n";
        let d = directives("f.yml", text);
        assert_eq!(d.len(), 2);
        assert_eq!((d[0].scope.clone(), d[0].at.start), (Scope::Lines(2, 3), Position::new(2, 3)));
        assert_eq!(d[1].scope, Scope::Lines(3, 3));
    }

    #[test]
    fn resource_metadata_covers_the_resource() {
        let text = "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Metadata:\n      slsguard:\n        ignore:\n          - {id: secret-x, reason: rotated}\n    Properties:\n      Environment: {Variables: {K: v}}\n  Other:\n    Type: AWS::S3::Bucket\n";
        let d = directives("template.yaml", text.as_bytes());
        assert_eq!(d.len(), 1);
        assert_eq!((d[0].rules.clone(), d[0].reason.as_str()), (owned(&["secret-x"]), "rotated"));
        let at =
            |line, column| Location { path: "template.yaml".into(), span: Span::point(Position::new(line, column)) };
        assert!(d[0].covers(&at(9, 30)));
        assert!(d[0].covers(&at(2, 3)));
        assert!(!d[0].covers(&at(10, 3)));
        assert!(!d[0].covers(&at(11, 11)));
    }

    #[test]
    fn serverless_function_form_and_malformed_metadata() {
        let text = "service: s\nfunctions:\n  a:\n    handler: h.a\n    slsguard:\n      ignore:\n        - id: secret-x\n  b:\n    handler: h.b\n    slsguard: {ignore: secret-x}\n";
        let d = directives("serverless.yml", text.as_bytes());
        assert_eq!(d.len(), 2);
        assert_eq!((d[0].owner.as_deref(), d[0].reason.as_str(), &d[0].problem), (Some("function a"), "", &None));
        assert!(d[1].problem.as_deref().is_some_and(|p| p.contains("function b")), "{:?}", d[1].problem);
    }
}
