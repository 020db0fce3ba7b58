//! The JSON report (`changegate/report/v1`), documented in the README. Pretty-printed, stable
//! key order, one trailing newline.

use std::io::Write;

use super::Report;

pub fn render(report: &Report<'_>, w: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, report)?;
    writeln!(w)
}
