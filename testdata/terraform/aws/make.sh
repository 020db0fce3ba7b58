#!/usr/bin/env bash
# Makes plan.json and refresh-only.json with a real Terraform, a local filesystem mirror of the
# hashicorp/aws provider and moto (a local AWS API emulator, `pip install 'moto[server]'`):
#
#   TF_PLUGIN_MIRROR=/path/to/mirror testdata/terraform/aws/make.sh
#
# The mirror is a directory holding registry.terraform.io/hashicorp/aws/<version>/<os_arch>/.
# Steps: apply main.tf (without imports.tf and storage.tf) -> drift.py changes and deletes
# resources behind Terraform's back and creates two buckets to import -> `terraform plan
# -refresh-only` (refresh-only.json) -> the change under review, all files (plan.json).
# Takes about two minutes (moto makes RDS wait); nothing leaves 127.0.0.1.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here}"
port="${MOTO_PORT:-5123}"
: "${TF_PLUGIN_MIRROR:?set TF_PLUGIN_MIRROR to a filesystem mirror holding registry.terraform.io/hashicorp/aws}"

work="$(mktemp -d)"
moto_pid=""
cleanup() {
  [ -n "$moto_pid" ] && kill "$moto_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

moto_server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
for _ in $(seq 50); do
  curl -sf "http://127.0.0.1:$port/moto-api/" >/dev/null 2>&1 && break
  sleep 0.2
done

cat >"$work/cli.tfrc" <<CFG
provider_installation {
  filesystem_mirror {
    path    = "$TF_PLUGIN_MIRROR"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/aws"]
  }
}
CFG
export TF_CLI_CONFIG_FILE="$work/cli.tfrc" TF_IN_AUTOMATION=1 TF_INPUT=0
export TF_VAR_aws_endpoint="http://127.0.0.1:$port"

mkdir "$work/tf"
cp -r "$here"/*.tf "$here/modules" "$work/tf/"
cd "$work/tf"
mkdir ../later && mv imports.tf storage.tf ../later/
terraform init -no-color >/dev/null
terraform apply -no-color -auto-approve -var store_1_encrypted=true >"$work/apply.log"

python3 "$here/drift.py" "http://127.0.0.1:$port" >/dev/null
terraform plan -no-color -refresh-only -var store_1_encrypted=true -out=refresh.tfplan >/dev/null
terraform show -json refresh.tfplan | python3 -m json.tool >"$out/refresh-only.json"

mv ../later/*.tf .
terraform plan -no-color -out=change.tfplan >/dev/null
terraform show -json change.tfplan | python3 -m json.tool >"$out/plan.json"
echo "wrote $out/refresh-only.json and $out/plan.json"
