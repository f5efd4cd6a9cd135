//! A narrow entry point for the code stage: secrets in literals that programs assign to names.

use super::{SecretEngine, SecretHit};

impl SecretEngine {
    /// Secrets in a literal that code assigns to a name (`const DB_PASSWORD: &str = "…"`,
    /// `API_KEY = '…'`, `{ apiKey: "…" }`, `Config { api_key: "…".into() }`): every secret rule
    /// runs on `NAME = "value"`, so the rules keyed on secret-named assignments see the name
    /// whatever the language's syntax. The hits' ranges are within `value`.
    pub fn scan_named_literal(&self, path: &str, name: &str, value: &[u8]) -> Vec<SecretHit> {
        let name: String = name.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')).collect();
        if name.is_empty()
            || value.is_empty()
            || value.len() > 4096
            || value.iter().any(|b| matches!(b, b'"' | b'\n' | b'\\'))
        {
            return Vec::new();
        }
        let mut text = Vec::with_capacity(name.len() + value.len() + 5);
        text.extend_from_slice(name.as_bytes());
        text.extend_from_slice(b" = \"");
        let off = text.len();
        text.extend_from_slice(value);
        text.push(b'"');
        self.scan(path, &text)
            .into_iter()
            .filter(|h| h.secret.start >= off && h.secret.end <= off + value.len())
            .map(|mut h| {
                h.secret = h.secret.start - off..h.secret.end - off;
                h.related = None;
                h
            })
            .collect()
    }
}
