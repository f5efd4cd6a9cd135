//! The regex of an `assignment` matcher. Its own file, without dependencies, because build.rs
//! includes it too: the built-in rules' patterns are checked when the tool is built.

/// The pattern of an `assignment`: a key whose name matches `name` (ignoring case, with any
/// prefix such as `REACT_APP_`), an assignment operator (`=`, `:`, `:=`, `=>`), and the value,
/// quoted or not, which must end where the value pattern ends.
pub fn assignment_pattern(name: &str, value: &str) -> String {
    format!(
        r#"(?m-u)(?:^|[^A-Za-z0-9_.$-])[A-Za-z0-9_.-]*?(?i:{name})\\?["']?[\x20\t]*(?::=|=>|\?=|=|:)[\x20\t]*(?:\\?["'`])?(?P<secret>{value})(?:\\?["'`]|[\s,;)}}\]]|$)"#
    )
}
