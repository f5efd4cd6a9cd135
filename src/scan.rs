//! The scan pipeline: discover → read → secrets engine and manifest loading (per file, in
//! parallel) → models (per deployable unit: a manifest, or a Terraform module directory) → model
//! rules → findings → sorted report. Everything that crosses a file boundary is sorted, so the
//! output is the same bytes whatever the thread count.

use crate::code::matcher::CompiledCode;
use crate::discover::{self, DiscoverOptions, DiscoveredFile};
use crate::entities::Context;
use crate::finding::{self, Finding, FingerprintKey, KeySource, Location, Redactor, Related};
use crate::frontend;
use crate::loader::{self, Node};
use crate::model::{Format, Model};
use crate::report::{Level, Notification, Report};
use crate::rules::model_matcher::CompiledModel;
use crate::rules::{Compiled, Rule, RuleSet};
use crate::secrets::{Origin, SecretEngine, SecretHit, VendoredDirs};
use crate::source::LineIndex;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;
/// Read buffers larger than this are not kept for the next file.
const MAX_KEPT_BUFFER: usize = 16 << 20;

thread_local! {
    static READ_BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Bytes sniffed for a NUL to call a file binary (as git does).
const BINARY_SNIFF: usize = 8192;
/// Longest snippet shown, in characters.
const MAX_SNIPPET: usize = 160;
/// Bytes of a line a snippet is made from (it shows at most [`MAX_SNIPPET`] characters).
const SNIPPET_BYTES: usize = 4096;
/// Most secret findings reported per file: a dump of a million keys is one problem, and a
/// million findings would exhaust memory (every secret is still redacted from outputs).
pub const MAX_SECRET_FINDINGS: usize = 1000;

#[derive(Debug, Clone)]
pub struct ScanOptions {
    pub paths: Vec<PathBuf>,
    /// Worker threads; 0 picks one per core.
    pub threads: usize,
    pub no_ignore: bool,
    pub max_file_size: u64,
    /// Which files: the paths' files on disk, or git's staged or changed ones under them.
    pub source: Source,
    /// Files left out (the config file's `exclude`).
    pub exclude: Option<crate::config::Exclude>,
    /// Routes public by design (the config file's `public_routes`: `GET /health`, `/status`).
    pub public_routes: Vec<String>,
    /// Show progress on standard error (see `progress::wanted`).
    pub progress: bool,
    /// The fingerprint key (`SLSGUARD_FINGERPRINT_KEY`, the config's `fingerprint_key`); when
    /// `None`, derived from the repository's first commit.
    pub fingerprint_key: Option<String>,
    /// Honour `.ignore` / `.rgignore` files (`--respect-ignore-files`, the config's `respect_ignore_files`).
    pub respect_ignore_files: bool,
    /// Work out each function's least-privilege policy (`Report::policies`, what `slsguard
    /// policy` prints) and the fixes that apply it (`Report::fixes`, the SARIF report's):
    /// neither is a finding, and a gate writing JSON need not pay for them.
    pub policies: bool,
    pub fixes: bool,
}

impl Default for ScanOptions {
    fn default() -> Self {
        Self {
            paths: vec![PathBuf::from(".")],
            threads: 0,
            no_ignore: false,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            source: Source::Paths,
            exclude: None,
            public_routes: Vec::new(),
            progress: false,
            fingerprint_key: None,
            respect_ignore_files: false,
            policies: true,
            fixes: true,
        }
    }
}

/// Where a scan's files come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The files under the paths, on disk.
    Paths,
    /// The content staged in the git index, for the staged files under the paths.
    Staged,
    /// The files under the paths, reporting only on those changed since the merge base of this
    /// revision and HEAD.
    ChangedSince(String),
    /// Each given file as the git index holds it when git tracks it, else from disk: the files
    /// pre-commit passes (`--from-index`).
    Index,
    /// One file read from standard input, scanned as if it were at `display`.
    Stdin { display: String, content: Vec<u8> },
}

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error(transparent)]
    Discover(#[from] discover::DiscoverError),
    #[error("could not start worker threads: {0}")]
    Threads(String),
    #[error(transparent)]
    Git(#[from] crate::git::GitError),
}

/// A file to scan: on disk, or in memory (rule examples, staged content).
#[derive(Debug, Clone)]
pub enum Input {
    Disk(DiscoveredFile),
    Memory { display: String, content: Vec<u8> },
}

impl Input {
    pub fn display(&self) -> &str {
        match self {
            Input::Disk(f) => &f.display,
            Input::Memory { display, .. } => display,
        }
    }
}

/// Everything the scan needs besides the inputs.
pub struct Scanner {
    secrets: Arc<SecretEngine>,
    /// The built-in secret rules too, when some are not selected: secrets are redacted from
    /// what outputs quote of a manifest whatever rules run (`--only iam-*` included).
    redaction: Option<Arc<SecretEngine>>,
    model_rules: Vec<(Rule, Arc<CompiledModel>)>,
    /// Code rules; when there are none, source files are not parsed.
    code_rules: Vec<(Rule, Arc<CompiledCode>)>,
    /// Least-privilege rules (role against code); source files are parsed for them too.
    lp_rules: Vec<(Rule, crate::leastpriv::diff::Check)>,
    max_file_size: u64,
    /// Routes declared public on purpose (`GET /health`): auth rules leave them alone.
    public_routes: Vec<String>,
    /// Alias expansion left for the whole scan, shared by its threads (see `loader::Limits`).
    aliases: loader::AliasPool,
    /// Least-privilege policies and fixes wanted (see [`ScanOptions::policies`]).
    policies: bool,
    fixes: bool,
}

/// What the scan knows about the whole set of files while it reads each one.
#[derive(Default)]
struct ScanContext {
    /// Third-party directories (installed Python packages), from the file list.
    vendored: VendoredDirs,
}

/// A manifest read in the per-file phase.
struct ManifestFile {
    path: String,
    text: Arc<Vec<u8>>,
    /// Secrets found in it, to redact from snippets of model findings.
    hits: Vec<std::ops::Range<usize>>,
    content: ManifestContent,
}

/// A manifest's text and the secrets in it, kept for the snippets of model findings.
struct ManifestText {
    text: Arc<Vec<u8>>,
    secrets: FileSecrets,
    index: LineIndex,
}

/// The secrets found in one file, ready for redacting its lines: their ranges sorted, and
/// their texts (to redact each wherever else it occurs on a line). Built once per file, so a
/// file with many findings costs no more per finding than a file with one.
struct FileSecrets {
    ranges: Vec<std::ops::Range<usize>>,
    /// For each range, the largest end among it and those before it: ranges overlapping a line
    /// are found by binary search whatever their lengths (a decoded run can be long).
    max_end: Vec<usize>,
    known: Redactor,
}

impl FileSecrets {
    fn new(text: &[u8], ranges: &[std::ops::Range<usize>]) -> Self {
        let mut ranges = ranges.to_vec();
        ranges.sort_by_key(|r| (r.start, r.end));
        ranges.dedup();
        let max_end = ranges
            .iter()
            .scan(0, |m, r| {
                *m = r.end.max(*m);
                Some(*m)
            })
            .collect();
        let known = Redactor::new(ranges.iter().map(|r| String::from_utf8_lossy(&text[r.clone()]).into_owned()), None);
        Self { ranges, max_end, known }
    }

    /// The secrets that overlap `line`.
    fn on(&self, line: &std::ops::Range<usize>) -> impl Iterator<Item = &std::ops::Range<usize>> {
        // The first range that could reach the line: before it, every range ends earlier.
        let from = self.max_end.partition_point(|&e| e <= line.start);
        self.ranges[from..].iter().take_while(move |r| r.start < line.end).filter(move |r| r.end > line.start)
    }
}

enum ManifestContent {
    /// A single-file manifest, already built: one model per document of a YAML stream.
    Models(Vec<Model>),
    /// One `.tf` file; the files of a directory make one module.
    Terraform(Node),
}

impl Scanner {
    pub fn new(rules: &RuleSet, max_file_size: u64) -> Self {
        let model_rules = rules
            .rules()
            .iter()
            .filter_map(|r| match &r.compiled {
                Compiled::Model(m) => Some((r.clone(), m.clone())),
                _ => None,
            })
            .collect();
        let code_rules = rules
            .rules()
            .iter()
            .filter_map(|r| match &r.compiled {
                Compiled::Code(c) => Some((r.clone(), c.clone())),
                _ => None,
            })
            .collect();
        let lp_rules = rules
            .rules()
            .iter()
            .filter_map(|r| match &r.compiled {
                Compiled::LeastPrivilege(c) => Some((r.clone(), *c)),
                _ => None,
            })
            .collect();
        Self {
            secrets: Arc::new(SecretEngine::new(rules)),
            redaction: None,
            model_rules,
            code_rules,
            lp_rules,
            max_file_size,
            public_routes: Vec::new(),
            aliases: loader::AliasPool::default(),
            policies: true,
            fixes: true,
        }
    }

    /// Whether least privilege also works out policies and fixes (see [`ScanOptions::policies`]).
    pub fn with_policies(mut self, policies: bool, fixes: bool) -> Self {
        (self.policies, self.fixes) = (policies, fixes);
        self
    }

    /// Do the selected rules read function code (code rules, least-privilege rules)?
    fn reads_code(&self) -> bool {
        !self.code_rules.is_empty() || !self.lp_rules.is_empty()
    }

    /// Also redacts what the built-in secret rules find when `rules` leave some of them out.
    pub fn with_builtin_redaction(mut self, rules: &RuleSet) -> Self {
        let selected = rules.rules().iter().filter(|r| r.builtin && matches!(r.compiled, Compiled::Secret(_))).count();
        if selected == crate::rules::builtin_secret_rule_count() {
            return self;
        }
        let mut all: Vec<Rule> =
            rules.rules().iter().filter(|r| matches!(r.compiled, Compiled::Secret(_))).cloned().collect();
        if let Ok(builtin) = RuleSet::builtin() {
            all.extend(
                builtin
                    .rules()
                    .iter()
                    .filter(|r| matches!(r.compiled, Compiled::Secret(_)) && rules.get(r.id()).is_none())
                    .cloned(),
            );
        }
        self.redaction = Some(Arc::new(SecretEngine::new(&RuleSet::from_rules(all))));
        self
    }

    /// The engine that redacts outputs.
    fn redaction_engine(&self) -> Arc<SecretEngine> {
        self.redaction.clone().unwrap_or_else(|| self.secrets.clone())
    }

    /// Routes (`GET /health`, `/status`) that are public by design.
    pub fn with_public_routes(mut self, routes: Vec<String>) -> Self {
        self.public_routes = routes;
        self
    }

    /// Scans `inputs` (in parallel on the current rayon pool) into one sorted report.
    pub fn scan_inputs(&self, inputs: &[Input]) -> Report {
        self.scan_inputs_counting(inputs, &AtomicUsize::new(0))
    }

    /// Like [`Scanner::scan_inputs`], adding one to `done` per file read (for progress).
    pub fn scan_inputs_counting(&self, inputs: &[Input], done: &AtomicUsize) -> Report {
        let ctx = ScanContext { vendored: vendored_dirs(inputs) };
        let outcomes: Vec<FileOutcome> = inputs
            .par_iter()
            .map(|i| {
                let o = self.scan_one(i, &ctx);
                done.fetch_add(1, Ordering::Relaxed);
                o
            })
            .collect();
        let mut report = Report::default();
        let mut manifests = Vec::new();
        let mut secrets = Vec::new();
        let mut code = CodeFiles::default();
        code.base.paths = inputs.iter().map(|i| i.display().to_string()).collect();
        // CDK apps whose synthesized templates were not scanned: their IAM and auth went unchecked.
        if !self.model_rules.is_empty() {
            let paths: Vec<&str> = inputs.iter().map(Input::display).collect();
            for (path, output) in outcomes.iter().filter_map(|o| o.cdk_app.as_ref()) {
                if !frontend::cdk::synthesized(path, output, &paths) {
                    report.notifications.push(Notification::at(
                        Level::Warning,
                        "cdk-not-synthesized",
                        path,
                        1,
                        1,
                        &frontend::cdk::notice(output),
                    ));
                }
            }
        }
        for (input, o) in outcomes.into_iter().enumerate() {
            secrets.extend(o.secrets);
            report.stats.files_scanned += u64::from(o.scanned);
            report.stats.bytes_scanned += o.bytes;
            report.findings.extend(o.findings);
            report.notifications.extend(o.notifications);
            report.directives.extend(o.directives);
            manifests.extend(o.manifest);
            if let Some(c) = o.code {
                code.texts.insert(c.facts.path.clone(), CodeText { input, sum: c.sum, hits: c.hits });
                code.base.files.insert(c.facts.path.clone(), c.facts);
            }
            if let Some((path, text)) = o.aux {
                code.base.aux.insert(path, text);
            }
        }
        let (findings, functions, policies, fixes) = self.model_findings(manifests, code, inputs);
        report.findings.extend(findings);
        report.policies = policies;
        report.fixes = fixes;
        report.functions = functions;
        report.redactor = Redactor::new(secrets, Some(self.redaction_engine()));
        report.stats.files_skipped = report.notifications.iter().filter(|n| n.skipped).count() as u64;
        report.sort();
        finding::disambiguate(&mut report.findings);
        report
    }

    /// Builds the models (Terraform modules from their directories' files), runs the model
    /// rules on them, and gives each finding its redacted source line.
    fn model_findings(&self, manifests: Vec<ManifestFile>, mut code: CodeFiles, inputs: &[Input]) -> ModelOutcome {
        if manifests.is_empty() && code.base.files.is_empty() {
            return (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        }
        // Least privilege reads the SDK calls of every file beside the sequential building and
        // linking of the models (the other core idled through it), from a copy of the parsed
        // files: linking adds functions' inline code to them.
        let parsed = (!self.lp_rules.is_empty()).then(|| code.base.parsed_files());
        let (read, (texts, models, functions, owners)) = rayon::join(
            || parsed.as_ref().map(crate::leastpriv::read_files).unwrap_or_default(),
            || self.build_models(manifests, &mut code.base),
        );
        // The code rules, the model rules and least privilege are independent: side by side, so
        // that neither core waits for the other's longest task.
        let ((mut code_findings, mut findings), lp) = rayon::join(
            || {
                rayon::join(
                    || {
                        let (mut structural, taint) = rayon::join(
                            || crate::code::stage::structural_findings(&self.code_rules, &code.base, &models, &owners),
                            || crate::code::stage::taint_findings(&self.code_rules, &code.base, &models, &owners),
                        );
                        structural.extend(taint);
                        structural
                    },
                    || {
                        models
                            .par_iter()
                            .flat_map_iter(|model| {
                                let ctx = Context::with_public_routes(model, &self.public_routes);
                                self.model_rules
                                    .iter()
                                    .flat_map(move |(rule, m)| m.evaluate(rule, &ctx))
                                    .collect::<Vec<_>>()
                            })
                            .collect::<Vec<Finding>>()
                    },
                )
            },
            || self.least_privilege(&models, &code.base, &texts, read),
        );
        // Missing permissions point at the call in the code; the others at the manifest.
        code_findings.extend(lp.missing);
        let (lp_findings, policies, fixes) = (lp.findings, lp.policies, lp.fixes);
        findings.extend(lp_findings);
        crate::leastpriv::diff::merge_causes(&models, &mut findings);
        // Source files are read again for their findings' lines (once each, side by side):
        // keeping the text of every parsed file until now cost as much memory as the sources
        // themselves.
        let reread: BTreeSet<&str> = findings
            .iter()
            .filter(|f| !texts.contains_key(&f.location.path))
            .chain(&code_findings)
            .map(|f| f.location.path.as_str())
            .filter(|p| code.texts.contains_key(*p))
            .collect();
        let sources: HashMap<String, (Vec<u8>, LineIndex, FileSecrets)> = reread
            .into_par_iter()
            .filter_map(|path| {
                let t = code.texts.get(path)?;
                let text = self.reread(&inputs[t.input], t.sum)?;
                let (index, secrets) = (LineIndex::new(&text), FileSecrets::new(&text, &t.hits));
                Some((path.to_string(), (text, index, secrets)))
            })
            .collect();
        let code_snippet = |f: &mut Finding| {
            if let Some((text, index, secrets)) = sources.get(&f.location.path) {
                f.snippet = line_snippet(f, text, index, secrets);
            }
        };
        findings.par_iter_mut().for_each(|f| {
            if let Some(ManifestText { text, secrets, index }) = texts.get(&f.location.path) {
                f.snippet = line_snippet(f, text, index, secrets);
            } else {
                // A model declared in code (Chalice).
                code_snippet(f);
            }
        });
        code_findings.par_iter_mut().for_each(code_snippet);
        findings.extend(code_findings);
        (findings, functions, policies, fixes)
    }

    /// The models of the manifests (Terraform modules from their directories' files, Chalice
    /// apps from their code), their functions linked to their code, and each manifest's text.
    fn build_models(&self, manifests: Vec<ManifestFile>, base: &mut crate::code::stage::CodeBase) -> BuiltModels {
        let mut texts: HashMap<String, ManifestText> = HashMap::new();
        let mut models = Vec::new();
        let mut modules: BTreeMap<String, Vec<(String, Node)>> = BTreeMap::new();
        for m in manifests {
            // One line index per file, however many findings it has.
            let index = LineIndex::new(&m.text);
            let secrets = FileSecrets::new(&m.text, &m.hits);
            texts.insert(m.path.clone(), ManifestText { text: m.text, secrets, index });
            match m.content {
                ManifestContent::Models(m) => models.extend(m),
                ManifestContent::Terraform(node) => {
                    let dir = m.path.rsplit_once('/').map_or("", |(d, _)| d).to_string();
                    modules.entry(dir).or_default().push((m.path, node));
                }
            }
        }
        models.extend(modules.values().map(|files| frontend::terraform::build(files)));
        // Chalice apps, from their code; the policy files they name are part of them.
        let (chalice, claimed) = crate::code::chalice::models(base);
        models.retain(|m| m.format != Format::PolicyDocument || !m.files.iter().any(|f| claimed.contains(f)));
        models.extend(chalice);
        // The code stage: functions linked to their code, then the code rules.
        if self.reads_code() {
            crate::code::handlers::link(&mut models, base);
            crate::code::evidence::fill(&mut models, base);
        }
        let functions = function_codes(&models);
        let owners = crate::code::stage::owners(&models);
        (texts, models, functions, owners)
    }

    /// The text `input` was scanned as, read again; none when it is no longer the same (it
    /// changed during the scan: its secrets' positions would not hold) or cannot be read.
    fn reread(&self, input: &Input, sum: TextSum) -> Option<Vec<u8>> {
        let text = match input {
            Input::Memory { content, .. } => decode(content)?.into_owned(),
            Input::Disk(f) => {
                let mut buf = Vec::new();
                match read_file(&f.path, self.max_file_size, &mut buf) {
                    Ok(FileRead::Text) => decode(&buf)?.into_owned(),
                    _ => return None,
                }
            }
        };
        (TextSum::of(&text) == sum).then_some(text)
    }

    /// The least-privilege rules, the policy of each function and the fixes that apply it.
    fn least_privilege(
        &self,
        models: &[Model],
        base: &crate::code::stage::CodeBase,
        texts: &HashMap<String, ManifestText>,
        read: crate::leastpriv::ReadFiles,
    ) -> LeastPrivilege {
        let mut out = LeastPrivilege::default();
        if self.lp_rules.is_empty() {
            return out;
        }
        let needs = crate::leastpriv::needs(models, base, read);
        // Policies, fixes and each rule on each model are independent: side by side, or this
        // single-threaded tail of the scan took as long as the rest of it (1,000 functions).
        let checks: Vec<_> = self
            .lp_rules
            .iter()
            .flat_map(|(rule, check)| models.iter().zip(&needs).map(move |(m, n)| (rule, *check, m, n)))
            .collect();
        let ((policies, fixes), found) = rayon::join(
            || {
                rayon::join(
                    || if self.policies { crate::leastpriv::policy::policies(models, &needs) } else { Vec::new() },
                    || {
                        if !self.fixes {
                            return Vec::new();
                        }
                        crate::leastpriv::fix::fixes(models, &needs, &|p| {
                            texts.get(p).and_then(|t| std::str::from_utf8(&t.text).ok())
                        })
                    },
                )
            },
            || {
                checks
                    .par_iter()
                    .map(|(rule, check, m, n)| (*check, crate::leastpriv::diff::findings(rule, *check, m, n)))
                    .collect::<Vec<_>>()
            },
        );
        (out.policies, out.fixes) = (policies, fixes);
        for (check, found) in found {
            if check == crate::leastpriv::diff::Check::Missing {
                out.missing.extend(found);
            } else {
                out.findings.extend(found);
            }
        }
        out
    }

    /// Parses a YAML/JSON/HCL file that may be a manifest. Parse errors are reported only for
    /// files that look like manifests.
    fn load_manifest(&self, path: &str, text: &[u8], out: &mut FileOutcome) -> Option<ManifestContent> {
        if self.model_rules.is_empty() && !self.reads_code() {
            return None;
        }
        let name = path.rsplit('/').next().unwrap_or(path);
        let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
        let kind = match ext.as_str() {
            "yml" | "yaml" | "template" => "YAML",
            "json" => "JSON",
            "tf" => "HCL",
            _ => return None,
        };
        if kind != "HCL" && !frontend::may_be_manifest(text) {
            return None;
        }
        let report = |out: &mut FileOutcome, line: u32, column: u32, message: String| {
            out.notifications.push(Notification::at(Level::Warning, "parse-error", path, line, column, &message));
        };
        let text = match std::str::from_utf8(text) {
            Ok(t) => t,
            Err(e) => {
                let at = e.valid_up_to();
                let pos = LineIndex::new(text).position(text, at);
                let byte = text.get(at).map_or(String::new(), |b| format!(" (byte 0x{b:02X})"));
                report(
                    out,
                    pos.line,
                    pos.column,
                    format!("not valid UTF-8{byte}; read as text for secrets only, not as {kind}"),
                );
                return None;
            }
        };
        // Every document of a YAML stream is a manifest of its own.
        let budget = loader::Budget::with_pool(loader::Limits::DEFAULT, &self.aliases);
        let parsed = match kind {
            "YAML" => loader::yaml::parse_with(text, &budget),
            "JSON" => loader::json::parse_with(text, &budget).map(|doc| vec![doc]),
            _ => loader::hcl::parse_with(text, &budget).map(|doc| vec![doc]),
        };
        match parsed {
            Ok(mut docs) if kind == "HCL" => docs.pop().map(ManifestContent::Terraform),
            Ok(docs) => {
                let models: Vec<Model> = docs
                    .iter()
                    .filter_map(|doc| frontend::detect(doc).map(|format| frontend::build(doc, path, format)))
                    .collect();
                (!models.is_empty()).then_some(ManifestContent::Models(models))
            }
            Err(e) => {
                // Only files that are manifests by name or content are worth a warning; a broken
                // YAML file that merely mentions "provider" is not ours to judge.
                let manifest_like = kind == "HCL"
                    || name.starts_with("serverless.")
                    || name.starts_with("template.")
                    || name.ends_with(".template.json")
                    || name == "function.json"
                    || text.contains("AWSTemplateFormatVersion")
                    || text.contains("Type: AWS::")
                    || text.contains("\"Type\": \"AWS::")
                    || (text.contains("Statement") && text.contains("Effect"));
                // A file over the loader's limits is reported whatever it looks like: hostile
                // input must not hide in a file that merely does not look like a manifest.
                if manifest_like || e.over_limit {
                    let verb = if e.over_limit { "load" } else { "parse" };
                    report(
                        out,
                        e.line,
                        e.column,
                        format!(
                            "could not {verb} {kind}: {}; model rules skipped this file (secrets were checked)",
                            e.message
                        ),
                    );
                }
                None
            }
        }
    }

    fn scan_one(&self, input: &Input, ctx: &ScanContext) -> FileOutcome {
        let display = input.display();
        let mut out = FileOutcome::default();
        match input {
            Input::Memory { content, .. } => {
                self.decode_and_scan(display, content, ctx, &mut out);
                out
            }
            Input::Disk(f) => READ_BUFFER.with(|cell| {
                // One buffer per worker thread: a fresh allocation per file costs page faults and
                // zeroing on every large file.
                let mut buf = cell.borrow_mut();
                buf.clear();
                self.read_and_scan(display, &f.path, &mut buf, ctx, &mut out);
                if buf.capacity() > MAX_KEPT_BUFFER {
                    *buf = Vec::new();
                }
                out
            }),
        }
    }

    fn read_and_scan(
        &self,
        display: &str,
        path: &std::path::Path,
        buf: &mut Vec<u8>,
        ctx: &ScanContext,
        out: &mut FileOutcome,
    ) {
        match read_file(path, self.max_file_size, buf) {
            Ok(FileRead::Text) => {}
            Ok(FileRead::Binary) => {
                out.notifications.push(binary_skipped(display));
                return;
            }
            Ok(FileRead::TooLarge(size)) => {
                out.notifications.push(Notification::skipped(
                    Level::Warning,
                    "too-large",
                    display,
                    &format!("skipped: {size} bytes is over the --max-file-size limit of {} bytes", self.max_file_size),
                ));
                return;
            }
            Err(e) => {
                out.notifications.push(Notification::skipped(
                    Level::Error,
                    "unreadable",
                    display,
                    &format!("could not read: {e}"),
                ));
                return;
            }
        }
        self.decode_and_scan(display, buf, ctx, out);
    }

    /// Text in any encoding slsguard reads (UTF-8, with or without a BOM; UTF-16 and UTF-32
    /// with a BOM) is scanned as UTF-8; binary content is reported and skipped.
    fn decode_and_scan(&self, display: &str, bytes: &[u8], ctx: &ScanContext, out: &mut FileOutcome) {
        match decode(bytes) {
            Some(text) => {
                self.scan_bytes(display, &text, ctx, out);
                if out.scanned {
                    out.bytes = bytes.len() as u64;
                }
            }
            None => out.notifications.push(binary_skipped(display)),
        }
    }

    /// Secrets and manifests of one file's text.
    fn scan_bytes(&self, display: &str, bytes: &[u8], ctx: &ScanContext, out: &mut FileOutcome) {
        let installed = ctx.vendored.installed(display);
        let origin = if self.secrets.is_empty() {
            Origin::FirstParty
        } else if installed {
            Origin::Vendored
        } else {
            ctx.vendored.origin(display, bytes)
        };
        let (mut hits, complete) = self.secrets.scan_bounded(display, bytes, origin, SecretEngine::budget(bytes.len()));
        if !complete {
            out.notifications.push(Notification::about(
                Level::Error,
                "secrets-budget",
                display,
                &format!(
                    "the secrets scan stopped at its work budget ({} bytes of regex work for a {}-byte file): secrets after that point may be missed",
                    SecretEngine::budget(bytes.len()),
                    bytes.len()
                ),
            ));
        }
        // A report of slsguard's own holds no full secret; if this one holds one, it is not
        // a genuine report and is scanned like any file.
        if hits.is_empty() {
            if let Some(kind) = crate::report::recognize::own_report(bytes) {
                out.notifications.push(Notification::skipped(
                    Level::Note,
                    "slsguard-report",
                    display,
                    &format!("slsguard's own {kind}: not scanned"),
                ));
                return;
            }
        }
        out.scanned = true;
        out.bytes = bytes.len() as u64;
        out.directives = crate::suppress::directives(display, bytes);
        if display.rsplit('/').next() == Some("cdk.json") {
            out.cdk_app = Some((display.to_string(), frontend::cdk::output_dir(bytes)));
        }
        // A pair's companion (an access key ID) is redacted like the secret.
        out.secrets.extend(hits.iter().flat_map(hit_ranges).map(|r| String::from_utf8_lossy(&bytes[r]).into_owned()));
        if let Some(content) = self.load_manifest(display, bytes, out) {
            let mut ranges: Vec<std::ops::Range<usize>> = hits.iter().flat_map(hit_ranges).collect();
            if let Some(extra) = &self.redaction {
                for h in extra.scan(display, bytes) {
                    out.secrets.push(String::from_utf8_lossy(&bytes[h.secret.clone()]).into_owned());
                    ranges.push(h.secret);
                }
            }
            out.manifest =
                Some(ManifestFile { path: display.to_string(), text: Arc::new(bytes.to_vec()), hits: ranges, content });
        }
        if installed || crate::code::graph::is_dependency(display) {
            // Installed third-party code is no function's own code: module graphs leave it
            // out, and parsing it (a vendored crate tree, a package) cost more than the app.
            // (A bundle goes on: the code stage reports one too large to analyse.)
        } else if !self.reads_code() {
            // A Chalice app declares its functions and routes in code: the model rules need it.
            if !self.model_rules.is_empty() && chalice_file(display) {
                self.parse_code(display, bytes, &hits, out);
            }
        } else {
            self.parse_code(display, bytes, &hits, out);
            // Literals the code assigns to secret-looking names: the secret rules judge them,
            // with the name as evidence.
            if let Some(code) = &out.code {
                for (name, range) in crate::code::literals::named(&code.facts) {
                    let Some(value) = bytes.get(range.clone()) else { continue };
                    for mut h in self.secrets.scan_named_literal(display, &name, value) {
                        h.secret = range.start + h.secret.start..range.start + h.secret.end;
                        if hits.iter().any(|x| x.secret.start < h.secret.end && h.secret.start < x.secret.end) {
                            continue;
                        }
                        out.secrets.push(String::from_utf8_lossy(&bytes[h.secret.clone()]).into_owned());
                        h.detail = Some(format!("assigned to `{name}`"));
                        hits.push(h);
                    }
                }
                hits.sort_by_key(|h| (h.secret.start, h.rule));
            }
        }
        if hits.len() > MAX_SECRET_FINDINGS {
            out.notifications.push(Notification::about(
                Level::Warning,
                "too-many-secrets",
                display,
                &format!(
                    "{} secrets found; the first {MAX_SECRET_FINDINGS} are reported (every one is still redacted from outputs)",
                    hits.len()
                ),
            ));
        }
        if !hits.is_empty() {
            out.findings = self.secret_findings(display, bytes, &hits);
        }
    }

    /// Parses a source file into code facts (once: every code analysis shares them), reporting
    /// what could not be parsed; keeps the small project files handler resolution reads.
    fn parse_code(&self, display: &str, bytes: &[u8], hits: &[SecretHit], out: &mut FileOutcome) {
        let name = display.rsplit('/').next().unwrap_or(display);
        if matches!(name, "Cargo.toml" | "go.mod" | "package.json" | "tsconfig.json")
            || (display.contains(".chalice/") && name.ends_with(".json"))
        {
            out.aux = Some((display.to_string(), Arc::new(bytes.to_vec())));
            return;
        }
        let Some(facts) = crate::code::facts(display, bytes) else { return };
        // Not `parse-error`: source code that tree-sitter cannot read (JSX in .js, templates,
        // Python 2) leaves the manifests' IAM and auth checked, so it must not fail the gate.
        for p in &facts.problems {
            out.notifications.push(Notification::at(
                Level::Warning,
                "code-parse-error",
                display,
                p.line,
                p.column,
                &p.message,
            ));
        }
        out.code = Some(CodeFile {
            facts: Arc::new(facts),
            sum: TextSum::of(bytes),
            hits: hits.iter().map(|h| h.secret.clone()).collect(),
        });
    }

    fn secret_findings(&self, path: &str, text: &[u8], hits: &[SecretHit]) -> Vec<Finding> {
        let index = LineIndex::new(text);
        let ranges: Vec<std::ops::Range<usize>> = hits.iter().flat_map(hit_ranges).collect();
        let secrets = FileSecrets::new(text, &ranges);
        let hits = &hits[..hits.len().min(MAX_SECRET_FINDINGS)];
        // Every position at once: a minified line with many findings is counted through once.
        let offsets: Vec<usize> = hits
            .iter()
            .flat_map(|h| {
                let r = h.related.as_ref().map_or(&h.secret, |(r, _)| r);
                [h.secret.start, h.secret.end, r.start, r.end]
            })
            .collect();
        let positions = index.positions(text, &offsets);
        hits.iter()
            .zip(positions.chunks_exact(4))
            .map(|(h, pos)| {
                let rule = self.secrets.rule(h.rule);
                let secret = String::from_utf8_lossy(&text[h.secret.clone()]);
                let span = crate::source::Span::new(pos[0], pos[1]);
                let line = index.line_range(text, span.start.line);
                let mut message = format!("{} `{}`", rule.spec.title, finding::redact(&secret));
                let mut related = Vec::new();
                let mut notes: Vec<String> = h.detail.iter().cloned().collect();
                if let Some((r, label)) = &h.related {
                    let value = String::from_utf8_lossy(&text[r.clone()]);
                    let rspan = crate::source::Span::new(pos[2], pos[3]);
                    notes.push(format!("with its {label} `{}` on line {}", finding::redact(&value), rspan.start.line));
                    related.push(Related {
                        location: Location { path: path.to_string(), span: rspan },
                        message: format!("the {label}"),
                    });
                }
                if !notes.is_empty() {
                    message.push_str(&format!(" ({})", notes.join("; ")));
                }
                Finding {
                    rule_id: rule.spec.id.clone(),
                    severity: rule.spec.severity,
                    message,
                    location: Location { path: path.to_string(), span },
                    related,
                    snippet: snippet(text, line, &secrets),
                    fingerprint: finding::fingerprint(&rule.spec.id, path, &finding::sha256_hex(secret.as_bytes())),
                    flow: Vec::new(),
                }
            })
            .collect()
    }
}

/// Every function of the models with its code link, for reports.
fn function_codes(models: &[Model]) -> Vec<crate::report::FunctionCode> {
    let mut out: Vec<crate::report::FunctionCode> = models
        .iter()
        .flat_map(|m| {
            m.functions.iter().map(|f| crate::report::FunctionCode {
                manifest: m.path(f.loc.file).to_string(),
                line: f.loc.span.start.line,
                name: f.name.clone(),
                code: f.code.clone(),
            })
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The ranges a hit redacts: the secret, and a pair's companion value.
fn hit_ranges(h: &SecretHit) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    std::iter::once(h.secret.clone()).chain(h.related.as_ref().map(|(r, _)| r.clone()))
}

/// The installed Python packages among `inputs` (see `VendoredDirs`): their distributions'
/// `RECORD` and `top_level.txt` are read here, before the parallel pass.
fn vendored_dirs(inputs: &[Input]) -> VendoredDirs {
    let paths: Vec<&str> = inputs.iter().map(Input::display).collect();
    if !paths.iter().any(|p| p.contains(".dist-info/") || p.contains(".egg-info/")) {
        return VendoredDirs::default();
    }
    let by_path: HashMap<&str, &Input> = inputs.iter().map(|i| (i.display(), i)).collect();
    VendoredDirs::from_paths(&paths, |p| match by_path.get(p)? {
        Input::Memory { content, .. } => Some(content.clone()),
        Input::Disk(f) => {
            let mut buf = Vec::new();
            // Metadata files are small; a huge one is not metadata.
            matches!(read_file(&f.path, 4 << 20, &mut buf), Ok(FileRead::Text)).then_some(buf)
        }
    })
}

/// The line of `text` a finding starts on, as [`snippet`] shows it.
fn line_snippet(f: &Finding, text: &[u8], index: &LineIndex, secrets: &FileSecrets) -> String {
    snippet(text, index.line_range(text, f.location.span.start.line), secrets)
}

/// The line `line` of `text` with every secret on it redacted — where it was found, and every
/// other occurrence of any secret found in the file — then trimmed to a readable length
/// (after redaction, so a cut never leaves part of a secret unredacted).
fn snippet(text: &[u8], line: std::ops::Range<usize>, secrets: &FileSecrets) -> String {
    // Only the start of a long line can be shown: the line is cut first to a few KiB, but never
    // inside a secret, so the cut cannot leave part of one unredacted.
    let mut end = line.end.min(line.start + SNIPPET_BYTES);
    for r in secrets.on(&(line.start..end)) {
        end = end.max(r.end.min(line.end));
    }
    // Marked, so that the report's redaction sees a secret of another file that the cut left
    // the start of (`Redactor::find`).
    let cut = end < line.end;
    let line = line.start..end;
    // The line as text, with the secrets' byte offsets moved to offsets in that text (invalid
    // UTF-8 changes lengths).
    let on_line: Vec<std::ops::Range<usize>> =
        secrets.on(&line).map(|h| h.start.max(line.start)..h.end.min(line.end)).collect();
    let mut cuts: Vec<usize> = on_line.iter().flat_map(|r| [r.start, r.end]).collect();
    cuts.push(line.end);
    cuts.sort_unstable();
    cuts.dedup();
    let mut line_text = String::with_capacity(line.len());
    let mut at_cut = HashMap::new();
    let mut at = line.start;
    at_cut.insert(at, 0);
    for c in cuts {
        line_text.push_str(&String::from_utf8_lossy(&text[at..c]));
        at_cut.insert(c, line_text.len());
        at = c;
    }
    let mut ranges: Vec<std::ops::Range<usize>> = on_line
        .iter()
        .map(|r| at_cut.get(&r.start).copied().unwrap_or(0)..at_cut.get(&r.end).copied().unwrap_or(0))
        .collect();
    ranges.extend(secrets.known.find(&line_text));
    let out = if ranges.is_empty() { line_text } else { finding::redact_ranges(&line_text, ranges) };
    let trimmed = if cut { out.trim_start() } else { out.trim() };
    if trimmed.chars().count() > MAX_SNIPPET {
        let mut s: String = trimmed.chars().take(MAX_SNIPPET).collect();
        s.push('…');
        s
    } else if cut {
        format!("{trimmed}…")
    } else {
        trimmed.to_string()
    }
}

enum FileRead {
    /// The text is in the buffer.
    Text,
    Binary,
    TooLarge(u64),
}

/// Reads a text file into `buf` (cleared by the caller).
fn read_file(path: &std::path::Path, max: u64, buf: &mut Vec<u8>) -> std::io::Result<FileRead> {
    let mut f = std::fs::File::open(path)?;
    let size = f.metadata()?.len();
    if size > max {
        return Ok(FileRead::TooLarge(size));
    }
    buf.reserve(size as usize + 1);
    // Sniff first: most of a binary file need not be read at all.
    (&mut f).take(BINARY_SNIFF as u64).read_to_end(buf)?;
    if bom(buf).is_none() && is_binary(buf) {
        return Ok(FileRead::Binary);
    }
    // `take` guards against a file that grew since its size was read.
    f.take(max.saturating_sub(buf.len() as u64) + 1).read_to_end(buf)?;
    if buf.len() as u64 > max {
        return Ok(FileRead::TooLarge(buf.len() as u64));
    }
    Ok(FileRead::Text)
}

/// Files that may be deployment manifests, by name: read whole even when only changed files
/// are reported on.
fn is_manifest_name(path: &str) -> bool {
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    matches!(ext.as_str(), "yml" | "yaml" | "json" | "template" | "tf")
}

/// A text encoding announced by a byte-order mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bom {
    Utf8,
    Utf16Le,
    Utf16Be,
    Utf32Le,
    Utf32Be,
}

fn bom(bytes: &[u8]) -> Option<Bom> {
    // UTF-32LE's mark starts with UTF-16LE's: test it first.
    match bytes {
        [0xFF, 0xFE, 0, 0, ..] => Some(Bom::Utf32Le),
        [0, 0, 0xFE, 0xFF, ..] => Some(Bom::Utf32Be),
        [0xEF, 0xBB, 0xBF, ..] => Some(Bom::Utf8),
        [0xFF, 0xFE, ..] => Some(Bom::Utf16Le),
        [0xFE, 0xFF, ..] => Some(Bom::Utf16Be),
        _ => None,
    }
}

/// The text of a file as UTF-8, or `None` when it is binary. A byte-order mark is dropped
/// (editors do not count it as a column) and UTF-16/32 are decoded, so lines and columns
/// (counted in code points) are those of the file as written; unpaired surrogates and
/// truncated units become U+FFFD.
pub fn decode(bytes: &[u8]) -> Option<std::borrow::Cow<'_, [u8]>> {
    use std::borrow::Cow;
    let units = |width: usize, skip: usize, read: fn(&[u8]) -> u32| -> Vec<u32> {
        bytes[skip..].chunks(width).map(|c| if c.len() == width { read(c) } else { 0xFFFD }).collect()
    };
    let text: String = match bom(bytes) {
        Some(Bom::Utf8) => return Some(Cow::Borrowed(&bytes[3..])),
        Some(Bom::Utf16Le) => char::decode_utf16(
            units(2, 2, |c| u32::from(u16::from_le_bytes([c[0], c[1]]))).into_iter().map(|u| u as u16),
        )
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect(),
        Some(Bom::Utf16Be) => char::decode_utf16(
            units(2, 2, |c| u32::from(u16::from_be_bytes([c[0], c[1]]))).into_iter().map(|u| u as u16),
        )
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect(),
        Some(Bom::Utf32Le) => units(4, 4, |c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .into_iter()
            .map(|u| char::from_u32(u).unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect(),
        Some(Bom::Utf32Be) => units(4, 4, |c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
            .into_iter()
            .map(|u| char::from_u32(u).unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect(),
        None if is_binary(bytes) => return None,
        None => return Some(Cow::Borrowed(bytes)),
    };
    Some(Cow::Owned(text.into_bytes()))
}

/// Binary or text, from the first [`BINARY_SNIFF`] bytes (docs/security.md, "What is
/// scanned"). A stray NUL does not make a file binary (an editor or a bad merge leaves one in a
/// manifest): it is binary when more than 4 bytes and more than one in 64 are NUL, or when
/// other control characters (not tab, LF, VT, FF, CR or ESC) are more than one byte in 10, or
/// more than one in 50 in content that is not valid UTF-8 — executables and compressed data
/// are, text in any 8-bit encoding is not.
fn is_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(BINARY_SNIFF)];
    let nul = memchr::memchr_iter(0, head).count();
    let control = head
        .iter()
        .filter(|&&b| b != 0 && b < 0x20 && !matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | 0x1B))
        .count();
    // A character cut by the end of the sniffed bytes is not invalid.
    let invalid_utf8 = std::str::from_utf8(head).is_err_and(|e| e.error_len().is_some());
    (nul > 4 && nul * 64 > head.len()) || control * 10 > head.len() || (invalid_utf8 && control * 50 > head.len())
}

/// Names of files that hold deployment manifests or configuration (and so, often, secrets):
/// skipping one is worth a warning.
pub fn looks_like_config(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    matches!(
        ext,
        "yml"
            | "yaml"
            | "json"
            | "template"
            | "tf"
            | "tfvars"
            | "hcl"
            | "env"
            | "ini"
            | "toml"
            | "cfg"
            | "conf"
            | "config"
            | "properties"
            | "xml"
            | "plist"
            | "pem"
            | "key"
    ) || name.starts_with(".env")
        || matches!(name.as_str(), "dockerfile" | ".npmrc" | ".pypirc" | ".netrc" | "credentials" | ".dockercfg")
}

/// The notification for a binary file: routine, unless its name says it should be text.
fn binary_skipped(display: &str) -> Notification {
    if looks_like_config(display) {
        Notification::skipped(
            Level::Warning,
            "binary",
            display,
            "skipped as binary, yet its name says manifest or configuration: it holds NUL bytes or control characters in its first 8 KiB and no byte-order mark (save it as UTF-8 or UTF-16 with a BOM)",
        )
    } else {
        Notification::skipped(Level::Note, "binary", display, "binary file skipped")
    }
}

/// A file a Chalice app is declared in: its `app.py` and `.chalice/*.json`.
fn chalice_file(display: &str) -> bool {
    let name = display.rsplit('/').next().unwrap_or(display);
    name == "app.py" || (display.contains(".chalice/") && name.ends_with(".json"))
}

/// What [`Scanner::build_models`] gives: the manifests' texts, the models, their functions'
/// code links as reported, and which function owns each file.
type BuiltModels =
    (HashMap<String, ManifestText>, Vec<Model>, Vec<crate::report::FunctionCode>, HashMap<String, Vec<(usize, usize)>>);

/// What the model stage gives the report: findings, functions with their code (the JSON report
/// says which could not be analysed, and why), and least-privilege policies.
type ModelOutcome = (
    Vec<Finding>,
    Vec<crate::report::FunctionCode>,
    Vec<crate::leastpriv::policy::FunctionPolicy>,
    Vec<crate::leastpriv::fix::Fix>,
);

/// What least privilege gives: the `iam-missing-permission` findings (at calls in the code), the
/// other findings (at the manifest), each function's policy and the fixes that apply them.
#[derive(Default)]
struct LeastPrivilege {
    missing: Vec<Finding>,
    findings: Vec<Finding>,
    policies: Vec<crate::leastpriv::policy::FunctionPolicy>,
    fixes: Vec<crate::leastpriv::fix::Fix>,
}

/// A parsed source file, with what its findings' snippets need: the secrets in it, and a
/// check that its text, read again, is still what was scanned.
struct CodeFile {
    facts: Arc<crate::code::FileFacts>,
    sum: TextSum,
    hits: Vec<std::ops::Range<usize>>,
}

/// The length and a hash of a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TextSum {
    len: usize,
    hash: u64,
}

impl TextSum {
    fn of(text: &[u8]) -> Self {
        use std::hash::Hasher;
        // Fixed keys: the same text gives the same sum within a run.
        let mut h = std::hash::DefaultHasher::new();
        h.write(text);
        Self { len: text.len(), hash: h.finish() }
    }
}

/// Where a parsed file's text comes from again (its index among the inputs), with its sum and
/// secrets.
struct CodeText {
    input: usize,
    sum: TextSum,
    hits: Vec<std::ops::Range<usize>>,
}

/// The code side of a scan, gathered after the per-file phase.
#[derive(Default)]
struct CodeFiles {
    base: crate::code::stage::CodeBase,
    /// Each parsed file's input and secret ranges, for snippets.
    texts: HashMap<String, CodeText>,
}

#[derive(Default)]
struct FileOutcome {
    /// An AWS CDK app's `cdk.json`: its path and the directory `cdk synth` writes to.
    cdk_app: Option<(String, String)>,
    code: Option<CodeFile>,
    aux: Option<(String, Arc<Vec<u8>>)>,
    scanned: bool,
    /// The secrets found, for redacting every occurrence from outputs.
    secrets: Vec<String>,
    bytes: u64,
    findings: Vec<Finding>,
    notifications: Vec<Notification>,
    manifest: Option<ManifestFile>,
    directives: Vec<crate::suppress::Directive>,
}

/// Scans the paths of `opts` with `rules`.
pub fn scan(opts: &ScanOptions, rules: &RuleSet) -> Result<Report, ScanError> {
    // The fingerprint key may take two git processes: they run while the files are scanned,
    // since starting them is a large part of a pre-commit run over one small file.
    // Outside a repository there is no process to wait for: no thread either (on a busy
    // machine, waiting for one to be scheduled cost more than the rest of the run).
    let key = if opts.fingerprint_key.is_none() && crate::git::may_be_in_repository(&key_dir(opts.paths.first())) {
        let (given, first) = (opts.fingerprint_key.clone(), opts.paths.first().cloned());
        Err(std::thread::spawn(move || fingerprint_key(given.as_deref(), first.as_ref())))
    } else {
        Ok(fingerprint_key(opts.fingerprint_key.as_deref(), opts.paths.first()))
    };
    let dopts = DiscoverOptions {
        no_ignore: opts.no_ignore,
        respect_ignore_files: opts.respect_ignore_files,
        threads: if opts.threads == 0 { 0 } else { worker_threads(opts.threads) },
    };
    let mut notes = Vec::new();
    // With --changed-since, only changed files are reported on, but every manifest is read so
    // that facts spanning files (which role a function uses, a Terraform module) stay right.
    let mut changed = None;
    let mut inputs: Vec<Input> = match &opts.source {
        Source::Staged => {
            let (inputs, skipped) = crate::git::staged(&opts.paths, opts.max_file_size)?;
            notes = skipped;
            inputs
        }
        Source::Stdin { display, content } => {
            vec![Input::Memory { display: display.clone(), content: content.clone() }]
        }
        Source::Index => {
            let (mut inputs, untracked, skipped) = crate::git::index_or_disk(&opts.paths, opts.max_file_size)?;
            notes = skipped;
            if !untracked.is_empty() {
                let (files, problems) = discover::discover(&untracked, &dopts)?;
                for p in problems {
                    notes.push(Notification::skipped(Level::Error, "unreadable", &p.path, &p.message));
                }
                inputs.extend(files.into_iter().map(Input::Disk));
                inputs.sort_by(|a, b| a.display().cmp(b.display()));
            }
            inputs
        }
        Source::Paths | Source::ChangedSince(_) => {
            let only = match &opts.source {
                Source::ChangedSince(rev) => Some(crate::git::changed_since(rev, &opts.paths)?),
                _ => None,
            };
            let (files, problems) = discover::discover(&opts.paths, &dopts)?;
            for p in problems {
                notes.push(Notification::skipped(Level::Error, "unreadable", &p.path, &p.message));
            }
            let inputs = files
                .into_iter()
                .filter(|f| {
                    only.as_ref().is_none_or(|c| {
                        c.contains(&f.display)
                            || is_manifest_name(&f.display)
                            // Module graphs and calls into other files span unchanged files too.
                            || crate::code::Language::of_path(&f.display).is_some()
                    })
                })
                .map(Input::Disk)
                .collect();
            changed = only;
            inputs
        }
    };
    if let Some(ex) = &opts.exclude {
        inputs.retain(|i| !ex.matches(i.display()));
        notes.retain(|n| !ex.matches(&n.path));
    }
    // A gate that scanned nothing passes; when the tree is not empty, that must be visible.
    if inputs.is_empty()
        && matches!(opts.source, Source::Paths | Source::ChangedSince(_))
        && discover::holds_files(&opts.paths)
    {
        let shown: Vec<String> = opts.paths.iter().map(|p| discover::display_path(p, None)).collect();
        notes.push(Notification::about(
            Level::Warning,
            "nothing-scanned",
            &shown.join(" "),
            "no file was scanned, yet there are files here: ignore files or the configuration's `exclude` leave out every one (docs/security.md#what-is-scanned); with --strict this is an error",
        ));
    }
    let scanner = Scanner::new(rules, opts.max_file_size)
        .with_public_routes(opts.public_routes.clone())
        .with_policies(opts.policies, opts.fixes)
        .with_builtin_redaction(rules);
    // Started once there is work for them (idle workers waiting for it took CPU time from the
    // thread preparing it), and no more of them than files.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(if inputs.len() <= 1 { 1 } else { worker_threads(opts.threads).min(inputs.len()) })
        // Code analysis recurses over syntax trees (to bounded depths); reserve room for it.
        .stack_size(16 << 20)
        .build()
        .map_err(|e| ScanError::Threads(e.to_string()))?;
    let progress = opts.progress.then(|| crate::progress::Progress::start(inputs.len()));
    let done = progress.as_ref().map_or_else(|| Arc::new(AtomicUsize::new(0)), |p| p.counter());
    let mut report = pool.install(|| scanner.scan_inputs_counting(&inputs, &done));
    drop(progress);
    report.notifications.extend(notes);
    let (key, key_note) = key.unwrap_or_else(|thread| {
        thread.join().unwrap_or_else(|_| fingerprint_key(opts.fingerprint_key.as_deref(), opts.paths.first()))
    });
    report.fingerprint_key = key;
    report.notifications.extend(key_note);
    report.files = inputs.iter().map(|i| i.display().to_string()).collect();
    if let Some(changed) = changed {
        report.files.retain(|p| changed.contains(p));
        report.findings.retain(|f| changed.contains(&f.location.path));
        report.notifications.retain(|n| changed.contains(&n.path));
        report.directives.retain(|d| changed.contains(&d.path));
    }
    report.stats.files_skipped = report.notifications.iter().filter(|n| n.skipped).count() as u64;
    report.sort();
    Ok(report)
}

/// The directory whose repository keys the fingerprints: the first path's (itself when it is
/// a directory), else the current one.
fn key_dir(first: Option<&PathBuf>) -> PathBuf {
    match first {
        Some(p) if p.is_dir() => p.clone(),
        Some(p) => {
            p.parent().filter(|d| !d.as_os_str().is_empty()).map_or_else(|| PathBuf::from("."), Path::to_path_buf)
        }
        None => PathBuf::from("."),
    }
}

/// Most worker threads a scan starts, per CPU: the work is CPU-bound, and hundreds of threads
/// only cost start-up time and memory (`--threads 1000` on five files took a minute).
pub const MAX_THREADS_PER_CPU: usize = 2;

/// The thread count for `--threads N`: 0 is one per CPU; more than [`MAX_THREADS_PER_CPU`]
/// per CPU is lowered to that.
pub fn worker_threads(requested: usize) -> usize {
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    if requested == 0 { cpus } else { requested.min(cpus * MAX_THREADS_PER_CPU) }
}

/// The scan's fingerprint key: the one given, else one derived from the first commit of the
/// repository holding the first path, else the built-in key (with a warning in a shallow
/// clone, whose first commit is not known).
fn fingerprint_key(given: Option<&str>, first: Option<&PathBuf>) -> (FingerprintKey, Option<Notification>) {
    if let Some(k) = given {
        return (FingerprintKey::new(k, KeySource::Given), None);
    }
    let dir = key_dir(first);
    match crate::git::first_commit(&dir) {
        crate::git::FirstCommit::Id(id) => (FingerprintKey::new(&id, KeySource::FirstCommit), None),
        crate::git::FirstCommit::Shallow => (
            FingerprintKey::default(),
            Some(Notification::about(
                Level::Warning,
                "fingerprint-key",
                &discover::display_path(&dir, None),
                "a shallow clone does not know its first commit, so fingerprints use the built-in key and will not match a baseline or code-scanning alerts made in a full clone; fetch the full history (actions/checkout: `fetch-depth: 0`) or set `fingerprint_key` (docs/security.md#fingerprints)",
            )),
        ),
        crate::git::FirstCommit::None => (FingerprintKey::default(), None),
    }
}

#[cfg(test)]
#[allow(clippy::single_range_in_vec_init)] // one secret on a line is a case, not a mistake
mod tests {
    use super::*;

    #[test]
    fn snippets_redact_every_secret_on_the_line() {
        let text = b"a = AKIA1234567890ABCDEF; b = wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzzzKEYzzzzzz c\n";
        let s = snippet(text, 0..text.len() - 1, &FileSecrets::new(text, &[4..24, 30..70]));
        // The second secret's value goes on past what the rule captured: hidden too.
        assert_eq!(s, "a = AKIA…; b = wJal… c");
        // Every occurrence, not only where it was found; and invalid UTF-8 before it.
        let text = b"\xff x=Pa5sw0rd;ljokZytC1u y=Pa5sw0rd;ljokZytC1u";
        let s = snippet(text, 0..text.len(), &FileSecrets::new(text, &[4..12]));
        assert_eq!(s, "\u{fffd} x=Pa… y=Pa…");
    }

    #[test]
    fn encodings_with_a_bom_are_decoded() {
        let text = "service: s\nkey: é\n";
        let utf16le: Vec<u8> = [0xFF, 0xFE].into_iter().chain(text.encode_utf16().flat_map(u16::to_le_bytes)).collect();
        let utf16be: Vec<u8> = [0xFE, 0xFF].into_iter().chain(text.encode_utf16().flat_map(u16::to_be_bytes)).collect();
        let utf32le: Vec<u8> =
            [0xFF, 0xFE, 0, 0].into_iter().chain(text.chars().flat_map(|c| (c as u32).to_le_bytes())).collect();
        let utf8bom: Vec<u8> = [0xEF, 0xBB, 0xBF].into_iter().chain(text.bytes()).collect();
        for bytes in [&utf16le, &utf16be, &utf32le, &utf8bom] {
            assert_eq!(decode(bytes).as_deref(), Some(text.as_bytes()));
        }
        // An odd trailing byte and an unpaired surrogate become U+FFFD, not an error.
        assert_eq!(decode(&[0xFF, 0xFE, b'a', 0, 0x00, 0xD8, b'b']).as_deref(), Some("a\u{fffd}\u{fffd}".as_bytes()));
    }

    #[test]
    fn a_few_nuls_do_not_make_a_file_binary() {
        let mut text = b"service: s\nprovider:\n  name: aws\n".repeat(20);
        text[5] = 0;
        text[200] = 0;
        assert!(!is_binary(&text));
        assert!(decode(&text).is_some());
        // Executables and compressed data are binary.
        let elf: Vec<u8> = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0".iter().copied().cycle().take(4096).collect();
        assert!(is_binary(&elf));
        let noise: Vec<u8> = (0u32..4096).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        assert!(is_binary(&noise));
        // A short file with a handful of NULs is still text.
        assert!(!is_binary(b"a\0b\0c\0"));
    }

    #[test]
    fn manifest_names_are_recognised() {
        for n in
            ["serverless.yml", "a/b/template.json", ".env", ".env.production", "main.tf", "Dockerfile", "x.properties"]
        {
            assert!(looks_like_config(n), "{n}");
        }
        for n in ["logo.png", "a.js", "README"] {
            assert!(!looks_like_config(n), "{n}");
        }
    }

    #[test]
    fn thread_counts_are_bounded() {
        let cpus = std::thread::available_parallelism().map_or(1, usize::from);
        assert_eq!(worker_threads(0), cpus);
        assert_eq!(worker_threads(1), 1);
        assert_eq!(worker_threads(1000), cpus * MAX_THREADS_PER_CPU);
    }

    #[test]
    fn a_minified_line_is_cut_before_its_secrets_are_looked_at_but_never_inside_one() {
        // A secret straddling the first cut is redacted whole.
        let secret = "Q".repeat(40);
        let text = format!("{}{secret}{}", "a".repeat(SNIPPET_BYTES - 10), "b".repeat(1 << 20));
        let start = SNIPPET_BYTES - 10;
        let s = snippet(text.as_bytes(), 0..text.len(), &FileSecrets::new(text.as_bytes(), &[start..start + 40]));
        assert_eq!(s.chars().count(), MAX_SNIPPET + 1);
        assert!(!s.contains("QQQQQ"), "{s}");
        // A long range (a decoded run) that starts before the line is still found.
        let secrets = FileSecrets::new(text.as_bytes(), &[0..start + 40, 10..12]);
        assert_eq!(secrets.on(&(start..start + 1)).count(), 1);
    }

    #[test]
    fn a_long_line_is_cut_after_redaction() {
        let secret = "Z".repeat(40);
        let text = format!("{}{secret}", "a".repeat(150));
        let s = snippet(text.as_bytes(), 0..text.len(), &FileSecrets::new(text.as_bytes(), &[150..190]));
        assert!(!s.contains("ZZZZZ"), "{s}");
    }
}
