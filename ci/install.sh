#!/bin/sh
# Installs a changegate release binary, checked against the release's SHA256SUMS before it is
# run, or — only when no release exists for the version asked for — builds it from source with
# `cargo install --locked`. The GitHub Action and the GitLab component run this script; it is
# POSIX sh so that it runs in Alpine and BusyBox images too.
#
#   CHANGEGATE_VERSION      the release tag, `v0.1.0` or `0.1.0` (required)
#   CHANGEGATE_RELEASE_URL  base of the release downloads; `<base>/<tag>/SHA256SUMS` and
#                           `<base>/<tag>/<archive>` are fetched
#                           (default https://github.com/changegate/changegate/releases/download)
#   CHANGEGATE_INSTALL_DIR  where the binary goes (default $HOME/.local/bin)
#   CHANGEGATE_TARGET       the Rust target triple to download (default: this machine's)
#   CHANGEGATE_SOURCE       a checkout of changegate to build from when there is no release
#                           (empty: no fallback, and a missing release is an error)
#   CHANGEGATE_ARCHIVE_CACHE  a directory to keep the downloaded archive in between runs (a CI
#                           cache); a kept archive is used only when its SHA-256 is the one the
#                           release's SHA256SUMS, fetched afresh each run, names
#
# `install.sh --target` prints the target triple it would download and exits.
#
# Exit status: 0 installed; 1 refused (checksum mismatch, version mismatch) or failed.
set -eu

say() { printf 'changegate install: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

detect_target() {
  os=$(uname -s)
  arch=$(uname -m)
  case "$arch" in
    x86_64 | amd64) arch=x86_64 ;;
    aarch64 | arm64) arch=aarch64 ;;
    *) die "no release binary for the architecture $arch" ;;
  esac
  case "$os" in
    Linux) echo "$arch-unknown-linux-musl" ;;
    Darwin) echo "$arch-apple-darwin" ;;
    MINGW* | MSYS* | CYGWIN* | Windows_NT) echo "x86_64-pc-windows-msvc" ;;
    *) die "no release binary for the operating system $os" ;;
  esac
}

if [ "${1:-}" = "--target" ]; then
  echo "${CHANGEGATE_TARGET:-$(detect_target)}"
  exit 0
fi

tag=${CHANGEGATE_VERSION:-}
[ -n "$tag" ] || die "CHANGEGATE_VERSION is not set (a release tag such as v0.1.0)"
# Tags are `v<semver>`; `0.1.0` means `v0.1.0`. Anything else (a branch, a commit) is looked up
# as given, finds no release and so builds from source.
case "$tag" in
  [0-9]*.[0-9]*) tag="v$tag" ;;
esac
version=${tag#v}
base=${CHANGEGATE_RELEASE_URL:-https://github.com/changegate/changegate/releases/download}
base=${base%/}
dir=${CHANGEGATE_INSTALL_DIR:-$HOME/.local/bin}
target=${CHANGEGATE_TARGET:-$(detect_target)}
source=${CHANGEGATE_SOURCE:-}

# Plain HTTP is accepted only on the loopback interface (tests, a local mirror): a checksum
# fetched over plain HTTP from elsewhere proves nothing. The host is read as a URL parser reads
# it — after any `user@` part, before any port — so `http://127.0.0.1:80@evil.example/` is
# evil.example, and refused.
url_host() {
  rest=${1#*://}
  authority=${rest%%[/?#]*}
  case "$authority" in
    *@*) echo "@"; return ;;
    \[*\]) host=${authority#?}; echo "${host%?}" ;;
    \[*\]:*) host=${authority#?}; echo "${host%%]*}" ;;
    *) echo "${authority%%:*}" ;;
  esac
}
url_port_ok() {
  rest=${1#*://}
  authority=${rest%%[/?#]*}
  case "$authority" in
    *[!A-Za-z0-9.:\[\]-]*) return 1 ;;
  esac
  port=${authority##*]}
  case "$port" in
    "") return 0 ;;
    :*) port=${port#:} ;;
    *) port=${authority#*:}; [ "$port" != "$authority" ] || return 0 ;;
  esac
  case "$port" in
    "" | *[!0-9]*) return 1 ;;
  esac
  return 0
}
case "$base" in
  https://*) curl_proto="=https" ;;
  http://*)
    host=$(url_host "$base")
    case "$host" in
      127.0.0.1 | localhost | ::1) ;;
      *) die "the release URL must use https (plain http only to this machine): $base" ;;
    esac
    url_port_ok "$base" || die "the release URL's host part cannot be read: $base"
    curl_proto="=http,https"
    ;;
  *) die "the release URL must use https: $base" ;;
esac

case "$target" in
  *windows*) archive="changegate-$version-$target.zip" exe=changegate.exe ;;
  *) archive="changegate-$version-$target.tar.gz" exe=changegate ;;
esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

# fetch URL FILE: 0 fetched, 4 the server answered 404 (no such release), 1 any other failure.
fetch() {
  if command -v curl >/dev/null 2>&1; then
    # Redirects only to https (a download is never downgraded to plain http on the way).
    code=$(curl -sSL --proto "$curl_proto" --proto-redir =https --retry 3 --connect-timeout 20 \
      -o "$2" -w '%{http_code}' "$1") || return 1
    case "$code" in
      200) return 0 ;;
      404) return 4 ;;
      *) say "$1: HTTP $code"; return 1 ;;
    esac
  elif command -v wget >/dev/null 2>&1; then
    if wget -q -S -O "$2" "$1" 2>"$work/wget.log"; then return 0; fi
    if grep -q ' 404' "$work/wget.log"; then return 4; fi
    say "$1: $(tail -n 1 "$work/wget.log")"
    return 1
  else
    die "neither curl nor wget is installed"
  fi
}

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d ' ' -f 1
  elif command -v openssl >/dev/null 2>&1; then
    openssl dgst -sha256 -r "$1" | cut -d ' ' -f 1
  else
    die "no sha256sum, shasum or openssl to check the download with"
  fi
}

from_source() {
  [ -n "$source" ] || die "$1, and no source to build from (CHANGEGATE_SOURCE)"
  command -v cargo >/dev/null 2>&1 || die "$1, and cargo is not installed to build from source"
  say "$1: building from $source with cargo install --locked"
  root=$(dirname "$dir")
  cargo install --locked --path "$source" --root "$root" --bin changegate
  [ "$root/bin" = "$dir" ] || { mkdir -p "$dir" && mv "$root/bin/$exe" "$dir/$exe"; }
  "$dir/$exe" --version >&2
  exit 0
}

status=0
fetch "$base/$tag/SHA256SUMS" "$work/SHA256SUMS" || status=$?
case "$status" in
  0) ;;
  4) from_source "no release $tag at $base" ;;
  *) die "could not download $base/$tag/SHA256SUMS" ;;
esac

# A line is `<64 hex>  <name>` or `<64 hex> *<name>` (binary mode).
expected=$(awk -v f="$archive" '($2 == f || $2 == "*" f) { print $1 }' "$work/SHA256SUMS")
if [ -z "$expected" ]; then
  from_source "release $tag has no $archive"
fi
case "$expected" in
  *[!0-9a-f]* | "") die "SHA256SUMS of $tag has a malformed entry for $archive" ;;
esac
[ ${#expected} -eq 64 ] || die "SHA256SUMS of $tag has a malformed entry for $archive"

cache=${CHANGEGATE_ARCHIVE_CACHE:-}
kept=""
if [ -n "$cache" ] && [ -f "$cache/$archive" ] && [ ! -L "$cache/$archive" ] \
  && [ "$(sha256 "$cache/$archive")" = "$expected" ]; then
  cp "$cache/$archive" "$work/$archive"
  kept=" (kept archive)"
else
  status=0
  fetch "$base/$tag/$archive" "$work/$archive" || status=$?
  [ "$status" -eq 0 ] || die "could not download $base/$tag/$archive"
fi
actual=$(sha256 "$work/$archive")
if [ "$actual" != "$expected" ]; then
  die "checksum mismatch for $archive: SHA256SUMS says $expected, the download is $actual; refusing to install it"
fi
if [ -n "$cache" ] && [ -z "$kept" ]; then
  mkdir -p "$cache" && rm -f "$cache/$archive" && cp "$work/$archive" "$cache/$archive" \
    || say "could not keep the archive in $cache"
fi

mkdir "$work/x"
case "$archive" in
  *.zip) (cd "$work/x" && unzip -q "../$archive") ;;
  *) tar -xzf "$work/$archive" -C "$work/x" ;;
esac
bin="$work/x/changegate-$version-$target/$exe"
[ -f "$bin" ] || die "$archive does not hold changegate-$version-$target/$exe"
mkdir -p "$dir"
cp "$bin" "$dir/$exe.tmp"
chmod 0755 "$dir/$exe.tmp"
mv "$dir/$exe.tmp" "$dir/$exe"

# The binary must say it is the version asked for (a mislabelled archive is refused too). A
# binary for another machine's target cannot run here; then the checksum is the whole check.
if out=$("$dir/$exe" --version 2>/dev/null); then
  case "$out" in
    "changegate $version" | "changegate $version "*) ;;
    *) rm -f "$dir/$exe"; die "$archive holds '$out', not changegate $version; removed it" ;;
  esac
  say "installed $out to $dir/$exe (sha256 $actual)$kept"
else
  say "installed changegate $version ($target) to $dir/$exe (sha256 $actual)$kept"
fi
