#!/usr/bin/env bash
# Runs the GitLab CI/CD component (templates/changegate/template.yml) for real with
# gitlab-ci-local's shell executor, against a release served on 127.0.0.1 that ci/package.sh
# packs from this checkout's binary — the way a project includes it, with its inputs:
#   1. a blocked change: the job fails (exit 1) and keeps the Code Quality, JUnit and JSON reports;
#      its `vulns` and `certs` inputs are read (an expired certificate among them);
#   2. a change the gate cannot read: the job fails (exit 2) and still keeps the reports;
#   3. the cached archive is reused on the next run (same version), checked again; an archive or
#      a binary a merge request commits where the cache goes never runs;
#   4. a release whose archive does not match SHA256SUMS: the job refuses to install or run it;
#   5. `args: --soft-fail`: the job passes with the findings reported;
#   6. `mode: close` under another job name: the deploy record closed with the post-change tests,
#      the closing record and the closing summary kept.
#
# Needs gitlab-ci-local (npm install gitlab-ci-local; it needs Node 22: npm install node@22) and
# python3; prints SKIPPED without them. GITLAB_CI_LOCAL may name the gitlab-ci-local command.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
glci=${GITLAB_CI_LOCAL:-gitlab-ci-local}
if ! $glci --version >/dev/null 2>&1; then
  echo "GitLab component run SKIPPED: gitlab-ci-local is not installed (npm install gitlab-ci-local node@22)"
  exit 0
fi
if ! command -v rsync >/dev/null; then
  echo "GitLab component run SKIPPED: gitlab-ci-local needs rsync"
  exit 0
fi
if ! command -v python3 >/dev/null; then
  echo "GitLab component run SKIPPED: python3 is needed for the release server"
  exit 0
fi
bin=${CHANGEGATE_BIN:-$root/target/debug/changegate}
[ -x "$bin" ] || cargo build --quiet --locked
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
target=$(sh ci/install.sh --target)

work=$(mktemp -d)
server_pid=
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# The release: good/v$version, and bad/v$version whose archive changed after SHA256SUMS.
sh ci/package.sh "$version" "$target" "$bin" "$work/srv/good/v$version" >/dev/null
sh ci/package.sh --sums "$work/srv/good/v$version"
mkdir -p "$work/srv/bad"
cp -r "$work/srv/good/v$version" "$work/srv/bad/"
printf 'tampered' >> "$work/srv/bad/v$version/changegate-$version-$target.tar.gz"
python3 -u -m http.server --bind 127.0.0.1 0 --directory "$work/srv" > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 50); do grep -q ' port ' "$work/server.log" && break; sleep 0.1; done
port=$(sed -n 's/.* port \([0-9]*\) .*/\1/p' "$work/server.log" | head -n 1)
[ -n "$port" ] || { echo "FAIL: the release server did not start"; cat "$work/server.log"; exit 1; }

# The project: the component at its path in this repository, included locally with inputs.
project="$work/project"
mkdir -p "$project/templates/changegate"
cp templates/changegate/template.yml "$project/templates/changegate/"
cp testdata/examples/change.yaml "$project/change.yaml"
mkdir -p "$project/scans" "$project/tls"
cp testdata/vulns/gitlab-dependency-scanning.json "$project/scans/"
cp testdata/certs/expired.pem "$project/tls/"
cd "$project"
git init -q -b main
git remote add origin https://gitlab.example.com/changegate-test/project.git
git -c user.name=ci -c user.email=ci@example.invalid commit -q --allow-empty -m "CHG-1234: start"

pipeline() { # release (good|bad), change file, extra args
  cat > .gitlab-ci.yml <<YAML
include:
  - local: templates/changegate/template.yml
    inputs:
      version: v$version
      release-url: http://127.0.0.1:$port/$1
      change: $2
      formats: sarif=changegate.sarif
      args: "$3"
${EXTRA_INPUTS:-}
YAML
  git add -A
  git -c user.name=ci -c user.email=ci@example.invalid commit -q -m "CHG-1234: pipeline" || true
  rm -f gl-code-quality-report.json changegate-junit.xml changegate.json changegate.sarif
  rm -rf .gitlab-ci-local/artifacts
  code=0
  $glci --force-shell-executor --no-color changegate > "$work/job.log" 2>&1 || code=$?
  echo "gitlab-ci-local exit $code"
}
artifacts() { # the reports the job kept: the shell executor copies artifacts back to the project
  for f in gl-code-quality-report.json changegate-junit.xml changegate.json; do
    [ -s "$f" ] || { echo "FAIL: the job did not keep $f"; tail -40 "$work/job.log"; exit 1; }
  done
}
expect() { # pattern in the job log
  grep -q -- "$1" "$work/job.log" || { echo "FAIL: the job log lacks '$1'"; tail -40 "$work/job.log"; exit 1; }
}
fails() {
  if [ "$code" -eq 0 ]; then echo "FAIL: the job passed"; tail -40 "$work/job.log"; exit 1; fi
}

echo "-- 1. a blocked change: the job fails and keeps its reports"
EXTRA_INPUTS='      vulns: scans/gitlab-dependency-scanning.json
      certs: tls/expired.pem' pipeline good change.yaml ""
fails
expect "installed changegate $version"
expect "error\[CG104/missing-approval\]"
expect "error\[CG706/certificate-expiring\]"
grep -q '"kind": "vulns"' changegate.json || { echo "FAIL: the vulns input was not read"; exit 1; }
artifacts

echo "-- 2. an unreadable change record: exit 2, the reports are still kept"
printf 'ticket: [unclosed\n' > broken.yaml
pipeline good broken.yaml ""
fails
expect "broken.yaml:2:1: invalid YAML"
artifacts

echo "-- 3. the next run reuses the cached archive, checked against SHA256SUMS again"
pipeline good change.yaml ""
expect "installed changegate $version.*(kept archive)"

echo "-- 3b. what a merge request commits in the cache never runs"
rm -rf .changegate-cache .gitlab-ci-local/cache
mkdir -p ".changegate-cache/$target" ".changegate-bin/$target"
echo "not the release" > ".changegate-cache/$target/changegate-$version-$target.tar.gz"
printf '#!/bin/sh\necho "changegate %s"\nexit 0\n' "$version" > ".changegate-bin/$target/changegate"
chmod +x ".changegate-bin/$target/changegate"
pipeline good change.yaml ""
fails
expect "error\[CG104/missing-approval\]"
if grep -q "(kept archive)" "$work/job.log"; then echo "FAIL: a committed archive was used"; exit 1; fi
git rm -rq --cached --ignore-unmatch .changegate-cache .changegate-bin
rm -rf .changegate-cache .changegate-bin

echo "-- 4. an archive that does not match SHA256SUMS is refused"
rm -rf .changegate-cache .gitlab-ci-local/cache
pipeline bad change.yaml ""
fails
expect "checksum mismatch"
if grep -q "error\[CG104" "$work/job.log"; then echo "FAIL: changegate ran after a checksum mismatch"; exit 1; fi

echo "-- 5. --soft-fail: the job passes and still reports"
rm -rf .changegate-cache .gitlab-ci-local/cache
pipeline good change.yaml "--soft-fail"
[ "$code" -eq 0 ] || { echo "FAIL: the job failed"; tail -40 "$work/job.log"; exit 1; }
expect "error\[CG104/missing-approval\]"
artifacts
echo "-- 6. mode close: the change closed after the apply, its closing record and summary kept"
rm -rf .changegate-cache .gitlab-ci-local/cache records
code=0
"$bin" check --change change.yaml --record records/deploy.json -q >/dev/null 2>&1 || code=$?
[ "$code" -le 1 ] || { echo "FAIL: the deploy check could not decide"; exit 1; }
printf '<testsuite name="smoke"><testcase classname="smoke" name="test_health"/></testsuite>\n' > smoke.xml
cat > .gitlab-ci.yml <<YAML
include:
  - local: templates/changegate/template.yml
    inputs:
      version: v$version
      release-url: http://127.0.0.1:$port/good
      change: change.yaml
  - local: templates/changegate/template.yml
    inputs:
      version: v$version
      release-url: http://127.0.0.1:$port/good
      job-name: changegate-close
      mode: close
      record: records/deploy.json
      result: successful
      tests: smoke.xml
      closing-record: records/close.json
YAML
git add -A
git -c user.name=ci -c user.email=ci@example.invalid commit -q -m "CHG-1234: close" || true
rm -f changegate-close.md records/close.json
code=0
$glci --force-shell-executor --no-color changegate-close > "$work/job.log" 2>&1 || code=$?
[ "$code" -eq 0 ] || { echo "FAIL: the close job failed"; tail -40 "$work/job.log"; exit 1; }
expect "PASS: the change is closed"
for f in changegate-close.md records/close.json changegate-junit.xml; do
  [ -s "$f" ] || { echo "FAIL: the close job did not keep $f"; tail -40 "$work/job.log"; exit 1; }
done
grep -q '"stage": "close"' records/close.json || { echo "FAIL: not a closing record"; exit 1; }
echo "GitLab component OK"
