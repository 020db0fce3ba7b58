//! How much of each kind of input changegate reads before it refuses: one limit per kind of
//! file, checked against the file's metadata before reading and enforced again by a bounded
//! reader (so devices, FIFOs and standard input stop at the limit instead of growing without
//! end). The command line may raise or lower each limit (`--max-size KIND=SIZE`,
//! `CHANGEGATE_MAX_SIZE`); the library reads the limits in force with [`get`].

use std::sync::OnceLock;

/// The kinds of input that have a size limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitKind {
    /// A Terraform plan JSON file.
    Plan,
    /// One file of rendered manifests, base manifests or live objects.
    Manifests,
    /// A PR/MR description.
    Description,
    /// The policy file.
    Policy,
    /// A change record file.
    Change,
    /// One `.tf` file.
    Hcl,
    /// A maintenance record.
    Record,
    /// The record log.
    RecordLog,
    /// A commit message (the `commit-msg` hook).
    CommitMessage,
    /// A CI event payload (`GITHUB_EVENT_PATH`).
    Event,
    /// One HTTP answer from a platform API.
    Http,
    /// One `.rego` file of custom rules.
    Rego,
    /// One JUnit XML file of the tests run after a change (`close --tests`).
    Tests,
    /// One vulnerability report of a scanner (`--vulns`).
    Vulns,
    /// One certificate file (`--certs`), or the access reviews.
    Certificates,
}

impl LimitKind {
    /// Every kind, in the order the README lists them.
    pub const ALL: [LimitKind; 15] = [
        LimitKind::Plan,
        LimitKind::Manifests,
        LimitKind::Description,
        LimitKind::Policy,
        LimitKind::Change,
        LimitKind::Hcl,
        LimitKind::Record,
        LimitKind::RecordLog,
        LimitKind::CommitMessage,
        LimitKind::Event,
        LimitKind::Http,
        LimitKind::Rego,
        LimitKind::Tests,
        LimitKind::Vulns,
        LimitKind::Certificates,
    ];

    /// The name used by `--max-size` and in messages.
    pub fn name(self) -> &'static str {
        match self {
            LimitKind::Plan => "plan",
            LimitKind::Manifests => "manifests",
            LimitKind::Description => "description",
            LimitKind::Policy => "policy",
            LimitKind::Change => "change",
            LimitKind::Hcl => "tf",
            LimitKind::Record => "record",
            LimitKind::RecordLog => "record-log",
            LimitKind::CommitMessage => "commit-msg",
            LimitKind::Event => "event",
            LimitKind::Http => "http",
            LimitKind::Rego => "rego",
            LimitKind::Tests => "tests",
            LimitKind::Vulns => "vulns",
            LimitKind::Certificates => "certs",
        }
    }

    /// The default limit in bytes.
    pub fn default_limit(self) -> u64 {
        const MIB: u64 = 1024 * 1024;
        match self {
            LimitKind::Plan => 1024 * MIB,
            LimitKind::Manifests => 512 * MIB,
            LimitKind::Description => 16 * MIB,
            LimitKind::Policy => 4 * MIB,
            LimitKind::Change => 4 * MIB,
            LimitKind::Hcl => 16 * MIB,
            LimitKind::Record => 256 * MIB,
            LimitKind::RecordLog => 1024 * MIB,
            LimitKind::CommitMessage => MIB,
            LimitKind::Event => 64 * MIB,
            LimitKind::Http => 64 * MIB,
            LimitKind::Rego => 4 * MIB,
            LimitKind::Tests => 256 * MIB,
            LimitKind::Vulns => 1024 * MIB,
            LimitKind::Certificates => 16 * MIB,
        }
    }

    /// Its place in [`LimitKind::ALL`], which lists the kinds in declaration order.
    fn index(self) -> usize {
        self as usize
    }
}

/// The limit of every kind of input, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeLimits {
    bytes: [u64; LimitKind::ALL.len()],
}

impl Default for SizeLimits {
    fn default() -> Self {
        SizeLimits {
            bytes: LimitKind::ALL.map(LimitKind::default_limit),
        }
    }
}

/// How many nodes YAML alias expansion may add over one whole input: every document of a file,
/// and every file of one `--manifests` (or `--base-manifests`, `--live`) argument list.
pub const YAML_ALIAS_NODES: usize = 1_000_000;

impl SizeLimits {
    /// The limit for `kind`.
    pub fn of(&self, kind: LimitKind) -> u64 {
        self.bytes[kind.index()]
    }

    /// Sets the limit for `kind`.
    pub fn set(&mut self, kind: LimitKind, bytes: u64) {
        self.bytes[kind.index()] = bytes;
    }

    /// Applies `KIND=SIZE` settings (`plan=4GiB`, `manifests=2G`, `description=32MiB`).
    pub fn apply(&mut self, settings: &[String]) -> Result<(), String> {
        for s in settings {
            let (kind, size) = s
                .split_once('=')
                .ok_or_else(|| format!("--max-size `{s}`: expected KIND=SIZE, e.g. plan=4GiB"))?;
            let kind = kind.trim();
            let k = LimitKind::ALL
                .into_iter()
                .find(|k| k.name() == kind)
                .ok_or_else(|| {
                    format!(
                        "--max-size `{s}`: unknown kind `{kind}`; expected one of {}",
                        LimitKind::ALL.map(LimitKind::name).join(", ")
                    )
                })?;
            let bytes = parse_size(size.trim()).ok_or_else(|| {
                format!(
                    "--max-size `{s}`: `{size}` is not a size; expected bytes or a size such as 512MiB, 4GiB, 2G"
                )
            })?;
            if bytes == 0 {
                return Err(format!("--max-size `{s}`: the limit must be positive"));
            }
            self.set(k, bytes);
        }
        Ok(())
    }
}

/// Parses `1048576`, `512MiB`, `4 GiB`, `2G`, `10mb` (decimal units are powers of 1000, binary
/// units of 1024; a bare `K`/`M`/`G` is binary, as in `ulimit` and container limits).
pub fn parse_size(s: &str) -> Option<u64> {
    if let Ok(n) = s.parse::<u64>() {
        return Some(n);
    }
    let upper = s.trim().to_ascii_uppercase();
    let bare = ["K", "M", "G", "T"]
        .into_iter()
        .find(|u| upper.ends_with(u) && upper[..upper.len() - 1].trim().parse::<f64>().is_ok());
    let spelled = match bare {
        Some(_) => format!("{}iB", s.trim()),
        None => s.trim().to_string(),
    };
    spelled.parse::<bytesize::ByteSize>().ok().map(|b| b.0)
}

/// A size as people read it: `16 MiB`.
pub fn human(bytes: u64) -> String {
    bytesize::ByteSize(bytes).display().iec().to_string()
}

static LIMITS: OnceLock<SizeLimits> = OnceLock::new();

/// Sets the limits for the rest of the process (the command line does this once, first).
/// Later calls change nothing.
pub fn init(limits: SizeLimits) {
    let _ = LIMITS.set(limits);
}

/// The limits in force.
pub fn get() -> SizeLimits {
    LIMITS.get().copied().unwrap_or_default()
}

/// The limit in force for `kind`.
pub fn of(kind: LimitKind) -> u64 {
    get().of(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1024"), Some(1024));
        assert_eq!(parse_size("4GiB"), Some(4 << 30));
        assert_eq!(parse_size("4 GiB"), Some(4 << 30));
        assert_eq!(parse_size("2G"), Some(2 << 30));
        assert_eq!(parse_size("512m"), Some(512 << 20));
        assert_eq!(parse_size("10MB"), Some(10_000_000));
        assert_eq!(parse_size("lots"), None);
        assert_eq!(human(16 << 20), "16.0 MiB");
    }

    #[test]
    fn all_lists_the_kinds_in_declaration_order() {
        for (i, k) in LimitKind::ALL.into_iter().enumerate() {
            assert_eq!(k.index(), i, "{k:?}");
        }
    }

    #[test]
    fn settings() {
        let mut l = SizeLimits::default();
        l.apply(&["plan=4GiB".into(), "description=1M".into()])
            .unwrap();
        assert_eq!(l.of(LimitKind::Plan), 4 << 30);
        assert_eq!(l.of(LimitKind::Description), 1 << 20);
        let e = l.apply(&["plans=1G".into()]).unwrap_err();
        assert!(e.contains("expected one of plan, manifests"), "{e}");
        assert!(l.apply(&["plan".into()]).is_err());
        assert!(l.apply(&["plan=0".into()]).is_err());
        assert!(l.apply(&["plan=big".into()]).is_err());
    }
}
