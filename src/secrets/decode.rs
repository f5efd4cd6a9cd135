//! Secrets hidden in an encoding: a PEM key or a credential file in base64
//! (`PRIVATE_KEY_B64=LS0tLS1CRUdJTi…`, a kubeconfig or Docker `config.json` in a CI variable),
//! a connection string or key in URL encoding, a URL with JSON-escaped slashes. A few literal
//! triggers (the encodings of `-----BEGIN`, `{"`, `apiVersion:`, `://`) mark where such a run
//! starts; the run is decoded and the decoded text scanned like a file, once (no nesting).

use super::verify::base64_decode;
use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Base64,
    Percent,
    JsonEscape,
}

impl Encoding {
    pub fn label(self) -> &'static str {
        match self {
            Encoding::Base64 => "base64-encoded",
            Encoding::Percent => "URL-encoded",
            Encoding::JsonEscape => "JSON-escaped",
        }
    }
}

/// Literal triggers and the encoding each one marks. Base64 triggers are case-sensitive and
/// must start a run; the others match ignoring ASCII case anywhere in a run.
pub const TRIGGERS: &[(&str, Encoding)] = &[
    // "-----BEGIN" (PEM keys, certificates are decoded and found harmless)
    ("LS0tLS1CRUdJT", Encoding::Base64),
    // JSON objects: `{"`, `{ "`, `{\n`, `{\r\n` (credential files; JWT parts are left alone)
    ("eyJ", Encoding::Base64),
    ("eyAi", Encoding::Base64),
    ("ewog", Encoding::Base64),
    ("ewoJ", Encoding::Base64),
    ("ew0K", Encoding::Base64),
    // "apiVersion: " (a kubeconfig)
    ("YXBpVmVyc2lvbj", Encoding::Base64),
    // "://" and "-----BEGIN " in URL encoding
    ("%3A%2F%2F", Encoding::Percent),
    ("-----BEGIN%20", Encoding::Percent),
    ("%2D%2D%2D%2D%2DBEGIN", Encoding::Percent),
    // "://" with JSON-escaped slashes
    (":\\/\\/", Encoding::JsonEscape),
];

/// Shortest base64 run worth decoding (a credential file or key is far longer).
const MIN_BASE64: usize = 48;
/// Longest run decoded: a base64 kubeconfig with its certificates is a few kilobytes, inline
/// source maps (megabytes of `{"version":3,…}`) are not credentials.
const MAX_RUN: usize = 64 * 1024;

fn is_b64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_' | b'=')
}

fn is_url_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"%._~+!*:@&=$,/?#[]-".contains(&b)
}

/// The run of encoded text that the trigger at `at` belongs to, if it is worth decoding.
pub fn run(text: &[u8], at: usize, enc: Encoding) -> Option<Range<usize>> {
    match enc {
        Encoding::Base64 => {
            // ('=' before a run is an assignment: padding only ends a run)
            if at > 0 && text[at - 1] != b'=' && is_b64(text[at - 1]) {
                return None; // not the start of a run: chance letters inside other base64
            }
            // Data URIs are inline source maps and images, not credentials.
            if text[..at].ends_with(b";base64,") {
                return None;
            }
            let len = text[at..].iter().take(MAX_RUN + 1).take_while(|&&b| is_b64(b)).count();
            let end = at + len;
            // A JWT part (`eyJ….eyJ…`) is the JWT rule's business.
            if !(MIN_BASE64..=MAX_RUN).contains(&len) || text.get(end) == Some(&b'.') {
                return None;
            }
            Some(at..end)
        }
        Encoding::Percent | Encoding::JsonEscape => {
            let ok = |b: u8| if enc == Encoding::Percent { is_url_char(b) } else { is_url_char(b) || b == b'\\' };
            let lo_limit = at.saturating_sub(MAX_RUN);
            let start = at - text[lo_limit..at].iter().rev().take_while(|&&b| ok(b)).count();
            let end = at + text[at..].iter().take(MAX_RUN).take_while(|&&b| ok(b)).count();
            Some(start..end)
        }
    }
}

/// A run's decoded text.
pub struct Decoded {
    pub text: Vec<u8>,
    /// For escapes, where each decoded byte (and the end) came from in the run, so that a
    /// secret is located exactly; base64 secrets are reported as the whole run.
    offsets: Option<Vec<usize>>,
}

impl Decoded {
    /// The part of the run that `r` (a range of the decoded text) came from.
    pub fn source(&self, r: &Range<usize>) -> Option<Range<usize>> {
        let o = self.offsets.as_ref()?;
        Some(*o.get(r.start)?..*o.get(r.end)?)
    }
}

/// The decoded text of a run, if it decodes to text.
pub fn decode(run: &[u8], enc: Encoding) -> Option<Decoded> {
    let (text, offsets) = match enc {
        Encoding::Base64 => (base64_decode(run)?, None),
        Encoding::Percent => {
            let (t, o) = percent(run);
            (t, Some(o))
        }
        Encoding::JsonEscape => {
            let (t, o) = json_unescape(run);
            (t, Some(o))
        }
    };
    // Binary data (DER, images) is not text any rule reads.
    let text_like = text.iter().filter(|&&b| b >= 0x20 || matches!(b, b'\n' | b'\r' | b'\t')).count();
    (text_like * 100 >= text.len() * 95 && !text.is_empty()).then_some(Decoded { text, offsets })
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

fn percent(s: &[u8]) -> (Vec<u8>, Vec<usize>) {
    let mut out = Vec::with_capacity(s.len());
    let mut at = Vec::with_capacity(s.len() + 1);
    let mut i = 0;
    while i < s.len() {
        at.push(i);
        if s[i] == b'%' {
            if let (Some(h), Some(l)) = (s.get(i + 1).and_then(|&b| hex(b)), s.get(i + 2).and_then(|&b| hex(b))) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(s[i]);
        i += 1;
    }
    at.push(s.len());
    (out, at)
}

fn json_unescape(s: &[u8]) -> (Vec<u8>, Vec<usize>) {
    let mut out = Vec::with_capacity(s.len());
    let mut at = Vec::with_capacity(s.len() + 1);
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'\\' {
            match s.get(i + 1) {
                Some(b'/') | Some(b'\\') => {
                    at.push(i);
                    out.push(s[i + 1]);
                    i += 2;
                    continue;
                }
                Some(b'u') => {
                    let code = s.get(i + 2..i + 6).and_then(|h| std::str::from_utf8(h).ok());
                    if let Some(c) = code.and_then(|h| u32::from_str_radix(h, 16).ok()).and_then(char::from_u32) {
                        let mut buf = [0u8; 4];
                        for &b in c.encode_utf8(&mut buf).as_bytes() {
                            at.push(i);
                            out.push(b);
                        }
                        i += 6;
                        continue;
                    }
                }
                _ => {}
            }
        }
        at.push(i);
        out.push(s[i]);
        i += 1;
    }
    at.push(s.len());
    (out, at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs() {
        let t = b"KEY_B64=LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUV2UUlCQURBTkJna3Foa2lHOXcwQkFRRUZBQVND\n";
        let r = run(t, 8, Encoding::Base64).expect("a run");
        assert_eq!(r, 8..t.len() - 1);
        assert!(decode(&t[r], Encoding::Base64).is_some_and(|d| d.text.starts_with(b"-----BEGIN PRIVATE KEY-----")));
        // inside another run, too short, a JWT part, a data URI
        assert_eq!(run(b"xLS0tLS1CRUdJT", 1, Encoding::Base64), None);
        assert_eq!(run(b"eyJhbGciOiJIUzI1NiJ9", 0, Encoding::Base64), None);
        let jwt = format!("{}.eyJzdWIiOiJhIn0.x", "eyJ".to_string() + &"a".repeat(60));
        assert_eq!(run(jwt.as_bytes(), 0, Encoding::Base64), None);
        let data = format!("data:application/json;base64,eyJ{}", "a".repeat(60));
        assert_eq!(run(data.as_bytes(), 29, Encoding::Base64), None);
    }

    #[test]
    fn percent_and_json_escapes() {
        let t = b"url='postgres%3A%2F%2Fapp%3As3cr%40t@db'";
        let r = run(t, 13, Encoding::Percent).expect("a run");
        assert_eq!(&t[r.clone()], b"postgres%3A%2F%2Fapp%3As3cr%40t@db");
        let d = decode(&t[r.clone()], Encoding::Percent).expect("decodes");
        assert_eq!(d.text, b"postgres://app:s3cr@t@db");
        // "s3cr@t" decoded is "s3cr%40t" in the run
        assert_eq!(d.source(&(15..21)).map(|s| &t[r.start + s.start..r.start + s.end]), Some(&b"s3cr%40t"[..]));
        let (text, at) = json_unescape(br"https:\/\/a\u0040b\\c");
        assert_eq!(text, b"https://a@b\\c");
        assert_eq!(at.len(), text.len() + 1);
    }
}
