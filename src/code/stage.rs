//! The code stage of the scan, after the models are built: link each function to its code
//! (handler resolution and module graph), then run the code rules on the parsed files, naming
//! in each finding the functions whose code contains it.

use super::FileFacts;
use super::matcher::CompiledCode;
use crate::finding::{self, Finding, Location, Related};
use crate::model::{Code, Model};
use crate::rules::Rule;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// The scanned files, as the code stage sees them.
#[derive(Default)]
pub struct CodeBase {
    /// Parsed source files by display path.
    pub files: BTreeMap<String, Arc<FileFacts>>,
    /// Every file of the scan (display paths), parsed or not: handlers may point at files that
    /// are not source (a zip, a binary).
    pub paths: BTreeSet<String>,
    /// Small project files the resolution reads (`Cargo.toml`, `go.mod`, `.chalice/config.json`),
    /// by display path.
    pub aux: HashMap<String, Arc<Vec<u8>>>,
    /// Inline code of functions (`Code.ZipFile`), parsed from their manifests, by
    /// `manifest#inline:function`.
    pub inline: BTreeMap<String, Arc<FileFacts>>,
}

impl CodeBase {
    /// A copy of the parsed files, the scan's paths and project files, without inline code.
    pub fn parsed_files(&self) -> CodeBase {
        CodeBase {
            files: self.files.clone(),
            paths: self.paths.clone(),
            aux: self.aux.clone(),
            inline: BTreeMap::new(),
        }
    }

    pub fn exists(&self, path: &str) -> bool {
        self.paths.contains(path)
    }

    pub fn facts(&self, path: &str) -> Option<&FileFacts> {
        self.files.get(path).map(Arc::as_ref)
    }

    /// The parsed files under directory `dir` (`""`: all), at any depth: one run of the sorted
    /// map. Resolution and module graphs ask this per function and per import; a scan of every
    /// file each time made them quadratic in the size of the tree.
    pub fn files_under<'b>(&'b self, dir: &str) -> impl Iterator<Item = &'b String> + 'b {
        let prefix = if dir.is_empty() { String::new() } else { format!("{dir}/") };
        self.files
            .range::<str, _>((std::ops::Bound::Included(prefix.as_str()), std::ops::Bound::Unbounded))
            .map(|(p, _)| p)
            .take_while(move |p| p.starts_with(&prefix))
    }
}

/// Which functions' code contains each file: file → (model index, function index).
pub fn owners(models: &[Model]) -> HashMap<String, Vec<(usize, usize)>> {
    let mut out: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
    for (mi, m) in models.iter().enumerate() {
        for (fi, f) in m.functions.iter().enumerate() {
            if let Code::Found(link) = &f.code {
                for file in &link.files {
                    out.entry(file.clone()).or_default().push((mi, fi));
                }
            }
        }
    }
    out
}

/// The findings of the structural code rules on every parsed file.
pub fn structural_findings(
    rules: &[(Rule, Arc<CompiledCode>)],
    base: &CodeBase,
    models: &[Model],
    owners: &HashMap<String, Vec<(usize, usize)>>,
) -> Vec<Finding> {
    use rayon::prelude::*;
    let files: Vec<&Arc<FileFacts>> =
        base.files.values().chain(base.inline.values()).filter(|f| f.generated.is_none()).collect();
    files
        .par_iter()
        .flat_map_iter(|facts| {
            let mut out = Vec::new();
            let Some(lang) = facts.language else { return out };
            for (rule, code) in rules.iter().filter(|(_, c)| c.applies_to(lang) && !c.patterns.is_empty()) {
                for m in code.structural(facts) {
                    let message = code.message(&m.text, "", "");
                    out.push(finding(rule, &facts.path, m.pos, message, &m.text, models, owners));
                }
            }
            out
        })
        .collect()
}

/// A code finding at `pos` of `path`, naming the functions whose code contains the file.
pub fn finding(
    rule: &Rule,
    path: &str,
    pos: super::ir::Pos,
    message: String,
    identity: &str,
    models: &[Model],
    owners: &HashMap<String, Vec<(usize, usize)>>,
) -> Finding {
    let (message, related) = name_functions(message, path, models, owners);
    Finding {
        rule_id: rule.spec.id.clone(),
        severity: rule.spec.severity,
        message,
        location: Location { path: path.to_string(), span: pos.span() },
        related,
        snippet: String::new(),
        fingerprint: finding::fingerprint(&rule.spec.id, path, identity),
        flow: Vec::new(),
    }
}

/// Adds "in function `a` (serverless.yml)" to a message, with each function as a related
/// location.
pub fn name_functions(
    message: String,
    path: &str,
    models: &[Model],
    owners: &HashMap<String, Vec<(usize, usize)>>,
) -> (String, Vec<Related>) {
    let Some(fns) = owners.get(path) else { return (message, Vec::new()) };
    let mut related = Vec::new();
    let mut names = Vec::new();
    for &(mi, fi) in fns {
        let (m, f) = (&models[mi], &models[mi].functions[fi]);
        names.push(format!("`{}`", f.name));
        related.push(Related {
            location: Location { path: m.path(f.loc.file).to_string(), span: f.loc.span },
            message: format!("function `{}` runs this code", f.name),
        });
    }
    names.sort();
    names.dedup();
    related.sort();
    related.dedup();
    let what = if names.len() == 1 { "function" } else { "functions" };
    (format!("{message} (in {what} {})", names.join(", ")), related)
}

/// The findings of the taint rules: each parsed file's functions analysed as entry points
/// (handlers with their event, route functions, callbacks), calls followed into the files
/// they import. One finding per sink, with the path from the source.
pub fn taint_findings(
    rules: &[(Rule, Arc<CompiledCode>)],
    base: &CodeBase,
    models: &[Model],
    owners: &HashMap<String, Vec<(usize, usize)>>,
) -> Vec<Finding> {
    use rayon::prelude::*;
    let links: Vec<(String, String)> = models
        .iter()
        .flat_map(|m| m.functions.iter())
        .filter_map(|f| match &f.code {
            Code::Found(c) => Some((c.file.clone(), c.symbol.clone())),
            _ => None,
        })
        .collect();
    let entries = super::taint::entries(base, &links);
    let files: Vec<&Arc<FileFacts>> =
        base.files.values().chain(base.inline.values()).filter(|f| f.generated.is_none()).collect();
    let taint_rules: Vec<&(Rule, Arc<CompiledCode>)> = rules.iter().filter(|(_, c)| c.taint.is_some()).collect();
    // Every (rule, file) pair at once: with one large file (a pre-commit of one handler) the
    // rules still run side by side.
    let pairs: Vec<(usize, &Arc<FileFacts>)> =
        (0..taint_rules.len()).flat_map(|r| files.iter().map(move |f| (r, *f))).collect();
    let mut per_rule: Vec<Vec<super::taint::Flow>> = vec![Vec::new(); taint_rules.len()];
    let found: Vec<(usize, Vec<super::taint::Flow>)> = pairs
        .par_iter()
        .map(|&(r, facts)| {
            let code = &taint_rules[r].1;
            (r, super::taint::Engine::new(code, base, &entries).map(|e| e.file(facts)).unwrap_or_default())
        })
        .collect();
    for (r, flows) in found {
        per_rule[r].extend(flows);
    }
    let mut out = Vec::new();
    for ((rule, code), flows) in taint_rules.iter().map(|x| (&x.0, &x.1)).zip(per_rule) {
        for ((file, pos), mut group) in super::taint::by_sink(flows) {
            group.sort_by_key(|f| f.steps.len());
            let Some(first) = group.first() else { continue };
            let message = code.message("", &first.source, &first.sink);
            let identity = format!("{}|{}", first.sink, first.steps.first().map_or("", |s| s.note.as_str()));
            let mut f = finding(rule, &file, pos, message, &identity, models, owners);
            f.flow = first
                .steps
                .iter()
                .map(|s| Related {
                    location: Location { path: s.file.clone(), span: s.pos.span() },
                    message: s.note.clone(),
                })
                .collect();
            out.push(f);
        }
    }
    out
}
