#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# cli.sh: psictl as a user runs it. Every acceptance command of the
# foundation issue, with its exit status, its one line on stderr and the
# files it leaves (none on error). Run by `make check` with PSICTL and
# PSID_FIXTURES set; prints one "ok"/"not ok" line per check.

set -u
: "${PSICTL:?set PSICTL to the psictl binary}"
: "${PSID_FIXTURES:?set PSID_FIXTURES to the fixtures directory}"
F=$PSID_FIXTURES
ID=00000000-1111-2222-3333-444444444444
SECRET=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=
WORK=$(mktemp -d "${TMPDIR:-/tmp}/psid-cli.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1
export C3R_SHARED_SECRET=$SECRET
passed=0
failed=0

ok() { passed=$((passed + 1)); echo "ok - $1"; }
notok() { failed=$((failed + 1)); echo "not ok - $1"; }
check() { # check NAME COMMAND...: COMMAND must succeed
	name=$1; shift
	if "$@"; then ok "$name"; else notok "$name"; fi
}

# expect_fail NAME OUTPUT PATTERN -- psictl args: exit 1, one stderr line
# matching PATTERN, and OUTPUT not created.
expect_fail() {
	name=$1 out=$2 pattern=$3
	shift 4
	rm -f "$out"
	"$PSICTL" "$@" >stdout 2>stderr
	rc=$?
	lines=$(wc -l <stderr)
	if [ "$rc" -ne 1 ]; then
		notok "$name: exit $rc, expected 1"; cat stderr
	elif [ "$lines" -ne 1 ]; then
		notok "$name: $lines lines on stderr"; cat stderr
	elif ! grep -q -- "$pattern" stderr; then
		notok "$name: stderr lacks '$pattern'"; cat stderr
	elif [ -e "$out" ] || ls "$out".* >/dev/null 2>&1; then
		notok "$name: output left behind"
	else
		ok "$name"
	fi
}

# --- acceptance 1: decrypt the Java client's output
"$PSICTL" decrypt "$F/marshalled_data_sample.csv" --id $ID --output dec.csv \
	2>stderr
check "decrypt fixture exits 0" [ $? -eq 0 ]
check "decrypt warns about fingerprint cells" \
	grep -q "14 fingerprint cells copied unchanged" stderr
check "decrypted notes of Carl" grep -q \
	'^Carl,Carlson,"0 Street",Bethesda,02:hmac:+dN/pFTpIHUfH0S+jtmzb55SwEg+rzoHTRuoj5qHsuA=,404-555-111,404-555-111,02:hmac:urbu+vA/UCQzW3XW25tRvG4XJWeest0ultEkul266Gk=,CIO,9,"This is a really long noté that could really be a paragraph"$' dec.csv
check "decrypted 8 lines" [ "$(wc -l <dec.csv)" -eq 8 ]

# --- acceptance 2: encrypt, fingerprints as Java's, decrypt round trip
"$PSICTL" encrypt "$F/data_sample_with_quotes.csv" --schema "$F/config_sample.json" \
	--id $ID --output enc.csv --allow-cleartext --allow-duplicates 2>stderr
check "encrypt fixture exits 0 silently" [ $? -eq 0 ] && [ ! -s stderr ]
# Each row's fingerprints (columns 5 and 8) equal the Java file's row.
cut -d, -f1,2,5,8 enc.csv | sort >ours.fp
cut -d, -f1,2,5,8 "$F/marshalled_data_sample.csv" | sort >java.fp
check "fingerprints equal the Java client's" cmp -s ours.fp java.fp
"$PSICTL" decrypt enc.csv --id $ID --output rt.csv 2>/dev/null
check "round trip restores notes" grep -q "Shana's younger brother" rt.csv
check "default output name" sh -c "cd '$WORK' && mkdir -p d && cd d && \
	'$PSICTL' encrypt '$F/data_sample_with_quotes.csv' --schema '$F/config_sample.json' \
	--id $ID --allow-cleartext --allow-duplicates && [ -s data_sample_with_quotes.out.csv ]"

# --- acceptance 4: refusals
expect_fail "non-UTF-8 input" o.csv "nonUtf8Encoding.csv: line 2, column \"Notes\": not valid UTF-8" -- \
	encrypt "$F/nonUtf8Encoding.csv" --schema "$F/config_sample.json" --id $ID \
	--output o.csv --allow-cleartext --allow-duplicates
expect_fail "too few columns" o.csv "one_row_too_few_columns.csv: line 2: 6 columns" -- \
	encrypt "$F/one_row_too_few_columns.csv" --schema "$F/config_sample.json" \
	--id $ID --output o.csv --allow-cleartext --allow-duplicates
expect_fail "too many columns" o.csv "one_row_too_many_columns.csv: line 2: 15 columns" -- \
	encrypt "$F/one_row_too_many_columns.csv" --schema "$F/config_sample.json" \
	--id $ID --output o.csv --allow-cleartext --allow-duplicates
expect_fail "duplicate fingerprint" o.csv 'column "state": 3 repeated values' -- \
	encrypt "$F/data_sample_with_quotes.csv" --schema "$F/config_sample.json" \
	--id $ID --output o.csv --allow-cleartext
expect_fail "cleartext not allowed" o.csv 'column "firstname" is cleartext' -- \
	encrypt "$F/data_sample_with_quotes.csv" --schema "$F/config_sample.json" \
	--id $ID --output o.csv --allow-duplicates
printf '{"headerRow": true, "columns": [{"sourceHeader": "State"}]}' >bad.json
expect_fail "malformed schema" o.csv "bad.json: column 1: type is missing" -- \
	encrypt "$F/data_sample_with_quotes.csv" --schema bad.json --id $ID \
	--output o.csv --allow-cleartext --allow-duplicates
C3R_SHARED_SECRET=AQECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8= \
expect_fail "wrong key" o.csv "marshalled_data_sample.csv: line 2, column \"address\": cell does not authenticate" -- \
	decrypt "$F/marshalled_data_sample.csv" --id $ID --output o.csv
sed 's/+WhBbDHfZbGZO1/+WhBbDHfZbGZO2/' "$F/marshalled_data_sample.csv" >tampered.csv
expect_fail "tampered cell" o.csv 'tampered.csv: line 2, column "address": cell does not authenticate' -- \
	decrypt tampered.csv --id $ID --output o.csv
sed 's/zVAHNc2dh0lEiA9biBTQ+VLphDmNCwYX4E32/zVA/' "$F/marshalled_data_sample.csv" >truncated.csv
expect_fail "truncated cell" o.csv 'truncated.csv: line 3, column "title": malformed sealed cell' -- \
	decrypt truncated.csv --id $ID --output o.csv
expect_fail "fail on fingerprint columns" o.csv 'column "state": fingerprint cells cannot be decrypted' -- \
	decrypt "$F/marshalled_data_sample.csv" --id $ID --output o.csv \
	--fail-on-fingerprint-columns
echo precious >kept.csv
expect_fail "existing output" none "kept.csv: file exists" -- \
	decrypt "$F/marshalled_data_sample.csv" --id $ID --output kept.csv
check "existing output untouched" grep -qx precious kept.csv
C3R_SHARED_SECRET=c2hvcnQ= expect_fail "short secret" o.csv "at least 32 bytes" -- \
	decrypt "$F/marshalled_data_sample.csv" --id $ID --output o.csv
expect_fail "bad collaboration ID" o.csv "not a UUID" -- \
	decrypt "$F/marshalled_data_sample.csv" --id 1234 --output o.csv
expect_fail "missing input" o.csv "nosuch.csv: No such file" -- \
	decrypt nosuch.csv --id $ID --output o.csv
(unset C3R_SHARED_SECRET; expect_fail "no secret" o.csv "no shared secret" -- \
	decrypt "$F/marshalled_data_sample.csv" --id $ID --output o.csv) | tee sub.out
grep -q "^not ok" sub.out && failed=$((failed + 1))
grep -q "^ok" sub.out && passed=$((passed + 1))

# --- input from a pipe; header kept verbatim on decrypt
mkfifo fifo.csv
cat "$F/data_sample_with_quotes.csv" >fifo.csv &
"$PSICTL" encrypt fifo.csv --schema "$F/config_sample.json" --id $ID \
	--output piped.csv --allow-cleartext --allow-duplicates
check "encrypt reads a pipe" [ $? -eq 0 ] && [ "$(wc -l <piped.csv)" -eq 8 ]
wait
printf ' a ,b\n1,2\n' >spaced.csv
"$PSICTL" decrypt spaced.csv --id $ID --output spaced.out
check "decrypt keeps the header verbatim" grep -qx '" a ",b' spaced.out

# --- secret file, keygen, schema template, usage
"$PSICTL" keygen >secret.txt
check "keygen prints 44 Base64 characters" grep -Eqx '[A-Za-z0-9+/]{43}=' secret.txt
check "keygen differs each time" sh -c "[ \"\$('$PSICTL' keygen)\" != \"\$(cat secret.txt)\" ]"
(unset C3R_SHARED_SECRET; "$PSICTL" encrypt "$F/data_sample_with_quotes.csv" \
	--schema "$F/config_sample.json" --id $ID --output sf.csv --secret-file secret.txt \
	--allow-cleartext --allow-duplicates && "$PSICTL" decrypt sf.csv --id $ID \
	--output sfd.csv --secret-file secret.txt 2>/dev/null)
check "secret file round trip" grep -q "Sean's older sister" sfd.csv
"$PSICTL" schema "$F/data_sample_with_quotes.csv" --template --output t.json
check "schema template" grep -q '"sourceHeader": "phonenumber"' t.json
"$PSICTL" schema "$F/data_sample_no_headers.csv" --template --no-headers --output tp.json
check "positional template" grep -q '"targetHeader": "_c8"' tp.json
"$PSICTL" frobnicate >/dev/null 2>&1
check "unknown command exits 2" [ $? -eq 2 ]
"$PSICTL" encrypt x.csv --id $ID >/dev/null 2>&1
check "missing --schema exits 2" [ $? -eq 2 ]
"$PSICTL" decrypt x.csv --id $ID --schema s.json >/dev/null 2>&1
check "option of another command exits 2" [ $? -eq 2 ]
check "help exits 0" "$PSICTL" --help >/dev/null

# --- the connection settings of the commands that talk to psid, checked
# before any connection is tried (no psid needed)
mkdir -p conf
printf 'server = 127.0.0.1:1\nfoo = bar\n' >conf/unknown.conf
printf '[psid]\nserver = 127.0.0.1:1\n' >conf/section.conf
printf 'server = a:1\nserver = b:1\n' >conf/twice.conf
printf 'server = nocolon\nca = a\ncert = b\nkey = c\n' >conf/noport.conf
printf '# alice\nserver = 127.0.0.1:1\nca = ca.pem\ncert = /nonexistent/a.pem\nkey = k\n' \
	>conf/relative.conf
expect_fail "config: an unknown key names its line" none \
	'conf/unknown.conf: line 2: unknown key "foo"' -- tables --id $ID \
	--config conf/unknown.conf
expect_fail "config: sections are refused" none 'section \[psid\]' -- \
	tables --id $ID --config conf/section.conf
expect_fail "config: a key given twice" none 'line 2: server is given twice' -- \
	tables --id $ID --config conf/twice.conf
expect_fail "config: a server without a port" none "server 'nocolon'" -- \
	tables --id $ID --config conf/noport.conf
expect_fail "config: a missing file" none 'nosuch.conf: No such file' -- \
	tables --id $ID --config nosuch.conf
expect_fail "config: paths relative to the file's directory" none \
	'conf/ca.pem: cannot load the CA' -- tables --id $ID \
	--config conf/relative.conf
expect_fail "config: the command line over the file" none \
	'other.pem: cannot load the CA' -- tables --id $ID \
	--config conf/relative.conf --ca other.pem
PSICTL_CONFIG=conf/twice.conf expect_fail "config: \$PSICTL_CONFIG" none \
	'twice.conf: line 2' -- tables --id $ID
usage_rc() { # usage_rc NAME ARGS...: psictl exits 2
	name=$1; shift
	(unset PSICTL_CONFIG; "$PSICTL" "$@" >/dev/null 2>&1)
	check "$name exits 2" [ $? -eq 2 ]
}
usage_rc "no connection settings" tables --id $ID
usage_rc "an unknown ability" collab create --name n --member bob:write \
	--server h:1 --ca a --cert b --key c
usage_rc "a count of one set" count --id $ID a.b --server h:1 --ca a \
	--cert b --key c
usage_rc "TABLE.COLUMN without a dot" count --id $ID ab a.b --server h:1 \
	--ca a --cert b --key c
usage_rc "--secret-file without --decrypt" join --id $ID --left a.b \
	--right c.d --left-columns x -o j.csv --secret-file s --server h:1 \
	--ca a --cert b --key c
usage_rc "a setting flag with --server" encrypt "$F/data_sample_with_quotes.csv" \
	--schema "$F/config_sample.json" --id $ID --allow-cleartext --server h:1
usage_rc "a bad rule" upload --id $ID --table t --rule sum x.csv \
	--server h:1 --ca a --cert b --key c

# --- query: its SQL from one place, its options, before any connection
usage_says() { # usage_says NAME PATTERN ARGS...: exit 2, PATTERN on stderr
	name=$1 pattern=$2; shift 2
	(unset PSICTL_CONFIG; "$PSICTL" "$@" >stdout 2>stderr)
	rc=$?
	if [ "$rc" -ne 2 ]; then
		notok "$name: exit $rc, expected 2"; cat stderr
	elif ! grep -q -- "$pattern" stderr; then
		notok "$name: stderr lacks '$pattern'"; cat stderr
	elif [ -s stdout ]; then
		notok "$name: output on stdout"
	else
		ok "$name"
	fi
}
printf 'SELECT 1' >q.sql
usage_says "query without SQL" "query needs its SQL: as an operand, --file FILE or -" \
	query --id $ID
usage_says "query with --file and an operand" "query takes its SQL from one place" \
	query --id $ID --file q.sql 'SELECT 2'
usage_says "query with --file and -" "from one place: --file q.sql or '-'" \
	query --id $ID --file q.sql -
usage_says "query with two operands" "one operand (quote it): 'count' is another" \
	query --id $ID SELECT count FROM t
usage_says "query with a bad --format" "\-\-format 'json': csv or table" \
	query --id $ID --format json 'SELECT 1'
usage_says "query without --id" "query needs --id UUID" query 'SELECT 1'
usage_says "query --overwrite without -o" "\-\-overwrite goes with -o FILE" \
	query --id $ID --overwrite 'SELECT 1'
usage_says "query --file takes a value" "option '--file' needs a value" \
	query --id $ID --file
expect_fail "query: a missing --file" none "nosuch.sql: No such file" -- \
	query --id $ID --file nosuch.sql
head -c 1048577 /dev/zero | tr '\0' ' ' >big.sql
expect_fail "query: SQL over 1 MiB" none "big.sql: the SQL text is over 1 MiB" -- \
	query --id $ID --file big.sql
head -c 1048576 /dev/zero | tr '\0' ' ' >max.sql
expect_fail "query: 1 MiB of SQL is taken" none "nosuch.pem: cannot load the CA" -- \
	query --id $ID --file max.sql --server 127.0.0.1:1 --ca nosuch.pem \
	--cert c.pem --key k.pem
printf 'SELECT\0 1' >nul.sql
expect_fail "query: a NUL in the SQL" none "standard input: the SQL text holds a NUL byte" -- \
	query --id $ID - <nul.sql
echo old >exists.csv
expect_fail "query: -o FILE exists" none "exists.csv: exists (use --overwrite" -- \
	query --id $ID -o exists.csv 'SELECT 1'
check "query: -o FILE kept" grep -qx old exists.csv
check "help lists query" sh -c "'$PSICTL' --help | grep -q 'psictl query --id UUID'"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
