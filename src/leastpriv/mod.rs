//! Least privilege from code: the AWS SDK calls each function's code makes ([`calls`]), the IAM
//! actions and resources they need ([`sdkmap`], [`resources`]), the difference with what the
//! function's role grants ([`diff`], the `iam-unused-permission`, `iam-unscoped-resource` and
//! `iam-missing-permission` rules), and the policy it should have ([`policy`]).
//!
//! Runs after the code stage has linked functions to their module graphs; reads the code facts
//! every code analysis shares. See docs/least-privilege.md.

pub mod calls;
pub mod diff;
pub mod fix;
pub mod policy;
pub mod resources;
pub mod sdkmap;

use crate::code::graph;
use crate::code::handlers::parent;
use crate::code::ir::FileFacts;
use crate::code::stage::CodeBase;
use crate::model::{Code, Function, Model};
use calls::{Call, FileCalls, Sym, Unresolved};
use std::collections::{HashMap, HashSet};

/// What the code of one function needs, or why that cannot be known.
#[derive(Debug, Clone)]
pub enum Needs {
    Known {
        calls: Vec<Call>,
        unresolved: Vec<Unresolved>,
    },
    /// The code was not found or not analysed: the reason.
    NotAnalysed(String),
}

/// The calls of every function of `models`: `out[model][function]`.
pub fn needs(models: &[Model], base: &CodeBase) -> Vec<Vec<Needs>> {
    let per_file = file_calls(models, base);
    models.iter().map(|m| m.functions.iter().map(|f| function_needs(m, f, base, &per_file)).collect()).collect()
}

fn function_needs(m: &Model, f: &Function, base: &CodeBase, per_file: &HashMap<String, FileCalls>) -> Needs {
    let link = match &f.code {
        Code::Found(link) => link,
        Code::Unknown(why) => return Needs::NotAnalysed(why.clone()),
        Code::NotAnalysed => return Needs::NotAnalysed("its code was not analysed".into()),
    };
    let mut calls = Vec::new();
    let mut unresolved = Vec::new();
    for file in &link.files {
        let key = inline_key(m, f, file, base).unwrap_or_else(|| file.clone());
        if let Some(fc) = per_file.get(&key) {
            calls.extend(fc.calls.iter().cloned());
            unresolved.extend(fc.unresolved.iter().cloned());
        }
    }
    Needs::Known { calls, unresolved }
}

/// The key of a function's inline code in [`CodeBase::inline`], when `file` is its manifest.
fn inline_key(m: &Model, f: &Function, file: &str, base: &CodeBase) -> Option<String> {
    let key = format!("{}#inline:{}", m.path(f.loc.file), f.name);
    (file == m.path(f.loc.file) && base.inline.contains_key(&key)).then_some(key)
}

/// The calls of every file some function's code holds, each file read once.
fn file_calls(models: &[Model], base: &CodeBase) -> HashMap<String, FileCalls> {
    use rayon::prelude::*;
    let mut wanted: Vec<(String, &FileFacts)> = Vec::new();
    for m in models {
        for f in &m.functions {
            let Code::Found(link) = &f.code else { continue };
            for file in &link.files {
                let key = inline_key(m, f, file, base).unwrap_or_else(|| file.clone());
                let facts = base.inline.get(&key).or_else(|| base.files.get(&key));
                if let Some(facts) = facts {
                    wanted.push((key, facts));
                }
            }
        }
    }
    wanted.sort_by(|a, b| a.0.cmp(&b.0));
    wanted.dedup_by(|a, b| a.0 == b.0);
    // First, alone, each file another imports (what it binds at its top level); then every other
    // file, and again those importing names from others. A file is read once unless it both is
    // imported and imports SDK names.
    let imports: Vec<Vec<String>> =
        wanted.par_iter().map(|(_, facts)| graph::imported_files(base, facts, parent(&facts.path))).collect();
    let imported: HashSet<&str> = imports.iter().flatten().map(String::as_str).collect();
    let mut first: HashMap<String, FileCalls> = wanted
        .par_iter()
        .filter(|(k, _)| imported.contains(k.as_str()))
        .map(|(k, facts)| (k.clone(), calls::extract(facts, &|_| None)))
        .collect();
    let rest: Vec<(String, FileCalls)> = wanted
        .par_iter()
        .zip(imports.par_iter())
        .filter_map(|((k, facts), imports)| {
            let sources: Vec<&HashMap<String, Sym>> =
                imports.iter().filter_map(|p| first.get(p).map(|c| &c.exports)).filter(|e| !e.is_empty()).collect();
            if sources.is_empty() && first.contains_key(k) {
                return None;
            }
            let resolver = |name: &str| sources.iter().find_map(|s| s.get(name).cloned());
            Some((k.clone(), calls::extract(facts, &resolver)))
        })
        .collect();
    first.extend(rest);
    first
}
