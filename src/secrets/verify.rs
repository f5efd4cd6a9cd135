//! Offline checks of a candidate secret's structure: checksums that the issuer builds into its
//! tokens, and encoded payloads that must decode to what the issuer writes. A candidate that
//! fails its check is a decoy (a made-up token, a truncated copy, a test string), not a secret.
//! Nothing here contacts the issuer.

use serde::Deserialize;

/// How a rule verifies its candidates (the rule file's `verify`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verify {
    /// GitHub's and npm's token format: `prefix_` + 30 base62 characters + the CRC32 of those
    /// 30 characters in base62 (6 characters, zero-padded).
    /// <https://github.blog/2021-04-05-behind-githubs-new-authentication-token-formats/>
    Crc32Base62,
    /// Grafana's prefixed keys: `glsa_` + secret + `_` + the CRC32 of `glsa_<secret>` as 8 hex
    /// digits of its little-endian bytes (grafana/pkg/components/satokengen).
    Crc32HexSuffix,
    /// A PyPI API token: `pypi-` + base64url of a version-2 macaroon whose location is
    /// `pypi.org` or `test.pypi.org`.
    PypiMacaroon,
    /// A JSON Web Token: header and payload are base64url JSON objects, the header names an
    /// algorithm other than `none`. The issuer and expiry are shown in the finding.
    Jwt,
    /// A Discord token: its first dot-separated part is the base64 of a numeric user id.
    DiscordToken,
    /// HTTP basic credentials: base64 of `user:password`, both printable, the password
    /// not empty (Docker's `auth`, `Authorization: Basic`).
    Base64UserPass,
    /// One capture group of the match is base64(url) of a JSON object with these keys.
    Base64Json(Base64Json),
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Base64Json {
    /// The capture group holding the encoded JSON.
    pub group: usize,
    /// Keys the object must have.
    pub keys: Vec<String>,
}

/// The outcome of a check: `None` rejects the candidate; `Some(detail)` accepts it, with an
/// optional detail for the finding's message.
pub type Checked = Option<Option<String>>;

impl Verify {
    /// Checks `secret` (and, for `Base64Json`, `group`, the text of the named capture group).
    pub fn check(&self, secret: &[u8], group: Option<&[u8]>) -> Checked {
        match self {
            Verify::Crc32Base62 => crc32_base62(secret).then_some(None),
            Verify::Crc32HexSuffix => crc32_hex_suffix(secret).then_some(None),
            Verify::PypiMacaroon => pypi_macaroon(secret),
            Verify::Jwt => jwt(secret),
            Verify::DiscordToken => discord_token(secret).then_some(None),
            Verify::Base64UserPass => base64_user_pass(secret),
            Verify::Base64Json(spec) => {
                let obj = decode_json_object(group?)?;
                spec.keys.iter().all(|k| obj.contains_key(k)).then_some(None)
            }
        }
    }
}

/// One line for the rule reference.
pub fn describe(v: &Verify) -> String {
    match v {
        Verify::Crc32Base62 => "the last 6 characters are the CRC32 of the random part, in base62".into(),
        Verify::Crc32HexSuffix => "the 8 hex digits after the last `_` are the CRC32 of the rest".into(),
        Verify::PypiMacaroon => "decodes to a whole macaroon issued by pypi.org or test.pypi.org".into(),
        Verify::Jwt => {
            "header and payload decode to JSON, with a signing algorithm; issuer and expiry are shown".into()
        }
        Verify::DiscordToken => "the first part decodes to a numeric user id".into(),
        Verify::Base64UserPass => "decodes to `user:password`".into(),
        Verify::Base64Json(b) => format!(
            "capture group {} decodes to a JSON object with {}",
            b.group,
            b.keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
        ),
    }
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// CRC-32 (IEEE 802.3, as zlib and Go's `crc32.ChecksumIEEE`).
pub fn crc32(data: &[u8]) -> u32 {
    static TABLE: std::sync::OnceLock<[u32; 256]> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = [0u32; 256];
        for (i, slot) in t.iter_mut().enumerate() {
            let mut c = i as u32;
            for _ in 0..8 {
                c = if c & 1 == 1 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            }
            *slot = c;
        }
        t
    });
    let mut crc = !0u32;
    for &b in data {
        crc = table[((crc ^ u32::from(b)) & 0xFF) as usize] ^ (crc >> 8);
    }
    !crc
}

/// `n` in base62, left-padded with `0` to `width`.
fn base62(mut n: u32, width: usize) -> Vec<u8> {
    let mut out = Vec::new();
    while n > 0 {
        out.push(BASE62[(n % 62) as usize]);
        n /= 62;
    }
    while out.len() < width {
        out.push(b'0');
    }
    out.reverse();
    out
}

fn crc32_base62(secret: &[u8]) -> bool {
    // The part after the prefix's last '_': 30 random characters and a 6-character checksum.
    let body = secret.rsplit(|&b| b == b'_').next().unwrap_or(secret);
    if body.len() <= 6 || !body.iter().all(u8::is_ascii_alphanumeric) {
        return false;
    }
    let (random, check) = body.split_at(body.len() - 6);
    base62(crc32(random), 6) == check
}

fn crc32_hex_suffix(secret: &[u8]) -> bool {
    let Some(cut) = secret.iter().rposition(|&b| b == b'_') else { return false };
    let (key, check) = (&secret[..cut], &secret[cut + 1..]);
    if check.len() != 8 {
        return false;
    }
    let want: String = crc32(key).to_le_bytes().iter().map(|b| format!("{b:02x}")).collect();
    want.as_bytes().eq_ignore_ascii_case(check)
}

/// Decodes standard or URL-safe base64, with or without padding; `None` if it is not base64.
pub fn base64_decode(input: &[u8]) -> Option<Vec<u8>> {
    let input = input.strip_suffix(b"==").or_else(|| input.strip_suffix(b"=")).unwrap_or(input);
    if input.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in input {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

fn decode_json_object(encoded: &[u8]) -> Option<serde_json::Map<String, serde_json::Value>> {
    let bytes = base64_decode(encoded)?;
    match serde_json::from_slice::<serde_json::Value>(&bytes).ok()? {
        serde_json::Value::Object(m) => Some(m),
        _ => None,
    }
}

fn jwt(secret: &[u8]) -> Checked {
    let mut parts = secret.split(|&b| b == b'.');
    let (header, payload) = (parts.next()?, parts.next()?);
    let header = decode_json_object(header)?;
    let alg = header.get("alg")?.as_str()?;
    if alg.eq_ignore_ascii_case("none") {
        return None;
    }
    let payload = decode_json_object(payload)?;
    let mut detail = Vec::new();
    if let Some(iss) = payload.get("iss").and_then(|v| v.as_str()) {
        detail.push(format!("issuer {}", printable(iss, 60)));
    }
    if let Some(role) = payload.get("role").and_then(|v| v.as_str()) {
        detail.push(format!("role {}", printable(role, 30)));
    }
    match payload.get("exp").and_then(serde_json::Value::as_i64) {
        Some(exp) => detail.push(format!("expires {}", utc_date(exp))),
        None => detail.push("no expiry".to_string()),
    }
    Some(Some(detail.join(", ")))
}

/// A printable, bounded copy of a decoded claim (claims come from the scanned file).
fn printable(s: &str, max: usize) -> String {
    let clean: String = s.chars().filter(|c| !c.is_control() && *c != '`').take(max).collect();
    if s.chars().count() > max { format!("{clean}…") } else { clean }
}

/// `YYYY-MM-DD` of a Unix time (UTC), by the civil-from-days algorithm.
fn utc_date(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

fn discord_token(secret: &[u8]) -> bool {
    let id = secret.split(|&b| b == b'.').next().unwrap_or_default();
    base64_decode(id).is_some_and(|d| (17..=20).contains(&d.len()) && d.iter().all(u8::is_ascii_digit))
}

fn base64_user_pass(secret: &[u8]) -> Checked {
    let d = base64_decode(secret)?;
    let colon = d.iter().position(|&b| b == b':')?;
    let (user, pass) = (&d[..colon], &d[colon + 1..]);
    let ok = |s: &[u8]| !s.is_empty() && s.iter().all(|&b| (0x20..0x7f).contains(&b));
    if !ok(user) || !ok(pass) {
        return None;
    }
    Some(Some(format!("user {}", printable(&String::from_utf8_lossy(user), 40))))
}

/// Reads a macaroon (version 2 binary format: fields of type, length, data; sections end with
/// a zero byte) far enough to know its location, that it is whole, and which projects its
/// caveats name.
fn pypi_macaroon(secret: &[u8]) -> Checked {
    let raw = base64_decode(secret.strip_prefix(b"pypi-")?)?;
    let mut r = Reader { b: &raw, at: 0 };
    if r.byte()? != 2 {
        return None;
    }
    // Header: optional location (1), identifier (2), end of section.
    let mut location = None;
    let mut fields = 0;
    loop {
        let t = r.varint()?;
        if t == 0 {
            break;
        }
        let data = r.field()?;
        if t == 1 {
            location = Some(data);
        }
        fields += 1;
        if fields > 3 {
            return None;
        }
    }
    let location = location?;
    if location != b"pypi.org" && location != b"test.pypi.org" {
        return None;
    }
    // Caveats, each a section; an empty section ends the list.
    let mut projects: Vec<String> = Vec::new();
    for _ in 0..64 {
        let mut empty = true;
        loop {
            let t = r.varint()?;
            if t == 0 {
                break;
            }
            empty = false;
            let data = r.field()?;
            if t == 2 {
                caveat_projects(data, &mut projects);
            }
        }
        if empty {
            break;
        }
    }
    // The signature: type 6, 32 bytes.
    if r.varint()? != 6 || r.field()?.len() != 32 {
        return None;
    }
    let scope = if projects.is_empty() {
        "every project of the account".to_string()
    } else {
        format!("project {}", printable(&projects.join(", "), 60))
    };
    Some(Some(format!("{}, {scope}", String::from_utf8_lossy(location))))
}

/// Project names in a PyPI caveat: `{"permissions": {"projects": [...]}}` (legacy) or
/// `[1, ["name", ...]]` (current).
fn caveat_projects(data: &[u8], out: &mut Vec<String>) {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    let list = match &v {
        serde_json::Value::Array(a) if a.first().and_then(serde_json::Value::as_i64) == Some(1) => a.get(1),
        serde_json::Value::Object(o) => o.get("permissions").and_then(|p| p.get("projects")),
        _ => None,
    };
    if let Some(serde_json::Value::Array(names)) = list {
        out.extend(names.iter().filter_map(|n| n.as_str().map(str::to_string)));
    }
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Option<u8> {
        let v = *self.b.get(self.at)?;
        self.at += 1;
        Some(v)
    }

    fn varint(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7F) << shift;
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }

    fn field(&mut self) -> Option<&'a [u8]> {
        let len = usize::try_from(self.varint()?).ok()?;
        let end = self.at.checked_add(len)?;
        let data = self.b.get(self.at..end)?;
        self.at = end;
        Some(data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_zlib() {
        assert_eq!(crc32(b""), 0);
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn github_checksums() {
        // Tokens built by the published algorithm (random part, CRC32, base62).
        assert!(crc32_base62(b"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"));
        assert!(crc32_base62(b"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"));
        assert!(!crc32_base62(b"ghp_M7H4jxUDDWHP4kZ6A4dxlQYsQIWJuq11T4V3"));
        assert!(!crc32_base62(b"ghp_16C7e42F292c6912E7710c838347Ae178B4a"));
        assert!(!crc32_base62(b"ghp_"));
    }

    #[test]
    fn grafana_checksums() {
        let key = b"glsa_pZ3cHjQ9vT2mW8xK4nL7rB1dF6gS0aYe";
        let check: String = crc32(key).to_le_bytes().iter().map(|b| format!("{b:02x}")).collect();
        let token = format!("{}_{check}", String::from_utf8_lossy(key));
        assert!(crc32_hex_suffix(token.as_bytes()));
        assert!(!crc32_hex_suffix(b"glsa_pZ3cHjQ9vT2mW8xK4nL7rB1dF6gS0aYe_00000000"));
    }

    #[test]
    fn base64_both_alphabets() {
        assert_eq!(base64_decode(b"aGVsbG8=").as_deref(), Some(&b"hello"[..]));
        assert_eq!(base64_decode(b"aGVsbG8").as_deref(), Some(&b"hello"[..]));
        assert_eq!(base64_decode(b"-_8").as_deref(), Some(&[0xfb, 0xff][..]));
        assert_eq!(base64_decode(b"a"), None);
        assert_eq!(base64_decode(b"a$bc"), None);
    }

    #[test]
    fn jwt_claims_are_shown() {
        let t =
            b"eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJzdXBhYmFzZSIsInJvbGUiOiJzZXJ2aWNlX3JvbGUiLCJleHAiOjIwMTU1NzYwMDB9.sig";
        assert_eq!(jwt(t), Some(Some("issuer supabase, role service_role, expires 2033-11-14".into())));
        // alg none, and a header that is not JSON
        assert_eq!(jwt(b"eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0.x"), None);
        assert_eq!(jwt(b"eyJhbGciOiJIUzI1NiJ9X.eyJzdWIiOiJhIn0.x"), None);
        assert_eq!(utc_date(0), "1970-01-01");
        assert_eq!(utc_date(951_782_400), "2000-02-29");
    }

    #[test]
    fn basic_credentials() {
        assert_eq!(base64_user_pass(b"YWNtZTpzM2NyM3Q="), Some(Some("user acme".into())));
        assert_eq!(base64_user_pass(b"YWNtZQ=="), None); // no password
        assert_eq!(base64_user_pass(b"OnMzY3IzdA=="), None); // no user
    }

    #[test]
    fn discord_ids() {
        // base64("123456789012345678")
        assert!(discord_token(b"MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.x"));
        assert!(!discord_token(b"aGVsbG8gd29ybGQgaGVsbG8.GaBcDe.x"));
    }

    fn macaroon(location: &[u8], caveat: &[u8], sig_len: usize) -> String {
        let mut m = vec![2u8, 1, location.len() as u8];
        m.extend_from_slice(location);
        m.extend_from_slice(&[2, 4]);
        m.extend_from_slice(b"abcd");
        m.push(0);
        m.extend_from_slice(&[2, caveat.len() as u8]);
        m.extend_from_slice(caveat);
        m.push(0);
        m.push(0);
        m.extend_from_slice(&[6, sig_len as u8]);
        m.extend(std::iter::repeat_n(7u8, sig_len));
        let b64 = |d: &[u8]| -> String {
            const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            let mut s = String::new();
            for c in d.chunks(3) {
                let n = (u32::from(c[0]) << 16)
                    | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
                    | u32::from(*c.get(2).unwrap_or(&0));
                for i in 0..=c.len() {
                    s.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
                }
            }
            s
        };
        format!("pypi-{}", b64(&m))
    }

    #[test]
    fn pypi_macaroons() {
        let t = macaroon(b"pypi.org", br#"[1,["slsguard"]]"#, 32);
        assert_eq!(pypi_macaroon(t.as_bytes()), Some(Some("pypi.org, project slsguard".into())));
        let t = macaroon(b"pypi.org", br#"{"version":1,"permissions":"user"}"#, 32);
        assert_eq!(pypi_macaroon(t.as_bytes()), Some(Some("pypi.org, every project of the account".into())));
        assert_eq!(pypi_macaroon(macaroon(b"pypi.org", b"x", 31).as_bytes()), None);
        assert_eq!(pypi_macaroon(macaroon(b"evil.org", b"x", 32).as_bytes()), None);
        assert_eq!(pypi_macaroon(b"pypi-AgEIcHlwaS5vcmc"), None);
    }
}
