# Ten Conftest-style rules over a Terraform plan, for `cargo bench --bench rego`
# (docs/performance.md): the kind of checks teams keep in a Conftest policy directory.
package main

import rego.v1

allowed_instance_types := {"m6i.large", "m6i.xlarge", "m6i.2xlarge"}

changes contains rc if {
	some rc in input.resource_changes
	not "no-op" in rc.change.actions
}

deny_instance_type contains msg if {
	some rc in changes
	rc.type == "aws_instance"
	not rc.change.after.instance_type in allowed_instance_types
	msg := sprintf("%s: instance type %v is not allowed", [rc.address, rc.change.after.instance_type])
}

deny_imdsv1 contains msg if {
	some rc in changes
	rc.type == "aws_instance"
	some m in rc.change.after.metadata_options
	m.http_tokens != "required"
	msg := sprintf("%s: IMDSv2 is not required", [rc.address])
}

deny_unencrypted_volume contains msg if {
	some rc in changes
	rc.type == "aws_instance"
	some d in rc.change.after.ebs_block_device
	not d.encrypted
	msg := sprintf("%s: %s is not encrypted", [rc.address, d.device_name])
}

deny_public_ip contains msg if {
	some rc in changes
	rc.type == "aws_instance"
	rc.change.after.associate_public_ip_address == true
	msg := sprintf("%s has a public IP address", [rc.address])
}

deny_missing_tags contains msg if {
	some rc in changes
	rc.change.after != null
	some tag in ["team", "cost-center", "managed-by"]
	not rc.change.after.tags[tag]
	msg := sprintf("%s lacks the %s tag", [rc.address, tag])
}

deny_open_ssh contains msg if {
	some rc in changes
	rc.type == "aws_security_group"
	some rule in rc.change.after.ingress
	rule.from_port <= 22
	rule.to_port >= 22
	"0.0.0.0/0" in rule.cidr_blocks
	msg := sprintf("%s opens SSH to the world", [rc.address])
}

deny_bucket_unencrypted contains msg if {
	some rc in changes
	rc.type == "aws_s3_bucket"
	rc.change.after != null
	count(rc.change.after.server_side_encryption_configuration) == 0
	msg := sprintf("%s has no default encryption", [rc.address])
}

deny_db_unprotected contains msg if {
	some rc in changes
	rc.type == "aws_db_instance"
	rc.change.after != null
	not rc.change.after.storage_encrypted
	msg := sprintf("%s: storage is not encrypted", [rc.address])
}

warn_db_deletion_protection contains msg if {
	some rc in changes
	rc.type == "aws_db_instance"
	rc.change.after.deletion_protection == false
	msg := sprintf("%s has no deletion protection", [rc.address])
}

warn_deleted contains msg if {
	some rc in changes
	"delete" in rc.change.actions
	msg := sprintf("%s is deleted", [rc.address])
}
