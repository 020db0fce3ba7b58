#!/bin/sh
# Packs one release archive: `package.sh VERSION TARGET BINARY OUTDIR` writes
# OUTDIR/changegate-VERSION-TARGET.tar.gz (.zip for Windows targets) holding
# changegate-VERSION-TARGET/{changegate[.exe],README.md,CHANGELOG.md,LICENSE-MIT,LICENSE-APACHE}.
# `package.sh --sums OUTDIR` then writes OUTDIR/SHA256SUMS over every file in OUTDIR.
# The release workflow and the install tests both use it, so the tests install what a release
# ships.
set -eu
# Paths given are the caller's; the files packed in are the repository's.
caller=$(pwd)
abs() { case "$1" in /*) echo "$1" ;; *) echo "$caller/$1" ;; esac; }
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--sums" ]; then
  out=$(abs "$2")
  cd "$out"
  rm -f SHA256SUMS
  # Sorted names, `<hash>  <name>` lines: the format `sha256sum --check` reads.
  list=$(mktemp)
  find . -maxdepth 1 -type f ! -name SHA256SUMS | sed 's|^\./||' | LC_ALL=C sort > "$list"
  if command -v sha256sum >/dev/null 2>&1; then
    xargs sha256sum -- < "$list" > SHA256SUMS
  else
    xargs shasum -a 256 -- < "$list" > SHA256SUMS
  fi
  rm -f "$list"
  exit 0
fi

[ $# -eq 4 ] || { echo "usage: package.sh VERSION TARGET BINARY OUTDIR | --sums OUTDIR" >&2; exit 2; }
version=${1#v}
target=$2
binary=$(abs "$3")
out=$(abs "$4")
mkdir -p "$out"
out=$(cd "$out" && pwd)
name="changegate-$version-$target"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT INT TERM
mkdir "$stage/$name"
case "$target" in
  *windows*) exe=changegate.exe ;;
  *) exe=changegate ;;
esac
cp "$binary" "$stage/$name/$exe"
chmod 0755 "$stage/$name/$exe"
cp README.md CHANGELOG.md LICENSE-MIT LICENSE-APACHE "$stage/$name/"
cd "$stage"
case "$target" in
  *windows*)
    rm -f "$out/$name.zip"
    if command -v zip >/dev/null 2>&1; then zip -qr "$out/$name.zip" "$name"; else 7z a -tzip "$out/$name.zip" "$name" >/dev/null; fi
    echo "$out/$name.zip"
    ;;
  *)
    # Reproducible: fixed owner and order; gzip without a timestamp.
    if tar --version 2>/dev/null | grep -q GNU; then
      tar --owner=0 --group=0 --numeric-owner --sort=name -cf - "$name" | gzip -n > "$out/$name.tar.gz"
    else
      tar -cf - "$name" | gzip -n > "$out/$name.tar.gz"
    fi
    echo "$out/$name.tar.gz"
    ;;
esac
