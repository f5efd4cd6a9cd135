//! The CI formats against what their readers accept: `gitlab-sast` against GitLab's published
//! SAST report schema (15.0.7, vendored in testdata/gitlab with its license), `junit` against the
//! JUnit XML structure GitLab and Jenkins read, `jsonl` line by line, and SARIF within GitHub's
//! limits on a generated tree of 30,000 findings.

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

fn slsguard(dir: &Path, args: &[&str]) -> (Vec<u8>, i32) {
    let out = Command::cargo_bin("slsguard")
        .expect("binary built")
        .current_dir(dir)
        .env("CI", "true")
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("slsguard runs");
    (out.stdout, out.status.code().unwrap_or(-1))
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The demo app's open findings: how many, and how many at or above `min`.
fn demo_findings(min: &[&str]) -> (usize, usize) {
    let (out, _) = slsguard(root(), &["scan", "--format", "json", "testdata/demo-app"]);
    let doc: Value = serde_json::from_slice(&out).expect("JSON");
    let all = doc["findings"].as_array().expect("findings");
    (all.len(), all.iter().filter(|f| min.iter().any(|s| f["severity"] == *s)).count())
}

// ---------------------------------------------------------------------------------------------
// A JSON Schema (draft-07) validator for the keywords GitLab's schema uses. A keyword it does not
// know fails the test, so a schema update cannot be half-checked in silence.

struct Schema<'a> {
    root: &'a Value,
}

impl Schema<'_> {
    fn resolve<'b>(&'b self, reference: &str) -> &'b Value {
        let pointer = reference.strip_prefix('#').unwrap_or_else(|| panic!("only local $ref: {reference}"));
        self.root.pointer(pointer).unwrap_or_else(|| panic!("$ref {reference} resolves"))
    }

    fn validate(&self, schema: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
        let Some(obj) = schema.as_object() else { return };
        for (key, rule) in obj {
            match key.as_str() {
                "$schema" | "$id" | "title" | "description" | "examples" | "default" | "self" | "definitions" => {}
                "$ref" => self.validate(self.resolve(rule.as_str().expect("$ref string")), v, at, errors),
                "type" => {
                    let types: Vec<&str> = match rule {
                        Value::String(s) => vec![s.as_str()],
                        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                        _ => panic!("type"),
                    };
                    let ok = types.iter().any(|t| match *t {
                        "object" => v.is_object(),
                        "array" => v.is_array(),
                        "string" => v.is_string(),
                        "number" => v.is_number(),
                        "integer" => v.is_i64() || v.is_u64(),
                        "boolean" => v.is_boolean(),
                        "null" => v.is_null(),
                        other => panic!("type {other}"),
                    });
                    if !ok {
                        errors.push(format!("{at}: not of type {types:?}"));
                    }
                }
                "required" => {
                    if let Some(o) = v.as_object() {
                        for r in rule.as_array().expect("required list") {
                            let r = r.as_str().expect("required name");
                            if !o.contains_key(r) {
                                errors.push(format!("{at}: `{r}` is required"));
                            }
                        }
                    }
                }
                "properties" => {
                    if let Some(o) = v.as_object() {
                        for (name, sub) in rule.as_object().expect("properties") {
                            if let Some(x) = o.get(name) {
                                self.validate(sub, x, &format!("{at}.{name}"), errors);
                            }
                        }
                    }
                }
                "patternProperties" => {
                    if let Some(o) = v.as_object() {
                        for (pattern, sub) in rule.as_object().expect("patternProperties") {
                            let re = regex::Regex::new(pattern).expect("pattern");
                            for (name, x) in o.iter().filter(|(k, _)| re.is_match(k)) {
                                self.validate(sub, x, &format!("{at}.{name}"), errors);
                            }
                        }
                    }
                }
                "additionalProperties" => assert_eq!(rule, &Value::Bool(true), "only `additionalProperties: true`"),
                "items" => {
                    if let Some(a) = v.as_array() {
                        for (i, x) in a.iter().enumerate() {
                            self.validate(rule, x, &format!("{at}[{i}]"), errors);
                        }
                    }
                }
                "minItems" | "maxItems" => {
                    if let Some(a) = v.as_array() {
                        let n = rule.as_u64().expect("count") as usize;
                        if (key == "minItems" && a.len() < n) || (key == "maxItems" && a.len() > n) {
                            errors.push(format!("{at}: {key} {n}, has {}", a.len()));
                        }
                    }
                }
                "minLength" | "maxLength" => {
                    if let Some(s) = v.as_str() {
                        let n = rule.as_u64().expect("length") as usize;
                        let len = s.chars().count();
                        if (key == "minLength" && len < n) || (key == "maxLength" && len > n) {
                            errors.push(format!("{at}: {key} {n}, has {len}"));
                        }
                    }
                }
                "pattern" => {
                    if let Some(s) = v.as_str() {
                        let re = regex::Regex::new(rule.as_str().expect("pattern")).expect("valid pattern");
                        if !re.is_match(s) {
                            errors.push(format!("{at}: `{s}` does not match {re}"));
                        }
                    }
                }
                "enum" => {
                    if !rule.as_array().expect("enum").contains(v) {
                        errors.push(format!("{at}: {v} is not one of {rule}"));
                    }
                }
                "const" => {
                    if rule != v {
                        errors.push(format!("{at}: {v} is not {rule}"));
                    }
                }
                "allOf" => {
                    for sub in rule.as_array().expect("allOf") {
                        self.validate(sub, v, at, errors);
                    }
                }
                "oneOf" => {
                    let passing = rule
                        .as_array()
                        .expect("oneOf")
                        .iter()
                        .filter(|sub| {
                            let mut e = Vec::new();
                            self.validate(sub, v, at, &mut e);
                            e.is_empty()
                        })
                        .count();
                    if passing != 1 {
                        errors.push(format!("{at}: {passing} branches of oneOf match, not one"));
                    }
                }
                other => panic!("schema keyword `{other}` is not implemented by this validator"),
            }
        }
    }
}

fn gitlab_schema() -> Value {
    let text = std::fs::read_to_string(root().join("testdata/gitlab/sast-report-format-15.0.7.json")).expect("schema");
    serde_json::from_str(&text).expect("schema is JSON")
}

fn schema_errors(doc: &Value) -> Vec<String> {
    let schema = gitlab_schema();
    let s = Schema { root: &schema };
    let mut errors = Vec::new();
    s.validate(&schema, doc, "$", &mut errors);
    errors
}

#[test]
fn gitlab_sast_report_matches_gitlabs_schema() {
    let (out, code) = slsguard(root(), &["scan", "--format", "gitlab-sast", "testdata/demo-app"]);
    assert_eq!(code, 1);
    let doc: Value = serde_json::from_slice(&out).expect("JSON");
    assert_eq!(schema_errors(&doc), Vec::<String>::new());
    assert_eq!(doc["version"], gitlab_schema()["self"]["version"], "the version written is the schema checked");
    assert_eq!(doc["scan"]["type"], "sast");
    assert_eq!(doc["scan"]["status"], "success");
    let vulns = doc["vulnerabilities"].as_array().expect("vulnerabilities");
    assert_eq!(vulns.len(), demo_findings(&[]).0, "every open finding of the demo app");
    let ids: std::collections::BTreeSet<&str> = vulns.iter().map(|v| v["id"].as_str().expect("id")).collect();
    assert_eq!(ids.len(), vulns.len(), "ids are unique");
    let aws = vulns
        .iter()
        .find(|v| v["identifiers"][0]["value"] == "secret-aws-secret-access-key")
        .expect("the AWS key finding");
    assert_eq!(aws["severity"], "Critical");
    assert_eq!(aws["identifiers"][0]["type"], "slsguard_rule_id");
    assert!(aws["identifiers"].as_array().expect("ids").iter().any(|i| i["type"] == "cwe" && i["value"] == "798"));
    assert_eq!(aws["location"]["file"], "testdata/demo-app/serverless.yml");
    assert_eq!(aws["location"]["start_line"], 11);
}

#[test]
fn the_schema_check_catches_what_gitlab_would_reject() {
    let (out, _) = slsguard(root(), &["scan", "--format", "gitlab-sast", "testdata/demo-app"]);
    let good: Value = serde_json::from_slice(&out).expect("JSON");
    let mut broken = good.clone();
    broken["vulnerabilities"][0]["severity"] = "severe".into();
    broken["vulnerabilities"][1]["identifiers"] = Value::Array(Vec::new());
    broken["scan"]["start_time"] = "2024-01-01 10:00:00".into();
    broken["scan"].as_object_mut().expect("scan").remove("analyzer");
    let errors = schema_errors(&broken);
    assert_eq!(errors.len(), 4, "{errors:#?}");
}

// ---------------------------------------------------------------------------------------------
// JUnit: a small XML reader (elements, attributes, text, the five entities) that fails on
// anything not well formed.

#[derive(Debug, Default)]
struct Element {
    name: String,
    attrs: BTreeMap<String, String>,
    children: Vec<Element>,
    text: String,
}

fn unescape(s: &str) -> String {
    assert!(!s.contains('<'), "raw < in {s:?}");
    let out = s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'");
    assert!(!out.replace("&amp;", "").contains('&'), "unknown entity in {s:?}");
    out.replace("&amp;", "&")
}

fn parse_xml(text: &str) -> Element {
    for c in text.chars() {
        let ok = matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{fffe}' && c != '\u{ffff}');
        assert!(ok, "a character XML 1.0 cannot carry: {:?}", c);
    }
    let body = text.strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n").expect("XML declaration");
    let mut stack: Vec<Element> = vec![Element::default()];
    let mut rest = body;
    while let Some(lt) = rest.find('<') {
        let text = &rest[..lt];
        if let Some(top) = stack.last_mut() {
            top.text.push_str(&unescape(text));
        }
        let gt = rest[lt..].find('>').expect("tag ends") + lt;
        let tag = &rest[lt + 1..gt];
        rest = &rest[gt + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let done = stack.pop().expect("open element");
            assert_eq!(done.name, name, "closing tag matches");
            stack.last_mut().expect("parent").children.push(done);
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let (name, mut attrs_text) = tag.split_once(' ').unwrap_or((tag, ""));
        let mut e = Element { name: name.to_string(), ..Default::default() };
        loop {
            attrs_text = attrs_text.trim_start();
            if attrs_text.is_empty() {
                break;
            }
            let (key, after) = attrs_text.split_once("=\"").expect("attribute");
            let end = after.find('"').expect("attribute value ends");
            assert!(e.attrs.insert(key.to_string(), unescape(&after[..end])).is_none(), "attribute repeated");
            attrs_text = &after[end + 1..];
        }
        if self_closing {
            stack.last_mut().expect("parent").children.push(e);
        } else {
            stack.push(e);
        }
    }
    assert!(rest.trim().is_empty());
    let mut doc = stack.pop().expect("document");
    assert!(stack.is_empty(), "every element closed");
    assert_eq!(doc.children.len(), 1, "one root element");
    doc.children.remove(0)
}

#[test]
fn junit_has_the_structure_gitlab_and_jenkins_read() {
    let (out, code) = slsguard(root(), &["scan", "--format", "junit", "testdata/demo-app"]);
    assert_eq!(code, 1);
    let root_el = parse_xml(&String::from_utf8(out).expect("UTF-8"));
    assert_eq!(root_el.name, "testsuites");
    let count =
        |e: &Element, child: &str| e.children.iter().filter(|c| c.children.iter().any(|x| x.name == child)).count();
    let mut failures = 0;
    let mut tests = 0;
    for suite in &root_el.children {
        assert_eq!(suite.name, "testsuite");
        assert!(!suite.attrs["name"].is_empty());
        assert_eq!(suite.attrs["tests"], suite.children.len().to_string());
        assert_eq!(suite.attrs["failures"], count(suite, "failure").to_string());
        assert_eq!(suite.attrs["errors"], count(suite, "error").to_string());
        assert_eq!(suite.attrs["skipped"], count(suite, "skipped").to_string());
        for case in &suite.children {
            assert_eq!(case.name, "testcase");
            assert!(!case.attrs["name"].is_empty() && !case.attrs["classname"].is_empty());
            assert!(case.attrs["time"].parse::<f64>().is_ok());
            for outcome in &case.children {
                assert!(["failure", "error", "skipped", "system-out"].contains(&outcome.name.as_str()));
                if outcome.name == "failure" {
                    assert!(outcome.attrs.contains_key("message") && outcome.attrs.contains_key("type"));
                }
            }
        }
        failures += count(suite, "failure");
        tests += suite.children.len();
    }
    assert_eq!(root_el.attrs["tests"], tests.to_string());
    assert_eq!(root_el.attrs["failures"], failures.to_string());
    // The demo app's findings at or above the default threshold (medium): 5 critical, 4 high, 2 medium.
    assert_eq!(failures, demo_findings(&["critical", "high", "medium"]).1);
    let wildcard = root_el.children.iter().find(|s| s.attrs["name"] == "iam-wildcard-action").expect("suite");
    let case = &wildcard.children[0];
    assert_eq!(case.attrs["file"], "testdata/demo-app/serverless.yml");
    assert_eq!(case.attrs["classname"], "iam-wildcard-action");
    assert!(case.children[0].text.contains("slsguard explain iam-wildcard-action"));
}

#[test]
fn junit_below_the_threshold_passes_and_hostile_text_stays_well_formed() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A file name with markup and a control character, holding a low-severity finding.
    std::fs::write(dir.path().join("a<&>\"\u{1b}.env"), "STRIPE_KEY=sk_test_Qw8rT2yU7iO1pA5sD9fG3hJk\n")
        .expect("write");
    let (out, code) = slsguard(dir.path(), &["scan", "--format", "junit", "."]);
    assert_eq!(code, 0, "a low finding does not fail the default gate");
    let root_el = parse_xml(&String::from_utf8(out).expect("UTF-8"));
    assert_eq!(root_el.attrs["failures"], "0");
    let suite = root_el.children.iter().find(|s| s.attrs["name"] == "secret-stripe-test-key").expect("suite");
    assert!(suite.children[0].attrs["file"].starts_with("a<&>\""), "{:?}", suite.children[0].attrs);
    assert_eq!(suite.children[0].children[0].name, "system-out");
}

#[test]
fn jsonl_is_one_object_per_line() {
    let (out, code) = slsguard(root(), &["scan", "--format", "jsonl", "testdata/demo-app"]);
    assert_eq!(code, 1);
    let text = String::from_utf8(out).expect("UTF-8");
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).expect("each line is JSON")).collect();
    let findings = lines.iter().filter(|l| l["type"] == "finding").count();
    assert_eq!(findings, demo_findings(&[]).0);
    let last = lines.last().expect("a summary");
    assert_eq!(last["type"], "summary");
    assert_eq!(last["findings"], findings);
    let (json, _) = slsguard(root(), &["scan", "--format", "json", "testdata/demo-app"]);
    let doc: Value = serde_json::from_slice(&json).expect("JSON");
    let mut first = lines[0].clone();
    first.as_object_mut().expect("object").remove("type");
    assert_eq!(first, doc["findings"][0], "a finding line is the JSON report's finding");
}

// ---------------------------------------------------------------------------------------------
// SARIF at scale: GitHub rejects a run over 25,000 results and an upload over 10 MB gzip.

/// `n` distinct strings of `len` characters from `alphabet`, from a fixed-seed generator.
fn tokens(seed: u64, n: usize, len: usize, alphabet: &[u8]) -> Vec<String> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            (0..len)
                .map(|_| {
                    x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    alphabet[((x >> 33) % alphabet.len() as u64) as usize] as char
                })
                .collect()
        })
        .collect()
}

#[test]
fn sarif_stays_within_githubs_limits_and_says_what_it_cut() {
    let dir = tempfile::tempdir().expect("temp dir");
    // 4,000 critical findings (AWS key ids) and 26,000 low ones (Stripe test keys), in 300 files.
    let aws = tokens(1, 4_000, 16, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
    let stripe = tokens(2, 26_000, 24, b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
    let mut lines: Vec<String> = aws.iter().map(|k| format!("AWS_ACCESS_KEY_ID=AKIA{k}")).collect();
    lines.extend(stripe.iter().map(|k| format!("STRIPE_KEY=sk_test_{k}")));
    for (i, chunk) in lines.chunks(100).enumerate() {
        let sub = dir.path().join(format!("svc{:02}", i / 30));
        std::fs::create_dir_all(&sub).expect("dir");
        std::fs::write(sub.join(format!("f{i:03}.env")), chunk.join("\n") + "\n").expect("write");
    }
    let (out, code) = slsguard(dir.path(), &["scan", "--format", "sarif", "."]);
    assert_eq!(code, 1);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, &out).expect("gzip");
    assert!(gz.finish().expect("gzip").len() <= 10_000_000, "at most 10 MB gzip");
    let sarif: Value = serde_json::from_slice(&out).expect("SARIF");
    let run = &sarif["runs"][0];
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), 25_000);
    // A few generated tokens may fall under an allowlist or entropy floor; nearly all count.
    let critical = results.iter().filter(|r| r["properties"]["severity"] == "critical").count();
    let low = results.iter().filter(|r| r["properties"]["severity"] == "low").count();
    assert!(critical > 3_900 && critical + low == 25_000, "the most severe are kept: {critical} critical");
    let notes = run["invocations"][0]["toolExecutionNotifications"].as_array().expect("notifications");
    let cut = notes.iter().find(|n| n["properties"]["reason"] == "results-limit").expect("a notification says so");
    let text = cut["message"]["text"].as_str().expect("text");
    let (cut_n, rest) = text.split_once(" of ").expect("N of M");
    let cut_n: usize = cut_n.parse().expect("a count");
    let total: usize = rest.split_once(' ').expect("M results").0.parse().expect("a count");
    assert!(total > 29_900 && cut_n + 25_000 == total, "{text}");
    assert!(
        text.contains(&format!(
            "were left out ({cut_n} low): GitHub code scanning accepts at most 25000 results per run"
        )),
        "{text}"
    );
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
}

#[test]
fn slsguards_own_reports_in_every_format_are_not_scanned() {
    let dir = tempfile::tempdir().expect("temp dir");
    for format in ["text", "json", "sarif", "github", "gitlab-sast", "junit", "jsonl"] {
        let (out, _) = slsguard(root(), &["scan", "--format", format, "testdata/demo-app"]);
        std::fs::write(dir.path().join(format!("report.{format}")), out).expect("write");
    }
    let (out, code) = slsguard(dir.path(), &["scan", "--format", "json", "."]);
    let doc: Value = serde_json::from_slice(&out).expect("JSON");
    assert_eq!(doc["summary"]["findings"], 0, "{:#}", doc["findings"]);
    assert_eq!(code, 0);
}
