//! Input rules: documents that were read but are not what the input should hold.

pub mod undecided;
pub mod unrecognised;
