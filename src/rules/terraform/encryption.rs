//! CG204: storage created or updated with encryption at rest turned off.

use crate::model::Attr;
use crate::rules::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Finds storage resources that the plan creates or updates with encryption at rest
    /// explicitly off: `storage_encrypted = false` (RDS, Aurora, DocumentDB, Neptune),
    /// `encrypted = false` (EBS, EFS, Redshift), `at_rest_encryption_enabled = false`
    /// (ElastiCache), `encrypt_at_rest { enabled = false }` (OpenSearch/Elasticsearch),
    /// `transparent_data_encryption_enabled = false` (Azure SQL database),
    /// `encryption_state = "Disabled"` (Azure Data Lake Store),
    /// `infrastructure_encryption_enabled = false` is not flagged (Azure storage is always
    /// encrypted). A value known only after apply is not treated as off.
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

enum Bad {
    False,
    Str(&'static str),
}

/// (resource type, attribute path, the value that means "unencrypted")
const TABLE: &[(&str, &[&str], Bad)] = &[
    ("aws_db_instance", &["storage_encrypted"], Bad::False),
    ("aws_rds_cluster", &["storage_encrypted"], Bad::False),
    ("aws_docdb_cluster", &["storage_encrypted"], Bad::False),
    ("aws_neptune_cluster", &["storage_encrypted"], Bad::False),
    ("aws_ebs_volume", &["encrypted"], Bad::False),
    ("aws_efs_file_system", &["encrypted"], Bad::False),
    ("aws_redshift_cluster", &["encrypted"], Bad::False),
    (
        "aws_elasticache_replication_group",
        &["at_rest_encryption_enabled"],
        Bad::False,
    ),
    (
        "aws_opensearch_domain",
        &["encrypt_at_rest", "0", "enabled"],
        Bad::False,
    ),
    (
        "aws_elasticsearch_domain",
        &["encrypt_at_rest", "0", "enabled"],
        Bad::False,
    ),
    (
        "azurerm_mssql_database",
        &["transparent_data_encryption_enabled"],
        Bad::False,
    ),
    (
        "azurerm_data_lake_store",
        &["encryption_state"],
        Bad::Str("Disabled"),
    ),
];

impl Rule for StorageUnencrypted {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        for r in &cx.change.resources {
            if !r.action.writes() {
                continue;
            }
            for (kind, path, bad) in TABLE {
                if r.kind != *kind {
                    continue;
                }
                let off = match (r.after.get(path), bad) {
                    (Attr::Known(v), Bad::False) => v.as_bool() == Some(false),
                    (Attr::Known(v), Bad::Str(s)) => v.as_str() == Some(*s),
                    _ => false,
                };
                if off {
                    out.hit(
                        format!(
                            "`{}` is {} with encryption at rest off (`{}`)",
                            r.address,
                            if r.action == crate::model::Action::Create {
                                "created"
                            } else {
                                "changed"
                            },
                            path.iter()
                                .filter(|p| p.parse::<usize>().is_err())
                                .copied()
                                .collect::<Vec<_>>()
                                .join(".")
                        ),
                        r.address.clone(),
                        Some(r.location_or_input()),
                    );
                }
            }
        }
    }
}
