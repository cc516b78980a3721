//! Shared by the end-to-end tests and the benchmark: a real Synapse, the real
//! bot binary, and real matrix-sdk clients acting as members.
#![allow(dead_code)]

pub mod bot;
pub mod synapse;
pub mod users;
