//! slsguard: a security linter and secrets auditor for serverless applications.
//!
//! Data flows one way: [`discover`] → read → [`secrets`] (and, for manifests, [`loader`]) →
//! [`finding`]s → [`report`]. [`rules`] are data, embedded at build time.

pub mod cli;
pub mod discover;
pub mod docs;
pub mod entities;
pub mod finding;
pub mod frontend;
pub mod iam;
pub mod loader;
pub mod model;
pub mod report;
pub mod rules;
pub mod scan;
pub mod secrets;
pub mod source;

pub use finding::{Finding, Severity};
pub use report::Report;
pub use rules::RuleSet;
pub use scan::{ScanOptions, scan};
