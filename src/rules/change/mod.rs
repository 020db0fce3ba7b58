//! Change-control rules: what every change record must say and who must approve it, when.

pub mod approval;
pub mod emergency;
pub mod exception;
pub mod notice;
pub mod personnel;
pub mod policy_change;
pub mod promotion;
pub mod record;
pub mod rollback;
pub mod ticket;
pub mod window;
