//! CloudFormation values to [`Val`]s: intrinsic functions resolved where the result is certain
//! (`Fn::Sub` with known variables, `AWS::Partition`), kept partial (`arn:aws:s3:::${Bucket}/*`)
//! or unknown (`!Ref Param`, `!GetAtt`, `!ImportValue`) otherwise. Unknown is never a wildcard.

use crate::loader::{Node, Value};
use crate::model::{FileId, Loc, Val};

/// Resolves values of one file.
#[derive(Debug, Clone, Copy)]
pub struct Resolver {
    pub file: FileId,
}

impl Resolver {
    pub fn new(file: FileId) -> Self {
        Self { file }
    }

    pub fn loc(&self, node: &Node) -> Loc {
        Loc::new(self.file, node.span)
    }

    /// One scalar value.
    pub fn val(&self, node: &Node) -> Val {
        self.val_with(node, &[])
    }

    fn val_with(&self, node: &Node, vars: &[(String, Val)]) -> Val {
        let loc = self.loc(node);
        match &node.value {
            Value::String(s) => string_val(s, loc),
            Value::Number(n) => Val::Known(n.clone(), loc),
            Value::Bool(b) => Val::Known(b.to_string(), loc),
            Value::Null => Val::Unknown("null".into(), loc),
            Value::Seq(_) => Val::Unknown("a list".into(), loc),
            Value::Map(entries) => match entries.as_slice() {
                [e] => self.intrinsic(&e.key, &e.value, loc, vars),
                _ => Val::Unknown("a mapping".into(), loc),
            },
        }
    }

    fn intrinsic(&self, name: &str, arg: &Node, loc: Loc, vars: &[(String, Val)]) -> Val {
        match name {
            "Ref" => match arg.as_str() {
                Some("AWS::Partition") => Val::Known("aws".into(), loc),
                Some("AWS::URLSuffix") => Val::Known("amazonaws.com".into(), loc),
                Some(r) => Val::Unknown(format!("!Ref {r}"), loc),
                None => Val::Unknown("!Ref".into(), loc),
            },
            "Fn::Sub" => {
                let (template, local): (Option<&str>, Vec<(String, Val)>) = match &arg.value {
                    Value::String(s) => (Some(s), Vec::new()),
                    Value::Seq(items) if !items.is_empty() => {
                        let local = items
                            .get(1)
                            .and_then(Node::as_map)
                            .map(|m| m.iter().map(|e| (e.key.clone(), self.val_with(&e.value, vars))).collect())
                            .unwrap_or_default();
                        (items[0].as_str(), local)
                    }
                    _ => (None, Vec::new()),
                };
                match template {
                    Some(t) => substitute(t, &local, vars, loc),
                    None => Val::Unknown("!Sub".into(), loc),
                }
            }
            "Fn::Join" => {
                let items = arg.as_seq().unwrap_or(&[]);
                let (Some(sep), Some(parts)) =
                    (items.first().and_then(Node::scalar_text), items.get(1).and_then(Node::as_seq))
                else {
                    return Val::Unknown("!Join".into(), loc);
                };
                let mut out = String::new();
                let mut partial = false;
                for (i, p) in parts.iter().enumerate() {
                    if i > 0 {
                        out.push_str(&sep);
                    }
                    match self.val_with(p, vars) {
                        Val::Known(s, _) => out.push_str(&s),
                        Val::Partial(s, _) => {
                            partial = true;
                            out.push_str(&s);
                        }
                        Val::Unknown(d, _) => {
                            partial = true;
                            out.push_str(&format!("${{{d}}}"));
                        }
                    }
                }
                if partial { Val::Partial(out, loc) } else { Val::Known(out, loc) }
            }
            "Fn::GetAtt" => {
                let text = match &arg.value {
                    Value::Seq(items) => items.iter().filter_map(|n| n.scalar_text()).collect::<Vec<_>>().join("."),
                    Value::String(s) => s.clone(),
                    _ => String::new(),
                };
                Val::Unknown(format!("!GetAtt {text}"), loc)
            }
            other => Val::Unknown(format!("!{}", other.strip_prefix("Fn::").unwrap_or(other)), loc),
        }
    }

    /// A value that IAM accepts as "one or a list": each item resolved. `Fn::If` contributes
    /// both branches (either may be deployed); `AWS::NoValue` contributes nothing.
    pub fn vals(&self, node: &Node) -> Vec<Val> {
        let mut out = Vec::new();
        self.collect_vals(node, &mut out, 0);
        out
    }

    fn collect_vals(&self, node: &Node, out: &mut Vec<Val>, depth: usize) {
        if depth > 8 {
            return;
        }
        match &node.value {
            Value::Seq(items) => {
                for i in items {
                    self.collect_vals(i, out, depth + 1);
                }
            }
            Value::Map(entries) if entries.len() == 1 && entries[0].key == "Fn::If" => {
                if let Some(items) = entries[0].value.as_seq() {
                    for branch in items.iter().skip(1) {
                        self.collect_vals(branch, out, depth + 1);
                    }
                }
            }
            Value::Map(entries)
                if entries.len() == 1
                    && entries[0].key == "Ref"
                    && entries[0].value.as_str() == Some("AWS::NoValue") => {}
            _ => out.push(self.val(node)),
        }
    }

    /// The logical id a `!Ref X`, `!GetAtt X.Arn` or `!Sub "${X.Arn}"` points at.
    pub fn referenced_resource(node: &Node) -> Option<String> {
        let e = node.as_map().filter(|m| m.len() == 1)?.first()?;
        match e.key.as_str() {
            "Ref" => e.value.as_str().filter(|s| !s.starts_with("AWS::")).map(str::to_string),
            "Fn::GetAtt" => match &e.value.value {
                Value::Seq(items) => items.first().and_then(|n| n.as_str()).map(str::to_string),
                Value::String(s) => s.split('.').next().map(str::to_string),
                _ => None,
            },
            "Fn::Sub" => {
                let t = match &e.value.value {
                    Value::String(s) => s.as_str(),
                    Value::Seq(items) => items.first().and_then(Node::as_str)?,
                    _ => return None,
                };
                let t = t.trim();
                let inner = t.strip_prefix("${")?.strip_suffix('}')?;
                Some(inner.split('.').next()?.to_string())
            }
            _ => None,
        }
    }
}

/// A plain string: unresolved `${…}` variables (Serverless Framework or other templating) make it
/// partial, and a string that is only such a variable is unknown.
pub fn string_val(s: &str, loc: Loc) -> Val {
    if s.contains("${") {
        let t = s.trim();
        if t.starts_with("${") && t.ends_with('}') && t.matches("${").count() == 1 {
            return Val::Unknown(s.to_string(), loc);
        }
        return Val::Partial(s.to_string(), loc);
    }
    if s.starts_with("{{resolve:") {
        return Val::Unknown(s.to_string(), loc);
    }
    Val::Known(s.to_string(), loc)
}

/// `Fn::Sub`: `${AWS::Partition}` and `${AWS::URLSuffix}` are known; variables from the local map
/// (or an enclosing one) are substituted when known; the rest stay as `${…}`.
fn substitute(template: &str, local: &[(String, Val)], outer: &[(String, Val)], loc: Loc) -> Val {
    let mut out = String::with_capacity(template.len());
    let mut partial = false;
    let mut rest = template;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let Some(j) = after.find('}') else {
            out.push_str(&rest[i..]);
            rest = "";
            break;
        };
        let name = &after[..j];
        if let Some(lit) = name.strip_prefix('!') {
            // `${!Literal}` is the literal text `${Literal}`.
            out.push_str("${");
            out.push_str(lit);
            out.push('}');
        } else {
            let found = local.iter().chain(outer).find(|(k, _)| k == name).map(|(_, v)| v);
            match (name, found) {
                ("AWS::Partition", _) => out.push_str("aws"),
                ("AWS::URLSuffix", _) => out.push_str("amazonaws.com"),
                (_, Some(Val::Known(v, _))) => out.push_str(v),
                (_, Some(Val::Partial(v, _))) => {
                    partial = true;
                    out.push_str(v);
                }
                // A variable bound to `!GetAtt X.Arn` / `!Ref X` reads as what it stands for.
                (_, Some(Val::Unknown(d, _))) if d.starts_with("!GetAtt ") || d.starts_with("!Ref ") => {
                    partial = true;
                    let inner = d.strip_prefix("!GetAtt ").or_else(|| d.strip_prefix("!Ref ")).unwrap_or(d);
                    out.push_str("${");
                    out.push_str(inner);
                    out.push('}');
                }
                _ => {
                    partial = true;
                    out.push_str("${");
                    out.push_str(name);
                    out.push('}');
                }
            }
        }
        rest = &after[j + 1..];
    }
    out.push_str(rest);
    if partial { Val::Partial(out, loc) } else { Val::Known(out, loc) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::yaml::parse_one;

    fn v(yaml: &str) -> Val {
        let doc = parse_one(yaml).unwrap();
        Resolver::new(0).val(doc.get("v").unwrap())
    }

    #[test]
    fn intrinsics() {
        assert_eq!(v("v: '*'").known(), Some("*"));
        assert!(matches!(v("v: !Ref Param"), Val::Unknown(..)));
        assert_eq!(v("v: !Sub 'arn:${AWS::Partition}:s3:::b/*'").known(), Some("arn:aws:s3:::b/*"));
        assert!(matches!(v("v: !Sub 'arn:aws:s3:::${Bucket}/*'"), Val::Partial(..)));
        assert_eq!(v("v: !Sub ['arn:aws:s3:::${b}', {b: '*'}]").known(), Some("arn:aws:s3:::*"));
        assert_eq!(v("v: !Join ['', ['arn:aws:s3:::', 'x']]").known(), Some("arn:aws:s3:::x"));
        assert!(matches!(v("v: !Join ['', ['arn:aws:s3:::', !Ref B]]"), Val::Partial(..)));
        assert!(matches!(v("v: ${ssm:/a/b}"), Val::Unknown(..)));
        assert!(matches!(v("v: arn:aws:s3:::${self:custom.b}"), Val::Partial(..)));
        assert!(matches!(v("v: !GetAtt Role.Arn"), Val::Unknown(..)));
    }

    #[test]
    fn lists_take_both_branches_of_if() {
        let doc = parse_one("v: !If [C, ['s3:*'], ['s3:GetObject', !Ref AWS::NoValue]]").unwrap();
        let vals = Resolver::new(0).vals(doc.get("v").unwrap());
        let texts: Vec<&str> = vals.iter().map(Val::display).collect();
        assert_eq!(texts, ["s3:*", "s3:GetObject"]);
    }

    #[test]
    fn references() {
        let doc = parse_one("a: !GetAtt R.Arn\nb: !Ref R2\nc: !Sub '${R3.Arn}'\nd: arn:aws:iam::1:role/x\n").unwrap();
        assert_eq!(Resolver::referenced_resource(doc.get("a").unwrap()).as_deref(), Some("R"));
        assert_eq!(Resolver::referenced_resource(doc.get("b").unwrap()).as_deref(), Some("R2"));
        assert_eq!(Resolver::referenced_resource(doc.get("c").unwrap()).as_deref(), Some("R3"));
        assert_eq!(Resolver::referenced_resource(doc.get("d").unwrap()), None);
    }
}
