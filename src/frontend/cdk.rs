//! AWS CDK apps: their IAM and API settings live in code and reach slsguard only as the
//! CloudFormation that `cdk synth` writes (`cdk.out/*.template.json`, or the `output` directory
//! `cdk.json` names). An app whose synthesized templates are not among the scanned files has had
//! its IAM and auth checked by nothing, and is told so once.

use crate::loader::json;

/// The directory `cdk synth` writes to, as `cdk.json` says (`"output"`), else `cdk.out`.
pub fn output_dir(cdk_json: &[u8]) -> String {
    std::str::from_utf8(cdk_json)
        .ok()
        .and_then(|t| json::parse(t).ok())
        .and_then(|doc| doc.get("output").and_then(|o| o.as_str()).map(str::to_string))
        .filter(|o| !o.trim().is_empty())
        .map_or_else(|| "cdk.out".to_string(), |o| o.trim_start_matches("./").trim_end_matches('/').to_string())
}

/// Whether `paths` (display paths, `/`-separated) hold a synthesized template of the app whose
/// `cdk.json` is at `cdk_json_path`.
pub fn synthesized(cdk_json_path: &str, output: &str, paths: &[&str]) -> bool {
    let dir = cdk_json_path.rsplit_once('/').map_or("", |(d, _)| d);
    let out = if dir.is_empty() { format!("{output}/") } else { format!("{dir}/{output}/") };
    paths.iter().any(|p| p.starts_with(&out) && p.ends_with(".template.json"))
}

/// The notice for an app that was not synthesized.
pub fn notice(output: &str) -> String {
    format!(
        "AWS CDK app with no synthesized template among the scanned files: its IAM and auth were not \
         checked. Run `cdk synth`, then scan `{output}` too (it is usually gitignored, so name it: \
         `slsguard scan . {output}`)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_directory_and_synthesis() {
        assert_eq!(output_dir(br#"{"app": "npx ts-node bin/app.ts"}"#), "cdk.out");
        assert_eq!(output_dir(br#"{"app": "python3 app.py", "output": "./build/cdk/"}"#), "build/cdk");
        assert_eq!(output_dir(b"not json"), "cdk.out");
        let paths = ["infra/cdk.json", "infra/cdk.out/OrdersStack.template.json", "cdk.json"];
        assert!(synthesized("infra/cdk.json", "cdk.out", &paths));
        assert!(!synthesized("cdk.json", "cdk.out", &paths), "another app's output");
        assert!(!synthesized("infra/cdk.json", "build", &paths));
    }
}
