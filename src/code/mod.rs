//! The code stage: function code read as code. Each source file is parsed once, in the per-file
//! phase of the scan (Rust with syn, JavaScript / TypeScript / Python / Go with tree-sitter),
//! into language-neutral code facts ([`ir`]); after the models are built, handlers are linked to
//! their files and module graphs ([`handlers`], [`graph`]), and the code rules run on the facts.

pub mod chalice;
pub mod evidence;
pub mod go;
pub mod graph;
pub mod handlers;
pub mod ir;
pub mod js;
pub mod literals;
pub mod matcher;
pub mod python;
pub mod rust;
pub mod stage;
pub mod taint;
pub mod ts;

pub use ir::FileFacts;

/// Files larger than this are not parsed: hand-written source is far smaller, and a parse tree
/// of a multi-megabyte bundle costs memory for nothing.
pub const MAX_PARSE_BYTES: usize = 1 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Language {
    JavaScript,
    TypeScript,
    /// TypeScript with JSX.
    Tsx,
    Python,
    Go,
    Rust,
}

impl Language {
    /// The language of a file, by its extension.
    pub fn of_path(path: &str) -> Option<Language> {
        let name = path.rsplit('/').next().unwrap_or(path);
        let ext = name.rsplit_once('.')?.1;
        Some(match ext {
            "js" | "mjs" | "cjs" | "jsx" => Language::JavaScript,
            "ts" | "mts" | "cts" if !name.ends_with(".d.ts") && !name.ends_with(".d.mts") => Language::TypeScript,
            "tsx" => Language::Tsx,
            "py" => Language::Python,
            "go" => Language::Go,
            "rs" => Language::Rust,
            _ => return None,
        })
    }

    /// The rule-file name of the language (`typescript` covers TSX).
    pub fn name(self) -> &'static str {
        match self {
            Language::JavaScript => "javascript",
            Language::TypeScript | Language::Tsx => "typescript",
            Language::Python => "python",
            Language::Go => "go",
            Language::Rust => "rust",
        }
    }

    /// For messages.
    pub fn display(self) -> &'static str {
        match self {
            Language::JavaScript => "JavaScript",
            Language::TypeScript => "TypeScript",
            Language::Tsx => "TSX",
            Language::Python => "Python",
            Language::Go => "Go",
            Language::Rust => "Rust",
        }
    }

    pub const NAMES: [&'static str; 5] = ["javascript", "typescript", "python", "go", "rust"];
}

/// Why a file is generated or minified, judged by its content: such files are not anyone's
/// source, and are left out of module graphs and code rules.
pub fn generated(text: &[u8]) -> Option<&'static str> {
    let head = &text[..text.len().min(2048)];
    let find = |needle: &[u8]| memchr::memmem::find(head, needle).is_some();
    if find(b"Code generated") && find(b"DO NOT EDIT") {
        return Some("generated code (`Code generated … DO NOT EDIT`)");
    }
    if find(b"@generated") {
        return Some("generated code (`@generated`)");
    }
    if find(b"/*! For license information please see") || find(b"webpackBootstrap") || find(b"__webpack_require__") {
        return Some("a webpack bundle");
    }
    // Minified: long lines with little white space.
    let lines = memchr::memchr_iter(b'\n', text).count() + 1;
    let spaces = text.iter().filter(|&&b| b == b' ' || b == b'\t').count();
    if text.len() > 4096 && text.len() / lines > 500 && spaces * 10 < text.len() {
        return Some("minified code (long lines, little white space)");
    }
    None
}

/// The code facts of one file, or `None` when it is not a source file of a supported language.
pub fn facts(path: &str, text: &[u8]) -> Option<FileFacts> {
    let lang = Language::of_path(path)?;
    let why_generated = generated(text);
    if text.len() > MAX_PARSE_BYTES {
        // Reported even when generated: a multi-megabyte file left out is worth knowing about.
        let mut f = FileFacts::new(path, lang);
        f.generated = why_generated.map(str::to_string);
        let what = why_generated.map_or(String::new(), |w| format!(" ({w})"));
        f.problems.push(ir::Problem {
            line: 1,
            column: 1,
            message: format!(
                "{} bytes{what} is over the code analysis limit of {} bytes; code rules skipped this file (secrets were checked)",
                text.len(),
                MAX_PARSE_BYTES
            ),
        });
        return Some(f);
    }
    if let Some(why) = why_generated {
        let mut f = FileFacts::new(path, lang);
        f.generated = Some(why.to_string());
        return Some(f);
    }
    let lower = || match lang {
        Language::JavaScript | Language::TypeScript | Language::Tsx => js::lower(path, lang, text),
        Language::Python => python::lower(path, text),
        Language::Go => go::lower(path, text),
        Language::Rust => rust::lower(path, text),
    };
    if nesting_estimate(text) <= SHALLOW {
        return Some(lower());
    }
    // Deeply nested (or crafted) input: parse and lower on a thread with a stack large enough
    // for the depth limits, whatever the caller's stack is.
    std::thread::scope(|s| {
        std::thread::Builder::new().stack_size(DEEP_STACK).spawn_scoped(s, lower).ok().and_then(|h| h.join().ok())
    })
    .or_else(|| {
        let mut f = FileFacts::new(path, lang);
        f.problems.push(ir::Problem {
            line: 1,
            column: 1,
            message: "nested too deeply to analyse; code rules skipped this file".into(),
        });
        Some(f)
    })
}

/// Nesting below which the lowerings run on the caller's stack.
const SHALLOW: usize = 40;
/// The stack for deeply nested files: enough for the lowerings' depth limits in debug builds.
const DEEP_STACK: usize = 256 << 20;

/// An upper estimate of how deeply a file's syntax nests: the deepest bracket nesting, plus
/// `else` / `elif` chains, plus indentation (Python blocks nest by it).
fn nesting_estimate(text: &[u8]) -> usize {
    let (mut depth, mut max_depth, mut max_indent, mut indent, mut at_line_start) = (0usize, 0, 0, 0, true);
    for &b in text {
        match b {
            b'(' | b'[' | b'{' => {
                depth += 1;
                max_depth = max_depth.max(depth);
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b'\n' => {
                at_line_start = true;
                indent = 0;
                continue;
            }
            b' ' | b'\t' if at_line_start => {
                indent += 1;
                max_indent = max_indent.max(indent);
                continue;
            }
            _ => {}
        }
        at_line_start = false;
    }
    let chains = memchr::memmem::find_iter(text, b"else").count() + memchr::memmem::find_iter(text, b"elif").count();
    max_depth + chains + max_indent / 4
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod handler_tests;
