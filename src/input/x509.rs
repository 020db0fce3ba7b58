//! X.509 certificates (PEM bundles, DER files) into the model: subject, issuer, names and
//! validity, through the `x509-cert` crate. Private keys beside them in a PEM file are never
//! decoded: only `CERTIFICATE` blocks are read, and a key's text is registered for redaction.

use std::path::Path;

use chrono::{DateTime, Utc};
use x509_cert::der::Decode;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::ext::pkix::name::GeneralName;

use crate::error::{Error, InputError, Pos};
use crate::input::limits::LimitKind;
use crate::input::text;
use crate::model::Location;
use crate::model::maint::Certificate;

const BEGIN: &str = "-----BEGIN ";
const END: &str = "-----END ";

/// Text safe for a terminal: control characters of a hostile certificate shown escaped.
fn printable(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

fn time(t: x509_cert::time::Time) -> Option<DateTime<Utc>> {
    let d = t.to_unix_duration();
    DateTime::from_timestamp(i64::try_from(d.as_secs()).ok()?, 0)
}

/// What a decoded certificate says, into `out`.
fn describe(c: &x509_cert::Certificate, der: &[u8], out: &mut Certificate) {
    let tbs = &c.tbs_certificate;
    out.subject = Some(printable(&tbs.subject.to_string()));
    out.issuer = Some(printable(&tbs.issuer.to_string()));
    out.not_before = time(tbs.validity.not_before);
    out.not_after = time(tbs.validity.not_after);
    out.fingerprint = Some(text::sha256_hex(der));
    for ext in tbs.extensions.iter().flatten() {
        if ext.extn_id != x509_cert::der::oid::db::rfc5280::ID_CE_SUBJECT_ALT_NAME {
            continue;
        }
        let Ok(san) = SubjectAltName::from_der(ext.extn_value.as_bytes()) else {
            continue;
        };
        for name in san.0 {
            let s = match name {
                GeneralName::DnsName(n) => n.to_string(),
                GeneralName::Rfc822Name(n) => format!("email:{n}"),
                GeneralName::UniformResourceIdentifier(n) => format!("uri:{n}"),
                GeneralName::IpAddress(o) => match o.as_bytes().len() {
                    4 => {
                        let b: [u8; 4] = o.as_bytes().try_into().unwrap_or_default();
                        std::net::Ipv4Addr::from(b).to_string()
                    }
                    16 => {
                        let b: [u8; 16] = o.as_bytes().try_into().unwrap_or_default();
                        std::net::Ipv6Addr::from(b).to_string()
                    }
                    _ => continue,
                },
                _ => continue,
            };
            out.sans.push(printable(&s));
        }
    }
}

/// The certificates of a PEM text (any other block, a private key above all, is skipped and
/// its text registered for redaction), each named `what` and located at its `BEGIN` line
/// (`line0` is the line of the text's start in its file). A `CERTIFICATE` block that does not
/// decode is kept as unreadable, so the gate fails closed on it.
pub fn from_pem(what: &str, file: &str, line0: usize, pem: &str) -> Vec<Certificate> {
    let mut out = Vec::new();
    let mut rest = pem;
    let mut offset = 0usize;
    while let Some(b) = rest.find(BEGIN) {
        let start = offset + b;
        let label_end = pem[start + BEGIN.len()..]
            .find("-----")
            .map(|i| start + BEGIN.len() + i);
        let Some(label_end) = label_end else { break };
        let label = &pem[start + BEGIN.len()..label_end];
        let end_marker = format!("{END}{label}-----");
        let block_end = pem[label_end..]
            .find(&end_marker)
            .map(|i| label_end + i + end_marker.len());
        let line = line0 + pem[..start].matches('\n').count();
        let here = Location::new(file, Some(Pos { line, column: 1 }));
        let block = &pem[start..block_end.unwrap_or(pem.len())];
        if label != "CERTIFICATE" {
            // A key (or anything else) is never decoded nor shown.
            crate::redact::register_one(block);
            for l in block
                .lines()
                .filter(|l| l.len() >= 16 && !l.starts_with("-----"))
            {
                crate::redact::register_one(l.trim());
            }
        } else {
            let mut c = Certificate::new(what, here);
            match block_end {
                None => c.unreadable = Some(format!("no `{end_marker}` line")),
                // PEM decoded to DER in one piece (`pem-rfc7468`), then DER parsed: der's
                // streaming PEM reader can spin forever on a hostile block (found by fuzzing,
                // `testdata/hostile/fuzz/certs-pem-reader-hang.pem`).
                Some(_) => match pem_rfc7468::decode_vec(block.as_bytes()) {
                    Ok((_, der)) => match x509_cert::Certificate::from_der(&der) {
                        Ok(x) => describe(&x, &der, &mut c),
                        Err(e) => c.unreadable = Some(format!("not an X.509 certificate: {e}")),
                    },
                    Err(e) => c.unreadable = Some(format!("not a PEM block: {e}")),
                },
            }
            out.push(c);
        }
        let next = block_end.unwrap_or(pem.len());
        offset = next;
        rest = &pem[next..];
    }
    out
}

/// A certificate in DER.
pub fn from_der(what: &str, file: &str, der: &[u8]) -> Certificate {
    let mut c = Certificate::new(what, Location::new(file, None));
    match x509_cert::Certificate::from_der(der) {
        Ok(x) => describe(&x, der, &mut c),
        Err(e) => c.unreadable = Some(format!("not an X.509 certificate in DER: {e}")),
    }
    c
}

/// The certificates of one `--certs` file: PEM (with any number of certificates; keys beside
/// them are skipped) or one DER certificate, with the SHA-256 of the bytes read. A file with
/// neither is an error.
pub fn load(path: &Path) -> Result<(Vec<Certificate>, String), Error> {
    let (name, bytes) = text::read_bytes(path, LimitKind::Certificates)?;
    let sha256 = text::sha256_hex(&bytes);
    read(&name, &bytes).map(|certs| (certs, sha256))
}

/// The certificates of one file's bytes (see [`load`]).
fn read(name: &str, bytes: &[u8]) -> Result<Vec<Certificate>, Error> {
    let name = name.to_string();
    if bytes.first() == Some(&0x30) {
        let c = from_der(&name, &name, bytes);
        if let Some(why) = &c.unreadable {
            return Err(InputError::new(&name, None, why.clone()).into());
        }
        return Ok(vec![c]);
    }
    let pem = text::decode(&name, bytes)?;
    let certs = from_pem(&name, &name, 1, &pem);
    if certs.is_empty() {
        let any = pem.contains(BEGIN);
        return Err(InputError::new(
            &name,
            Some(Pos { line: 1, column: 1 }),
            if any {
                "holds no `-----BEGIN CERTIFICATE-----` block (keys are never read); expected a \
                 PEM certificate or bundle"
                    .to_string()
            } else {
                "is neither PEM nor DER; expected a PEM certificate (`-----BEGIN CERTIFICATE-----`) \
                 or a DER certificate"
                    .to_string()
            },
        )
        .into());
    }
    if let Some(bad) = certs.iter().find(|c| c.unreadable.is_some()) {
        return Err(InputError::new(
            &name,
            bad.location.line.map(|line| Pos { line, column: 1 }),
            bad.unreadable.clone().unwrap_or_default(),
        )
        .into());
    }
    Ok(certs)
}

/// The files of `--certs`: files, directories (their `.pem`, `.crt`, `.cer` and `.der` files,
/// recursively) or globs.
pub fn expand(args: &[std::path::PathBuf]) -> Result<Vec<std::path::PathBuf>, Error> {
    crate::input::vulns::expand_with(args, &["pem", "crt", "cer", "der"])
}
