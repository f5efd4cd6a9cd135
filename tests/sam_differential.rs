//! The SAM differential test: for each SAM template of AWS's own translator tests
//! (../shared/corpus/sam-translator: `input/X.yaml` and the CloudFormation `output/X.json` that AWS
//! generates from it), the model slsguard builds from the SAM input and the model it builds from
//! the translated CloudFormation must agree on the facts the rules read: the functions and their
//! roles, each role's effective permissions (after SAM policy templates and managed policies),
//! every API and route with its effective authentication, function URLs, and the resource
//! policies of functions.
//!
//! What is normalised, because the two sides cannot show it alike: statements of AWS managed
//! policies are compared through the policies' names (they expand identically); CORS preflight
//! routes with no function (SAM's mock `OPTIONS` integrations) are left out; routes of an API whose
//! OpenAPI definition is in another file (`DefinitionUri`) are left out, since only the SAM
//! events show them. Logical ids need no mapping: SAM's generated ids (`FunctionRole`,
//! `ServerlessRestApi`, `{Function}{Event}Role`, aliases) are modelled under the same names.
//!
//! Templates that still disagree are listed, each with its reason, in
//! tests/sam_differential_known.txt; the test fails on any other disagreement (and on a listed
//! template that now agrees, so the list stays true). `SAM_DIFF_VERBOSE=1` prints every
//! disagreement's facts; `SAM_DIFF_ONLY=name` compares one template.
//!
//! Ignored by default: it reads ../shared (CI runs it with `cargo test -- --ignored`).

use slsguard::entities::Context;
use slsguard::frontend;
use slsguard::loader::{self, Node};
use slsguard::model::{ApiKind, Effect, Model, Origin, PolicyKind, Statement, Val};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn corpus() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/sam-translator");
    assert!(
        dir.join("input").is_dir(),
        "the SAM translator corpus is missing: expected {} (a checkout of ../shared next to this repository)",
        dir.display()
    );
    dir
}

fn model_of(path: &Path, json: bool) -> Result<Model, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let doc: Node = if json {
        loader::json::parse(&text).map_err(|e| format!("{}: {}", path.display(), e.message))?
    } else {
        let mut docs = loader::yaml::parse(&text).map_err(|e| format!("{}: {}", path.display(), e.message))?;
        if docs.is_empty() {
            return Err(format!("{}: empty", path.display()));
        }
        docs.swap_remove(0)
    };
    let display = path.display().to_string();
    let format = frontend::detect(&doc).ok_or_else(|| format!("{display}: not recognised as a template"))?;
    Ok(frontend::build(&doc, &display, format))
}

/// Text of a value for comparison: known and partial text as written (both sides resolve
/// `Fn::Sub` the same way); unknown values by their expression.
fn text(v: &Val) -> String {
    v.display().to_string()
}

fn sorted(vals: &[Val], lower: bool) -> String {
    let mut v: Vec<String> = vals.iter().map(|x| if lower { text(x).to_ascii_lowercase() } else { text(x) }).collect();
    v.sort();
    v.dedup();
    v.join(",")
}

fn statement_fact(s: &Statement) -> String {
    let effect = match s.effect {
        Some(Effect::Allow) => "Allow",
        Some(Effect::Deny) => "Deny",
        None => "?",
    };
    let mut out = format!("{effect} {}", sorted(&s.actions, true));
    if !s.not_actions.is_empty() || s.not_action_loc.is_some() {
        out.push_str(&format!(" NOT[{}]", sorted(&s.not_actions, true)));
    }
    out.push_str(&format!(" ON {}", sorted(&s.resources, false)));
    if !s.not_resources.is_empty() || s.not_resource_loc.is_some() {
        out.push_str(&format!(" NOTON[{}]", sorted(&s.not_resources, false)));
    }
    if !s.conditions.is_empty() {
        out.push_str(" (condition)");
    }
    out
}

/// The facts of one model, as sorted lines.
fn facts(m: &Model) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let fname = |f: Option<usize>| f.and_then(|f| m.functions.get(f)).map_or("-".to_string(), |f| f.name.clone());
    for f in &m.functions {
        let role = f.role.and_then(|r| m.roles.get(r)).map_or("-", |r| r.name.as_str());
        out.insert(format!("function {} role={role}", f.name));
    }
    // Effective permissions, per role (functions and state machines alike).
    let mut perms: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    // Statements of AWS managed policies follow from the `managed` facts below.
    for s in m.statements.iter().filter(|s| {
        s.kind == PolicyKind::Identity && s.origin == Origin::Inline || matches!(s.origin, Origin::SamTemplate { .. })
    }) {
        for r in &s.roles {
            if let Some(role) = m.roles.get(*r) {
                perms.entry(role.name.clone()).or_default().insert(statement_fact(s));
            }
        }
    }
    for (role, st) in perms {
        for s in st {
            out.insert(format!("perm {role}: {s}"));
        }
    }
    for mp in &m.managed_policies {
        let name = mp.aws_name.clone().unwrap_or_else(|| text(&mp.reference));
        for r in &mp.roles {
            if let Some(role) = m.roles.get(*r) {
                out.insert(format!("managed {}: {name}", role.name));
            }
        }
    }
    for a in &m.apis {
        let external = if a.external_definition { " (definition in another file)" } else { "" };
        out.insert(format!("api {} {} private={}{external}", a.name, a.kind.as_str(), a.private_for(None)));
    }
    for e in &m.endpoints {
        // CORS preflight routes SAM generates (mock integrations): the rules never report them.
        if e.method == "OPTIONS" && e.function.is_none() {
            continue;
        }
        // Routes of an API whose definition is in another file: SAM leaves that file alone, so
        // the translated template does not show them (the SAM events do).
        if e.api.and_then(|a| m.apis.get(a)).is_some_and(|a| a.external_definition) {
            continue;
        }
        let api = e.api.and_then(|a| m.apis.get(a));
        let private = if api.is_some_and(|a| a.private_for(Some((&e.method, &e.path)))) { " private" } else { "" };
        let api = api.map_or("-", |a| a.name.as_str());
        let path = if e.kind == ApiKind::FunctionUrl { String::new() } else { format!(" {} {}", e.method, e.path) };
        out.insert(format!(
            "endpoint {} {api}{path} -> {} auth={}{private}",
            e.kind.as_str(),
            fname(e.function),
            e.auth.as_str()
        ));
    }
    let ctx = Context::new(m);
    for (i, p) in m.permissions.iter().enumerate() {
        let open = ctx.field(slsguard::entities::EntityKind::Permission, i, "unrestricted").truthy();
        let function = p.function.map_or_else(|| p.function_ref.clone(), |f| fname(Some(f)));
        out.insert(format!("permission {function} {} {} open={open}", text(&p.principal), text(&p.action)));
    }
    out
}

fn known_list() -> BTreeMap<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sam_differential_known.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| match l.split_once(' ') {
            Some((name, reason)) => (name.to_string(), reason.trim().to_string()),
            None => (l.to_string(), String::new()),
        })
        .collect()
}

#[test]
#[ignore = "reads ../shared/corpus (CI runs it with --ignored)"]
fn sam_input_and_translated_output_agree() {
    let dir = corpus();
    let verbose = std::env::var_os("SAM_DIFF_VERBOSE").is_some();
    let only = std::env::var("SAM_DIFF_ONLY").ok();
    let known = known_list();
    let mut stems: Vec<String> = std::fs::read_dir(dir.join("input"))
        .expect("input directory is readable")
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_suffix(".yaml")).map(str::to_string))
        .filter(|s| !s.starts_with("error_"))
        .filter(|s| only.as_deref().is_none_or(|o| o == s))
        .collect();
    stems.sort();
    let mut agree = 0;
    let mut disagree = Vec::new();
    for stem in &stems {
        let output = dir.join("output").join(format!("{stem}.json"));
        let result = if output.is_file() {
            match (model_of(&dir.join("input").join(format!("{stem}.yaml")), false), model_of(&output, true)) {
                (Ok(a), Ok(b)) => {
                    let (fa, fb) = (facts(&a), facts(&b));
                    if fa == fb {
                        Ok(())
                    } else {
                        let only_in =
                            |x: &BTreeSet<String>, y: &BTreeSet<String>| x.difference(y).cloned().collect::<Vec<_>>();
                        Err(format!(
                            "  input only:\n    {}\n  translated only:\n    {}",
                            only_in(&fa, &fb).join("\n    "),
                            only_in(&fb, &fa).join("\n    ")
                        ))
                    }
                }
                (Err(e), _) | (_, Err(e)) => Err(format!("  could not build: {e}")),
            }
        } else {
            Err("  no translated output in the corpus".to_string())
        };
        match result {
            Ok(()) => agree += 1,
            Err(why) => {
                if verbose {
                    eprintln!("{stem}:\n{why}");
                }
                disagree.push(stem.clone());
            }
        }
    }
    let total = stems.len();
    eprintln!("sam differential (model facts): {agree}/{total} templates agree");
    if only.is_some() {
        assert!(disagree.is_empty(), "disagreement (see above with SAM_DIFF_VERBOSE=1)");
        return;
    }
    let new: Vec<&String> = disagree.iter().filter(|s| !known.contains_key(*s)).collect();
    let fixed: Vec<&String> = known.keys().filter(|k| stems.contains(k) && !disagree.contains(k)).collect();
    let unexplained: Vec<&String> = known.iter().filter(|(_, r)| r.is_empty()).map(|(k, _)| k).collect();
    assert!(
        new.is_empty() && fixed.is_empty() && unexplained.is_empty(),
        "new disagreements (run with SAM_DIFF_VERBOSE=1 SAM_DIFF_ONLY=<name>): {new:?}\n\
         listed in tests/sam_differential_known.txt but now agreeing (remove them): {fixed:?}\n\
         listed without a reason: {unexplained:?}"
    );
    assert!(agree * 100 >= total * 97, "only {agree}/{total} templates agree; the target is 97%");
}
