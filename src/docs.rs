//! Rule documentation generated from the rule files: the per-rule pages under docs/rules/, the
//! index, and the help text that SARIF and `slsguard explain` show. One source, so they never
//! disagree; a test fails when the committed pages are stale.

use crate::report::sarif::cwe_number;
use crate::rules::schema::{Example, MatcherSpec};
use crate::rules::{FAMILIES, Rule, RuleSet};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// A reference as a markdown link where we know where it points.
pub fn reference_link(r: &str) -> String {
    if let Some(n) = cwe_number(r) {
        return format!("[{r}](https://cwe.mitre.org/data/definitions/{n}.html)");
    }
    if let Some(item) = r.strip_prefix("OWASP-SLS-") {
        let name = owasp_serverless_name(item).unwrap_or("");
        return format!(
            "[OWASP Serverless Top 10 {item}{}](https://owasp.org/www-project-serverless-top-10/)",
            if name.is_empty() { String::new() } else { format!(": {name}") }
        );
    }
    if r.starts_with("https://") || r.starts_with("http://") {
        return format!("<{r}>");
    }
    r.to_string()
}

/// The OWASP Serverless Top 10 (2017) entries.
pub fn owasp_serverless_name(item: &str) -> Option<&'static str> {
    Some(match item {
        "A1" => "Injection",
        "A2" => "Broken Authentication",
        "A3" => "Sensitive Data Exposure",
        "A4" => "XML External Entities",
        "A5" => "Broken Access Control",
        "A6" => "Security Misconfiguration",
        "A7" => "Cross-Site Scripting",
        "A8" => "Insecure Deserialization",
        "A9" => "Using Components with Known Vulnerabilities",
        "A10" => "Insufficient Logging and Monitoring",
        _ => return None,
    })
}

/// A rule page (Markdown) for a terminal: headings underlined (bold with `color`), code blocks
/// indented without their fences, links as `text <url>`, inline code marks and emphasis
/// dropped; tables and lists stay as written.
pub fn for_terminal(md: &str, color: bool) -> String {
    let bold = |s: &str| if color { format!("\x1b[1m{s}\x1b[0m") } else { s.to_string() };
    let mut out = String::new();
    let mut in_code = false;
    for line in md.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            let _ = writeln!(out, "    {line}");
            continue;
        }
        let heading = line.trim_start_matches('#');
        if line.starts_with('#') && heading.starts_with(' ') {
            let text = inline(heading.trim());
            let rule = if line.starts_with("##") { '-' } else { '=' };
            let _ = writeln!(out, "{}\n{}", bold(&text), rule.to_string().repeat(text.chars().count()));
            continue;
        }
        let _ = writeln!(out, "{}", inline(line));
    }
    out
}

/// `[text](url)` → `text <url>`; backticks and `**`/`__` emphasis dropped.
fn inline(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(open) = rest.find('[') {
        let Some(mid) = rest[open..].find("](").map(|i| i + open) else { break };
        let Some(close) = rest[mid..].find(')').map(|i| i + mid) else { break };
        out.push_str(&rest[..open]);
        let text = &rest[open + 1..mid];
        let url = &rest[mid + 2..close];
        if text == url || text.trim_matches(['<', '>']) == url {
            out.push_str(url);
        } else {
            out.push_str(&format!("{text} <{url}>"));
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out.replace('`', "").replace("**", "").replace("__", "")
}

/// Markdown to readable plain text (for SARIF `text` fields and terminals): code spans and
/// emphasis markers dropped, links reduced to their text, soft line breaks joined.
pub fn plain_text(md: &str) -> String {
    let md = reflow(md.trim());
    let mut out = String::with_capacity(md.len());
    let mut chars = md.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '`' => {}
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
            }
            '[' => {
                let mut text = String::new();
                for d in chars.by_ref() {
                    if d == ']' {
                        break;
                    }
                    text.push(d);
                }
                if chars.peek() == Some(&'(') {
                    for d in chars.by_ref() {
                        if d == ')' {
                            break;
                        }
                    }
                }
                out.push_str(&text);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Joins the lines of each paragraph (markdown soft breaks), keeping blank lines and list items.
fn reflow(md: &str) -> String {
    let mut out = String::with_capacity(md.len());
    for line in md.lines() {
        let t = line.trim();
        let starts_block = t.is_empty()
            || t.starts_with("- ")
            || t.starts_with("* ")
            || t.starts_with('#')
            || t.split_once(". ").is_some_and(|(n, _)| n.parse::<u32>().is_ok());
        // A blank line leaves `out` ending in '\n', so the next line starts a new paragraph.
        if !out.is_empty() {
            out.push(if starts_block || out.ends_with('\n') { '\n' } else { ' ' });
        }
        out.push_str(t);
    }
    out
}

/// The help shown with a finding (SARIF `help.markdown`, `slsguard explain`).
pub fn rule_help_markdown(rule: &Rule) -> String {
    let s = &rule.spec;
    let mut md = String::new();
    let _ = writeln!(md, "{}\n\n## Remediation\n\n{}", s.description.trim(), s.remediation.trim());
    if !s.references.is_empty() {
        md.push_str("\n## References\n\n");
        for r in &s.references {
            let _ = writeln!(md, "- {}", reference_link(r));
        }
    }
    md
}

fn fence_lang(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "yml" | "yaml" => "yaml",
        "json" => "json",
        "tf" | "hcl" => "hcl",
        "js" | "mjs" | "cjs" => "javascript",
        "ts" => "typescript",
        "py" => "python",
        "rs" => "rust",
        "go" => "go",
        "java" => "java",
        "sh" | "env" => "shell",
        _ => "text",
    }
}

fn example_block(md: &mut String, ex: &Example) {
    let content = ex.content().trim_end();
    let fence = if content.contains("```") { "````" } else { "```" };
    if let Example::File { path, .. } = ex {
        let _ = writeln!(md, "`{path}`:");
    }
    let _ = writeln!(md, "{fence}{}\n{content}\n{fence}\n", fence_lang(ex.path()));
}

/// The reference page of one rule (docs/rules/<id>.md).
pub fn rule_page(rule: &Rule) -> String {
    let s = &rule.spec;
    let mut md = String::new();
    let _ = writeln!(md, "# {}: {}\n", s.id, s.title);
    let _ = writeln!(
        md,
        "| severity | precision | tags |\n|---|---|---|\n| {} | {} | {} |\n",
        s.severity,
        s.precision.as_str(),
        s.tags.join(", ")
    );
    if let Some(p) = &s.provider {
        let _ = writeln!(md, "Provider: `{p}` (`slsguard rules --tag provider:{p}`)\n");
    }
    if let Some(f) = &s.format_source {
        let _ = writeln!(md, "Format: {}\n", f.trim());
    }
    md.push_str(&rule_help_markdown(rule));
    match &s.matcher {
        MatcherSpec::Secret(m) => {
            md.push_str("\n## How it matches\n\n");
            let _ = writeln!(
                md,
                "- keywords{}: {}",
                if m.case_sensitive { " (case-sensitive)" } else { "" },
                m.keywords.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
            );
            match &m.assignment {
                Some(a) => {
                    let _ = writeln!(
                        md,
                        "- assignment: a key named like `{}` set to `{}`",
                        a.name.replace('`', "\\`"),
                        a.value.replace('`', "\\`")
                    );
                }
                None => {
                    let _ = writeln!(md, "- pattern: `{}`", m.regex.replace('`', "\\`"));
                }
            }
            if let Some(e) = m.entropy {
                let _ = writeln!(md, "- minimum entropy: {e} bits per character");
            }
            if let Some(v) = &m.verify {
                let _ = writeln!(md, "- offline check: {}", crate::secrets::verify::describe(v));
            }
            if !m.supersedes.is_empty() {
                let _ = writeln!(
                    md,
                    "- replaces the finding of {} on the same text",
                    m.supersedes.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
                );
            }
            if let Some(p) = &m.pair {
                let _ = writeln!(
                    md,
                    "- {} its {} within {} lines{}",
                    if p.required { "reported only with" } else { "reported together with" },
                    p.label,
                    p.lines,
                    if p.absorbs.is_empty() {
                        String::new()
                    } else {
                        format!(" (which is then not reported again by {})", p.absorbs.join(", "))
                    }
                );
            }
            if !m.paths.is_empty() {
                let _ = writeln!(
                    md,
                    "- only in: {}",
                    m.paths.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ")
                );
            }
            if !m.exclude_paths.is_empty() {
                let _ = writeln!(
                    md,
                    "- never in: {}",
                    m.exclude_paths.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ")
                );
            }
        }
        MatcherSpec::Model(m) => {
            md.push_str("\n## How it matches\n\n");
            let _ = writeln!(md, "- entity: `{}` (fields: [model-fields.md](../model-fields.md))", m.entity);
            for (field, value) in &m.conditions {
                let _ = writeln!(md, "- `{field}`: `{value}`");
            }
            let _ = writeln!(md, "- message: {}", m.message);
        }
        MatcherSpec::LeastPrivilege(m) => {
            md.push_str("\n## How it matches\n\n");
            let _ = writeln!(
                md,
                "- least privilege from code (`{}`): each function's role against the AWS SDK calls of its code ([least-privilege.md](../least-privilege.md))",
                m.check.as_str()
            );
        }
        MatcherSpec::Code(m) => {
            md.push_str("\n## How it matches\n\n");
            let _ = writeln!(md, "- languages: {}", m.languages.join(", "));
            code_matcher_doc(&mut md, m);
            let _ = writeln!(md, "- message: {}", m.message);
        }
    }
    md.push_str("\n## Examples\n\nReported:\n\n");
    for ex in &s.examples.fire {
        example_block(&mut md, ex);
    }
    md.push_str("Not reported:\n\n");
    for ex in &s.examples.no_fire {
        example_block(&mut md, ex);
    }
    md
}

/// The patterns, or the sources, sanitizers and sinks, of a code matcher.
fn code_matcher_doc(md: &mut String, m: &crate::rules::code_matcher::CodeSpec) {
    let list = |v: &[String]| v.iter().map(|x| format!("`{x}`")).collect::<Vec<_>>().join(", ");
    for p in &m.patterns {
        let (what, names) = if !p.call.is_empty() {
            ("a call of", &p.call)
        } else if !p.assign.is_empty() {
            ("an assignment to", &p.assign)
        } else if !p.key.is_empty() {
            ("a key or keyword argument", &p.key)
        } else {
            ("a reference to", &p.reference)
        };
        let mut line = format!("- {what} {}", list(names));
        for (i, v) in &p.args {
            line.push_str(&format!(", argument {i} one of {}", list(&v.texts())));
        }
        if let Some(o) = &p.option {
            let vals = o.value.as_ref().map(|v| format!(" = {}", list(&v.texts()))).unwrap_or_default();
            line.push_str(&format!(", {}option `{}`{vals}", if o.absent { "without " } else { "" }, o.name));
        }
        if let Some(v) = &p.value {
            line.push_str(&format!(" with value {}", list(&v.texts())));
        }
        if !p.languages.is_empty() {
            line.push_str(&format!(" ({})", p.languages.join(", ")));
        }
        let _ = writeln!(md, "{line}");
    }
    if let Some(t) = &m.taint {
        let _ = writeln!(md, "- sources:");
        for s in &t.sources {
            let what = if s.event {
                "the handler's event".to_string()
            } else if !s.read.is_empty() {
                format!("reading {}", list(&s.read))
            } else if let Some(c) = &s.callback_param {
                format!("parameter {} of functions passed to {}", c.index, list(&c.call))
            } else if !s.decorated.is_empty() {
                format!("parameters of functions decorated with {}", list(&s.decorated))
            } else if !s.param_type.is_empty() {
                format!("parameters of type {}", list(&s.param_type))
            } else {
                "caught errors".to_string()
            };
            let _ = writeln!(md, "  - {what}");
        }
        let calls: Vec<String> = t.sanitizers.iter().flat_map(|s| s.call.clone()).collect();
        let guards: Vec<String> = t.sanitizers.iter().flat_map(|s| s.guard.clone()).collect();
        if !calls.is_empty() {
            let _ = writeln!(md, "- sanitizers: {}", list(&calls));
        }
        if !guards.is_empty() {
            let _ = writeln!(md, "- allow-list checks: {}", list(&guards));
        }
        let _ = writeln!(md, "- sinks:");
        for s in &t.sinks {
            let what = if s.returned { "returned from the handler or route".to_string() } else { list(&s.call) };
            let _ = writeln!(md, "  - {} ({what})", s.label);
        }
    }
}

/// The index page (docs/rules/README.md): every rule by family.
pub fn index_page(rules: &RuleSet) -> String {
    let mut md = String::from(
        "<!-- generated from rules/ by `UPDATE_DOCS=1 cargo test --test docs`; do not edit -->\n# Rules reference\n\n",
    );
    let _ = writeln!(
        md,
        "{} built-in rules. The rule file format is described in [../rules.md](../rules.md).\n",
        rules.len()
    );
    for (prefix, _, name) in FAMILIES {
        let fam: Vec<&Rule> = rules.rules().iter().filter(|r| r.family() == *prefix).collect();
        if fam.is_empty() {
            continue;
        }
        let _ = writeln!(md, "## {name} (`{prefix}-`)\n\n| id | severity | title |\n|---|---|---|");
        for r in fam {
            let _ = writeln!(md, "| [{0}]({0}.md) | {1} | {2} |", r.spec.id, r.spec.severity, r.spec.title);
        }
        md.push('\n');
    }
    md
}

/// Every generated page: path under docs/rules/ → content.
pub fn all_pages(rules: &RuleSet) -> BTreeMap<String, String> {
    let mut pages: BTreeMap<String, String> = rules
        .rules()
        .iter()
        .map(|r| {
            let header = format!(
                "<!-- generated from {} by `UPDATE_DOCS=1 cargo test --test docs`; do not edit -->\n",
                r.origin
            );
            (format!("{}.md", r.spec.id), header + &rule_page(r))
        })
        .collect();
    pages.insert("README.md".into(), index_page(rules));
    pages
}

/// docs/model-fields.md: every entity and field model rules can test, from the registry.
pub fn model_fields_page() -> String {
    use crate::entities::{EntityKind, FIELDS};
    let mut md = String::from(
        "<!-- generated from src/entities.rs by `UPDATE_DOCS=1 cargo test --test docs`; do not edit -->\n# Model fields\n\n\
         What a model rule (`matcher: model:`) can test: its `entity`, and the fields of that entity \
         in `where`, `at` and `{field}` placeholders of `message`. See [rules.md](rules.md).\n\n",
    );
    for kind in EntityKind::ALL {
        let _ = writeln!(md, "## `{}`\n\n{}\n\n| field | type | meaning |\n|---|---|---|", kind.name(), kind.doc());
        for (_, name, ty, doc) in FIELDS.iter().filter(|f| f.0 == kind) {
            let _ = writeln!(md, "| `{name}` | {} | {doc} |", ty.as_str());
        }
        md.push('\n');
    }
    md
}

/// docs/cli.md: the long help of every command, generated from the clap definitions.
pub fn cli_page() -> String {
    use clap::CommandFactory;
    // A fixed width, so the page does not depend on the terminal the tests run in.
    let mut cmd = crate::cli::Cli::command().term_width(100).max_term_width(100);
    cmd.build();
    let mut md = String::from(
        "<!-- generated from src/cli.rs by `UPDATE_DOCS=1 cargo test --test docs`; do not edit -->\n# Command-line reference\n\n",
    );
    fn walk(cmd: &mut clap::Command, path: &str, md: &mut String) {
        let name = if path.is_empty() { cmd.get_name().to_string() } else { format!("{path} {}", cmd.get_name()) };
        let help = cmd.render_long_help().to_string();
        let _ = writeln!(md, "## `{name}`\n\n```text\n{}\n```\n", help.trim_end());
        let mut subs: Vec<clap::Command> = cmd.get_subcommands().filter(|s| s.get_name() != "help").cloned().collect();
        for sub in &mut subs {
            walk(sub, &name, md);
        }
    }
    walk(&mut cmd, "", &mut md);
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_render_for_a_terminal() {
        let md =
            "# rule-x\n\nSee [the docs](https://e.x/a) and `code`.\n\n## Fix\n\n```yaml\nAction: s3:GetObject\n```\n";
        let text = for_terminal(md, false);
        assert_eq!(
            text,
            "rule-x\n======\n\nSee the docs <https://e.x/a> and code.\n\nFix\n---\n\n    Action: s3:GetObject\n"
        );
    }

    #[test]
    fn plain_text_reflows_and_strips_markup() {
        let md = "Use `x` and **y**,\nsee [docs](https://a.b).\n\n- one\n- two\n";
        assert_eq!(plain_text(md), "Use x and y, see docs.\n\n- one\n- two");
    }
}
