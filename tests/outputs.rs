//! Whole-output properties: snapshots of every format on the demo app, identical bytes for any
//! thread count, and no full secret in any output.

use assert_cmd::Command;
use slsguard::RuleSet;
use slsguard::secrets::SecretEngine;
use std::ops::Range;
use std::path::Path;

const FORMATS: [&str; 3] = ["text", "json", "sarif"];
/// Every format, for the properties that hold for all of them.
const ALL_FORMATS: [&str; 7] = ["text", "json", "sarif", "github", "gitlab-sast", "junit", "jsonl"];

fn slsguard(args: &[&str]) -> (Vec<u8>, i32) {
    let out = Command::cargo_bin("slsguard")
        .expect("binary built")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        // Fixed, so snapshots do not depend on this clone's history.
        .env("SLSGUARD_FINGERPRINT_KEY", "slsguard-test-fingerprint-key")
        .args(args)
        .output()
        .expect("slsguard runs");
    (out.stdout, out.status.code().unwrap_or(-1))
}

/// The SARIF's `%SRCROOT%` is the absolute working directory; snapshots must not depend on it.
fn normalize(format: &str, out: Vec<u8>) -> String {
    let text = String::from_utf8(out).expect("output is UTF-8");
    if format == "sarif" {
        let cwd = std::env::current_dir().expect("cwd");
        text.replace(&format!("file://{}/", cwd.display()), "file:///[CWD]/")
    } else {
        text
    }
}

#[test]
fn demo_app_snapshots() {
    for format in FORMATS {
        let (out, code) = slsguard(&["scan", "testdata/demo-app", "--format", format]);
        assert_eq!(code, 1, "the demo app has findings, so the scan fails");
        insta::assert_snapshot!(format!("demo_app_{format}"), normalize(format, out));
    }
}

#[test]
fn output_is_identical_for_any_thread_count() {
    // testdata/ holds deliberately broken manifests: reported, not failing the scan.
    for format in FORMATS {
        let (one, c1) = slsguard(&[
            "scan",
            "testdata",
            "--format",
            format,
            "--fail-on",
            "none",
            "--parse-errors",
            "warn",
            "-j",
            "1",
        ]);
        let (four, c4) = slsguard(&[
            "scan",
            "testdata",
            "--format",
            format,
            "--fail-on",
            "none",
            "--parse-errors",
            "warn",
            "-j",
            "4",
        ]);
        assert_eq!((c1, c4), (0, 0));
        assert!(one == four, "{format} output differs between 1 and 4 threads");
    }
}

/// Every secret the engine finds in testdata/, read straight from the files.
fn planted_secrets() -> Vec<String> {
    let rules = RuleSet::builtin().expect("rules load");
    let engine = SecretEngine::new(&rules);
    let mut secrets = Vec::new();
    for entry in ignore::WalkBuilder::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")).hidden(false).build()
    {
        let entry = entry.expect("walk testdata");
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let bytes = std::fs::read(entry.path()).expect("read testdata file");
        for hit in engine.scan(&entry.path().to_string_lossy(), &bytes) {
            secrets.push(String::from_utf8_lossy(&bytes[hit.secret]).into_owned());
        }
    }
    secrets.sort();
    secrets.dedup();
    secrets
}

#[test]
fn no_output_contains_a_full_secret() {
    let secrets = planted_secrets();
    assert!(secrets.len() >= 5, "testdata should plant several secrets, found {}", secrets.len());
    for format in ALL_FORMATS {
        let (out, _) =
            slsguard(&["scan", "testdata", "--format", format, "--fail-on", "none", "--parse-errors", "warn"]);
        let text = String::from_utf8_lossy(&out);
        for s in &secrets {
            // Multi-line secrets (private keys) are checked line by line: no line of one may appear.
            for part in s.lines().filter(|l| l.len() >= 8) {
                let head: String = part.chars().take(4).collect();
                assert!(!text.contains(part), "{format} output contains the secret `{head}…`");
            }
            // And no redaction leaks more than 4 characters of a secret in a row beyond its prefix.
            let chars: Vec<char> = s.chars().collect();
            if chars.len() >= 12 {
                let half: String = chars[..chars.len() / 2].iter().collect();
                assert!(!text.contains(&half), "{format} output contains half of a secret");
            }
        }
    }
}

/// Issue 12: a report quoting a redacted secret must not be a finding when scanned again. Every
/// built-in secret rule's `fire` examples, with each secret replaced by what an output shows,
/// give no finding of any rule.
#[test]
fn redacted_forms_never_match_a_rule() {
    let rules = RuleSet::builtin().expect("rules load");
    let engine = SecretEngine::new(&rules);
    let mut checked = 0;
    for rule in rules.rules() {
        for ex in &rule.spec.examples.fire {
            let content = ex.content();
            // A pair's companion value (an access key ID) is redacted with its secret.
            let hits: Vec<_> = engine
                .scan(ex.path(), content.as_bytes())
                .into_iter()
                .flat_map(|h| std::iter::once(h.secret).chain(h.related.map(|(r, _)| r)))
                .collect();
            if hits.is_empty() {
                continue; // a model rule's example
            }
            let redacted = slsguard::finding::redact_ranges(content, hits);
            let again = engine.scan(ex.path(), redacted.as_bytes());
            let found: Vec<&str> = again.iter().map(|h| engine.rule(h.rule).id()).collect();
            assert!(found.is_empty(), "{}: the redacted example matches {found:?}:\n{redacted}", rule.id());
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} secret examples checked");
}

/// A small deterministic generator (SplitMix64), so a failure names its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Another character of `c`'s class, at random: a digit for a digit, a hexadecimal letter for one
/// (so hex stays hex), a letter of the same case for another letter. Other characters are kept.
/// Never `c` itself, so a character the rule accepts redrawn is one the rule does not fix.
fn same_class(c: u8, rng: &mut Rng) -> u8 {
    let (base, n) = match c {
        b'0'..=b'9' => (b'0', 10),
        b'a'..=b'f' => (b'a', 6),
        b'A'..=b'F' => (b'A', 6),
        b'g'..=b'z' => (b'a', 26),
        b'G'..=b'Z' => (b'A', 26),
        _ => return c,
    };
    let other = base + rng.below(n - 1) as u8;
    if other >= c { other + 1 } else { other }
}

/// A planted secret: its text, the rules that find it (or a secret overlapping it) and, per
/// character, whether the generator chose it (a window made only of a rule's fixed characters,
/// like `-----BEGIN`, is format, not secret).
struct Planted {
    rules: Vec<String>,
    secret: String,
    random: Vec<bool>,
}

/// A rule's example with its secrets replaced by random ones of the same format: every letter
/// and digit of a secret is redrawn (in chunks, then one by one) where the engine still finds
/// exactly the same secrets of the same rules afterwards — so a fixed prefix, a checksum or a
/// structure the rule checks is kept. A secret no character of which can change (a checksummed
/// token) is planted as the example has it.
fn randomize(engine: &SecretEngine, path: &str, content: &str, rng: &mut Rng) -> Option<(String, Vec<Planted>)> {
    let finds = |b: &[u8]| -> Vec<(usize, Range<usize>)> {
        engine.scan(path, b).into_iter().map(|h| (h.rule, h.secret)).collect()
    };
    let want = finds(content.as_bytes());
    if want.is_empty() {
        return None; // a model or code rule's example
    }
    let mut bytes = content.as_bytes().to_vec();
    let mut random = vec![false; bytes.len()];
    let mut positions: Vec<usize> =
        want.iter().flat_map(|(_, r)| r.clone()).filter(|&i| bytes[i].is_ascii_alphanumeric()).collect();
    positions.sort_unstable();
    positions.dedup();
    for size in [positions.len().max(1), 8, 1] {
        for chunk in positions.chunks(size) {
            let todo: Vec<usize> = chunk.iter().copied().filter(|&i| !random[i]).collect();
            if todo.is_empty() {
                continue;
            }
            let saved: Vec<u8> = todo.iter().map(|&i| bytes[i]).collect();
            for &i in &todo {
                bytes[i] = same_class(bytes[i], rng);
            }
            if finds(&bytes) == want {
                todo.iter().for_each(|&i| random[i] = true);
            } else {
                todo.iter().zip(saved).for_each(|(&i, b)| bytes[i] = b);
            }
        }
    }
    let text = String::from_utf8(bytes).expect("ASCII for ASCII keeps UTF-8");
    let mut ranges: Vec<(Vec<usize>, Range<usize>)> = want.into_iter().map(|(rule, r)| (vec![rule], r)).collect();
    ranges.sort_by_key(|(_, r)| (r.start, std::cmp::Reverse(r.end)));
    // Overlapping hits (two rules on one secret): the outer one, found by all their rules.
    ranges.dedup_by(|b, a| {
        let overlaps = b.1.start < a.1.end;
        if overlaps {
            a.0.append(&mut b.0);
        }
        overlaps
    });
    let planted = ranges
        .into_iter()
        .map(|(rules, r)| {
            let secret = text[r.clone()].to_string();
            let mut mask: Vec<bool> = secret.char_indices().map(|(i, _)| random[r.start + i]).collect();
            if !mask.contains(&true) {
                mask = secret.chars().map(|c| c.is_ascii_alphanumeric()).collect();
            }
            let rules = rules.into_iter().map(|i| engine.rule(i).id().to_string()).collect();
            Planted { rules, secret, random: mask }
        })
        .collect();
    Some((text, planted))
}

/// Windows of `n` characters of `p` that hold at least 4 generated characters (fewer could
/// match other text by chance: `https://d` of a URL whose host starts with a random `d`).
fn windows(p: &Planted, n: usize) -> Vec<String> {
    let chars: Vec<char> = p.secret.chars().collect();
    if chars.len() < n {
        return Vec::new();
    }
    (0..=chars.len() - n)
        .filter(|&i| p.random[i..i + n].iter().filter(|&&r| r).count() >= 4)
        .map(|i| chars[i..i + n].iter().collect())
        .collect()
}

/// `s` with `%XX` escapes decoded (SARIF URIs, GitHub annotations).
fn percent_decoded(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `s` with XML's entities decoded (JUnit).
fn xml_decoded(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
}

/// Runs a scan of `root` with `args`, expecting exit 0; stdout and stderr.
fn scan_of(root: &Path, args: &[&str], seed: u64) -> (String, String) {
    let out = Command::cargo_bin("slsguard")
        .expect("binary built")
        .current_dir(root)
        .env("NO_COLOR", "1")
        .env("SLSGUARD_FINGERPRINT_KEY", "slsguard-test-fingerprint-key")
        .args(["scan", "--fail-on", "none", "--parse-errors", "warn", "--no-config"])
        .args(args)
        .output()
        .expect("slsguard runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "seed {seed} {args:?}: {stderr}");
    (String::from_utf8_lossy(&out.stdout).into_owned(), stderr)
}

/// The property behind docs/security.md#redaction: random secrets of every secret rule's format
/// (taken from the rule set's own `fire` examples, so new rules are covered as they come),
/// planted in file contents, file names, route paths and resource names, never show in any
/// output format or in the baseline beyond what the redaction shows: no 9-character window of a
/// secret. Seed 1 by default; `SLSGUARD_PROPERTY_SEED=N` runs seed N instead.
#[test]
fn planted_secrets_never_show_in_any_output_or_baseline() {
    use clap::ValueEnum;
    let rules = RuleSet::builtin().expect("rules load");
    let engine = SecretEngine::new(&rules);
    let seeds: Vec<u64> = match std::env::var("SLSGUARD_PROPERTY_SEED") {
        Ok(s) => vec![s.parse().expect("SLSGUARD_PROPERTY_SEED is a number")],
        Err(_) => vec![1],
    };
    let secret_rules: std::collections::BTreeSet<&str> = rules
        .rules()
        .iter()
        .filter(|r| matches!(r.spec.matcher, slsguard::rules::schema::MatcherSpec::Secret(_)))
        .map(|r| r.id())
        .collect();
    for seed in seeds {
        let mut rng = Rng(seed);
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        let mut planted: Vec<Planted> = Vec::new();
        // Secrets for names and routes: each example's secrets that are valid there, known from
        // the contents (every occurrence of a found secret is redacted), and a second random
        // draw found by the engine in the name alone, planted nowhere else.
        let mut in_names: Vec<String> = Vec::new();
        let mut alone = 0;
        let name_safe = |s: &str| {
            s.len() >= 9 && s.len() < 200 && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_.+=~".contains(c))
        };
        let mut i = 0;
        for rule in rules.rules() {
            for ex in &rule.spec.examples.fire {
                let Some((text, secrets)) = randomize(&engine, ex.path(), ex.content(), &mut rng) else { continue };
                // In file contents, under the example's own name (rules may be limited to some).
                let file = root.join(format!("contents/{i}")).join(ex.path());
                i += 1;
                std::fs::create_dir_all(file.parent().expect("parent")).expect("dirs");
                std::fs::write(&file, &text).expect("write");
                for p in secrets {
                    // Known secrets go through the same redaction whichever rule found them: a
                    // sample is enough, and keeps the scan small.
                    if name_safe(&p.secret) && rng.below(8) == 0 {
                        in_names.push(p.secret.clone());
                    }
                    planted.push(p);
                }
                let (_, again) = randomize(&engine, ex.path(), ex.content(), &mut rng).expect("fires again");
                for p in again {
                    let found_alone =
                        engine.scan("", p.secret.as_bytes()).iter().any(|h| h.secret == (0..p.secret.len()));
                    if found_alone && name_safe(&p.secret) && !planted.iter().any(|q| q.secret == p.secret) {
                        in_names.push(p.secret.clone());
                        planted.push(p);
                        alone += 1;
                    }
                }
            }
        }
        let covered: std::collections::BTreeSet<&str> =
            planted.iter().flat_map(|p| p.rules.iter().map(String::as_str)).collect();
        let missing: Vec<&&str> = secret_rules.iter().filter(|r| !covered.contains(**r)).collect();
        assert!(missing.is_empty(), "seed {seed}: no secret planted for {missing:?}");
        assert!(alone >= 10, "seed {seed}: only {alone} secrets are found in a name alone");
        // In file names (a directory's: `.env` after it would make some formats longer than
        // their rule allows): the file holds a finding, so its path is in every output.
        for (i, s) in in_names.iter().enumerate() {
            let d = root.join(format!("names/{i}/{s}"));
            std::fs::create_dir_all(&d).expect("dirs");
            std::fs::write(d.join("creds.env"), "AWS_ACCESS_KEY_ID=AKIAQ2MTX7WPLZK4RDHB\n").expect("write");
        }
        // In route paths and resource (function) names: an unauthenticated route's finding
        // quotes both.
        let mut sls = String::from("service: planted\nprovider:\n  name: aws\n  runtime: nodejs20.x\nfunctions:\n");
        for s in &in_names {
            sls.push_str(&format!(
                "  '{s}':\n    handler: h.handler\n    events:\n      - http:\n          path: /bot/{s}/hook\n          method: post\n"
            ));
        }
        std::fs::create_dir_all(root.join("routes")).expect("dirs");
        std::fs::write(root.join("routes/serverless.yml"), sls).expect("write");

        // One scan writes every format and the baseline.
        let out_dir = tempfile::tempdir().expect("temp dir");
        let mut args: Vec<String> = Vec::new();
        for format in slsguard::cli::Format::value_variants() {
            let file = out_dir.path().join(format.name());
            args.extend(["--format".into(), format.name().into(), "--output".into(), file.display().to_string()]);
        }
        let baseline = out_dir.path().join("baseline.json");
        args.extend(["--write-baseline".into(), baseline.display().to_string()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (stdout, stderr) = scan_of(root, &args, seed);
        let mut outputs = vec![("stdout".to_string(), stdout), ("stderr".to_string(), stderr)];
        for format in slsguard::cli::Format::value_variants() {
            let text = std::fs::read_to_string(out_dir.path().join(format.name())).expect("report written");
            outputs.push((format.name().to_string(), text));
        }
        outputs.push(("baseline".into(), std::fs::read_to_string(&baseline).expect("baseline written")));
        // The scan saw what was planted.
        let json = &outputs.iter().find(|(f, _)| f == "json").expect("json output").1;
        assert!(json.contains("\"rule_id\": \"auth-"), "seed {seed}: no route finding:\n{json}");
        assert!(json.contains("names/0/"), "seed {seed}: no finding in a planted file name");
        // Every window of every planted secret, found in one pass over each output.
        let (patterns, owners): (Vec<String>, Vec<usize>) =
            planted.iter().enumerate().flat_map(|(i, p)| windows(p, 9).into_iter().map(move |w| (w, i))).unzip();
        let finder = aho_corasick::AhoCorasick::new(&patterns).expect("windows automaton");
        for (format, raw) in &outputs {
            // SARIF URIs and GitHub annotations percent-encode, JUnit XML escapes.
            let mut forms = vec![raw.clone()];
            forms.extend(raw.contains('%').then(|| percent_decoded(raw)));
            forms.extend(raw.contains('&').then(|| xml_decoded(raw)));
            for text in forms {
                if let Some(m) = finder.find(&text) {
                    let p = &planted[owners[m.pattern().as_usize()]];
                    let start =
                        (0..=m.start().saturating_sub(80)).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
                    let around: String = text[start..].chars().take(200).collect();
                    let kept = dir.keep();
                    panic!(
                        "seed {seed}: {format} shows `{}` of a {} secret ({}…):\n{around}\n(tree kept in {})",
                        &patterns[m.pattern().as_usize()],
                        p.rules.join(", "),
                        p.secret.chars().take(4).collect::<String>(),
                        kept.display()
                    );
                }
            }
        }
    }
}
