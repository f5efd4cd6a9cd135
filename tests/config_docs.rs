//! docs/config.md and docs/config.schema.json must describe the configuration the code reads:
//! the schema's keys are the loader's, and the documented example loads.

use slsguard::RuleSet;
use slsguard::config::{Config, KEYS};
use std::path::Path;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).expect("doc exists")
}

#[test]
fn the_schema_has_the_loaders_keys() {
    let schema: serde_json::Value = serde_json::from_str(&read("docs/config.schema.json")).expect("schema is JSON");
    let mut props: Vec<&str> =
        schema["properties"].as_object().expect("properties").keys().map(String::as_str).collect();
    let mut keys = KEYS.to_vec();
    props.sort();
    keys.sort();
    assert_eq!(props, keys);
    assert_eq!(schema["additionalProperties"], false);
    let fail_on: Vec<&str> =
        schema["properties"]["fail_on"]["enum"].as_array().expect("enum").iter().filter_map(|v| v.as_str()).collect();
    assert_eq!(fail_on, ["none", "low", "medium", "high", "critical"]);
}

#[test]
fn the_documented_example_loads() {
    let md = read("docs/config.md");
    let start = md.find("```yaml\n# .slsguard.yml\n").expect("the example block") + "```yaml\n".len();
    let end = start + md[start..].find("```").expect("end of the block");
    let config = Config::parse(Path::new(".slsguard.yml"), &md[start..end]).expect("the example is valid");
    config.check_rules(&RuleSet::builtin().expect("rules")).expect("the example names real rules");
    assert_eq!(config.public_routes, ["GET /health", "/status"]);
    // Each key in the docs' table is a real key.
    for key in KEYS {
        assert!(md.contains(&format!("| `{key}` |")), "docs/config.md does not document `{key}`");
    }
}
