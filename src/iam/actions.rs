//! The IAM action catalog: every action with its access level, and wildcard expansion
//! (`s3:Put*` → the s3 actions it grants).

use std::collections::HashMap;
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
}

#[derive(Debug)]
pub struct Service {
    /// Action names as AWS writes them, sorted.
    pub actions: Vec<(String, Level)>,
}

#[derive(Debug)]
pub struct Catalog {
    /// Lowercase service prefix → its actions.
    services: HashMap<String, Service>,
    prefixes: Vec<String>,
}

/// One action granted by a pattern.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Action {
    pub service: String,
    pub name: String,
    pub level: Level,
}

impl Action {
    pub fn full(&self) -> String {
        format!("{}:{}", self.service, self.name)
    }
}

pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog::parse(DATA))
}

impl Catalog {
    fn parse(data: &str) -> Catalog {
        let mut services = HashMap::new();
        for line in data.lines() {
            let Some((svc, rest)) = line.split_once('\t') else { continue };
            let actions = rest
                .split(' ')
                .filter_map(|a| {
                    let (name, l) = a.rsplit_once(':')?;
                    let level = match l {
                        "R" => Level::Read,
                        "L" => Level::List,
                        "W" => Level::Write,
                        "T" => Level::Tagging,
                        "P" => Level::PermissionsManagement,
                        _ => return None,
                    };
                    Some((name.to_string(), level))
                })
                .collect();
            services.insert(svc.to_ascii_lowercase(), Service { actions });
        }
        let mut prefixes: Vec<String> = services.keys().cloned().collect();
        prefixes.sort();
        Catalog { services, prefixes }
    }

    pub fn service_count(&self) -> usize {
        self.services.len()
    }

    pub fn knows_service(&self, service: &str) -> bool {
        self.services.contains_key(&service.to_ascii_lowercase())
    }

    /// Level of one exact action, if the catalog has it.
    pub fn level(&self, action: &str) -> Option<Level> {
        let (svc, name) = action.split_once(':')?;
        let s = self.services.get(&svc.to_ascii_lowercase())?;
        s.actions.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, l)| *l)
    }

    /// Every catalogued action a pattern (`*`, `s3:*`, `iam:Put*`, `s3:GetObject`) grants.
    pub fn expand(&self, pattern: &str) -> Vec<Action> {
        let pattern = pattern.trim();
        let (svc_pat, name_pat) = match pattern.split_once(':') {
            Some(x) => x,
            None if pattern.chars().all(|c| c == '*') => ("*", "*"),
            None => return Vec::new(),
        };
        let mut out = Vec::new();
        let svc_has_glob = svc_pat.contains(['*', '?']);
        let svc_keys: Vec<&String> = if svc_has_glob {
            self.prefixes.iter().filter(|p| super::glob_match_ci(svc_pat, p)).collect()
        } else {
            self.prefixes.iter().filter(|p| p.eq_ignore_ascii_case(svc_pat)).collect()
        };
        for key in svc_keys {
            let Some(service) = self.services.get(key) else { continue };
            for (name, level) in &service.actions {
                if super::glob_match_ci(name_pat, name) {
                    out.push(Action { service: key.clone(), name: name.clone(), level: *level });
                }
            }
        }
        out
    }
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
        let put = c.expand("s3:Put*");
        assert!(put.iter().any(|a| a.name == "PutObject"));
        assert!(put.iter().all(|a| a.name.starts_with("Put")));
        assert!(c.expand("*").len() > 15_000);
        assert!(c.expand("nosuchservice:*").is_empty());
        assert_eq!(c.expand("iam:PassRole").len(), 1);
    }
}
