//! What slsguard knows about AWS IAM, from the embedded data (data/SOURCES.md): every action with
//! its access level, the AWS managed policies' documents, and the SAM policy templates. Each is
//! parsed on first use only, so scans without manifests do not pay for it.

pub mod actions;
pub mod analysis;
pub mod managed;
pub mod sam_templates;

/// `*` and `?` glob match, ignoring ASCII case (IAM action names are case-insensitive).
pub fn glob_match_ci(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi].eq_ignore_ascii_case(&t[ti])) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::glob_match_ci;

    #[test]
    fn globs() {
        assert!(glob_match_ci("s3:Put*", "s3:PutObject"));
        assert!(glob_match_ci("S3:put*", "s3:PutObject"));
        assert!(glob_match_ci("*", "anything"));
        assert!(glob_match_ci("iam:*Policy", "iam:PutRolePolicy"));
        assert!(!glob_match_ci("iam:*Policy", "iam:PutRolePolicyX"));
        assert!(glob_match_ci("s3:?etObject", "s3:GetObject"));
        assert!(!glob_match_ci("s3:Get", "s3:GetObject"));
    }
}
