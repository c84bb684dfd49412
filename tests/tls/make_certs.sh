#!/usr/bin/env bash
# Makes the certificates the TLS tests use, with the openssl command line, in
# the directory given (created if missing). P-256 keys: quick to make.
#   ca.pem            the CA that signs the server and the good clients
#   server.pem/.key   CN=localhost, SAN localhost and 127.0.0.1
#   renewed.pem/.key  the same names, O=edgemq renewed (for reload tests)
#   client.pem/.key   CN=device-1 (a client certificate)
#   nocn.pem/.key     a client certificate with no CN
#   stranger.pem/.key CN=stranger, signed by another CA nobody trusts
set -euo pipefail
dir=${1:?usage: make_certs.sh DIR}
mkdir -p "$dir"
cd "$dir"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
# sign NAME SUBJECT CA_PREFIX EXTENSIONS
sign() {
  key "$1.key"
  openssl req -new -key "$1.key" -subj "$2" -out "$1.csr" 2>/dev/null
  printf '%s\n' "$4" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial -days 30 \
    -extfile "$1.ext" -out "$1.pem" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}
ca() {
  key "$1.key"
  openssl req -x509 -new -key "$1.key" -subj "$2" -days 30 -out "$1.pem" 2>/dev/null
}
ca ca "/O=edgemq tests/CN=edgemq test CA"
ca other-ca "/O=elsewhere/CN=untrusted CA"
server_ext=$'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth'
client_ext='extendedKeyUsage=clientAuth'
sign server "/O=edgemq/CN=localhost" ca "$server_ext"
sign renewed "/O=edgemq renewed/CN=localhost" ca "$server_ext"
sign client "/O=edgemq/CN=device-1" ca "$client_ext"
sign nocn "/O=edgemq" ca "$client_ext"
sign stranger "/O=elsewhere/CN=stranger" other-ca "$client_ext"
