//! Lambda runtimes AWS has deprecated: no more security patches from AWS, and soon no more
//! updates to functions that use them. Dates are AWS's deprecation dates, from the "Lambda
//! runtimes" page of the AWS Lambda Developer Guide (deprecated-runtimes table), as of
//! November 2026. Only dates already past are listed; extend the table as AWS deprecates more.

/// (runtime identifier, deprecation date)
pub const DEPRECATED: &[(&str, &str)] = &[
    ("nodejs", "2016-10-31"),
    ("nodejs4.3", "2020-03-06"),
    ("nodejs4.3-edge", "2019-04-30"),
    ("nodejs6.10", "2019-08-12"),
    ("nodejs8.10", "2020-03-06"),
    ("nodejs10.x", "2021-07-30"),
    ("nodejs12.x", "2023-03-31"),
    ("nodejs14.x", "2023-12-04"),
    ("nodejs16.x", "2024-06-12"),
    ("nodejs18.x", "2025-09-01"),
    ("nodejs20.x", "2026-04-30"),
    ("python2.7", "2021-07-15"),
    ("python3.6", "2022-07-18"),
    ("python3.7", "2023-12-04"),
    ("python3.8", "2024-10-14"),
    ("python3.9", "2025-12-15"),
    ("python3.10", "2026-06-30"),
    ("java8", "2024-01-08"),
    ("dotnetcore1.0", "2019-07-30"),
    ("dotnetcore2.0", "2019-05-30"),
    ("dotnetcore2.1", "2022-01-05"),
    ("dotnetcore3.1", "2023-04-03"),
    ("dotnet5.0", "2022-05-10"),
    ("dotnet6", "2024-12-20"),
    ("dotnet7", "2024-05-14"),
    ("dotnet8", "2026-11-10"),
    ("ruby2.5", "2022-03-31"),
    ("ruby2.7", "2023-12-07"),
    ("ruby3.2", "2026-03-31"),
    ("go1.x", "2024-01-08"),
    ("provided", "2024-01-08"),
];

/// The date AWS deprecated `runtime`, if it has.
pub fn deprecated_since(runtime: &str) -> Option<&'static str> {
    DEPRECATED.iter().find(|(r, _)| r.eq_ignore_ascii_case(runtime.trim())).map(|(_, d)| *d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups() {
        assert_eq!(deprecated_since("nodejs16.x"), Some("2024-06-12"));
        assert_eq!(deprecated_since("python3.12"), None);
        assert_eq!(deprecated_since("nodejs22.x"), None);
        assert_eq!(deprecated_since("provided.al2023"), None);
    }
}
