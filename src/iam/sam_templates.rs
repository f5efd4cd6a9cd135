//! The SAM policy templates (`S3CrudPolicy: {BucketName: …}`), expanded with their parameters
//! into the policy document SAM would generate.

use crate::loader::{self, Entry, Node, Value};
use crate::source::Span;
use std::collections::HashMap;
use std::sync::OnceLock;

static DATA: &str = include_str!("../../data/sam-policy-templates.json");

/// Template name → its definition and parameter names.
fn templates() -> &'static HashMap<String, (Node, Vec<String>)> {
    static T: OnceLock<HashMap<String, (Node, Vec<String>)>> = OnceLock::new();
    T.get_or_init(|| {
        let mut out = HashMap::new();
        // Embedded data, checked by the tests; if it ever failed to parse, no template would be
        // known and template uses would stay unexpanded.
        if let Ok(doc) = loader::json::parse(DATA) {
            for e in doc.get("Templates").and_then(Node::as_map).unwrap_or(&[]) {
                let (Some(def), params) = (e.value.get("Definition"), e.value.get("Parameters")) else { continue };
                let names = params.and_then(Node::as_map).unwrap_or(&[]).iter().map(|p| p.key.clone()).collect();
                out.insert(e.key.clone(), (def.clone(), names));
            }
        }
        out
    })
}

/// Every template's name, sorted.
pub fn names() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = templates().keys().map(String::as_str).collect();
    out.sort_unstable();
    out
}

pub fn is_template(name: &str) -> bool {
    templates().contains_key(name)
}

pub fn parameter_names(name: &str) -> Option<&'static [String]> {
    templates().get(name).map(|(_, p)| p.as_slice())
}

/// The policy document of template `name` with `params` (the mapping written in the template)
/// substituted for its `Ref`s. Every node of the result points at `at`, where the template is used.
pub fn expand(name: &str, params: &Node, at: Span) -> Option<Node> {
    let (def, _) = templates().get(name)?;
    let mut doc = def.clone();
    substitute(&mut doc, params, at, 0);
    Some(doc)
}

fn substitute(node: &mut Node, params: &Node, at: Span, depth: usize) {
    if depth > 32 {
        return;
    }
    node.span = at;
    if let Value::Map(entries) = &node.value {
        if let [Entry { key, value, .. }] = entries.as_slice() {
            if key == "Ref" {
                if let Some(p) = value.as_str().and_then(|name| params.get(name)) {
                    *node = p.clone();
                    return;
                }
            }
        }
    }
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|n| substitute(n, params, at, depth + 1)),
        Value::Map(entries) => {
            for e in entries {
                e.key_span = at;
                substitute(&mut e.value, params, at, depth + 1);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::yaml::parse_one;

    #[test]
    fn expands_with_parameters() {
        assert!(templates().len() >= 80);
        let params = parse_one("BucketName: '*'").unwrap();
        let doc = expand("S3CrudPolicy", &params, Span::default()).unwrap();
        let text = format!("{:?}", doc.to_json());
        assert!(text.contains("s3:PutObject"));
        assert!(!text.contains("\"Ref\""), "{text}");
        assert!(expand("NoSuchPolicy", &params, Span::default()).is_none());
        assert_eq!(parameter_names("DynamoDBCrudPolicy"), Some(&["TableName".to_string()][..]));
    }
}
