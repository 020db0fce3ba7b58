#!/usr/bin/env bash
# The pre-commit hooks as a user gets them, with the real pre-commit client: a wheel built from
# this checkout by maturin (as the release builds it), the hook repository ci/pre-commit-mirror
# writes for that version, and a project that uses both hooks. pip installs from the local
# wheel directory only (no index), so the run proves the wheel is what is installed.
#
# Needs maturin and pre-commit (pip install maturin pre-commit); prints SKIPPED without them.
# Fails if installing the hook environment takes longer than ${PRE_COMMIT_INSTALL_LIMIT:-30}s.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
for tool in maturin pre-commit; do
  if ! command -v "$tool" >/dev/null; then
    echo "pre-commit check SKIPPED: $tool is not installed (pip install maturin pre-commit)"
    exit 0
  fi
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)

echo "-- wheel"
maturin build --quiet --profile dev --out "$work/wheels" >/dev/null
# The hook repository's build backend, fetched once beside the wheel so the install is offline.
if ! pip download --quiet --disable-pip-version-check --dest "$work/wheels" "setuptools>=61" >/dev/null 2>&1; then
  echo "pre-commit check SKIPPED: pip could not fetch setuptools for the hook repository"
  exit 0
fi

echo "-- hook repository v$version"
mirror="$work/changegate-pre-commit"
sh ci/pre-commit-mirror/make.sh "$version" "$mirror"
git -C "$mirror" init -q
git -C "$mirror" add -A
git -C "$mirror" -c user.name=ci -c user.email=ci@example.invalid commit -qm "changegate $version"
git -C "$mirror" tag "v$version"

echo "-- a project using the hooks"
project="$work/project"
mkdir -p "$project"
cd "$project"
git init -q
cat > .pre-commit-config.yaml <<YAML
repos:
  - repo: $mirror
    rev: v$version
    hooks:
      - id: changegate-commit-msg
      - id: changegate
        args: [--change, change.yaml]
YAML
cp "$root/testdata/examples/change.yaml" change.yaml
git add -A
export PRE_COMMIT_HOME="$work/cache" PIP_NO_INDEX=1 PIP_FIND_LINKS="$work/wheels"
start=$(date +%s)
pre-commit install-hooks
took=$(( $(date +%s) - start ))
echo "hook environment installed in ${took}s"
if [ "$took" -gt "${PRE_COMMIT_INSTALL_LIMIT:-30}" ]; then
  echo "FAIL: installing the hooks took ${took}s (limit ${PRE_COMMIT_INSTALL_LIMIT:-30}s)"
  exit 1
fi
# The installed changegate is the wheel's (the version this checkout builds).
env_bin=$(find "$PRE_COMMIT_HOME" -path '*/bin/changegate' -type f | head -n 1)
"$env_bin" --version | grep -q "^changegate $version" || { echo "FAIL: the hook runs $("$env_bin" --version)"; exit 1; }

echo "-- commit-msg hook: a message without a ticket is refused, one with a ticket passes"
pre-commit install --hook-type commit-msg >/dev/null
git -c user.name=ci -c user.email=ci@example.invalid commit -qm "no ticket here" && { echo "FAIL: committed without a ticket"; exit 1; }
git -c user.name=ci -c user.email=ci@example.invalid commit -qm "CHG-1234: add the change record"
echo "committed with a ticket"

echo "-- the check hook runs only when asked (stages: [manual])"
out=$(pre-commit run --all-files 2>&1) || true
if grep -q "^changegate\." <<<"$out"; then echo "FAIL: the check hook ran at pre-commit: $out"; exit 1; fi
code=0
pre-commit run --hook-stage manual changegate --all-files || code=$?
# The change record alone cannot pass the default policy (no approvals yet): the gate answers
# with findings (exit 1), not with an installation or usage failure.
[ "$code" -eq 1 ] || { echo "FAIL: the manual check exited $code"; exit 1; }
echo "pre-commit hooks OK"
