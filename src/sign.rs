//! Signed maintenance records: an SSH signature (SSHSIG, as `ssh-keygen -Y sign` and git make
//! them; the `ssh-key` crate's) over a record's exact bytes, written beside it as `RECORD.sig`,
//! and over each record-log line's digest, held in the line. They are checked against an
//! allowed-signers file in git's format (`records.allowed_signers`), so that
//! `ssh-keygen -Y verify -n changegate-record` accepts what changegate writes, and changegate
//! accepts what `ssh-keygen -Y sign` writes.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::error::{Error, InputError};
use crate::input::limits::LimitKind;
use crate::input::signatures::{AllowedSigners, SshCheck};

/// The SSHSIG namespace of a record's signature.
pub const RECORD_NAMESPACE: &str = "changegate-record";
/// The SSHSIG namespace of a record-log line's signature (over the line's `digest`).
pub const LOG_NAMESPACE: &str = "changegate-log";

/// A private key that signs records (`check --sign-key`).
pub struct SigningKey {
    key: ssh_key::PrivateKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({})", self.fingerprint())
    }
}

impl SigningKey {
    /// Reads an OpenSSH private key file. Its text is registered with the redaction layer at
    /// once: no error or output can show it.
    pub fn read(path: &Path) -> Result<SigningKey, Error> {
        let (name, bytes) = crate::input::text::read_bytes(path, LimitKind::Policy)?;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        for line in text
            .lines()
            .filter(|l| l.len() >= 16 && !l.starts_with("-----"))
        {
            crate::redact::register_one(line.trim());
        }
        let bad = |why: String| -> Error { InputError::new(&name, None, why).into() };
        let key = ssh_key::PrivateKey::from_openssh(&text).map_err(|e| {
            bad(format!(
                "not an OpenSSH private key ({e}); expected the file `ssh-keygen -t ed25519 -f KEY` writes"
            ))
        })?;
        if key.is_encrypted() {
            return Err(bad(
                "the key is protected by a passphrase; changegate signs with a key without one \
                 (keep it in the CI platform's secret store)"
                    .into(),
            ));
        }
        Ok(SigningKey { key })
    }

    /// The public key's SHA-256 fingerprint (`SHA256:…`).
    pub fn fingerprint(&self) -> String {
        self.key
            .public_key()
            .fingerprint(ssh_key::HashAlg::Sha256)
            .to_string()
    }

    /// An armoured SSHSIG over `message` for `namespace` (SHA-512, as ssh-keygen signs).
    pub fn sign(&self, namespace: &str, message: &[u8]) -> Result<String, Error> {
        let sig = self
            .key
            .sign(namespace, ssh_key::HashAlg::Sha512, message)
            .map_err(|e| Error::Usage(format!("signing failed: {e}")))?;
        let mut pem = sig
            .to_pem(ssh_key::LineEnding::LF)
            .map_err(|e| Error::Usage(format!("signing failed: {e}")))?;
        if !pem.ends_with('\n') {
            pem.push('\n');
        }
        Ok(pem)
    }
}

/// Where a record's signature is: `RECORD.sig`, as `ssh-keygen -Y sign` names it.
pub fn signature_path(record: &Path) -> PathBuf {
    let mut name = record.as_os_str().to_owned();
    name.push(".sig");
    PathBuf::from(name)
}

/// What signatures a reader of records asks for.
#[derive(Debug, Clone, Default)]
pub struct Requirement {
    /// The keys allowed to sign records; `None`: no file to check signatures against.
    pub signers: Option<AllowedSigners>,
    /// Unsigned records (and log lines) are refused.
    pub required: bool,
}

impl Requirement {
    /// Checks a signature (if any) over `message`: `Ok(Some(who))` for a good one,
    /// `Ok(None)` for none where none is required, `Err(why)` otherwise.
    pub fn check(
        &self,
        signature: Option<&str>,
        namespace: &str,
        message: &[u8],
        at: DateTime<Utc>,
        what: &str,
    ) -> Result<Option<String>, String> {
        let Some(signature) = signature else {
            return if self.required {
                Err(format!(
                    "the {what} is not signed, and signed records are required"
                ))
            } else {
                Ok(None)
            };
        };
        let Some(signers) = &self.signers else {
            return if self.required {
                Err(format!(
                    "the {what} is signed, but there is no allowed-signers file to check it \
                     against (`records.allowed_signers`, or `--allowed-signers`)"
                ))
            } else {
                Ok(Some(
                    "signed (not checked: no allowed-signers file)".to_string(),
                ))
            };
        };
        match signers.check(signature, message, namespace, at, what) {
            SshCheck::Good {
                principals,
                fingerprint,
            } => Ok(Some(format!(
                "signed by {} ({fingerprint})",
                principals
                    .iter()
                    .map(|p| p.join(","))
                    .collect::<Vec<_>>()
                    .join("; ")
            ))),
            SshCheck::Expired(why) | SshCheck::Unverified(why) => {
                Err(format!("the {what}'s signature does not count: {why}"))
            }
        }
    }
}

/// Reads a record's signature file, if there is one.
pub fn read_signature(record: &Path) -> Result<Option<String>, Error> {
    let path = signature_path(record);
    if !path.exists() {
        return Ok(None);
    }
    let (name, bytes) = crate::input::text::read_bytes(&path, LimitKind::Policy)?;
    Ok(Some(crate::input::text::decode(&name, &bytes)?))
}

/// Reads an allowed-signers file from the file system (`--allowed-signers`).
pub fn read_signers(path: &Path) -> Result<AllowedSigners, Error> {
    let (name, bytes) = crate::input::text::read_bytes(path, LimitKind::Policy)?;
    let text = crate::input::text::decode(&name, &bytes)?;
    AllowedSigners::parse(&name, &text)
}
