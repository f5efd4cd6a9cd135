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

/// The calls of every function of `models`: `out[model][function]`. `read` holds what
/// [`read_files`] read already.
pub fn needs(models: &[Model], base: &CodeBase, read: ReadFiles) -> Vec<Vec<Needs>> {
    let per_file = file_calls(models, base, read);
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

/// The SDK calls of files, read before anything knows which files functions hold (beside the
/// building and linking of the models, which leave a core idle): [`file_calls`] takes what
/// it can use and reads the rest.
#[derive(Default)]
pub struct ReadFiles {
    /// Each file read on its own (names it imports unknown).
    alone: HashMap<String, FileCalls>,
    /// The files each file imports.
    imports: HashMap<String, Vec<String>>,
    /// Files read again with the names their imports bind: the imports whose names were used,
    /// and the calls.
    again: HashMap<String, (Vec<String>, FileCalls)>,
}

/// Reads every file of `base` as [`file_calls`] would if every file were some function's.
pub fn read_files(base: &CodeBase) -> ReadFiles {
    use rayon::prelude::*;
    let files: Vec<&FileFacts> = base.files.values().map(|f| f.as_ref()).collect();
    let (alone, imports): (HashMap<String, FileCalls>, HashMap<String, Vec<String>>) = rayon::join(
        || files.par_iter().map(|f| (f.path.clone(), calls::extract(f, &|_| None))).collect(),
        || files.par_iter().map(|f| (f.path.clone(), graph::imported_files(base, f, parent(&f.path)))).collect(),
    );
    let again = files
        .par_iter()
        .filter_map(|f| {
            let used = exporting(imports.get(&f.path)?, |p| alone.get(p));
            if used.is_empty() {
                return None;
            }
            let calls = read_again(f, &used, |p| alone.get(p));
            Some((f.path.clone(), (used, calls)))
        })
        .collect();
    ReadFiles { alone, imports, again }
}

/// Of `imports`, those binding names at their top level (read on their own by `alone`).
fn exporting<'a>(imports: &[String], alone: impl Fn(&str) -> Option<&'a FileCalls>) -> Vec<String> {
    imports.iter().filter(|p| alone(p).is_some_and(|c| !c.exports.is_empty())).cloned().collect()
}

/// `facts` read with the names its imports `used` bind (the first to bind a name wins).
fn read_again<'a>(facts: &FileFacts, used: &[String], alone: impl Fn(&str) -> Option<&'a FileCalls>) -> FileCalls {
    let sources: Vec<&HashMap<String, Sym>> = used.iter().filter_map(|p| alone(p).map(|c| &c.exports)).collect();
    let resolver = |name: &str| sources.iter().find_map(|s| s.get(name).cloned());
    calls::extract(facts, &resolver)
}

/// The calls of every file some function's code holds: each read on its own, and read again
/// with the names it imports when a file it imports (and some function holds) binds some.
/// What `read` has read already is taken, not read again.
fn file_calls(models: &[Model], base: &CodeBase, read: ReadFiles) -> HashMap<String, FileCalls> {
    use rayon::prelude::*;
    let ReadFiles { mut alone, imports, mut again } = read;
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
    // Only the files some function holds: another file's names are not among those a file
    // imports (its module graph leaves it out).
    let keys: HashSet<&str> = wanted.iter().map(|(k, _)| k.as_str()).collect();
    alone.retain(|k, _| keys.contains(k.as_str()));
    let unread: Vec<(String, FileCalls)> = wanted
        .par_iter()
        .filter(|(k, _)| !alone.contains_key(k))
        .map(|(k, facts)| (k.clone(), calls::extract(facts, &|_| None)))
        .collect();
    alone.extend(unread);
    // Files importing names other files bind: read again with them (`None`: `read_files` did,
    // with the same names).
    let with_imports: Vec<(String, Option<FileCalls>)> = wanted
        .par_iter()
        .filter_map(|(k, facts)| {
            let computed;
            let imports = match imports.get(k) {
                Some(i) => i,
                None => {
                    computed = graph::imported_files(base, facts, parent(&facts.path));
                    &computed
                }
            };
            let used = exporting(imports, |p| alone.get(p));
            if used.is_empty() {
                return None;
            }
            if again.get(k).is_some_and(|(u, _)| *u == used) {
                return Some((k.clone(), None));
            }
            Some((k.clone(), Some(read_again(facts, &used, |p| alone.get(p)))))
        })
        .collect();
    for (k, calls) in with_imports {
        if let Some(calls) = calls.or_else(|| again.remove(&k).map(|(_, c)| c)) {
            alone.insert(k, calls);
        }
    }
    alone
}
