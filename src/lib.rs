//! changegate: the change-control gate for infrastructure-as-code.
//!
//! Data flows one way: [`input`] -> [`model`] -> [`rules`] (run by [`engine`]) ->
//! [`findings`] -> [`report`]; [`load`] orchestrates a check from a plain request. The command
//! line is in the binary only. ARCHITECTURE.md maps the modules.

pub mod audit;
pub mod budget;
pub mod close;
pub mod commitmsg;
pub mod engine;
pub mod error;
pub mod evidence;
pub mod export;
pub mod findings;
pub mod fsout;
pub mod input;
pub mod load;
pub mod model;
pub mod platform;
pub mod policy;
pub mod redact;
pub mod report;
pub mod rules;
pub mod schema;
pub mod sign;
pub mod verify;
pub mod vulns;
