//! CG204: storage created or updated with encryption at rest turned off.

use crate::model::{Action, Attr, Attrs, Node};
use crate::rules::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Finds storage resources that the plan creates or updates without encryption at rest:
    /// - set off: `storage_encrypted = false` (RDS, Aurora, DocumentDB, Neptune),
    ///   `encrypted = false` (EBS, EFS, Redshift), `at_rest_encryption_enabled = false`
    ///   (ElastiCache), `encrypt_at_rest { enabled = false }` (OpenSearch/Elasticsearch),
    ///   `transparent_data_encryption_enabled = false` (Azure SQL database),
    ///   `encryption_state = "Disabled"` (Azure Data Lake Store);
    /// - block devices set off: `root_block_device` and `ebs_block_device` of `aws_instance`
    ///   and `aws_launch_configuration`, `block_device_mappings.ebs.encrypted = false` of
    ///   `aws_launch_template`;
    /// - left unset (absent or null) where the provider's default is unencrypted: every AWS
    ///   attribute above except the launch template's (unset there means the snapshot's or the
    ///   account's default), and an OpenSearch/Elasticsearch domain with no `encrypt_at_rest`
    ///   block. Azure encrypts by default, so an unset Azure attribute passes.
    ///
    /// A value known only after apply (the provider computes it, e.g. `encrypted` of an EBS
    /// volume that does not set it) is reported as advisory: encryption cannot be confirmed
    /// before apply. It never blocks, and it is never passed silently.
    ///
    /// ## Why is this bad?
    /// Data at rest must be protected (NIST SP 800-53 SC-28, CM-6; SP 800-171 3.13.16).
    /// Turning encryption off, or creating unencrypted storage, usually cannot be undone
    /// without recreating the resource and moving the data.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_ebs_volume" "data" {
    ///   size      = 100
    ///   encrypted = false
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_ebs_volume" "data" {
    ///   size      = 100
    ///   encrypted = true
    /// }
    /// ```
    pub struct StorageUnencrypted {
        code: "CG204",
        name: "storage-unencrypted",
        category: Encryption,
        severity: High,
        enforcement: HardMandatory,
        controls: ["NIST SP 800-53 SC-28", "NIST SP 800-53 CM-6", "NIST SP 800-171 3.13.16"],
        summary: "Storage is created or updated with encryption at rest turned off.",
        fix: "Turn encryption at rest on for the resource.",
    }
}

/// The value that means "unencrypted".
#[derive(Clone, Copy)]
enum Off {
    /// `false` (a boolean, or the string `"false"` of attributes typed as strings).
    False,
    Str(&'static str),
}

/// What an unset attribute means.
#[derive(Clone, Copy, PartialEq)]
enum Unset {
    /// The provider's default is unencrypted.
    Off,
    /// The provider (or the account) encrypts by default.
    Default,
}

struct Check {
    kind: &'static str,
    /// Path to the attribute; `*` stands for every item of a nested block list.
    path: &'static [&'static str],
    off: Off,
    unset: Unset,
    /// What a missing or empty block list on the path means: no block, no storage (a block
    /// device list), or encryption left at an unencrypted default (`encrypt_at_rest`).
    missing_block: Unset,
}

const fn check(kind: &'static str, path: &'static [&'static str], unset: Unset) -> Check {
    Check {
        kind,
        path,
        off: Off::False,
        unset,
        missing_block: Unset::Default,
    }
}

const TABLE: &[Check] = &[
    check("aws_db_instance", &["storage_encrypted"], Unset::Off),
    check("aws_rds_cluster", &["storage_encrypted"], Unset::Off),
    check("aws_docdb_cluster", &["storage_encrypted"], Unset::Off),
    check("aws_neptune_cluster", &["storage_encrypted"], Unset::Off),
    check("aws_ebs_volume", &["encrypted"], Unset::Off),
    check("aws_efs_file_system", &["encrypted"], Unset::Off),
    check("aws_redshift_cluster", &["encrypted"], Unset::Off),
    check(
        "aws_elasticache_replication_group",
        &["at_rest_encryption_enabled"],
        Unset::Off,
    ),
    Check {
        missing_block: Unset::Off,
        ..check(
            "aws_opensearch_domain",
            &["encrypt_at_rest", "*", "enabled"],
            Unset::Off,
        )
    },
    Check {
        missing_block: Unset::Off,
        ..check(
            "aws_elasticsearch_domain",
            &["encrypt_at_rest", "*", "enabled"],
            Unset::Off,
        )
    },
    check(
        "aws_instance",
        &["root_block_device", "*", "encrypted"],
        Unset::Off,
    ),
    check(
        "aws_instance",
        &["ebs_block_device", "*", "encrypted"],
        Unset::Off,
    ),
    check(
        "aws_launch_configuration",
        &["root_block_device", "*", "encrypted"],
        Unset::Off,
    ),
    check(
        "aws_launch_configuration",
        &["ebs_block_device", "*", "encrypted"],
        Unset::Off,
    ),
    check(
        "aws_launch_template",
        &["block_device_mappings", "*", "ebs", "*", "encrypted"],
        Unset::Default,
    ),
    check(
        "azurerm_mssql_database",
        &["transparent_data_encryption_enabled"],
        Unset::Default,
    ),
    Check {
        off: Off::Str("Disabled"),
        ..check(
            "azurerm_data_lake_store",
            &["encryption_state"],
            Unset::Default,
        )
    },
];

/// What the plan says about one encryption attribute.
enum Seen {
    /// Set to the unencrypted value.
    Off,
    /// Unset, or its block missing, where that means unencrypted.
    Unset,
    /// Known only after apply.
    Unknown,
}

/// The attribute's instances (one per block on a `*`), with their paths as Terraform writes
/// them (`root_block_device.0.encrypted`), and what each says.
fn inspect(attrs: &Attrs, c: &Check) -> Vec<(String, Seen)> {
    let mut out = Vec::new();
    walk(attrs, c, &mut Vec::new(), 0, &mut out);
    out
}

fn walk(
    attrs: &Attrs,
    c: &Check,
    path: &mut Vec<String>,
    at: usize,
    out: &mut Vec<(String, Seen)>,
) {
    let Some(seg) = c.path.get(at) else {
        let seen = match attrs.get(&here(path)) {
            Attr::Known(v) if is_off(v, c.off) => Some(Seen::Off),
            Attr::Known(_) | Attr::Sensitive => None,
            Attr::Unknown => Some(Seen::Unknown),
            Attr::Absent => (c.unset == Unset::Off).then_some(Seen::Unset),
        };
        out.extend(seen.map(|s| (path.join("."), s)));
        return;
    };
    if *seg != "*" {
        path.push((*seg).to_string());
        walk(attrs, c, path, at + 1, out);
        path.pop();
        return;
    }
    let blocks = match attrs.get(&here(path)) {
        Attr::Known(Node::Arr(items)) => items.len(),
        Attr::Unknown => {
            out.push((path.join("."), Seen::Unknown));
            return;
        }
        Attr::Sensitive => return,
        Attr::Known(_) | Attr::Absent => 0,
    };
    if blocks == 0 {
        if c.missing_block == Unset::Off {
            out.push((path.join("."), Seen::Unset));
        }
        return;
    }
    for i in 0..blocks {
        path.push(i.to_string());
        walk(attrs, c, path, at + 1, out);
        path.pop();
    }
}

fn here(path: &[String]) -> Vec<&str> {
    path.iter().map(String::as_str).collect()
}

fn is_off(v: &Node, off: Off) -> bool {
    match off {
        Off::False => v.as_bool() == Some(false) || v.as_str() == Some("false"),
        Off::Str(s) => v.as_str() == Some(s),
    }
}

impl Rule for StorageUnencrypted {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        for r in &cx.change.resources {
            if !r.action.writes() {
                continue;
            }
            let verb = match r.action {
                Action::Create => "created",
                Action::Replace => "replaced",
                _ => "changed",
            };
            for c in TABLE.iter().filter(|c| c.kind == r.kind) {
                for (path, seen) in inspect(&r.after, c) {
                    let message = match seen {
                        Seen::Off => format!(
                            "`{}` is {verb} with encryption at rest off (`{path}`)",
                            r.address
                        ),
                        Seen::Unset => format!(
                            "`{}` is {verb} without encryption at rest: `{path}` is not set, and the provider's default is unencrypted",
                            r.address
                        ),
                        Seen::Unknown => format!(
                            "encryption at rest of `{}` cannot be confirmed before apply: `{path}` is known only after apply",
                            r.address
                        ),
                    };
                    let location = Some(r.location_or_input());
                    if matches!(seen, Seen::Unknown) {
                        out.advise(message, r.address.clone(), location);
                    } else {
                        out.hit(message, r.address.clone(), location);
                    }
                }
            }
        }
    }
}
