//! Any input: the yaml loader returns a tree or an error within its limits, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use slsguard::loader::{Budget, Limits, yaml};
use std::time::Duration;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let limits = Limits { time: Duration::from_secs(5), memory: 64 << 20, alias_nodes: 100_000 };
    let _ = yaml::parse_with(&text, &Budget::new(limits));
});
