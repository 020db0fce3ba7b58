//! `changegate schema policy|change|record`: the JSON Schema of a changegate file format.

use std::io::Write;
use std::process::ExitCode;

use changegate::error::Error;

use super::args::SchemaKind;
use super::output::write_out;

pub fn run(which: SchemaKind, out: &mut dyn Write) -> Result<ExitCode, Error> {
    let s = match which {
        SchemaKind::Policy => changegate::schema::policy(),
        SchemaKind::Change => changegate::schema::change(),
        SchemaKind::Record => changegate::evidence::SCHEMA_JSON.to_string(),
        SchemaKind::RegoInput => changegate::schema::rego_input(),
    };
    write_out(out, s.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
