//! CG201: a stateful resource is destroyed or replaced without a backup.

use crate::model::Action;
use crate::rules::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Finds stateful resources (the policy's `classes.stateful`: databases, volumes, buckets,
    /// file systems, caches with data…) that the plan deletes or replaces, and checks that a
    /// backup exists before the change: the change record's `backup` is filled in, or the
    /// resource takes its own final snapshot (`skip_final_snapshot = false` with a
    /// `final_snapshot_identifier`, on `aws_db_instance`, `aws_rds_cluster`,
    /// `aws_docdb_cluster`, `aws_neptune_cluster`, `aws_redshift_cluster`). A replace destroys
    /// the old object too, whatever its order.
    ///
    /// ## Why is this bad?
    /// Destroying data without a backup is irreversible; the maintenance procedure requires a
    /// backup or snapshot before any change that can lose data (NIST SP 800-53 CP-9, CM-3,
    /// MA-2; SP 800-171 3.7.1).
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_db_instance" "main" {
    ///   engine              = "postgres"
    ///   skip_final_snapshot = true   # and the plan replaces it
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_db_instance" "main" {
    ///   engine                    = "postgres"
    ///   skip_final_snapshot       = false
    ///   final_snapshot_identifier = "main-final-chg-1234"
    /// }
    /// ```
    /// or record the backup: `backup: snapshot rds:main-2026-11-28 taken at 01:30Z`.
    pub struct DestroyWithoutBackup {
        code: "CG201",
        name: "destroy-without-backup",
        category: Backup,
        severity: High,
        enforcement: HardMandatory,
        controls: ["NIST SP 800-53 CP-9", "NIST SP 800-53 CM-3", "NIST SP 800-53 MA-2", "NIST SP 800-171 3.7.1"],
        summary: "A stateful resource is destroyed or replaced without a backup.",
        fix: "Take a backup or snapshot before the change and name it under `backup:` in the change record, or let the resource take a final snapshot.",
    }
}

/// Resource types whose own final snapshot is a backup.
const FINAL_SNAPSHOT: &[&str] = &[
    "aws_db_instance",
    "aws_rds_cluster",
    "aws_docdb_cluster",
    "aws_neptune_cluster",
    "aws_redshift_cluster",
];

impl Rule for DestroyWithoutBackup {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        if cx.change.record.backup.is_some() {
            return;
        }
        for r in &cx.change.resources {
            if !r.action.destroys() || !r.classes.stateful || r.mode != "managed" {
                continue;
            }
            // A PersistentVolume that is retained keeps its data.
            if r.kind == "PersistentVolume"
                && r.before
                    .get(&["spec", "persistentVolumeReclaimPolicy"])
                    .as_str()
                    == Some("Retain")
            {
                continue;
            }
            if FINAL_SNAPSHOT.contains(&r.kind.as_str())
                && r.before.key("skip_final_snapshot").as_bool() == Some(false)
                && r.before
                    .key("final_snapshot_identifier")
                    .as_str()
                    .is_some_and(|s| !s.trim().is_empty())
            {
                continue;
            }
            let how = if r.action == Action::Replace {
                "replaced"
            } else {
                "destroyed"
            };
            out.hit(
                format!(
                    "`{}` ({}) holds data and is {how}, but the change record names no backup and the resource takes no final snapshot",
                    r.address, r.kind
                ),
                r.address.clone(),
                Some(r.location_or_input()),
            );
        }
    }
}
