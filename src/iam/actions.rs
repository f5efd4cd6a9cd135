//! The IAM action catalog: every action with its access level and the resource types it can be
//! scoped to (none: AWS only grants it on `Resource: "*"`), each type with its ARN format; and
//! wildcard expansion (`s3:Put*` → the s3 actions it grants).
//!
//! The data (data/iam-actions.txt, one line per service) is indexed on first use and a service's
//! actions are split the first time a scan asks about that service: a pre-commit run that sees
//! one manifest reads a handful of lines, not all 20,000 actions. Names borrow from the embedded
//! text, so nothing is copied.

use std::cmp::Ordering;
use std::sync::OnceLock;

static DATA: &str = include_str!("../../data/iam-actions.txt");

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    List,
    Read,
    Tagging,
    Write,
    PermissionsManagement,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::List => "List",
            Level::Read => "Read",
            Level::Tagging => "Tagging",
            Level::Write => "Write",
            Level::PermissionsManagement => "Permissions management",
        }
    }

    /// Write and permissions-management actions change things; the others only look.
    pub fn is_mutating(self) -> bool {
        matches!(self, Level::Write | Level::PermissionsManagement)
    }

    fn parse(code: &str) -> Option<Level> {
        Some(match code {
            "R" => Level::Read,
            "L" => Level::List,
            "W" => Level::Write,
            "T" => Level::Tagging,
            "P" => Level::PermissionsManagement,
            _ => return None,
        })
    }
}

/// One catalogued action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Action {
    /// The service prefix, lowercase (`s3`).
    pub service: &'static str,
    /// The name as AWS writes it (`PutObject`).
    pub name: &'static str,
    pub level: Level,
    /// Indices into the service's resource types, comma-separated; empty when the action only
    /// supports `Resource: "*"`.
    types: &'static str,
}

impl Action {
    pub fn full(&self) -> String {
        format!("{}:{}", self.service, self.name)
    }

    /// Can a policy scope this action to resources? `false` for actions AWS only grants on
    /// `Resource: "*"` (`xray:PutTraceSegments`, `logs:CreateLogDelivery`, `states:SendTaskSuccess`).
    pub fn scopeable(&self) -> bool {
        !self.types.is_empty()
    }

    /// The resource types the action can be scoped to.
    pub fn resource_types(&self) -> Vec<ResourceType> {
        let Some(svc) = catalog().service(self.service) else { return Vec::new() };
        let types = &svc.parsed().types;
        self.types.split(',').filter_map(|i| i.parse::<usize>().ok()).filter_map(|i| types.get(i).copied()).collect()
    }

    /// Does the resource pattern `arn` (an ARN, its partition possibly unresolved) match every
    /// resource of some type this action applies to, in every account and region? True for
    /// `arn:aws:s3:::*` or `arn:aws:s3:::*/*` and `s3:PutObject`, `arn:aws:lambda:*:*:function:*`
    /// and `lambda:InvokeFunction`; false once a bucket, a function, an account or a region is
    /// named. (`*` itself is judged by the caller.)
    pub fn every_resource_in(&self, arn: &str) -> bool {
        // After `arn:PARTITION:`: the partition does not narrow anything.
        let Some(rest) = arn.strip_prefix("arn:") else { return false };
        let rest = match super::parse_arn(arn) {
            Some(a) => &rest[a.partition.len()..],
            None => return false,
        };
        let Some(rest) = rest.strip_prefix(':') else { return false };
        if !rest.contains('*') || rest.contains("${") {
            return false;
        }
        // An action on several resource types acts on the one its name says (`RunInstances` on
        // an instance: every subnet it may launch into is not every resource it runs).
        let types = self.resource_types();
        let name = self.name.to_ascii_lowercase();
        let key = |t: &ResourceType| t.name.to_ascii_lowercase().replace(['-', '_'], "");
        let named: Vec<&ResourceType> = types.iter().filter(|t| name.contains(&key(t))).collect();
        let judged: Vec<&ResourceType> =
            if types.len() > 1 && !named.is_empty() { named } else { types.iter().collect() };
        judged.iter().any(|t| super::glob_match_ci(rest, &t.any_instance()))
    }
}

impl ResourceType {
    /// The format with each `${Variable}` replaced by a value no written name matches (only a
    /// `*` does): matching it tells whether a pattern covers every resource of the type.
    fn any_instance(&self) -> String {
        const ANY: &str = "\u{1}/:\u{1}";
        let mut out = String::with_capacity(self.format.len());
        let mut rest = self.format;
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            match rest[i..].find('}') {
                Some(j) => {
                    out.push_str(ANY);
                    rest = &rest[i + j + 1..];
                }
                None => {
                    rest = &rest[i..];
                    break;
                }
            }
        }
        out.push_str(rest);
        out
    }
}

/// A resource type of a service and its ARN format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceType {
    /// As AWS names it, spaces written `_` (`durable_execution`).
    pub name: &'static str,
    /// The ARN format after `arn:${Partition}:` (`s3:::${BucketName}/${ObjectName}`).
    pub format: &'static str,
}

/// One service's line of the data, split on first use.
#[derive(Debug)]
struct Service {
    prefix: &'static str,
    actions: &'static str,
    types: &'static str,
    parsed: OnceLock<Parsed>,
}

#[derive(Debug, Default)]
struct Parsed {
    /// Sorted by name ignoring case (as the data is).
    actions: Vec<Action>,
    types: Vec<ResourceType>,
}

impl Service {
    fn parsed(&self) -> &Parsed {
        self.parsed.get_or_init(|| Parsed {
            actions: self
                .actions
                .split(' ')
                .filter_map(|a| {
                    let mut parts = a.splitn(3, ':');
                    let name = parts.next()?;
                    let level = Level::parse(parts.next()?)?;
                    Some(Action { service: self.prefix, name, level, types: parts.next().unwrap_or("") })
                })
                .collect(),
            types: self
                .types
                .split(' ')
                .filter_map(|t| t.split_once('=').map(|(name, format)| ResourceType { name, format }))
                .collect(),
        })
    }

    fn actions(&self) -> &[Action] {
        &self.parsed().actions
    }
}

/// Compares `a` with `b` lowercased, without allocating.
fn cmp_ci(a: &str, b: &str) -> Ordering {
    a.bytes().map(|c| c.to_ascii_lowercase()).cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

#[derive(Debug)]
pub struct Catalog {
    /// Sorted by prefix (the data is).
    services: Vec<Service>,
}

pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog::index(DATA))
}

impl Catalog {
    fn index(data: &'static str) -> Catalog {
        let mut services: Vec<Service> = data
            .lines()
            .filter_map(|line| {
                let mut cols = line.split('\t');
                let prefix = cols.next()?;
                let actions = cols.next()?;
                Some(Service { prefix, actions, types: cols.next().unwrap_or(""), parsed: OnceLock::new() })
            })
            .collect();
        // The data is sorted; sorting again keeps lookups right if it ever was not.
        services.sort_by(|a, b| cmp_ci(a.prefix, b.prefix));
        Catalog { services }
    }

    fn service(&self, prefix: &str) -> Option<&Service> {
        self.services.binary_search_by(|s| cmp_ci(s.prefix, prefix)).ok().map(|i| &self.services[i])
    }

    pub fn service_count(&self) -> usize {
        self.services.len()
    }

    /// Every service prefix, sorted.
    pub fn prefixes(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.services.iter().map(|s| s.prefix)
    }

    pub fn knows_service(&self, service: &str) -> bool {
        self.service(service).is_some()
    }

    /// The actions of one service (empty for an unknown prefix).
    pub fn service_actions(&self, service: &str) -> &[Action] {
        self.service(service).map_or(&[], Service::actions)
    }

    /// One exact action (`s3:putobject` finds `s3:PutObject`: IAM ignores case).
    pub fn lookup(&self, action: &str) -> Option<Action> {
        let (svc, name) = action.split_once(':')?;
        let actions = self.service(svc)?.actions();
        actions.binary_search_by(|a| cmp_ci(a.name, name)).ok().map(|i| actions[i])
    }

    /// Level of one exact action, if the catalog has it.
    pub fn level(&self, action: &str) -> Option<Level> {
        self.lookup(action).map(|a| a.level)
    }

    /// Why an action written in a policy names nothing IAM has, or `None` when it names something
    /// (or cannot be judged: an unresolved `${…}` part). IAM ignores case; a wildcard pattern is
    /// unknown when it matches no action. The explanation suggests the closest name.
    pub fn explain_unknown(&self, written: &str) -> Option<String> {
        let text = written.trim();
        if text.is_empty() || text.contains("${") || text.contains("#{") || text.chars().all(|c| c == '*') {
            return None;
        }
        let Some((svc, name)) = text.split_once(':') else {
            return Some(format!("`{text}` is not of the form `service:Action`"));
        };
        if !self.expand(text).is_empty() {
            return None;
        }
        let svc_glob = svc.contains(['*', '?']);
        let name_glob = name.contains(['*', '?']);
        if svc_glob {
            return Some(format!("`{text}` matches no IAM action"));
        }
        if self.service(svc).is_none() {
            // The same action under another prefix (`bedrock-runtime:InvokeModel` is
            // `bedrock:InvokeModel`), else a prefix one or two typos away.
            let same_action = (!name_glob)
                .then(|| {
                    self.services
                        .iter()
                        .filter(|s| {
                            s.actions
                                .split(' ')
                                .any(|a| a.split(':').next().is_some_and(|n| n.eq_ignore_ascii_case(name)))
                        })
                        .min_by_key(|s| (distance(s.prefix, svc), s.prefix))
                        .map(|s| format!("{}:{}", s.prefix, canonical_name(s, name)))
                })
                .flatten();
            let hint = same_action.or_else(|| {
                self.services
                    .iter()
                    .map(|s| (distance(s.prefix, svc), s.prefix))
                    .filter(|(d, _)| *d <= 2)
                    .min()
                    .map(|(_, p)| format!("{p}:{name}"))
            });
            return Some(match hint {
                Some(h) => format!("`{text}`: IAM has no service prefix `{svc}` (did you mean `{h}`?)"),
                None => format!("`{text}`: IAM has no service prefix `{svc}`"),
            });
        }
        let prefix = self.service(svc).map_or(svc, |s| s.prefix);
        if name_glob {
            return Some(format!("`{text}` matches no {prefix} action"));
        }
        // SDK batch calls (`DeleteMessageBatch`) are authorised by the single action.
        if let Some(single) = name.strip_suffix("Batch").and_then(|n| self.lookup(&format!("{prefix}:{n}"))) {
            return Some(format!(
                "`{text}`: {prefix} has no action `{name}` (the batch call is authorised by `{}`)",
                single.full()
            ));
        }
        let most = 2.max(name.len() / 6);
        let close = self
            .service_actions(svc)
            .iter()
            // The distance is at least the difference in length: most names are ruled out
            // without computing it.
            .filter(|a| a.name.len().abs_diff(name.len()) <= most)
            .map(|a| (distance(a.name, name), a.name))
            .filter(|(d, _)| *d <= most)
            .min();
        Some(match close {
            Some((_, n)) => format!("`{text}`: {prefix} has no action `{name}` (did you mean `{prefix}:{n}`?)"),
            None => format!("`{text}`: {prefix} has no action `{name}`"),
        })
    }

    /// Every catalogued action a pattern (`*`, `s3:*`, `iam:Put*`, `s3:GetObject`) grants.
    pub fn expand(&self, pattern: &str) -> Vec<Action> {
        let pattern = pattern.trim();
        let (svc_pat, name_pat) = match pattern.split_once(':') {
            Some(x) => x,
            None if !pattern.is_empty() && pattern.chars().all(|c| c == '*') => ("*", "*"),
            None => return Vec::new(),
        };
        if !svc_pat.contains(['*', '?']) && !name_pat.contains(['*', '?']) {
            return self.lookup(pattern).into_iter().collect();
        }
        let services: Vec<&Service> = if svc_pat.contains(['*', '?']) {
            self.services.iter().filter(|s| super::glob_match_ci(svc_pat, s.prefix)).collect()
        } else {
            self.service(svc_pat).into_iter().collect()
        };
        services
            .into_iter()
            .flat_map(|s| s.actions().iter().filter(|a| super::glob_match_ci(name_pat, a.name)).copied())
            .collect()
    }
}

/// The action of `service` named `name` ignoring case, as AWS writes it.
fn canonical_name(service: &Service, name: &str) -> &'static str {
    service.actions().iter().find(|a| a.name.eq_ignore_ascii_case(name)).map_or("", |a| a.name)
}

/// Edit distance between two names, ignoring ASCII case (names are short: a plain table).
fn distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    // Two rows of the table, reused (this runs for every candidate name).
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let same = ca.eq_ignore_ascii_case(cb);
            cur[j + 1] = (prev[j] + usize::from(!same)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_loads_and_expands() {
        let c = catalog();
        assert!(c.service_count() > 400);
        assert_eq!(c.level("s3:GetObject"), Some(Level::Read));
        assert_eq!(c.level("S3:putobject"), Some(Level::Write));
        assert_eq!(c.level("iam:PutRolePolicy"), Some(Level::PermissionsManagement));
        assert_eq!(c.level("s3:GetObjects"), None);
        assert_eq!(c.level("bedrock-runtime:InvokeModel"), None);
        let put = c.expand("s3:Put*");
        assert!(put.iter().any(|a| a.name == "PutObject"));
        assert!(put.iter().all(|a| a.name.starts_with("Put")));
        assert!(c.expand("*").len() > 15_000);
        assert!(c.expand("nosuchservice:*").is_empty());
        assert_eq!(c.expand("iam:PassRole").len(), 1);
        assert_eq!(c.expand("IAM:passrole")[0].full(), "iam:PassRole");
        assert!(c.expand("").is_empty());
    }

    #[test]
    fn every_action_of_every_service_is_found_by_name() {
        // The binary search relies on the data's case-insensitive order.
        let c = catalog();
        let mut n = 0;
        for prefix in c.prefixes() {
            for a in c.service_actions(prefix) {
                assert_eq!(c.lookup(&a.full().to_ascii_uppercase()), Some(*a));
                n += 1;
            }
        }
        assert!(n > 20_000, "{n}");
    }

    #[test]
    fn unknown_actions_are_explained() {
        let c = catalog();
        for known in ["s3:GetObject", "S3:getobject", "s3:Get*", "*", "s3:*", "*:*", "iam:Pass?ole", "${self:custom.a}"]
        {
            assert_eq!(c.explain_unknown(known), None, "{known}");
        }
        let typo = c.explain_unknown("s3:GetObjects").unwrap();
        assert!(typo.contains("did you mean `s3:GetObject`"), "{typo}");
        let prefix = c.explain_unknown("bedrock-runtime:InvokeModel").unwrap();
        assert!(
            prefix.contains("no service prefix `bedrock-runtime`") && prefix.contains("`bedrock:InvokeModel`"),
            "{prefix}"
        );
        let dynamo = c.explain_unknown("dynamo:PutItem").unwrap();
        assert!(dynamo.contains("`dynamodb:PutItem`"), "{dynamo}");
        assert!(c.explain_unknown("s3:Frobnicate*").unwrap().contains("matches no s3 action"));
        let batch = c.explain_unknown("sqs:DeleteMessageBatch").unwrap();
        assert!(batch.contains("authorised by `sqs:DeleteMessage`"), "{batch}");
        assert!(c.explain_unknown("s3GetObject").unwrap().contains("service:Action"));
        assert!(c.explain_unknown("nosuch:Thing").is_some());
        assert_eq!(distance("GetObjects", "getobject"), 1);
    }

    #[test]
    fn every_resource_patterns() {
        let c = catalog();
        let put = c.lookup("s3:PutObject").unwrap();
        for every in
            ["arn:aws:s3:::*", "arn:aws:s3:::*/*", "arn:*:s3:::*", "arn:aws-cn:s3:::*", "arn:${AWS::Partition}:s3:::*"]
        {
            assert!(put.every_resource_in(every), "{every}");
        }
        for some in [
            "arn:aws:s3:::uploads/*",
            "arn:aws:s3:::uploads-*/*",
            "arn:aws:s3:::${Bucket}/*",
            "arn:aws:lambda:*:*:function:*",
        ] {
            assert!(!put.every_resource_in(some), "{some}");
        }
        let invoke = c.lookup("lambda:InvokeFunction").unwrap();
        assert!(invoke.every_resource_in("arn:aws:lambda:*:*:function:*"));
        assert!(invoke.every_resource_in("arn:aws:lambda:*:*:*"));
        assert!(!invoke.every_resource_in("arn:aws:lambda:eu-west-1:123456789012:function:*"));
        assert!(!invoke.every_resource_in("arn:aws:lambda:*:*:function:orders-*"));
        let logs = c.lookup("logs:PutLogEvents").unwrap();
        assert!(logs.every_resource_in("arn:aws:logs:*:*:*"));
        // Several types: the one the action's name says.
        let run = c.lookup("ec2:RunInstances").unwrap();
        assert!(run.every_resource_in("arn:aws:ec2:*:*:instance/*"));
        assert!(!run.every_resource_in("arn:aws:ec2:*:*:subnet/*"));
        assert!(c.lookup("ec2:TerminateInstances").unwrap().every_resource_in("arn:aws:ec2:*:*:instance/*"));
        let checkpoint = c.lookup("lambda:CheckpointDurableExecution").unwrap();
        assert_eq!(checkpoint.resource_types()[0].name, "durable_execution");
    }

    #[test]
    fn resource_types_say_what_can_be_scoped() {
        let c = catalog();
        for star_only in ["xray:PutTraceSegments", "logs:CreateLogDelivery", "states:SendTaskSuccess"] {
            let a = c.lookup(star_only).unwrap();
            assert!(!a.scopeable(), "{star_only}");
            assert!(a.resource_types().is_empty());
        }
        let put = c.lookup("s3:PutObject").unwrap();
        assert!(put.scopeable());
        let types = put.resource_types();
        let object = types.iter().find(|t| t.name == "object").unwrap();
        assert_eq!(object.format, "s3:::${BucketName}/${ObjectName}");
        let invoke = c.lookup("lambda:InvokeFunction").unwrap().resource_types();
        assert!(invoke.iter().any(|t| t.format == "lambda:${Region}:${Account}:function:${FunctionName}"));
        // Every index in the data names a type.
        for prefix in c.prefixes() {
            for a in c.service_actions(prefix) {
                assert_eq!(a.resource_types().len(), a.types.split(',').filter(|s| !s.is_empty()).count(), "{a:?}");
            }
        }
    }
}
