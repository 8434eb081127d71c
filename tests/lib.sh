# SPDX-License-Identifier: Apache-2.0
# lib.sh: what the shell tests that run psictl against a real psid share,
# sourced after `set -u` with PSICTL, PSID and PSID_TESTS set. It makes
# a work directory ($WORK, the current directory from then on, removed
# with psid stopped on exit) and a throwaway PKI in it, and gives:
#   ok NAME, notok NAME      count and print a TAP-like line
#   start_psid               psid on a free port of 127.0.0.1, state in
#                            ./state, log in ./psid.log; writes a psictl
#                            config per member (alice, bob, mallory, eve)
#   as WHO ARGS...           psictl ARGS as WHO
#   expect_fail NAME PATTERN WHO ARGS...
#                            exit 1 (or $EXPECT_RC) and one stderr line
#                            (usage errors add a hint line) with PATTERN
WORK=$(mktemp -d "${TMPDIR:-/tmp}/psid-sh.XXXXXX")
PSID_PID=
lib_cleanup() {
	[ -n "$PSID_PID" ] && kill "$PSID_PID" 2>/dev/null && wait "$PSID_PID"
	rm -rf "$WORK"
}
trap lib_cleanup EXIT
cd "$WORK" || exit 1
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
notok() { failed=$((failed + 1)); echo "not ok - $1"; }

sh "$PSID_TESTS/pki.sh" pki >/dev/null || { echo "not ok - pki"; exit 1; }

start_psid() {
	rm -f port
	"$PSID" -d --listen 127.0.0.1:0 --port-file port --state state \
		--ca pki/ca.pem --cert pki/server.pem --key pki/server.key \
		2>>psid.log &
	PSID_PID=$!
	i=0
	while [ ! -s port ]; do
		i=$((i + 1))
		if [ $i -gt 500 ]; then
			echo "not ok - psid did not start"; cat psid.log; exit 1
		fi
		sleep 0.02
	done
	PORT=$(cat port)
	for who in alice bob mallory eve; do
		printf 'server = 127.0.0.1:%s\nca = pki/ca.pem\ncert = pki/%s.pem\nkey = pki/%s.key\n' \
			"$PORT" "$who" "$who" >"$who.conf"
	done
}

as() { who=$1; shift; "$PSICTL" "$@" --config "$WORK/$who.conf"; }

expect_fail() {
	name=$1 pattern=$2 who=$3 want=${EXPECT_RC:-1}
	shift 3
	as "$who" "$@" >stdout 2>stderr
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		notok "$name: exit $rc, expected $want"; cat stderr
	elif [ "$want" -eq 1 ] && [ "$(wc -l <stderr)" -ne 1 ]; then
		notok "$name: not one line on stderr"; cat stderr
	elif ! grep -q -- "$pattern" stderr; then
		notok "$name: stderr does not match '$pattern'"; cat stderr
	else
		ok "$name"
	fi
}
