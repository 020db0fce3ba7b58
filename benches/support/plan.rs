//! The generated Terraform plan the plan and Rego benchmarks read: `resource_changes` of
//! instances, buckets, security groups and databases, in Terraform's exact `show -json` shape.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

const AWS: &str = "registry.terraform.io/hashicorp/aws";

/// A resource's attribute values, about 1.5 KB of JSON, varying by type and index.
fn values(kind: &str, i: usize, version: usize) -> Value {
    let tags = json!({
        "Name": format!("svc-{i}"), "team": format!("team-{}", i % 17), "env": "production",
        "cost-center": format!("cc-{:04}", i % 931), "managed-by": "terraform", "version": format!("v{version}")
    });
    match kind {
        "aws_instance" => json!({
            "ami": "ami-0a1b2c3d4e5f67890", "arn": format!("arn:aws:ec2:eu-central-1:123456789012:instance/i-{i:017x}"),
            "associate_public_ip_address": false, "availability_zone": format!("eu-central-1{}", ["a", "b", "c"][i % 3]),
            "ebs_optimized": true, "id": format!("i-{i:017x}"), "instance_type": if version == 1 { "m6i.large" } else { "m6i.xlarge" },
            "monitoring": true, "private_ip": format!("10.{}.{}.{}", i % 256, (i / 256) % 256, 10 + i % 200),
            "root_block_device": [{"delete_on_termination": true, "encrypted": true, "iops": 3000, "kms_key_id": "arn:aws:kms:eu-central-1:123456789012:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b", "throughput": 125, "volume_size": 50, "volume_type": "gp3"}],
            "subnet_id": format!("subnet-{:08x}", i % 64), "tags": tags, "tags_all": tags,
            "user_data": format!("{:064x}", i), "vpc_security_group_ids": [format!("sg-{:08x}", i % 40)],
            "metadata_options": [{"http_endpoint": "enabled", "http_put_response_hop_limit": 1, "http_tokens": "required", "instance_metadata_tags": "disabled"}],
            "credit_specification": [], "cpu_options": [{"amd_sev_snp": "", "core_count": 2, "threads_per_core": 2}],
            "capacity_reservation_specification": [{"capacity_reservation_preference": "open", "capacity_reservation_target": []}],
            "enclave_options": [{"enabled": false}], "maintenance_options": [{"auto_recovery": "default"}],
            "private_dns_name_options": [{"enable_resource_name_dns_a_record": false, "enable_resource_name_dns_aaaa_record": false, "hostname_type": "ip-name"}],
            "iam_instance_profile": format!("svc-{}-profile", i % 17), "key_name": "", "placement_group": "", "tenancy": "default",
            "ebs_block_device": [{"delete_on_termination": true, "device_name": "/dev/sdf", "encrypted": true, "iops": 3000, "kms_key_id": "arn:aws:kms:eu-central-1:123456789012:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b", "snapshot_id": "", "tags": {}, "throughput": 125, "volume_id": format!("vol-{i:017x}"), "volume_size": 200, "volume_type": "gp3"}]
        }),
        "aws_s3_bucket" => json!({
            "arn": format!("arn:aws:s3:::acme-data-{i}"), "bucket": format!("acme-data-{i}"), "bucket_domain_name": format!("acme-data-{i}.s3.amazonaws.com"),
            "force_destroy": false, "hosted_zone_id": "Z21DNDUVLTQW6Q", "id": format!("acme-data-{i}"), "object_lock_enabled": false,
            "region": "eu-central-1", "request_payer": "BucketOwner", "tags": tags, "tags_all": tags,
            "versioning": [{"enabled": true, "mfa_delete": false}],
            "policy": format!("{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Sid\":\"DenyInsecure\",\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:*\",\"Resource\":[\"arn:aws:s3:::acme-data-{i}\",\"arn:aws:s3:::acme-data-{i}/*\"],\"Condition\":{{\"Bool\":{{\"aws:SecureTransport\":\"false\"}}}}}}]}}"),
            "lifecycle_rule": [{"abort_incomplete_multipart_upload_days": 7, "enabled": true, "expiration": [{"days": 0, "expired_object_delete_marker": true}], "id": "cleanup", "noncurrent_version_expiration": [{"days": 90}], "prefix": "", "tags": {}, "transition": [{"days": 30, "storage_class": "STANDARD_IA"}]}],
            "server_side_encryption_configuration": [{"rule": [{"apply_server_side_encryption_by_default": [{"kms_master_key_id": "", "sse_algorithm": "aws:kms"}], "bucket_key_enabled": true}]}]
        }),
        "aws_security_group" => json!({
            "arn": format!("arn:aws:ec2:eu-central-1:123456789012:security-group/sg-{i:08x}"), "description": "service ingress",
            "egress": [{"cidr_blocks": ["0.0.0.0/0"], "description": "", "from_port": 0, "ipv6_cidr_blocks": [], "prefix_list_ids": [], "protocol": "-1", "security_groups": [], "self": false, "to_port": 0}],
            "id": format!("sg-{i:08x}"), "ingress": [
                {"cidr_blocks": ["10.0.0.0/8"], "description": "https", "from_port": 443, "ipv6_cidr_blocks": [], "prefix_list_ids": [], "protocol": "tcp", "security_groups": [], "self": false, "to_port": 443},
                {"cidr_blocks": ["10.20.0.0/16"], "description": "ssh from bastion", "from_port": 22, "ipv6_cidr_blocks": [], "prefix_list_ids": [], "protocol": "tcp", "security_groups": [], "self": false, "to_port": 22}],
            "name": format!("svc-{i}"), "owner_id": "123456789012", "revoke_rules_on_delete": false, "tags": tags, "tags_all": tags, "vpc_id": "vpc-0a1b2c3d"
        }),
        _ => json!({
            "allocated_storage": 100, "arn": format!("arn:aws:rds:eu-central-1:123456789012:db:db-{i}"), "backup_retention_period": 7,
            "deletion_protection": false, "engine": "postgres", "engine_version": "16.3", "final_snapshot_identifier": format!("db-{i}-final"),
            "id": format!("db-{i}"), "identifier": format!("db-{i}"), "instance_class": if version == 1 { "db.m6g.large" } else { "db.m6g.xlarge" },
            "multi_az": true, "password": format!("pw-{i:012}"), "skip_final_snapshot": false, "storage_encrypted": true,
            "storage_type": "gp3", "tags": tags, "tags_all": tags, "username": "app"
        }),
    }
}

fn sensitive(kind: &str) -> Value {
    if kind == "aws_db_instance" {
        json!({"password": true, "tags": {}, "tags_all": {}})
    } else {
        json!({"tags": {}, "tags_all": {}})
    }
}

/// A plan with `n` resource changes: 60% updates, 15% creates, 10% replaces, 5% deletes, 10%
/// no-ops, over four resource types.
pub fn plan(n: usize) -> Value {
    let kinds = [
        "aws_instance",
        "aws_s3_bucket",
        "aws_security_group",
        "aws_db_instance",
    ];
    let mut planned = Vec::new();
    let mut prior = Vec::new();
    let mut changes = Vec::new();
    let mut config = Vec::new();
    for (k, kind) in kinds.iter().enumerate() {
        config.push(json!({"address": format!("{kind}.r{k}"), "mode": "managed", "type": kind, "name": format!("r{k}"),
            "provider_config_key": "aws", "expressions": {"tags": {"references": ["local.tags"]}}, "schema_version": 0,
            "count_expression": {"references": ["var.count"]}}));
    }
    for i in 0..n {
        let kind = kinds[i % kinds.len()];
        let address = format!("{kind}.r{}[{}]", i % kinds.len(), i / kinds.len());
        let slot = i % 20;
        let actions: Vec<&str> = match slot {
            0..=11 => vec!["update"],
            12..=14 => vec!["create"],
            15 | 16 => vec!["create", "delete"],
            17 => vec!["delete"],
            _ => vec!["no-op"],
        };
        let before = if actions == ["create"] {
            Value::Null
        } else {
            values(kind, i, 1)
        };
        let after = if actions == ["delete"] {
            Value::Null
        } else {
            values(kind, i, 2)
        };
        let base = json!({"address": address, "mode": "managed", "type": kind, "name": format!("r{}", i % kinds.len()),
            "index": i / kinds.len(), "provider_name": AWS});
        let mut rc = base.clone();
        rc["change"] = json!({
            "actions": actions, "before": before, "after": after,
            "after_unknown": if actions == ["create"] { json!({"arn": true, "id": true, "tags": {}, "tags_all": {}}) } else { json!({"tags": {}, "tags_all": {}}) },
            "before_sensitive": if before.is_null() { json!(false) } else { sensitive(kind) },
            "after_sensitive": if after.is_null() { json!(false) } else { sensitive(kind) },
        });
        if actions.len() == 2 {
            rc["action_reason"] = json!("replace_because_cannot_update");
            rc["change"]["replace_paths"] = json!([["instance_type"]]);
        }
        changes.push(rc);
        if !after.is_null() {
            let mut p = base.clone();
            p["schema_version"] = json!(1);
            p["values"] = after.clone();
            p["sensitive_values"] = sensitive(kind);
            planned.push(p);
        }
        if !before.is_null() {
            let mut p = base;
            p["schema_version"] = json!(1);
            p["values"] = before;
            p["sensitive_values"] = sensitive(kind);
            prior.push(p);
        }
    }
    json!({
        "format_version": "1.2", "terraform_version": "1.11.4",
        "variables": {"count": {"value": n}},
        "planned_values": {"root_module": {"resources": planned}},
        "resource_changes": changes,
        "prior_state": {"format_version": "1.0", "terraform_version": "1.11.4", "values": {"root_module": {"resources": prior}}},
        "configuration": {"provider_config": {"aws": {"name": "aws", "full_name": AWS}}, "root_module": {"resources": config}},
        "relevant_attributes": [],
        "timestamp": "2026-11-22T09:00:00Z", "applyable": true, "complete": true, "errored": false
    })
}

/// `dir/plan-N.json`, written when missing.
pub fn generate(dir: &Path, n: usize) -> PathBuf {
    std::fs::create_dir_all(dir).expect("bench dir");
    let path = dir.join(format!("plan-{n}.json"));
    if !path.exists() {
        let f = std::fs::File::create(&path).expect("create plan");
        let mut w = std::io::BufWriter::new(f);
        serde_json::to_writer(&mut w, &plan(n)).expect("write plan");
        w.flush().expect("flush plan");
    }
    path
}
