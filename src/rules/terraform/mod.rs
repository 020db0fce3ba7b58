//! Terraform rules: what the plan and the source do to data, to the network perimeter, to
//! encryption and logs, and what they do outside the tracked change.

pub mod backup;
pub mod drift;
pub mod encryption;
pub mod network;
pub mod protected;
pub mod provenance;
pub mod retention;
pub mod untracked;
