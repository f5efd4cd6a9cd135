//! Every built-in rule's own examples: `fire` inputs must produce a finding of the rule,
//! `no_fire` inputs none.

use slsguard::rules::{RuleSet, selftest};

#[test]
fn every_builtin_rule_passes_its_examples() {
    let rules = RuleSet::builtin().expect("built-in rules load");
    let failures = selftest::run(&rules);
    let report: Vec<String> = failures.iter().map(ToString::to_string).collect();
    assert!(failures.is_empty(), "{} example(s) failed:\n{}", failures.len(), report.join("\n"));
}

#[test]
fn every_rule_has_both_kinds_of_examples() {
    for r in RuleSet::builtin().expect("built-in rules load").rules() {
        assert!(!r.spec.examples.fire.is_empty(), "{} has no fire example", r.id());
        assert!(!r.spec.examples.no_fire.is_empty(), "{} has no no_fire example", r.id());
    }
}

/// Built-in regexes compile on first use only (start-up speed); this makes sure each of them does.
#[test]
fn every_builtin_secret_regex_compiles() {
    for r in RuleSet::builtin().expect("built-in rules load").rules() {
        if let slsguard::rules::Compiled::Secret(c) = &r.compiled {
            if let Err(e) = c.check_compiles() {
                panic!("{}: {e}", r.id());
            }
        }
    }
}
