//! Values no secret rule reports, whatever the rule: documentation examples, placeholders and
//! references to secrets kept elsewhere. Rule-specific allowlists live in the rule files.

/// True when `secret` is an example, a placeholder or a reference, not a real secret.
pub fn is_allowed(secret: &[u8]) -> bool {
    let Ok(s) = std::str::from_utf8(secret) else { return false };
    let lower = s.to_ascii_lowercase();
    // AWS's documented example keys (AKIAIOSFODNN7EXAMPLE, wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY)
    // and most vendors' documentation use "example"; a random token holds it by chance with
    // negligible probability.
    const PLACEHOLDER_WORDS: &[&str] = &[
        "example",
        "changeme",
        "change_me",
        "change-me",
        "replaceme",
        "replace_me",
        "replace-me",
        "placeholder",
        "your_",
        "your-",
        "yourtoken",
        "yourkey",
        "yourpassword",
        "yoursecret",
        "dummy",
        "redacted",
        "todo",
        "fixme",
        "notreal",
        "not_real",
        "not-real",
        "notasecret",
        "not_a_secret",
        "not-a-secret",
        "fake",
        "sample",
        "<",
        ">",
        "${",
        "{{",
        "#{",
        "$(",
        "%(",
    ];
    // `…` is how slsguard writes a redacted secret: its own reports must never match again.
    if s.contains('…') {
        return true;
    }
    if PLACEHOLDER_WORDS.iter().any(|w| lower.contains(w)) {
        return true;
    }
    // Values copied from specifications and widely read documentation; they are random-looking
    // and would otherwise be reported wherever the docs are vendored.
    const DOCUMENTED_VALUES: &[&str] = &[
        // RFC 6749 (OAuth 2.0) and RFC 6750 (bearer tokens)
        "2YotnFZFEjr1zCsicMWpAA",
        "tGzv3JOkF0XG5Qx2TlKWIA",
        "SplxlOBeZQQYbYS6WxSbIA",
        "czZCaGRSa3F0MzpnWDFmQmF0M2JW",
        "gX1fBat3bV",
        "mF_9.B5f-4.1JqM",
        // RFC 5849 (OAuth 1.0)
        "dpf43f3p2l4k3l03",
        "kd94hf93k423kf44",
        "nnch734d00sl2jdk",
        "pfkkdhi9sl3r4s00",
        "hh5s93j4hdidpola",
        "hdhd0244k9j7ao03",
        "0685bd9184jfhq22",
        "ad180jjd733klru7",
        // JWT signatures of the jwt.io debugger and the PyJWT README
        "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        "4twFt5NiznN84AWoo1d7KO1T_yoc0Z6XOpOVswacPZg",
        // Cargo's registry documentation
        "854DvwSlUwEHtIo3kWy6x7UCPKHfzCmy",
        // Stripe's documentation test keys
        "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
        "pk_test_TYooMQauvdEDq54NiTphI7jx",
    ];
    if DOCUMENTED_VALUES.iter().any(|v| s.contains(v)) {
        return true;
    }
    // Lookups of a value kept elsewhere, as code and templates write them: environment
    // variables, API Gateway VTL variables (`$context.authorizer.token`, `$input.params()`),
    // ARNs of Secrets Manager secrets or parameters.
    const LOOKUPS: &[&str] = &[
        "process.env",
        "os.environ",
        "os.getenv",
        "getenv(",
        "system.getenv",
        "environment.getenvironmentvariable",
        "env::var",
        "env(",
        "env[",
        "$context.",
        "$input.",
        "$util.",
        "$stagevariables.",
        "$ctx.",
        "arn:aws:",
        "arn:aws-",
    ];
    if LOOKUPS.iter().any(|w| lower.contains(w)) {
        return true;
    }
    // References to a value kept elsewhere: `$DB_PASSWORD`, `!Ref DbPassword` (as captured from
    // an unquoted YAML value: the tag alone).
    if let Some(var) = s.strip_prefix('$') {
        if !var.is_empty() && var.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_') {
            return true;
        }
    }
    if let Some(tag) = s.strip_prefix('!') {
        if !tag.is_empty() && tag.bytes().all(|b| b.is_ascii_alphabetic()) {
            return true;
        }
    }
    // One character repeated (xxxxxxxx, 00000000, ********) or a masked value.
    let bytes = s.as_bytes();
    if bytes.len() > 1 && bytes.iter().all(|&b| b == bytes[0]) {
        return true;
    }
    if s.contains("****") || lower.contains("xxxxx") {
        return true;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::is_allowed;

    #[test]
    fn placeholders_and_examples() {
        for s in [
            "AKIAIOSFODNN7EXAMPLE",
            "<your-token>",
            "$DB_PASSWORD",
            "!Ref",
            "${ssm:/a/b}",
            "xxxxxxxxxxxx",
            "changeme",
            "{{resolve:ssm:x}}",
            "sk_live_****abcd",
            "not-a-secret-9x",
            "$context.authorizer.claims.token",
            "$input.params('x-api-key')",
            "process.env.DB_PASSWORD",
            "os.environ['TOKEN']",
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbC123",
            "2YotnFZFEjr1zCsicMWpAA",
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        ] {
            assert!(is_allowed(s.as_bytes()), "{s}");
        }
        for s in [
            "AKIAY34FZKBOKMUTVV7B",
            "hunter2-prod-9x",
            "$ecr3tPw!",
            "!x9Tq#2vB",
            "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
        ] {
            assert!(!is_allowed(s.as_bytes()), "{s}");
        }
    }
}
