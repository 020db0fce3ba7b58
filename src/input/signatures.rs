//! Commit signatures verified, as `git verify-commit` verifies them, against the trust material
//! the policy names: SSH signatures against an allowed-signers file (`git.allowed_signers`, the
//! format of `gpg.ssh.allowedSignersFile`), OpenPGP signatures against a keyring in the
//! repository (`git.keyring`). The key formats and the cryptography are the `ssh-key` and
//! `pgp` crates'; this module reads the allowed-signers lines around them and decides.
//!
//! What git does and this does too: the SSH namespace must be `git`; an allowed-signers entry
//! is valid from `valid-after` to `valid-before` at the commit's time; an OpenPGP key must not
//! be revoked, and its expiry is judged at the evaluation time (as gpg reports `EXPKEYSIG`); a
//! signing subkey must be bound to it for signing (binding and back signature), not revoked
//! (`REVKEYSIG`), and not expired.
//! Beyond git: the signer must be the committer (a principal pattern, or a user ID's email,
//! matches the committer's email), which the rule judges.

use std::path::Path;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use pgp::composed::{Deserializable, DetachedSignature, SignedPublicKey};
use pgp::types::KeyDetails;

use super::limits::LimitKind;
use super::text;
use super::trust::TrustRoot;
use crate::error::{Error, InputError, Pos};
use crate::model::trust::Material;
use crate::model::{Commit, SignatureCheck};
use crate::policy::file::GitSpec;

/// One line of an allowed-signers file.
#[derive(Debug, Clone)]
struct AllowedSigner {
    /// Principal patterns (`*` and `?` wildcards, `!` negates).
    principals: Vec<String>,
    key: ssh_key::public::KeyData,
    namespaces: Option<Vec<String>>,
    valid_after: Option<DateTime<Utc>>,
    valid_before: Option<DateTime<Utc>>,
    cert_authority: bool,
}

/// What the policy trusts.
#[derive(Debug, Default)]
pub struct TrustedKeys {
    allowed_signers: Option<AllowedSigners>,
    keyring: Option<(String, Vec<SignedPublicKey>)>,
    /// The files read, as (the path read, its SHA-256, how many signers or keys it holds), for
    /// the inputs a record seals.
    pub files: Vec<(String, String, usize)>,
}

impl TrustedKeys {
    /// Reads the files `git.allowed_signers` and `git.keyring` name, relative to the
    /// repository's work tree `workdir`, from the trusted ref `root` (never the change's copy).
    pub fn load(git: &GitSpec, root: &TrustRoot, workdir: &Path) -> Result<TrustedKeys, Error> {
        let mut trust = TrustedKeys::default();
        // Findings name the files as the policy does; errors reading them name the path read.
        if let Some(p) = &git.allowed_signers {
            let (name, bytes) =
                root.require_bytes(&workdir.join(p), LimitKind::Policy, Material::SigningTrust)?;
            let text = text::decode(&name, &bytes)?;
            let mut signers = AllowedSigners::parse(&name, &text)?;
            let digest = text::sha256_hex(&bytes);
            trust.files.push((name, digest, signers.len()));
            // Findings name the file as the policy does.
            signers.file = p.clone();
            trust.allowed_signers = Some(signers);
        }
        if let Some(p) = &git.keyring {
            let (name, bytes) =
                root.require_bytes(&workdir.join(p), LimitKind::Policy, Material::SigningTrust)?;
            let keys = parse_keyring(&name, &bytes)?;
            trust
                .files
                .push((name, text::sha256_hex(&bytes), keys.len()));
            trust.keyring = Some((p.clone(), keys));
        }
        Ok(trust)
    }
}

/// Verifies every signed commit's signature, and drops the signed bytes.
pub fn verify_commits(commits: &mut [Commit], trust: &TrustedKeys) {
    for c in commits {
        let email = c.committer.email.clone();
        let time = c.time();
        let Some(sig) = &mut c.signature else {
            continue;
        };
        let Some(signed) = sig.signed.take() else {
            continue;
        };
        sig.check = match sig.kind.as_str() {
            "ssh" => verify_ssh(trust, &signed.signature, &signed.payload, &email, time),
            "gpg" => verify_pgp(trust, &signed.signature, &signed.payload, &email),
            "x509" => unverified("an X.509 (gpgsm) signature, which changegate does not verify"),
            _ => unverified("a signature of an unknown kind"),
        };
    }
}

fn unverified(reason: &str) -> SignatureCheck {
    SignatureCheck::Unverified {
        reason: reason.into(),
    }
}

/// An allowed-signers file (git's `gpg.ssh.allowedSignersFile` format), as read: for commits
/// (`git.allowed_signers`, namespace `git`) and for maintenance records
/// (`records.allowed_signers`).
#[derive(Debug, Clone)]
pub struct AllowedSigners {
    /// How the policy names the file.
    pub file: String,
    signers: Vec<AllowedSigner>,
}

/// What an SSH signature proves, checked against an allowed-signers file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SshCheck {
    /// Good, by a key the file allows for the namespace at the time; the principals of the
    /// entries that allow it and the key's fingerprint.
    Good {
        principals: Vec<Vec<String>>,
        fingerprint: String,
    },
    /// The key is allowed, but not at that time.
    Expired(String),
    /// No signature that counts: why.
    Unverified(String),
}

impl AllowedSigners {
    /// Parses the file's text; `file` names it in errors and messages.
    pub fn parse(file: &str, text: &str) -> Result<AllowedSigners, Error> {
        Ok(AllowedSigners {
            file: file.to_string(),
            signers: parse_allowed_signers(file, text)?,
        })
    }

    pub fn len(&self) -> usize {
        self.signers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.signers.is_empty()
    }

    /// Checks an armoured SSHSIG over `payload` for `namespace`, made at `time`: as
    /// `ssh-keygen -Y verify` does (the signature's namespace, an entry for its key whose
    /// `namespaces` allow it, valid at `time`, and the signature itself).
    pub fn check(
        &self,
        armored: &str,
        payload: &[u8],
        namespace: &str,
        time: DateTime<Utc>,
        what: &str,
    ) -> SshCheck {
        let file = &self.file;
        let Ok(sig) = ssh_key::SshSig::from_pem(armored.trim()) else {
            return SshCheck::Unverified("its SSH signature cannot be read".into());
        };
        if sig.namespace() != namespace {
            return SshCheck::Unverified(format!(
                "its SSH signature is for namespace `{}`, not `{namespace}`",
                sig.namespace()
            ));
        }
        let entries: Vec<&AllowedSigner> = self
            .signers
            .iter()
            .filter(|s| !s.cert_authority && &s.key == sig.public_key())
            .filter(|s| {
                s.namespaces
                    .as_ref()
                    .is_none_or(|ns| ns.iter().any(|n| n == namespace))
            })
            .collect();
        let fingerprint = sig
            .public_key()
            .fingerprint(ssh_key::HashAlg::Sha256)
            .to_string();
        if entries.is_empty() {
            return SshCheck::Unverified(format!(
                "its SSH key {fingerprint} is not in {file} (for namespace `{namespace}`)"
            ));
        }
        let key = ssh_key::PublicKey::from(sig.public_key().clone());
        if key.verify(namespace, payload, &sig).is_err() {
            return SshCheck::Unverified(format!(
                "its SSH signature by {fingerprint} does not match the {what} (bad signature)"
            ));
        }
        let valid: Vec<&&AllowedSigner> = entries
            .iter()
            .filter(|s| s.valid_after.is_none_or(|a| time >= a))
            .filter(|s| s.valid_before.is_none_or(|b| time <= b))
            .collect();
        if valid.is_empty() {
            let e = entries[0];
            let window = match (e.valid_after, e.valid_before) {
                (Some(a), Some(b)) => format!("from {} to {}", fmt(a), fmt(b)),
                (Some(a), None) => format!("from {}", fmt(a)),
                (None, Some(b)) => format!("until {}", fmt(b)),
                (None, None) => String::new(),
            };
            return SshCheck::Expired(format!(
                "its SSH key {fingerprint} ({}) is valid {window} in {file}, and the {what} is dated {}",
                e.principals.join(","),
                fmt(time)
            ));
        }
        SshCheck::Good {
            principals: valid.iter().map(|s| s.principals.clone()).collect(),
            fingerprint,
        }
    }
}

fn verify_ssh(
    trust: &TrustedKeys,
    armored: &str,
    payload: &[u8],
    committer: &str,
    time: DateTime<Utc>,
) -> SignatureCheck {
    let Some(signers) = &trust.allowed_signers else {
        return unverified(
            "an SSH signature, and the policy names no `git.allowed_signers` file to verify it against",
        );
    };
    match signers.check(armored, payload, "git", time, "commit") {
        SshCheck::Unverified(reason) => SignatureCheck::Unverified { reason },
        SshCheck::Expired(reason) => SignatureCheck::Expired { reason },
        SshCheck::Good { principals, .. } => {
            let matching = principals.iter().find(|p| principal_matches(p, committer));
            SignatureCheck::Good {
                signer: matching.unwrap_or(&principals[0]).join(","),
                committer_matches: matching.is_some(),
                key_expires: None,
            }
        }
    }
}

fn fmt(t: DateTime<Utc>) -> String {
    crate::model::time::fmt_time(t)
}

/// OpenSSH's pattern lists: a negated pattern that matches rejects, else any pattern that
/// matches accepts. Emails are compared without case.
fn principal_matches(patterns: &[String], who: &str) -> bool {
    let who = who.to_lowercase();
    let opts = glob::MatchOptions {
        case_sensitive: false,
        require_literal_separator: false,
        require_literal_leading_dot: false,
    };
    let matches = |p: &str| {
        glob::Pattern::new(&p.replace('[', "[[]")).is_ok_and(|g| g.matches_with(&who, opts))
    };
    if patterns
        .iter()
        .filter_map(|p| p.strip_prefix('!'))
        .any(matches)
    {
        return false;
    }
    patterns
        .iter()
        .filter(|p| !p.starts_with('!'))
        .any(|p| matches(p))
}

fn verify_pgp(
    trust: &TrustedKeys,
    armored: &str,
    payload: &[u8],
    committer: &str,
) -> SignatureCheck {
    let Some((file, keys)) = &trust.keyring else {
        return unverified(
            "an OpenPGP signature, and the policy names no `git.keyring` to verify it against",
        );
    };
    let Ok((sig, _)) = DetachedSignature::from_string(armored.trim()) else {
        return unverified("its OpenPGP signature cannot be read");
    };
    let issuers: Vec<String> = sig
        .signature
        .issuer_fingerprint()
        .iter()
        .map(|f| hex::encode_upper(f.as_bytes()))
        .collect();
    let key_ids: Vec<String> = sig
        .signature
        .issuer_key_id()
        .iter()
        .map(|k| hex::encode_upper(k.as_ref()))
        .collect();
    let named = |k: &dyn KeyDetails| {
        let fp = hex::encode_upper(k.fingerprint().as_bytes());
        let id = hex::encode_upper(k.legacy_key_id().as_ref());
        issuers.contains(&fp) || key_ids.contains(&id)
    };
    let shown = issuers
        .first()
        .or(key_ids.first())
        .cloned()
        .unwrap_or_else(|| "(no issuer)".into());
    for key in keys {
        // The signing key: the primary key, or a subkey bound to it.
        let subkey = key.public_subkeys.iter().find(|s| named(&s.key));
        let verified = if named(&key.primary_key) {
            Some(sig.verify(&key.primary_key, payload).is_ok())
        } else {
            subkey.map(|s| sig.verify(&s.key, payload).is_ok())
        };
        let Some(good) = verified else {
            continue;
        };
        if !good {
            return unverified(&format!(
                "its OpenPGP signature by key {shown} does not match the commit (bad signature)"
            ));
        }
        let uids: Vec<String> = key
            .details
            .users
            .iter()
            .map(|u| String::from_utf8_lossy(u.id.id()).into_owned())
            .collect();
        if !key.details.revocation_signatures.is_empty() {
            return SignatureCheck::Expired {
                reason: format!("its OpenPGP key {shown} ({}) is revoked", uids.join(", ")),
            };
        }
        let mut key_expires = expiry(key);
        if let Some(s) = subkey.filter(|_| !named(&key.primary_key)) {
            match subkey_state(key, s) {
                Ok(expires) => {
                    key_expires = match (key_expires, expires) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                }
                Err(SubkeyProblem::Revoked) => {
                    return SignatureCheck::Expired {
                        reason: format!(
                            "its OpenPGP signing subkey {shown} of {} is revoked",
                            uids.join(", ")
                        ),
                    };
                }
                Err(SubkeyProblem::Unusable(why)) => {
                    return unverified(&format!(
                        "its OpenPGP subkey {shown} of {} {why}",
                        uids.join(", ")
                    ));
                }
            }
        }
        let matching = uids
            .iter()
            .find(|u| uid_email(u).is_some_and(|e| e.eq_ignore_ascii_case(committer)));
        return SignatureCheck::Good {
            signer: matching
                .or(uids.first())
                .cloned()
                .unwrap_or_else(|| shown.clone()),
            committer_matches: matching.is_some(),
            key_expires,
        };
    }
    unverified(&format!("its OpenPGP key {shown} is not in {file}"))
}

/// Why a subkey cannot vouch for a signature.
enum SubkeyProblem {
    /// Its owner revoked it (gpg's `REVKEYSIG`, which `git verify-commit` refuses).
    Revoked,
    /// It is not bound to the primary key as a signing key: why.
    Unusable(&'static str),
}

/// Whether a subkey may sign, as gpg decides: a valid binding signature by the primary key
/// (the latest one counts) whose key flags allow signing, with a valid back signature by the
/// subkey, and no valid revocation by the primary key. `Ok` holds when it expires (the latest
/// binding's key expiration time), judged like the primary key's at the evaluation time.
fn subkey_state(
    key: &SignedPublicKey,
    s: &pgp::composed::SignedPublicSubKey,
) -> Result<Option<DateTime<Utc>>, SubkeyProblem> {
    use pgp::packet::SignatureType;
    let valid = |t: SignatureType| {
        s.signatures
            .iter()
            .filter(move |g| g.typ() == Some(t))
            .filter(|g| g.verify_subkey_binding(&key.primary_key, &s.key).is_ok())
    };
    if valid(SignatureType::SubkeyRevocation).next().is_some() {
        return Err(SubkeyProblem::Revoked);
    }
    let Some(binding) =
        valid(SignatureType::SubkeyBinding).max_by_key(|g| g.created().map(|t| t.as_secs()))
    else {
        return Err(SubkeyProblem::Unusable(
            "has no valid binding signature by its primary key",
        ));
    };
    if !binding.key_flags().sign() {
        return Err(SubkeyProblem::Unusable("is not a signing subkey"));
    }
    let backed = binding.embedded_signature().is_some_and(|b| {
        b.verify_primary_key_binding(&s.key, &key.primary_key)
            .is_ok()
    });
    if !backed {
        return Err(SubkeyProblem::Unusable(
            "has no valid back signature (cross-certification) by the subkey",
        ));
    }
    let created = i64::from(s.key.created_at().as_secs());
    Ok(binding
        .key_expiration_time()
        .map(|d| i64::from(d.as_secs()))
        .filter(|d| *d != 0)
        .and_then(|d| Utc.timestamp_opt(created + d, 0).single()))
}

/// `Name <mail>` -> `mail`; a bare address as it is.
fn uid_email(uid: &str) -> Option<&str> {
    match (uid.rfind('<'), uid.rfind('>')) {
        (Some(a), Some(b)) if a < b => Some(&uid[a + 1..b]),
        _ => uid.contains('@').then_some(uid.trim()),
    }
}

/// When the primary key expires: its newest self-signature's key expiration time, after its
/// creation.
fn expiry(key: &SignedPublicKey) -> Option<DateTime<Utc>> {
    let created = i64::from(key.primary_key.created_at().as_secs());
    let newest = key
        .details
        .users
        .iter()
        .flat_map(|u| u.signatures.iter())
        .chain(key.details.direct_signatures.iter())
        .max_by_key(|s| s.created().map(|t| t.as_secs()))?;
    let after = i64::from(newest.key_expiration_time()?.as_secs());
    if after == 0 {
        return None;
    }
    Utc.timestamp_opt(created + after, 0).single()
}

/// Reads an allowed-signers file: `principals [options] keytype base64 [comment]` per line,
/// `#` comments. The principals are a comma-separated list, quoted when it holds spaces; the
/// options and the key are an authorized-keys entry (read by `ssh-key`).
fn parse_allowed_signers(file: &str, text: &str) -> Result<Vec<AllowedSigner>, Error> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = |column: usize, what: String| -> Error {
            InputError::new(
                file,
                Some(Pos {
                    line: i + 1,
                    column,
                }),
                what,
            )
            .into()
        };
        let (principals, rest) = if let Some(q) = line.strip_prefix('"') {
            let end = q
                .find('"')
                .ok_or_else(|| at(1, "the quoted principals are never closed; expected `\"principals\" [options] key`".into()))?;
            (&q[..end], q[end + 1..].trim_start())
        } else {
            line.split_once(char::is_whitespace)
                .map(|(p, r)| (p, r.trim_start()))
                .ok_or_else(|| at(1, "a line with principals and no key; expected `principals [options] keytype base64-key`".into()))?
        };
        // ssh-key tells options from a key by counting spaces, so options before a key without
        // a comment look like `keytype key comment`: a comment settles it.
        let entry: Result<ssh_key::authorized_keys::Entry, _> = rest
            .parse()
            .or_else(|_| format!("{rest} allowed-signer").parse());
        let entry = entry.map_err(|e| {
            at(
                line.len() - rest.len() + 1,
                format!("not an SSH public key with options ({e}); expected `principals [options] keytype base64-key` as in ssh-keygen(1) ALLOWED SIGNERS"),
            )
        })?;
        let mut signer = AllowedSigner {
            principals: principals
                .split(',')
                .map(|p| p.trim().to_string())
                .collect(),
            key: entry.public_key().key_data().clone(),
            namespaces: None,
            valid_after: None,
            valid_before: None,
            cert_authority: false,
        };
        for opt in entry.config_opts().iter() {
            let (name, value) = match opt.split_once('=') {
                Some((n, v)) => (n.to_ascii_lowercase(), Some(v.trim_matches('"'))),
                None => (opt.to_ascii_lowercase(), None),
            };
            match (name.as_str(), value) {
                ("cert-authority", None) => signer.cert_authority = true,
                ("namespaces", Some(v)) => {
                    signer.namespaces = Some(v.split(',').map(|n| n.trim().to_string()).collect());
                }
                ("valid-after" | "valid-before", Some(v)) => {
                    let t = ssh_time(v).ok_or_else(|| {
                        at(
                            line.len() - rest.len() + 1,
                            format!("`{name}` `{v}` is not a time; expected YYYYMMDD[HHMM[SS]][Z]"),
                        )
                    })?;
                    if name == "valid-after" {
                        signer.valid_after = Some(t);
                    } else {
                        signer.valid_before = Some(t);
                    }
                }
                _ => {
                    return Err(at(
                        line.len() - rest.len() + 1,
                        format!(
                            "unknown option `{opt}`; expected cert-authority, namespaces, valid-after or valid-before"
                        ),
                    ));
                }
            }
        }
        out.push(signer);
    }
    Ok(out)
}

/// `YYYYMMDD[HHMM[SS]][Z]`, as ssh-keygen reads `valid-after`/`valid-before`. Without `Z`
/// OpenSSH takes the verifying machine's local time; changegate takes UTC (CI runners' zone),
/// so the result does not depend on the machine.
fn ssh_time(v: &str) -> Option<DateTime<Utc>> {
    let v = v.strip_suffix(['Z', 'z']).unwrap_or(v);
    if !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let naive = match v.len() {
        8 => NaiveDate::parse_from_str(v, "%Y%m%d")
            .ok()?
            .and_hms_opt(0, 0, 0)?,
        12 => NaiveDateTime::parse_from_str(v, "%Y%m%d%H%M").ok()?,
        14 => NaiveDateTime::parse_from_str(v, "%Y%m%d%H%M%S").ok()?,
        _ => return None,
    };
    Some(naive.and_utc())
}

/// Reads OpenPGP public keys, armored or binary; keys whose self-signatures do not verify are
/// refused.
fn parse_keyring(file: &str, bytes: &[u8]) -> Result<Vec<SignedPublicKey>, Error> {
    let refuse = |what: String| -> Error { InputError::new(file, None, what).into() };
    let (keys, _) = SignedPublicKey::from_reader_many(bytes).map_err(|e| {
        refuse(format!(
            "not an OpenPGP keyring ({e}); expected public keys as `gpg --export [--armor]` writes them"
        ))
    })?;
    let mut out = Vec::new();
    for k in keys {
        let k = k.map_err(|e| refuse(format!("an OpenPGP key cannot be read: {e}")))?;
        k.verify_bindings().map_err(|e| {
            refuse(format!(
                "OpenPGP key {} has a self-signature that does not verify: {e}",
                hex::encode_upper(k.primary_key.fingerprint().as_bytes())
            ))
        })?;
        out.push(k);
    }
    if out.is_empty() {
        return Err(refuse("holds no OpenPGP public key".into()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principal_patterns() {
        let p = |v: &[&str]| v.iter().map(ToString::to_string).collect::<Vec<_>>();
        assert!(principal_matches(
            &p(&["alice@example.com"]),
            "Alice@Example.com"
        ));
        assert!(principal_matches(&p(&["*@example.com"]), "bob@example.com"));
        assert!(!principal_matches(
            &p(&["*@example.com", "!mallory@example.com"]),
            "mallory@example.com"
        ));
        assert!(!principal_matches(
            &p(&["alice@example.com"]),
            "bob@example.com"
        ));
    }

    #[test]
    fn ssh_times() {
        assert_eq!(fmt(ssh_time("20260101").unwrap()), "2026-01-01T00:00:00Z");
        assert_eq!(
            fmt(ssh_time("202601021530Z").unwrap()),
            "2026-01-02T15:30:00Z"
        );
        assert_eq!(
            fmt(ssh_time("20260102153045").unwrap()),
            "2026-01-02T15:30:45Z"
        );
        assert!(ssh_time("2026-01-01").is_none());
        assert!(ssh_time("20261301").is_none());
    }

    #[test]
    fn allowed_signers_lines() {
        let key =
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDO0VQD9TIdICZLWFWwtf7s8/aENve8twGTEmNV0myh5";
        let text = format!(
            "# team\nalice@example.com {key}\n\"bob@example.com,b@example.com\" namespaces=\"git,file\",valid-after=\"20260101\" {key} bob\n"
        );
        let s = parse_allowed_signers("allowed_signers", &text).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[1].principals, ["bob@example.com", "b@example.com"]);
        assert_eq!(
            s[1].namespaces.as_deref(),
            Some(&["git".to_string(), "file".to_string()][..])
        );
        assert!(s[1].valid_after.is_some());
        let err =
            parse_allowed_signers("allowed_signers", "alice@example.com ssh-ed25519 AAAA!!\n")
                .unwrap_err()
                .to_string();
        assert!(
            err.starts_with("allowed_signers:1:19: not an SSH public key"),
            "{err}"
        );
        let err = parse_allowed_signers(
            "allowed_signers",
            &format!("a@b valid-after=\"yesterday\" {key}\n"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("`valid-after` `yesterday` is not a time"),
            "{err}"
        );
    }
}
