//! What slsguard knows about AWS IAM, from the embedded data (data/SOURCES.md): every action with
//! its access level, the AWS managed policies' documents, and the SAM policy templates. Each is
//! parsed on first use only, so scans without manifests do not pay for it.

pub mod actions;
pub mod analysis;
pub mod lambda;
pub mod managed;
pub mod narrowing;
pub mod passrole;
pub mod sam_templates;

/// An ARN, `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`, split at its own colons only: in a
/// template the parts are often variables (`${AWS::Region}`), which hold colons too. Missing
/// parts are empty; `fields` says how many were written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    /// Everything after the account (it may hold colons itself: `function:name`).
    pub resource: &'a str,
    pub fields: usize,
}

impl Arn<'_> {
    /// The ARN is written up to its account part.
    pub fn has_account(&self) -> bool {
        self.fields >= 4
    }
}

/// Splits `text` as an ARN; `None` when it does not start with `arn:`.
pub fn parse_arn(text: &str) -> Option<Arn<'_>> {
    if !text.starts_with("arn:") {
        return None;
    }
    let b = text.as_bytes();
    // Byte offsets of the separating colons: the one after `arn`, then up to four more.
    let mut cuts = Vec::with_capacity(5);
    let mut depth = 0usize;
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'$' if b.get(i + 1) == Some(&b'{') => depth += 1,
            b'}' if depth > 0 => depth -= 1,
            b':' if depth == 0 => {
                cuts.push(i);
                if cuts.len() == 5 {
                    break;
                }
            }
            _ => {}
        }
    }
    let field = |k: usize| -> &str {
        match cuts.get(k) {
            Some(&start) => &text[start + 1..cuts.get(k + 1).copied().unwrap_or(text.len())],
            None => "",
        }
    };
    Some(Arn {
        partition: field(0),
        service: field(1),
        region: field(2),
        account: field(3),
        resource: cuts.get(4).map_or("", |&c| &text[c + 1..]),
        fields: cuts.len(),
    })
}

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
    use super::{glob_match_ci, parse_arn};

    #[test]
    fn arns() {
        let a = parse_arn("arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:*/*/GET/x").unwrap();
        assert_eq!(
            (a.partition, a.service, a.region, a.account),
            ("${AWS::Partition}", "execute-api", "${AWS::Region}", "${AWS::AccountId}")
        );
        assert_eq!(a.resource, "*/*/GET/x");
        let f = parse_arn("arn:aws:lambda:eu-west-1:123456789012:function:f").unwrap();
        assert_eq!((f.account, f.resource), ("123456789012", "function:f"));
        let root = parse_arn("arn:aws:iam::root").unwrap();
        assert!(root.has_account());
        assert_eq!((root.region, root.account, root.resource), ("", "root", ""));
        assert!(!parse_arn("arn:aws").unwrap().has_account());
        assert_eq!(parse_arn("arn:aws").unwrap().service, "");
        assert!(parse_arn("bucket-name").is_none());
    }

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
