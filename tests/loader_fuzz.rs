//! A short, bounded fuzz run of each loader in `cargo test` (the long runs are the cargo-fuzz
//! targets in fuzz/, see docs/security.md#loaders): arbitrary bytes, and strings made of each
//! format's punctuation, never panic, and every load ends within its limits.

use proptest::prelude::*;
use slsguard::loader::{Budget, Limits, hcl, json, yaml};
use std::time::Duration;

fn limits() -> Limits {
    Limits { time: Duration::from_secs(5), memory: 16 << 20, alias_nodes: 10_000 }
}

fn config() -> ProptestConfig {
    ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() }
}

/// Errors must carry a real position.
fn check<T>(r: Result<T, slsguard::loader::LoadError>) {
    if let Err(e) = r {
        assert!(e.line >= 1 && e.column >= 1, "{e:?}");
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn yaml_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..400),
                         s in "[ \\n\\t\\r:,\\-\\[\\]{}&*!|>'\"#%@?a-z0-9.\u{feff}\u{2028}é]{0,300}") {
        check(yaml::parse_with(&String::from_utf8_lossy(&bytes), &Budget::new(limits())));
        check(yaml::parse_with(&s, &Budget::new(limits())));
    }

    #[test]
    fn json_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..400),
                         s in "[ \\n\\t\\r:,\\[\\]{}\"\\\\ubnrt0-9.eE+\\-a-f]{0,300}") {
        check(json::parse_with(&String::from_utf8_lossy(&bytes), &Budget::new(limits())));
        check(json::parse_with(&s, &Budget::new(limits())));
    }

    #[test]
    fn hcl_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..400),
                        s in "[ \\n\\t=\\[\\]{}()\"$%<>#/*!?:,.a-z0-9\\-]{0,300}") {
        check(hcl::parse_with(&String::from_utf8_lossy(&bytes), &Budget::new(limits())));
        check(hcl::parse_with(&s, &Budget::new(limits())));
    }

    /// Structured YAML: nested flow collections with anchors and aliases, so that the alias
    /// and depth bookkeeping is exercised, not only the scanner.
    #[test]
    fn yaml_anchors_and_aliases_stay_bounded(depth in 1usize..40, width in 1usize..12, uses in 0usize..200) {
        let inner = format!("{}x{}", "[".repeat(depth), "]".repeat(depth));
        let items = vec![inner; width].join(", ");
        let text = format!("a: &a [{items}]\nb: [{}]\n", vec!["*a"; uses].join(", "));
        match yaml::parse_with(&text, &Budget::new(limits())) {
            Ok(docs) => prop_assert_eq!(docs.len(), 1),
            Err(e) => prop_assert!(e.over_limit, "{:?}", e),
        }
    }
}
