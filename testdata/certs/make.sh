#!/bin/sh
# Regenerates the test certificates with OpenSSL at fixed dates (`openssl ca -startdate
# -enddate`), so that tests judge them at a fixed `--now` (2026-12-07). The keys are test keys,
# made here, used for nothing else: tests check that no output ever shows them.
set -eu
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/new"
: > "$work/index.txt"
echo 1000 > "$work/serial"
cat > "$work/ca.cnf" <<CNF
[ca]
default_ca = ca
[ca]
dir = $work
database = $work/index.txt
new_certs_dir = $work/new
serial = $work/serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = copy
[any]
commonName = supplied
organizationName = optional
[req]
distinguished_name = dn
prompt = no
[dn]
CN = changegate test CA
[v3_ca]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
CNF
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/ca.key" \
  -config "$work/ca.cnf" -out "$work/ca.csr" 2>/dev/null
openssl ca -batch -selfsign -config "$work/ca.cnf" -keyfile "$work/ca.key" -in "$work/ca.csr" \
  -extensions v3_ca -startdate 20260101000000Z -enddate 20360101000000Z -notext -out ca.pem 2>/dev/null
# name, CN, SANs, start, end
issue() {
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/$1.key" \
    -subj "/O=Acme/CN=$2" -addext "subjectAltName=$3" -out "$work/$1.csr" 2>/dev/null
  openssl ca -batch -config "$work/ca.cnf" -cert ca.pem -keyfile "$work/ca.key" \
    -in "$work/$1.csr" -startdate "$4" -enddate "$5" -notext -out "$1.pem" 2>/dev/null
  cp "$work/$1.key" "$1.key"
}
issue valid api.example.test "DNS:api.example.test,DNS:www.example.test,IP:10.0.0.1" \
  20261101000000Z 20271101000000Z
issue expiring pay.example.test "DNS:pay.example.test" 20260920000000Z 20261220000000Z
issue expired old.example.test "DNS:old.example.test,email:ops@example.test" \
  20250601000000Z 20261130000000Z
# A bundle as servers are configured with: the leaf, its key, the CA.
cat expiring.pem expiring.key ca.pem > bundle-with-key.pem
openssl x509 -in valid.pem -outform DER -out valid.der
