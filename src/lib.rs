//! slsguard: a security linter and secrets auditor for serverless applications.
//!
//! Data flows one way: [`discover`] (or [`git`]) → read → [`secrets`] (and, for manifests,
//! [`loader`]) → [`finding`]s → [`suppress`] and [`baseline`] → [`report`]. [`rules`] are data,
//! embedded at build time; [`config`] is the `.slsguard.yml` file.

pub mod baseline;
pub mod cli;
pub mod code;
pub mod config;
pub mod discover;
pub mod docs;
pub mod entities;
pub mod finding;
pub mod frontend;
pub mod git;
pub mod iam;
pub mod init;
pub mod leastpriv;
pub mod loader;
pub mod model;
pub mod progress;
pub mod report;
pub mod rules;
pub mod runtimes;
pub mod scan;
pub mod secrets;
pub mod source;
pub mod suppress;

pub use finding::{Finding, Severity};
pub use report::Report;
pub use rules::RuleSet;
pub use scan::{ScanOptions, Source, scan};
