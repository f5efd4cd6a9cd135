//! Runs rules' own examples: each `fire` input must produce a finding of the rule, each
//! `no_fire` input none. Used by the test suite for the built-in rules and by
//! `slsguard rules test DIR` for custom ones. Examples go through the same scanner as real
//! files.

use super::schema::Example;
use super::{Rule, RuleSet};
use crate::scan::{DEFAULT_MAX_FILE_SIZE, Input, Scanner};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleFailure {
    pub rule_id: String,
    pub origin: String,
    /// `fire` or `no_fire`.
    pub kind: &'static str,
    /// 1-based index in the list.
    pub index: usize,
    pub detail: String,
}

impl std::fmt::Display for ExampleFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): examples.{} #{}: {}", self.rule_id, self.origin, self.kind, self.index, self.detail)
    }
}

/// Checks every example of every rule in `rules`.
pub fn run(rules: &RuleSet) -> Vec<ExampleFailure> {
    rules.rules().iter().flat_map(check_rule).collect()
}

pub fn check_rule(rule: &Rule) -> Vec<ExampleFailure> {
    let scanner = Scanner::new(&RuleSet::from_rules(vec![rule.clone()]), DEFAULT_MAX_FILE_SIZE);
    let mut failures = Vec::new();
    let groups: [(&'static str, &[Example], bool); 2] =
        [("fire", &rule.spec.examples.fire, true), ("no_fire", &rule.spec.examples.no_fire, false)];
    for (kind, examples, must_fire) in groups {
        for (i, ex) in examples.iter().enumerate() {
            let input = Input::Memory { display: ex.path().to_string(), content: ex.content().as_bytes().to_vec() };
            let report = scanner.scan_inputs(std::slice::from_ref(&input));
            let hits: Vec<_> = report.findings.iter().filter(|f| f.rule_id == rule.spec.id).collect();
            let detail = if must_fire && hits.is_empty() {
                Some("expected a finding, got none".to_string())
            } else if !must_fire && !hits.is_empty() {
                let at: Vec<String> = hits
                    .iter()
                    .map(|f| format!("{}:{}", f.location.span.start.line, f.location.span.start.column))
                    .collect();
                Some(format!("expected no finding, got {} at {}", hits.len(), at.join(", ")))
            } else {
                None
            };
            if let Some(detail) = detail {
                failures.push(ExampleFailure {
                    rule_id: rule.spec.id.clone(),
                    origin: rule.origin.clone(),
                    kind,
                    index: i + 1,
                    detail,
                });
            }
        }
    }
    failures
}
