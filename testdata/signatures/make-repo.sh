#!/usr/bin/env bash
# Builds a repository whose commits are signed for real, by `git commit -S` with keys made
# here by ssh-keygen and gpg (tests/signatures.rs; nothing is committed but this script):
#
#   make-repo.sh DIR     -> DIR/repo (the repository), DIR/gnupg-verify (a GnuPG home that
#                           holds only the repository's keyring, for `git verify-commit`)
#
# Each commit's subject says what it is and what verifying it should find.
set -euo pipefail
out="$1"
mkdir -p "$out/keys" "$out/repo"
keys="$out/keys"
export GNUPGHOME="$out/gnupg"
mkdir -m 700 -p "$GNUPGHOME"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null

for who in alice bob carol; do
  ssh-keygen -q -t ed25519 -N '' -C "$who" -f "$keys/$who"
done
gpgq() { gpg --batch --quiet --no-tty --pinentry-mode loopback --passphrase '' "$@" 2>/dev/null; }
gpgq --quick-gen-key 'Dave <dave@example.com>' ed25519 sign never
gpgq --quick-gen-key 'Frank <frank@example.com>' ed25519 sign never
# Erin's key was made, and used, in January 2020, and expired a day after it was made.
gpgq --faked-system-time 20200101T000000 --quick-gen-key 'Erin <erin@example.com>' ed25519 sign 1d
cat >"$keys/gpg-2020" <<SH
#!/bin/sh
exec gpg --batch --no-tty --pinentry-mode loopback --passphrase '' --faked-system-time 20200101T120000 "\$@"
SH
cat >"$keys/gpg-now" <<SH
#!/bin/sh
exec gpg --batch --no-tty --pinentry-mode loopback --passphrase '' "\$@"
SH
chmod +x "$keys/gpg-2020" "$keys/gpg-now"

# Signing subkeys (primary keys that only certify): Gina's is good; Hank's is revoked after he
# signs with it; Ivy's was made in January 2020 with a one-day expiry and used then.
fpr() { gpg --batch --with-colons --list-keys "$1" | awk -F: '/^fpr/ {print $10; exit}'; }
subfpr() { gpg --batch --with-colons --list-keys "$1" | awk -F: '/^sub/ {s=1} s && /^fpr/ {print $10; exit}'; }
gpgq --quick-gen-key 'Gina <gina@example.com>' ed25519 cert never
gpgq --quick-add-key "$(fpr gina@example.com)" ed25519 sign never
gpgq --quick-gen-key 'Hank <hank@example.com>' ed25519 cert never
gpgq --quick-add-key "$(fpr hank@example.com)" ed25519 sign never
gpgq --faked-system-time 20200101T000000 --quick-gen-key 'Ivy <ivy@example.com>' ed25519 cert never
gpgq --faked-system-time 20200101T000000 --quick-add-key "$(fpr ivy@example.com)" ed25519 sign 1d
# Hank signs with a copy of the keys from before his subkey is revoked.
cp -r "$GNUPGHOME" "$out/gnupg-before"
printf 'key 1\nrevkey\ny\n0\n\ny\nsave\n' | gpg --batch --no-tty --pinentry-mode loopback \
  --passphrase '' --command-fd 0 --edit-key "$(fpr hank@example.com)" >/dev/null 2>&1
cat >"$keys/gpg-before" <<SH
#!/bin/sh
exec gpg --homedir "$out/gnupg-before" --batch --no-tty --pinentry-mode loopback --passphrase '' "\$@"
SH
chmod +x "$keys/gpg-before"

cd "$out/repo"
git init -q -b main
git config commit.gpgsign false
mkdir .changegate
{
  echo "# SSH keys allowed to sign commits (git's gpg.ssh.allowedSignersFile format)."
  echo "alice@example.com namespaces=\"git\" $(cut -d' ' -f1,2 "$keys/alice.pub")"
  echo "carol@example.com valid-before=\"20200101\" $(cut -d' ' -f1,2 "$keys/carol.pub")"
} >.changegate/allowed_signers
gpgq --armor --export dave@example.com erin@example.com gina@example.com hank@example.com \
  ivy@example.com >.changegate/keyring.asc
cat >changegate.yaml <<YAML
roles: { system-owner: [alice], infra-lead: [bob], security-officer: [carol] }
git:
  require_signed: true
  allowed_signers: .changegate/allowed_signers
  keyring: .changegate/keyring.asc
YAML
git add -A
GIT_AUTHOR_DATE=2026-11-20T10:00:00Z GIT_COMMITTER_DATE=2026-11-20T10:00:00Z \
  git -c user.name=Alice -c user.email=alice@example.com commit -q -m "base: the policy and its keys"

n=0
commit() { # who email date subject [git -c options...]
  local who="$1" email="$2" date="$3" subject="$4"
  shift 4
  n=$((n + 1))
  echo "$subject" >"file$n.txt"
  git add "file$n.txt"
  GIT_AUTHOR_DATE="$date" GIT_COMMITTER_DATE="$date" \
    git -c user.name="$who" -c user.email="$email" "$@" commit -q -S -m "$subject"
}
ssh_as() { echo -c gpg.format=ssh -c user.signingkey="$keys/$1.pub"; }

# shellcheck disable=SC2046
commit Alice alice@example.com 2026-11-21T10:00:00Z "ssh good" $(ssh_as alice)
# shellcheck disable=SC2046
commit Bob bob@example.com 2026-11-21T11:00:00Z "ssh unknown key" $(ssh_as bob)
# shellcheck disable=SC2046
commit Mallory mallory@example.com 2026-11-21T12:00:00Z "ssh wrong signer" $(ssh_as alice)
# shellcheck disable=SC2046
commit Carol carol@example.com 2026-11-21T13:00:00Z "ssh expired entry" $(ssh_as carol)
commit Dave dave@example.com 2026-11-21T14:00:00Z "gpg good" -c gpg.program="$keys/gpg-now" -c user.signingkey=dave@example.com
commit Frank frank@example.com 2026-11-21T15:00:00Z "gpg unknown key" -c gpg.program="$keys/gpg-now" -c user.signingkey=frank@example.com
commit Erin erin@example.com 2020-01-01T12:00:00Z "gpg expired key" -c gpg.program="$keys/gpg-2020" -c user.signingkey=erin@example.com
commit Gina gina@example.com 2026-11-21T16:00:00Z "gpg subkey good" -c gpg.program="$keys/gpg-now" -c user.signingkey="$(subfpr gina@example.com)!"
commit Hank hank@example.com 2026-11-21T17:00:00Z "gpg revoked subkey" -c gpg.program="$keys/gpg-before" -c user.signingkey="$(subfpr hank@example.com)!"
commit Ivy ivy@example.com 2020-01-01T12:00:00Z "gpg expired subkey" -c gpg.program="$keys/gpg-2020" -c user.signingkey="$(subfpr ivy@example.com)!"

# "bad signature": Alice's signed commit, its message changed after signing.
good=$(git log --format=%H --grep='^ssh good$')
git cat-file commit "$good" | sed 's/^ssh good$/ssh bad signature/' >"$keys/tampered"
bad=$(git hash-object -t commit -w "$keys/tampered")
git cat-file commit HEAD | sed "s/^parent .*/parent $bad/" | sed '/^gpgsig/,/^ -----END/d' >"$keys/unsigned-head"
# Re-sign the tip on top of the tampered commit (Dave), so the range holds every case.
tree=$(git cat-file commit HEAD | sed -n 's/^tree //p')
tip=$(GIT_AUTHOR_DATE=2026-11-22T10:00:00Z GIT_COMMITTER_DATE=2026-11-22T10:00:00Z \
  git -c user.name=Dave -c user.email=dave@example.com -c gpg.program="$keys/gpg-now" \
  -c user.signingkey=dave@example.com commit-tree -S -p "$bad" -m "gpg good on top" "$tree")
git -c core.logAllRefUpdates=false update-ref refs/heads/checked "$tip"
git -c core.logAllRefUpdates=false update-ref refs/heads/all HEAD

# What `git verify-commit` sees: only the repository's keys.
export GNUPGHOME="$out/gnupg-verify"
mkdir -m 700 -p "$GNUPGHOME"
gpgq --import .changegate/keyring.asc
