#!/bin/sh
# Writes the pre-commit hook repository for one release: `make.sh VERSION OUTDIR` leaves
# OUTDIR with .pre-commit-hooks.yaml, pyproject.toml and README.md, ready to commit and tag
# `vVERSION` in the changegate-pre-commit repository (the mirror pattern of ruff-pre-commit).
set -eu
[ $# -eq 2 ] || { echo "usage: make.sh VERSION OUTDIR" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
version=${1#v}
out=$2
mkdir -p "$out"
cp "$here/hooks.yaml" "$out/.pre-commit-hooks.yaml"
sed "s/@VERSION@/$version/g" "$here/pyproject.toml" > "$out/pyproject.toml"
cat > "$out/README.md" <<README
# changegate-pre-commit

pre-commit hooks for [changegate](https://github.com/changegate/changegate) $version, installed
from its PyPI wheel.

\`\`\`yaml
repos:
  - repo: https://github.com/changegate/changegate-pre-commit
    rev: v$version
    hooks:
      - id: changegate-commit-msg
      - id: changegate
        args: [--change, change.yaml, --tf, infra]
\`\`\`
README
