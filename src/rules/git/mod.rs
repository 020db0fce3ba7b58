//! Git rules: what each commit of the change's range must carry, who may author it, how it
//! was made, and which paths it may touch.

pub mod author;
pub mod paths;
pub mod provenance;
pub mod ticket;
