//! Least privilege from code, as data: each app of testdata/least-privilege/ with an over-broad
//! role prints exactly the policy in its `expected-policy.txt` (the actions and resources a
//! careful human would write), every call in it resolves, and the diff rules report it; each
//! `-minimal` twin, whose role is already that policy, gets no diff finding.
//! `UPDATE_EXPECTED=1` rewrites the expected files; the diff is then the thing to review.

use slsguard::{RuleSet, ScanOptions};
use std::path::{Path, PathBuf};

const RULES: [&str; 3] = ["iam-unused-permission", "iam-unscoped-resource", "iam-missing-permission"];

fn apps() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/least-privilege");
    let mut out: Vec<PathBuf> = std::fs::read_dir(root)
        .expect("testdata/least-privilege")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

fn scan(app: &Path) -> slsguard::report::Report {
    let rules = RuleSet::builtin().expect("rules load").select(&RULES.map(String::from), &[]).expect("rules exist");
    let opts = ScanOptions { paths: vec![app.to_path_buf()], ..ScanOptions::default() };
    slsguard::scan(&opts, &rules).expect("scan runs")
}

/// The printed policies with the app's own directory left out of paths.
fn printed(app: &Path, report: &slsguard::report::Report) -> String {
    let prefix = format!("{}/", slsguard::discover::display_path(app, std::env::current_dir().ok().as_deref()));
    let text: Vec<String> = report.policies.iter().map(|p| p.render()).collect();
    text.join("\n").replace(&prefix, "")
}

#[test]
fn broad_roles_print_the_policy_a_careful_human_writes() {
    let update = std::env::var_os("UPDATE_EXPECTED").is_some();
    let mut failures = Vec::new();
    for app in apps().iter().filter(|a| !a.to_string_lossy().ends_with("-minimal")) {
        let name = app.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let report = scan(app);
        let got = printed(app, &report);
        let file = app.join("expected-policy.txt");
        if update {
            std::fs::write(&file, &got).expect("write expected-policy.txt");
        } else {
            let want = std::fs::read_to_string(&file).unwrap_or_default();
            if want != got {
                failures.push(format!("{name}: printed policy differs from expected-policy.txt:\n{got}"));
            }
        }
        for p in &report.policies {
            if p.policy.is_err() || !p.unresolved.is_empty() {
                failures
                    .push(format!("{name}: `{}` not fully resolved: {:?} {:?}", p.function, p.policy, p.unresolved));
            }
            if p.calls.is_empty() {
                failures.push(format!("{name}: `{}` has no call", p.function));
            }
        }
        if !report.findings.iter().any(|f| f.rule_id == "iam-unused-permission") {
            failures.push(format!("{name}: no iam-unused-permission finding on an over-broad role"));
        }
    }
    assert!(failures.is_empty(), "(UPDATE_EXPECTED=1 rewrites the files)\n{}", failures.join("\n"));
}

#[test]
fn minimal_twins_have_no_diff_finding() {
    for app in apps().iter().filter(|a| a.to_string_lossy().ends_with("-minimal")) {
        let report = scan(app);
        let found: Vec<String> =
            report.findings.iter().map(|f| format!("{} {}: {}", f.rule_id, f.location.path, f.message)).collect();
        assert!(found.is_empty(), "{}: {found:#?}", app.display());
        assert!(report.policies.iter().all(|p| p.unresolved.is_empty() && !p.calls.is_empty()), "{}", app.display());
    }
}

/// A key built from literal text and more (a JavaScript template literal, a Python f-string,
/// `fmt.Sprintf`, `format!`) keeps its literal start: `iam-unscoped-resource` names
/// `bucket/orders/*`, as the printed policy does (`expected-policy.txt`); the `-minimal` twins,
/// whose grants are on `bucket/*` or on the narrower ARN, get no finding from it.
#[test]
fn built_keys_are_scoped_to_their_literal_start() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/least-privilege");
    // (app, the resource named, the wider one it was before)
    for (app, resource, wider) in [
        ("node-sam-v3", "`arn:${Partition}:s3:::${Uploads}/orders/*`", "${Uploads}/*`"),
        ("node-cfn-v2", "`arn:${Partition}:s3:::${Archive}/invoices/*`", "${Archive}/*`"),
        ("python-serverless", "`arn:${Partition}:s3:::orders-receipts/receipts/*`", "orders-receipts/*`"),
        ("rust-sam", "`arn:${Partition}:ssm:${Region}:${Account}:parameter/notifier/templates/*`", "parameter/*`"),
    ] {
        let report = scan(&root.join(app));
        let unscoped: Vec<&str> = report
            .findings
            .iter()
            .filter(|f| f.rule_id == "iam-unscoped-resource")
            .map(|f| f.message.as_str())
            .collect();
        assert!(unscoped.iter().any(|m| m.contains(resource)), "{app}: {unscoped:#?}");
        assert!(unscoped.iter().all(|m| !m.contains(wider)), "{app}: {unscoped:#?}");
    }
}

/// Lambda polls a function's SQS trigger with the function's role: where the manifest names the
/// queue and the role grants the polling on `*`, `iam-unscoped-resource` names the queue, and the
/// printed policy holds the polling statement on it (`platform-cfn-polling`'s
/// `expected-policy.txt`; its `-minimal` twin, scoped, is silent). In Terraform too. Roles SAM
/// and the Serverless Framework generate get the polling from the deploy tool: not reported
/// (`platform-sam-minimal`, `platform-serverless-minimal`).
#[test]
fn polling_on_every_queue_for_one_known_trigger_is_unscoped() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/least-privilege");
    let polling = |report: &slsguard::report::Report| -> Vec<String> {
        report
            .findings
            .iter()
            .filter(|f| f.rule_id == "iam-unscoped-resource" && f.message.contains("sqs:ReceiveMessage"))
            .map(|f| f.message.clone())
            .collect()
    };
    let cfn = polling(&scan(&root.join("platform-cfn-polling")));
    assert_eq!(cfn.len(), 1, "{cfn:#?}");
    assert!(cfn[0].contains("sqs:DeleteMessage, sqs:GetQueueAttributes, sqs:ReceiveMessage only on `arn:${Partition}:sqs:${Region}:${Account}:${Jobs}`"), "{cfn:#?}");
    // The Terraform app grants the polling on the queue; on `*`, it is reported.
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&root.join("platform-terraform-unused"), dir.path());
    let main = dir.path().join("main.tf");
    let text = std::fs::read_to_string(&main).expect("main.tf");
    let scoped = "    actions   = [\"sqs:ReceiveMessage\", \"sqs:DeleteMessage\", \"sqs:GetQueueAttributes\"]\n    resources = [aws_sqs_queue.jobs.arn]";
    assert!(text.contains(scoped), "the fixture changed");
    assert!(polling(&scan(dir.path())).is_empty());
    std::fs::write(&main, text.replace(scoped, &scoped.replace("[aws_sqs_queue.jobs.arn]", "[\"*\"]"))).expect("write");
    let tf = polling(&scan(dir.path()));
    assert_eq!(tf.len(), 1, "{tf:#?}");
    assert!(tf[0].contains("only on `${aws_sqs_queue.jobs.arn}`, and grants them on `*`"), "{tf:#?}");
    // The role SAM's translator generates (tagged) holds SAM's own polling grant, as in SAM.
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&root.join("platform-cfn-polling"), dir.path());
    let template = dir.path().join("template.yaml");
    let text = std::fs::read_to_string(&template).expect("template");
    let tagged = text.replacen(
        "      ManagedPolicyArns:\n",
        "      Tags: [{Key: lambda:createdBy, Value: SAM}]\n      ManagedPolicyArns:\n",
        1,
    );
    assert_ne!(tagged, text, "the fixture changed");
    std::fs::write(&template, tagged).expect("write");
    let sam = scan(dir.path());
    assert!(polling(&sam).is_empty(), "{:#?}", polling(&sam));
    assert!(
        sam.policies.iter().all(|p| p
            .policy
            .as_ref()
            .is_ok_and(|s| s.iter().all(|x| x.actions.iter().all(|a| !a.starts_with("sqs:")))))
    );
}

/// SAM lists AWS managed policies among a function's `Policies`; the translated role holds them
/// apart in `ManagedPolicyArns`, after its inline policies. The unused grants must be grouped the
/// same way for both (they were grouped by the first statement in manifest order).
#[test]
fn sam_and_its_translation_report_the_same_unused_grants() {
    let sam = r#"Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: "def handler(e, c):\n    return 1\n"
      Policies:
        - Statement: {Effect: Allow, Action: '*', Resource: '*'}
        - AmazonS3FullAccess
        - AmazonAPIGatewayPushToCloudWatchLogs
"#;
    let cfn = r#"Resources:
  FnRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]
      ManagedPolicyArns:
        - arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole
        - arn:aws:iam::aws:policy/AmazonS3FullAccess
        - arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs
      Policies:
        - PolicyName: FnRolePolicy0
          PolicyDocument:
            Statement: {Effect: Allow, Action: '*', Resource: '*'}
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt FnRole.Arn
      Code:
        ZipFile: "def handler(e, c):\n    return 1\n"
"#;
    let unused = |name: &str, text: &str| {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(name), text).expect("write template");
        let mut got: Vec<String> = scan(dir.path())
            .findings
            .iter()
            .filter(|f| f.rule_id == "iam-unused-permission")
            .map(|f| f.message.split(" (").next().unwrap_or_default().to_string())
            .collect();
        got.sort();
        got
    };
    let (a, b) = (unused("template.yaml", sam), unused("template.yaml", cfn));
    assert_eq!(a.len(), 3, "{a:#?}");
    assert_eq!(a, b);
}

/// Applies fixes (1-based line and character column regions) to a text.
fn apply(text: &str, fixes: &[&slsguard::leastpriv::fix::Fix]) -> String {
    let offset = |line: u32, column: u32| -> usize {
        let start: usize = text.split_inclusive('\n').take(line as usize - 1).map(str::len).sum();
        let rest = &text[start..];
        start + rest.char_indices().nth(column as usize - 1).map_or(rest.len(), |(i, _)| i)
    };
    let mut fixes: Vec<&slsguard::leastpriv::fix::Fix> = fixes.to_vec();
    fixes.sort_by_key(|f| std::cmp::Reverse(f.region.start));
    fixes.dedup_by_key(|f| f.region);
    let mut out = text.to_string();
    for f in fixes {
        let (a, b) =
            (offset(f.region.start.line, f.region.start.column), offset(f.region.end.line, f.region.end.column));
        out.replace_range(a..b, &f.inserted);
    }
    out
}

/// The SARIF fixes of the diff rules, applied to the manifest, leave no over-broad statement
/// written in it: what remains reported comes from AWS managed policies.
#[test]
fn fixes_replace_broad_statements_with_what_the_code_needs() {
    for (app, manifest) in [("python-serverless", "serverless.yml"), ("node-cfn-v2", "template.yaml")] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/least-privilege").join(app);
        let report = scan(&dir);
        let path =
            format!("{}/{manifest}", slsguard::discover::display_path(&dir, std::env::current_dir().ok().as_deref()));
        let fixes: Vec<&slsguard::leastpriv::fix::Fix> = report.fixes.iter().filter(|f| f.path == path).collect();
        assert!(!fixes.is_empty(), "{app}: no fix");
        // Every inline finding has its fix.
        for f in report.findings.iter().filter(|f| f.rule_id != "iam-missing-permission") {
            let fixed = fixes.iter().any(|x| x.applies(&f.rule_id, &f.location.path, f.location.span));
            assert!(fixed || f.message.contains("AWS managed policy"), "{app}: no fix for {}", f.message);
        }
        let tmp = tempfile::tempdir().expect("tempdir");
        copy_dir(&dir, tmp.path());
        let text = std::fs::read_to_string(dir.join(manifest)).expect("manifest");
        std::fs::write(tmp.path().join(manifest), apply(&text, &fixes)).expect("write");
        let after = scan(tmp.path());
        assert!(after.policies.iter().all(|p| p.policy.is_ok()), "{app}: the fixed manifest is not read");
        let left: Vec<&str> = after.findings.iter().map(|f| f.message.as_str()).collect();
        assert!(left.iter().all(|m| m.contains("AWS managed policy")), "{app}: {left:#?}");
        // The same policy (the function's line moves).
        let body = |t: String| t.lines().skip(1).collect::<Vec<_>>().join("\n");
        assert_eq!(body(printed(tmp.path(), &after)), body(printed(&dir, &report)), "{app}: the needed policy changed");
    }
}

fn copy_dir(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).expect("read_dir").flatten() {
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).expect("copy");
        }
    }
}

/// One finding per cause: a statement `iam-wildcard-resource` reports for the actions the code
/// uses on one table is not reported again by `iam-unscoped-resource`, whose message becomes a
/// related location of the wildcard findings (which carry the fix).
#[test]
fn unscoped_and_wildcard_resource_report_a_statement_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/least-privilege/python-serverless-minimal"),
        dir.path(),
    );
    let manifest = dir.path().join("serverless.yml");
    let text = std::fs::read_to_string(&manifest).expect("manifest");
    let broad = text.replacen(
        "Resource: arn:aws:dynamodb:${aws:region}:${aws:accountId}:table/orders-table",
        "Resource: \"*\"",
        1,
    );
    assert_ne!(broad, text, "the fixture changed");
    std::fs::write(&manifest, broad).expect("write");
    let ids: Vec<String> = RULES
        .iter()
        .map(|r| r.to_string())
        .chain(["iam-wildcard-resource".into(), "iam-sensitive-wildcard-resource".into()])
        .collect();
    let rules = RuleSet::builtin().expect("rules load").select(&ids, &[]).expect("rules exist");
    let opts = ScanOptions { paths: vec![dir.path().to_path_buf()], ..ScanOptions::default() };
    let report = slsguard::scan(&opts, &rules).expect("scan runs");
    let rules: Vec<&str> = report.findings.iter().map(|f| f.rule_id.as_str()).collect();
    assert!(!rules.contains(&"iam-unscoped-resource"), "{rules:?}");
    let wildcard: Vec<_> = report.findings.iter().filter(|f| f.rule_id.contains("wildcard-resource")).collect();
    assert_eq!(wildcard.len(), 2, "{rules:?}");
    for w in wildcard {
        assert!(w.related.iter().any(|r| r.message.starts_with("iam-unscoped-resource: ")), "{:?}", w.related);
        assert!(report.fixes.iter().any(|x| x.applies(&w.rule_id, &w.location.path, w.location.span)), "no fix");
    }
}

/// What Lambda itself uses is exempt only where the function has the matching trigger or
/// setting: each `platform-*-unused` app (the twin of a `-minimal` one with some settings
/// removed) reports the grants whose setting is gone, and not those whose setting stays.
#[test]
fn lambda_grants_without_their_trigger_or_setting_are_unused() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/least-privilege");
    // (app, services reported unused, services of Lambda's own kept)
    let cases: [(&str, &[&str], &[&str]); 4] = [
        ("platform-terraform-unused", &["xray", "sns"], &["ec2", "sqs", "logs"]),
        ("platform-serverless-unused", &["sns", "xray", "ec2"], &["sqs", "kms", "logs"]),
        ("platform-sam-unused", &["sqs", "sns", "ec2", "kms"], &["xray", "logs"]),
        ("platform-cfn-unused", &["xray", "sqs", "sns"], &["ec2", "kinesis", "logs"]),
    ];
    for (app, unused, kept) in cases {
        let report = scan(&root.join(app));
        let messages: Vec<&str> = report
            .findings
            .iter()
            .filter(|f| f.rule_id == "iam-unused-permission")
            .map(|f| f.message.as_str())
            .collect();
        let mentions = |service: &str| {
            messages.iter().any(|m| {
                m.contains(&format!(" {service}:"))
                    || m.contains(&format!("{service} action"))
                    || m.ends_with(service)
                    || m.contains(&format!(" {service},"))
            })
        };
        for s in unused {
            assert!(mentions(s), "{app}: {s} grants should be reported unused: {messages:#?}");
        }
        for s in kept {
            assert!(!mentions(s), "{app}: {s} grants are Lambda's own here: {messages:#?}");
        }
    }
}
