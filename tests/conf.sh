#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# conf.sh: psid's configuration errors, as `psid -n` reports them: each
# names file:line and what is wrong, and exits 1; a good file exits 0;
# the command line overrides the file. Run by `make check` with PSID and
# PSID_TESTS set; prints one "ok"/"not ok" line per check.
set -u
: "${PSID:?set PSID}" "${PSID_TESTS:?set PSID_TESTS}"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/psid-conf.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
notok() { failed=$((failed + 1)); echo "not ok - $1"; }
sh "$PSID_TESTS/pki.sh" pki >/dev/null || { echo "not ok - pki"; exit 1; }
good() {
	cat <<EOF2
# a comment
listen = 127.0.0.1:0
ca = $WORK/pki/ca.pem
cert = $WORK/pki/server.pem
key = $WORK/pki/server.key
state_dir = $WORK/state
max_frame = 8M
EOF2
}
good >good.conf
if "$PSID" -n -c good.conf >out 2>err; then ok "a good config: exit 0"; else notok "good config"; cat err; fi

# expect NAME PATTERN LINE...: the good file with LINE appended (or, for
# a line "-KEY", without KEY's line) must fail with PATTERN.
expect() {
	name=$1 pattern=$2
	shift 2
	good >bad.conf
	for l in "$@"; do
		case $l in
		-*) grep -v "^${l#-} =" bad.conf >t && mv t bad.conf ;;
		*) echo "$l" >>bad.conf ;;
		esac
	done
	"$PSID" -n -c bad.conf >out 2>err
	rc=$?
	if [ $rc -eq 1 ] && grep -q -- "$pattern" err && [ "$(wc -l <err)" -eq 1 ]; then
		ok "$name"
	else
		notok "$name: exit $rc"; cat err
	fi
}
expect "an unknown key: file:line" "bad.conf:8: unknown key \"colour\"" "colour = blue"
expect "a bad number: file:line" "bad.conf:8: workers: \"two\" is not a number" "workers = two"
expect "a number out of range" "bad.conf:8: max_frame" "max_frame = 1G"
expect "a missing file: file:line" "bad.conf:8: cert: $WORK/nope.pem: No such file" "cert = $WORK/nope.pem"
expect "a key that is not a key: file:line" "bad.conf:8: key: .*not a PEM private key" "key = $WORK/pki/ca.pem"
expect "not a key = value line" "bad.conf:8: not a" "listen"
expect "sections are not used" "bad.conf:9: sections" "[server]" "workers = 2"
expect "a required key missing" "state_dir is not set" "-state_dir"
expect "a bad log level" "bad.conf:8: log_level" "log_level = chatty"
expect "a listen address without a port number" "bad.conf:8: listen" "listen = 127.0.0.1:http"
expect "the first error is the one reported" "bad.conf:8: unknown key" "foo = 1" "workers = x"
"$PSID" -n -c "$WORK/none.conf" >out 2>err
if [ $? -eq 1 ] && grep -q "none.conf: No such file" err; then ok "a missing config file"; else notok "missing config file"; cat err; fi
# The command line overrides the file.
good >bad.conf
echo "workers = many" >>bad.conf
if "$PSID" -n -c good.conf --workers 0 >out 2>err; then
	notok "--workers 0 accepted"
elif grep -q "command line: workers" err; then
	ok "a bad option is named as the command line's"
else
	notok "command line error"; cat err
fi
# An option overrides the file: psid runs with the state directory given
# on the command line, not the file's.
# The port file comes before the store is opened: wait for the store.
"$PSID" -c good.conf --state "$WORK/other" --port-file port 2>psid.log &
pid=$!
i=0
while [ ! -f "$WORK/other/data.mdb" ] && [ $i -lt 1500 ]; do
	i=$((i + 1)); sleep 0.02
done
kill "$pid" 2>/dev/null
wait "$pid"
if [ -f "$WORK/other/data.mdb" ] && [ ! -e "$WORK/state" ]; then
	ok "an option overrides the file"
else
	notok "--state did not override state_dir"; cat psid.log
fi
echo "# $passed passed, $failed failed"
[ "$failed" -eq 0 ]
