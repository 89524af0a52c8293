#!/usr/bin/env bash
# Writes the certificates the TLS serve tests use into $1:
#   ca.crt                      the cluster's CA
#   coordinator.{crt,key}       signed by it, for serverAuth and clientAuth
#   worker.{crt,key}            signed by it, for clientAuth
#   self-signed.{crt,key}       signed by itself
#   other-ca.crt, stranger.{crt,key}  a second CA, and a worker cert it signed
#   impostor.{crt,key}          a coordinator's certificate from the second CA
#   self-signed-trust.crt, stranger-trust.crt, impostor-trust.crt  the
#       cluster's CA plus the
#       intruder's own issuer: what an intruder's tls.ca names so that it
#       passes its own start-up check and trusts the cluster's peers
# EC P-256 keys, valid for two days; openssl(1) only.
set -euo pipefail
dir=$1
mkdir -p "$dir"
cd "$dir"
days=2
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
ca() {  # name subject
  key "$1.key"
  openssl req -x509 -new -key "$1.key" -subj "/CN=$2" -days $days -out "$1.crt" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
}
issue() {  # name ca usages
  key "$1.key"
  openssl req -new -key "$1.key" -subj "/CN=quarry-$1" -out "$1.csr"
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=%s\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n' "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" -CAcreateserial -days $days \
    -extfile "$1.ext" -out "$1.crt" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}
ca ca "quarry test CA"
ca other-ca "another CA"
issue coordinator ca serverAuth,clientAuth
issue worker ca clientAuth
issue stranger other-ca clientAuth
issue impostor other-ca serverAuth,clientAuth
key self-signed.key
openssl req -x509 -new -key self-signed.key -subj "/CN=quarry-self-signed" -days $days \
  -addext "extendedKeyUsage=clientAuth" -out self-signed.crt
cat ca.crt self-signed.crt > self-signed-trust.crt
cat ca.crt other-ca.crt > stranger-trust.crt
cp stranger-trust.crt impostor-trust.crt
chmod 600 ./*.key
