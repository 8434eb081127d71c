#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# tests/pki.sh OUTDIR: a throwaway PKI for tests, the demo and benchmarks,
# made with the openssl CLI (EC P-256 keys, SHA-256, valid 30 days):
#   ca.pem ca.key               the CA psid and its members trust
#   server.pem server.key       CN=psid, subjectAltName IP:127.0.0.1 and
#                               DNS:localhost, extendedKeyUsage serverAuth
#   NAME.pem NAME.key           clientAuth certificates, CN=NAME, signed by
#                               the CA, for alice, bob, carol and mallory
#   other-ca.pem other-ca.key   a second CA that psid does not trust
#   eve.pem eve.key             a client certificate (CN=eve) it signed
# Keys are mode 0600. Idempotent: files already present are kept, so a
# second run changes nothing. Quiet unless openssl fails.
set -eu

if [ $# -ne 1 ]; then
	echo "usage: pki.sh OUTDIR" >&2
	exit 2
fi
OUT=$1
mkdir -p "$OUT"
umask 077
DAYS=30
EXT="$OUT/.ext.$$"
trap 'rm -f "$EXT" "$OUT"/*.csr "$OUT"/*.srl' EXIT

# run CMD...: run openssl quietly; on failure show its output and stop.
run() {
	if ! log=$(openssl "$@" 2>&1); then
		echo "pki.sh: openssl $1 failed:" >&2
		echo "$log" >&2
		exit 1
	fi
}

# key NAME: a fresh P-256 private key, unless NAME.key exists.
key() {
	[ -s "$OUT/$1.key" ] && return 0
	run genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
		-out "$OUT/$1.key.tmp"
	chmod 600 "$OUT/$1.key.tmp"
	mv "$OUT/$1.key.tmp" "$OUT/$1.key"
}

# ca NAME CN: a self-signed CA certificate NAME.pem.
ca() {
	key "$1"
	[ -s "$OUT/$1.pem" ] && return 0
	run req -new -x509 -key "$OUT/$1.key" -subj "/CN=$2" -days "$DAYS" \
		-sha256 -addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" \
		-out "$OUT/$1.pem.tmp"
	mv "$OUT/$1.pem.tmp" "$OUT/$1.pem"
}

# leaf NAME CN ISSUER EXTENSIONS: NAME.pem signed by ISSUER.pem.
leaf() {
	key "$1"
	[ -s "$OUT/$1.pem" ] && return 0
	printf '%s\n' "basicConstraints=critical,CA:FALSE" \
		"keyUsage=critical,digitalSignature" "$4" >"$EXT"
	run req -new -key "$OUT/$1.key" -subj "/CN=$2" -out "$OUT/$1.csr"
	run x509 -req -in "$OUT/$1.csr" -CA "$OUT/$3.pem" \
		-CAkey "$OUT/$3.key" -set_serial "0x$(openssl rand -hex 16)" \
		-days "$DAYS" -sha256 -extfile "$EXT" -out "$OUT/$1.pem.tmp"
	mv "$OUT/$1.pem.tmp" "$OUT/$1.pem"
}

ca ca "psid test CA"
leaf server psid ca "extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost"
for name in alice bob carol mallory; do
	leaf "$name" "$name" ca "extendedKeyUsage=clientAuth"
done
ca other-ca "another CA"
leaf eve eve other-ca "extendedKeyUsage=clientAuth"
chmod 644 "$OUT"/*.pem
