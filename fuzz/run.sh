#!/usr/bin/env bash
# Fuzz changegate's parsers with cargo-fuzz (libFuzzer, nightly toolchain).
#
#   fuzz/run.sh [SECONDS] [TARGET...]    each target for SECONDS (default 60), all targets by default
#   FUZZ_BUILD=--dev FUZZ_TIMEOUT=10 fuzz/run.sh 10
#                                        unoptimised, as CI's smoke run does (it builds faster; an
#                                        unoptimised input may take longer than 1 s)
#   FUZZ_PREBUILT=1 fuzz/run.sh 1800 hcl  run the targets `cargo +nightly fuzz build` made last,
#                                        without rebuilding (long runs while src/ is edited)
#
# Corpora are seeded from testdata/ (and a record and log made by the binary) into
# fuzz/corpus/TARGET (not committed). Each run refuses a single input that takes over 1 s
# (-timeout=1) or an allocation over 1 GB (-rss_limit_mb=1024). Crashes and slow inputs are
# written to fuzz/artifacts/TARGET; each found so far is a regression test in tests/hostile.rs.
set -euo pipefail
cd "$(dirname "$0")/.."

secs="${1:-60}"
shift || true
all=(plan hcl manifests policy change description commit_message record record_log github_event junit vulns certs)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")

seed() {
  local t="$1"
  local dir="fuzz/corpus/$t"
  mkdir -p "$dir"
  # Each seed named after its path: fixtures share file names.
  put() { while IFS= read -r f; do cp "$f" "$dir/$(echo "$f" | tr / _)"; done; }
  case "$t" in
    plan) grep -rl --include='*.json' -e '"resource_changes"' -e '"format_version"' testdata | put ;;
    # The fuzzers' own findings (testdata/hostile/fuzz) are regression tests, not seeds: one is
    # still slow without the binary's parse deadline.
    hcl) find testdata \( -name '*.tf' -o -name '*.tf.json' \) -not -path '*/hostile/fuzz/*' | put ;;
    manifests) grep -rl --include='*.yaml' -e '^apiVersion:' testdata | put ;;
    policy) { find testdata \( -name 'changegate.yaml' -o -name 'policy.yaml' \) -not -path '*/hostile/fuzz/*'; echo policies/default.yaml; } | put ;;
    change) find testdata -name 'change.yaml' | put ;;
    description) find testdata -name '*.md' | put ;;
    junit) find testdata -name 'junit*.xml' | put ;;
    vulns) find testdata/vulns -type f | put ;;
    certs) find testdata/certs -type f \( -name '*.pem' -o -name '*.der' \) | put ;;
    commit_message)
      printf 'CHG-12 Resize the database\n\nBody text.\n\nTicket: CHG-12\nApproved-by: Alice <alice@example.com>\nWindow: 2026-11-28T01:30:00Z/2026-11-28T03:00:00Z\n' > "$dir/trailers"
      printf 'fix\n\nEmergency: the site is down\nRollback: revert\n' > "$dir/emergency"
      printf 'Merge branch x\n# comment\n# ------------------------ >8 ------------------------\ndiff\n' > "$dir/scissors" ;;
    record|record_log)
      local tmp
      tmp="$(mktemp -d)"
      cargo run --quiet -- check --policy testdata/examples/changegate.yaml --change testdata/examples/change.yaml \
        --now 2026-11-28T02:00:00Z --record "$tmp/r.json" --record-log "$tmp/log.jsonl" --format json=/dev/null 2>/dev/null || true
      cargo run --quiet -- check --policy testdata/examples/changegate.yaml --change testdata/examples/change.yaml \
        --now 2026-11-28T02:30:00Z --record "$tmp/r2.json" --record-log "$tmp/log.jsonl" --format json=/dev/null 2>/dev/null || true
      if [ "$t" = record ]; then cp "$tmp"/r*.json "$dir/" 2>/dev/null || true; else cp "$tmp/log.jsonl" "$dir/" 2>/dev/null || true; fi
      rm -rf "$tmp" ;;
    github_event)
      printf '{"pull_request":{"number":7,"body":"Ticket: CHG-1\\n\\n## Rollback plan\\nrevert","labels":[{"name":"emergency"}],"user":{"login":"dave"},"head":{"sha":"abc"}},"repository":{"full_name":"o/r"}}' > "$dir/pr.json"
      printf '{"before":"0000000000000000000000000000000000000000","after":"abc"}' > "$dir/push.json" ;;
  esac
}

for t in "${targets[@]}"; do
  seed "$t"
  echo "== fuzz $t for ${secs}s"
  if [ -n "${FUZZ_PREBUILT:-}" ]; then
    host="$(rustc +nightly -vV | sed -n 's/^host: //p')"
    run=("fuzz/target/$host/release/$t" "fuzz/corpus/$t" -artifact_prefix="fuzz/artifacts/$t/")
    mkdir -p "fuzz/artifacts/$t"
    # As `cargo fuzz run` sets it: libgit2's C sources define a global twice (a false alarm).
    export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_odr_violation=0}"
  else
    # shellcheck disable=SC2206 # FUZZ_BUILD is a flag or nothing
    run=(cargo +nightly fuzz run ${FUZZ_BUILD:-} "$t" "fuzz/corpus/$t" --)
  fi
  "${run[@]}" \
    -max_total_time="$secs" -timeout="${FUZZ_TIMEOUT:-1}" -rss_limit_mb=1024 -print_final_stats=1 2>&1 |
    tee "fuzz/$t.log" | grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|Done|==[0-9]+==|SUMMARY|artifact_prefix|Test unit written)' || true
  if grep -qE 'SUMMARY|Test unit written|deadly signal' "fuzz/$t.log"; then
    echo "fuzz $t: FOUND A FAILURE (see fuzz/$t.log and fuzz/artifacts/$t)"
    exit 1
  fi
done
