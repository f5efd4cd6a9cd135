//! SARIF 2.1.0 for GitHub code scanning and other SARIF consumers, built with serde-sarif's
//! types: rule metadata with help and `security-severity`, repository-relative URIs under
//! `%SRCROOT%`, our fingerprint in `partialFingerprints`, and skipped or unreadable files as
//! tool execution notifications.
//!
//! It stays within GitHub code scanning's documented limits, which reject or truncate larger
//! files: at most 25,000 results per run and 10 MB gzip-compressed per upload (when a scan has
//! more, the most severe open findings are kept and a notification says what was left out),
//! at most 100 related locations per result and 10 tags per rule (what GitHub displays).

use super::{Report, Suppressed, SuppressionKind};
use crate::finding::{Finding, Severity};
use crate::rules::{Rule, RuleSet};
use crate::source::Span;
use serde_json::json;
use serde_sarif::sarif::{
    ArtifactChange, ArtifactContent, ArtifactLocation, CodeFlow, Fix, Invocation, Location, Message,
    MultiformatMessageString, Notification, PhysicalLocation, PropertyBag, Region, Replacement, ReportingConfiguration,
    ReportingDescriptor, Result as SarifResult, ResultLevel, Run, Sarif, Suppression, ThreadFlow, ThreadFlowLocation,
    Tool, ToolComponent,
};
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

pub const INFORMATION_URI: &str = "https://github.com/slsguard/slsguard";
/// The key of our fingerprint in `partialFingerprints`; bump the version if its recipe changes
/// (v2: keyed per repository).
pub const FINGERPRINT_KEY: &str = "slsguard/v2";
const SRCROOT: &str = "%SRCROOT%";

/// GitHub code scanning: results per run.
pub const MAX_RESULTS: usize = 25_000;
/// GitHub code scanning: the largest upload, gzip-compressed.
pub const MAX_GZIP_BYTES: usize = 10 * 1000 * 1000;
/// GitHub code scanning shows at most 100 locations of a result.
pub const MAX_RELATED: usize = 100;
/// GitHub code scanning shows at most 10 tags of a rule.
pub const MAX_TAGS: usize = 10;

pub fn write(report: &Report, rules: &RuleSet, out: &mut dyn Write) -> io::Result<()> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut keep = MAX_RESULTS;
    loop {
        let sarif = build_within(report, rules, &cwd, keep);
        let mut bytes = serde_json::to_vec_pretty(&sarif).map_err(io::Error::other)?;
        bytes.push(b'\n');
        let compressed = gzip_len(&bytes)?;
        if compressed <= MAX_GZIP_BYTES || keep == 0 {
            return out.write_all(&bytes);
        }
        // Results make up nearly all of a large log: shrink them in proportion, with a margin.
        keep = (keep as u64 * MAX_GZIP_BYTES as u64 * 9 / 10 / compressed as u64) as usize;
    }
}

/// The size of `bytes` gzip-compressed, as upload-sarif sends them.
fn gzip_len(bytes: &[u8]) -> io::Result<usize> {
    struct Count(usize);
    impl Write for Count {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0 += b.len();
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut gz = flate2::write::GzEncoder::new(Count(0), flate2::Compression::default());
    gz.write_all(bytes)?;
    Ok(gz.finish()?.0)
}

pub fn build(report: &Report, rules: &RuleSet, root: &Path) -> Sarif {
    build_within(report, rules, root, MAX_RESULTS)
}

/// The log with at most `max_results` results: open findings before suppressed ones, most
/// severe first; the rest are counted in a notification.
fn build_within(report: &Report, rules: &RuleSet, root: &Path, max_results: usize) -> Sarif {
    let shown = report.shown();
    let report: &Report = &shown;
    let rule_index: BTreeMap<&str, usize> = rules.rules().iter().enumerate().map(|(i, r)| (r.id(), i)).collect();
    // (finding, suppression), in report order.
    let mut all: Vec<(&Finding, Option<&Suppressed>)> = report.findings.iter().map(|f| (f, None)).collect();
    all.extend(report.suppressed.iter().map(|s| (&s.finding, Some(s))));
    let mut cut: BTreeMap<Severity, usize> = BTreeMap::new();
    if all.len() > max_results {
        let mut order: Vec<usize> = (0..all.len()).collect();
        // Stable: among equals, report order decides.
        order.sort_by_key(|&i| (all[i].1.is_some(), std::cmp::Reverse(all[i].0.severity)));
        let mut kept = vec![false; all.len()];
        for &i in order.iter().take(max_results) {
            kept[i] = true;
        }
        for (i, (f, _)) in all.iter().enumerate() {
            if !kept[i] {
                *cut.entry(f.severity).or_default() += 1;
            }
        }
        let mut i = 0;
        all.retain(|_| {
            i += 1;
            kept[i - 1]
        });
    }
    let results: Vec<SarifResult> = all
        .iter()
        .map(|(f, s)| {
            let mut r = result(f, rule_index.get(f.rule_id.as_str()).copied());
            let fixes: Vec<Fix> = report
                .fixes
                .iter()
                .filter(|x| x.applies(&f.rule_id, &f.location.path, f.location.span))
                .map(fix)
                .collect();
            if !fixes.is_empty() {
                r.fixes = Some(fixes);
            }
            // Suppressed findings stay in the log, marked, so viewers can show what was accepted
            // and why.
            if let Some(s) = s {
                r.suppressions = Some(vec![suppression(s)]);
            }
            r
        })
        .collect();
    let mut notifications: Vec<Notification> = report
        .problems()
        .map(|n| {
            let region = match (n.line, n.column) {
                (Some(l), Some(c)) => {
                    Some(Region::builder().start_line(i64::from(l)).start_column(i64::from(c)).build())
                }
                _ => None,
            };
            Notification::builder()
                .level(json!(n.level.as_str()))
                .message(Message::builder().text(n.message.clone()).build())
                .locations(vec![location(&n.path, region, None)])
                .properties(props(None, [("reason", json!(n.kind))]))
                .build()
        })
        .collect();
    if !cut.is_empty() {
        let total: usize = cut.values().sum();
        let by: Vec<String> = cut.iter().rev().map(|(s, n)| format!("{n} {s}")).collect();
        let why = if max_results < MAX_RESULTS {
            "GitHub code scanning accepts at most 10 MB of compressed SARIF".to_string()
        } else {
            format!("GitHub code scanning accepts at most {MAX_RESULTS} results per run")
        };
        notifications.push(
            Notification::builder()
                .level(json!("warning"))
                .message(
                    Message::builder()
                        .text(format!(
                            "{total} of {} results were left out ({}): {why}; the most severe open findings were kept. The JSON report has every finding; fix or baseline findings, or use --min-severity, to get under the limit.",
                            total + results.len(),
                            by.join(", ")
                        ))
                        .build(),
                )
                .properties(props(None, [("reason", json!("results-limit"))]))
                .build(),
        );
    }
    let driver = ToolComponent::builder()
        .name("slsguard")
        .full_name(format!("slsguard {}", env!("CARGO_PKG_VERSION")))
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri(INFORMATION_URI)
        .rules(rules.rules().iter().map(descriptor).collect::<Vec<_>>())
        .build();
    // False when a file or directory could not be read: the results may be incomplete.
    let invocation = Invocation::builder()
        .execution_successful(!report.incomplete())
        .tool_execution_notifications(notifications)
        .build();
    let mut base = BTreeMap::new();
    base.insert(SRCROOT.to_string(), ArtifactLocation::builder().uri(dir_uri(root)).build());
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .invocations(vec![invocation])
        .original_uri_base_ids(base)
        .column_kind(json!("unicodeCodePoints"))
        .build();
    Sarif::builder()
        .schema("https://json.schemastore.org/sarif-2.1.0.json")
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build()
}

fn level(s: Severity) -> ResultLevel {
    match s {
        Severity::Critical | Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low => ResultLevel::Note,
    }
}

fn region(span: Span) -> Region {
    let (sl, sc) = (span.start.line.max(1), span.start.column.max(1));
    let (mut el, mut ec) = (span.end.line.max(sl), span.end.column.max(1));
    // An empty region would be an insertion point; findings always cover a character.
    if el == sl && ec <= sc {
        ec = sc + 1;
    }
    if el < sl {
        el = sl;
    }
    Region::builder()
        .start_line(i64::from(sl))
        .start_column(i64::from(sc))
        .end_line(i64::from(el))
        .end_column(i64::from(ec))
        .build()
}

fn location(path: &str, region: Option<Region>, message: Option<&str>) -> Location {
    let artifact = if Path::new(path).is_absolute() {
        ArtifactLocation::builder().uri(file_uri(path)).build()
    } else {
        ArtifactLocation::builder().uri(encode_path(path)).uri_base_id(SRCROOT).build()
    };
    let physical = match region {
        Some(r) => PhysicalLocation::builder().artifact_location(artifact).region(r).build(),
        None => PhysicalLocation::builder().artifact_location(artifact).build(),
    };
    match message {
        Some(m) => Location::builder().physical_location(physical).message(Message::builder().text(m).build()).build(),
        None => Location::builder().physical_location(physical).build(),
    }
}

fn result(f: &Finding, rule_index: Option<usize>) -> SarifResult {
    let mut fp = BTreeMap::new();
    fp.insert(FINGERPRINT_KEY.to_string(), f.fingerprint.clone());
    let related: Vec<Location> = f
        .related
        .iter()
        .take(MAX_RELATED)
        .enumerate()
        .map(|(i, r)| {
            let mut loc = location(&r.location.path, Some(region(r.location.span)), Some(&r.message));
            loc.id = Some(i as i64 + 1);
            loc
        })
        .collect();
    let mut r = SarifResult::builder()
        .rule_id(f.rule_id.clone())
        .level(level(f.severity))
        .message(Message::builder().text(f.message.clone()).build())
        .locations(vec![location(&f.location.path, Some(region(f.location.span)), None)])
        .partial_fingerprints(fp)
        .properties(props(None, [("severity", json!(f.severity.as_str())), ("snippet", json!(f.snippet))]))
        .build();
    r.rule_index = rule_index.map(|i| i as i64);
    if !related.is_empty() {
        r.related_locations = Some(related);
    }
    if !f.flow.is_empty() {
        // The data flow, source first, as one thread flow.
        let locations: Vec<ThreadFlowLocation> = f
            .flow
            .iter()
            .map(|s| {
                ThreadFlowLocation::builder()
                    .location(location(&s.location.path, Some(region(s.location.span)), Some(&s.message)))
                    .build()
            })
            .collect();
        r.code_flows = Some(vec![
            CodeFlow::builder().thread_flows(vec![ThreadFlow::builder().locations(locations).build()]).build(),
        ]);
    }
    r
}

/// A least-privilege fix: the statement's region replaced by the statements the code needs.
fn fix(x: &crate::leastpriv::fix::Fix) -> Fix {
    let (s, e) = (x.region.start, x.region.end);
    let deleted = Region::builder()
        .start_line(i64::from(s.line))
        .start_column(i64::from(s.column))
        .end_line(i64::from(e.line))
        .end_column(i64::from(e.column))
        .build();
    let artifact = match location(&x.path, None, None).physical_location {
        Some(p) => p.artifact_location.unwrap_or_default(),
        None => ArtifactLocation::default(),
    };
    Fix::builder()
        .description(Message::builder().text(x.description.clone()).build())
        .artifact_changes(vec![
            ArtifactChange::builder()
                .artifact_location(artifact)
                .replacements(vec![
                    Replacement::builder()
                        .deleted_region(deleted)
                        .inserted_content(ArtifactContent::builder().text(x.inserted.clone()).build())
                        .build(),
                ])
                .build(),
        ])
        .build()
}

fn suppression(s: &Suppressed) -> Suppression {
    let kind = match s.suppression.by.kind() {
        SuppressionKind::InSource => "inSource",
        SuppressionKind::External => "external",
    };
    let mut sup = Suppression::builder()
        .kind(json!(kind))
        .status(json!("accepted"))
        .justification(s.suppression.justification.clone())
        .properties(props(None, [("suppressedBy", json!(s.suppression.by.as_str()))]))
        .build();
    sup.location = s.suppression.location.as_ref().map(|l| location(&l.path, Some(region(l.span)), None));
    sup
}

fn descriptor(rule: &Rule) -> ReportingDescriptor {
    let s = &rule.spec;
    let mut tags = vec!["security".to_string(), rule.family().to_string()];
    // CWEs before the rule's own tags: code scanning shows them, and only the first ten tags.
    tags.extend(s.references.iter().filter_map(|r| cwe_number(r)).map(|n| format!("external/cwe/cwe-{n}")));
    tags.extend(s.tags.iter().cloned());
    // SARIF requires unique tags; a rule may repeat one of ours (`security`). Keep first uses.
    let mut seen = std::collections::HashSet::new();
    tags.retain(|t| seen.insert(t.clone()));
    tags.truncate(MAX_TAGS);
    let help_md = crate::docs::rule_help_markdown(rule);
    ReportingDescriptor::builder()
        .id(s.id.clone())
        .name(pascal_case(&s.id))
        .short_description(MultiformatMessageString::builder().text(s.title.clone()).build())
        .full_description(MultiformatMessageString::builder().text(crate::docs::plain_text(&s.description)).build())
        .help(
            MultiformatMessageString::builder().text(crate::docs::plain_text(&s.remediation)).markdown(help_md).build(),
        )
        .help_uri(format!("{INFORMATION_URI}/blob/main/docs/rules/{}.md", s.id))
        .default_configuration(ReportingConfiguration::builder().level(json!(level_str(s.severity))).build())
        .properties(props(
            Some(tags),
            [
                ("security-severity", json!(s.severity.security_severity())),
                ("precision", json!(s.precision.as_str())),
                ("problem.severity", json!(level_str(s.severity))),
            ],
        ))
        .build()
}

fn level_str(s: Severity) -> &'static str {
    match level(s) {
        ResultLevel::Error => "error",
        ResultLevel::Warning => "warning",
        ResultLevel::Note => "note",
        ResultLevel::None => "none",
    }
}

fn props<const N: usize>(tags: Option<Vec<String>>, extra: [(&str, serde_json::Value); N]) -> PropertyBag {
    PropertyBag { tags, additional_properties: extra.into_iter().map(|(k, v)| (k.to_string(), v)).collect() }
}

/// `CWE-798` → 798.
pub fn cwe_number(reference: &str) -> Option<u32> {
    reference.strip_prefix("CWE-").and_then(|n| n.parse().ok())
}

fn pascal_case(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect()
}

/// Percent-encodes a `/`-separated relative path for use as a URI reference: the raw bytes of
/// the name (a display path's `\xHH` escapes are bytes, see `discover::display_bytes`).
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in crate::discover::raw_bytes(path) {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `abs` is a display path (see `discover::display_bytes`); only on Windows is `\\` a separator.
fn file_uri(abs: &str) -> String {
    let p = if cfg!(windows) { abs.replace('\\', "/") } else { abs.to_string() };
    let p = if p.starts_with('/') { p } else { format!("/{p}") };
    format!("file://{}", encode_path(&p))
}

fn dir_uri(dir: &Path) -> String {
    let mut u = file_uri(&crate::discover::display_os(dir.as_os_str()));
    if !u.ends_with('/') {
        u.push('/');
    }
    u
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris() {
        assert_eq!(encode_path("a b/c#d.yml"), "a%20b/c%23d.yml");
        // Names that are not UTF-8 keep their bytes, so two such files stay two URIs.
        assert_eq!(encode_path("bad\\xfe.py"), "bad%FE.py");
        assert_eq!(encode_path("bad\\xff.py"), "bad%FF.py");
        assert_eq!(encode_path("a\\b"), "a%5Cb");
        assert_eq!(file_uri("/x/y z"), "file:///x/y%20z");
        assert_eq!(dir_uri(Path::new("/repo")), "file:///repo/");
        assert_eq!(pascal_case("secret-aws-key"), "SecretAwsKey");
    }

    #[test]
    fn empty_regions_are_widened() {
        let r = region(Span::point(crate::source::Position::new(3, 5)));
        assert_eq!((r.start_column, r.end_column), (Some(5), Some(6)));
    }
}
