#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# remote.sh: psictl against a real psid on 127.0.0.1, as a user runs it:
# a table encrypted by AWS's C3R client (the fixture) uploaded, joined on
# psid and decrypted by psictl; a table encrypted by psictl with the
# settings taken from psid; refusals (a non-member, another CA's
# certificate, a bad cell, settings given twice) each with exit 1 and one
# line on stderr. Run by `make check` with PSICTL, PSID, PSID_TESTS and
# PSID_FIXTURES set; prints one "ok"/"not ok" line per check.

set -u
: "${PSICTL:?set PSICTL}" "${PSID:?set PSID}" "${PSID_TESTS:?set PSID_TESTS}"
: "${PSID_FIXTURES:?set PSID_FIXTURES}"
F=$PSID_FIXTURES
FIXTURE_ID=00000000-1111-2222-3333-444444444444
export C3R_SHARED_SECRET=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=
. "$PSID_TESTS/lib.sh"
start_psid

# --- a table made by AWS's C3R client, through psid, decrypted by psictl
ID=$(as alice collab create --name c3r --member alice:upload,query,receive \
	--member bob:query --allow-cleartext --allow-duplicates 2>stderr)
if [ ${#ID} -eq 36 ]; then ok "collab create prints the ID"; else notok "collab create: $ID"; cat stderr; fi
if as bob collab show --id "$ID" | grep -q "allow-duplicates: yes"; then
	ok "a member sees the settings"
else
	notok "collab show"
fi
expect_fail "a non-member is told nothing exists" "$ID" mallory collab show --id "$ID"
expect_fail "another CA's certificate is refused" "TLS\|certificate\|handshake\|alert" eve collab show --id "$ID"

if as alice upload --id "$ID" --table c3r --rule list "$F/marshalled_data_sample.csv" >/dev/null 2>stderr; then
	ok "upload of C3R's own output"
else
	notok "upload of C3R's own output"; cat stderr
fi
# Each state's rows, squared: what SQL's self-join on state returns.
WANT=$(awk -F, 'NR > 1 { n[$5]++ } END { for (s in n) t += n[s] * n[s]; print t }' \
	"$F/data_sample_without_quotes.csv")
if as alice join --id "$ID" --left c3r.state --right c3r.state \
	--left-columns firstname,address --right-columns city -o joined.csv 2>stderr &&
	"$PSICTL" decrypt joined.csv --id "$FIXTURE_ID" --output plain.csv 2>>stderr; then
	GOT=$(($(wc -l <plain.csv) - 1))
	if [ "$GOT" = "$WANT" ]; then ok "self-join on state: $GOT rows"; else notok "join rows $GOT, want $WANT"; fi
	# Every decrypted address is one of the plaintext's, on its own row.
	bad=$(awk -F, '{ gsub(/"/, "") }
		NR == FNR { if (FNR > 1) a[$1 "|" $3] = 1; next }
		FNR > 1 && !(($1 "|" $2) in a) { n++ } END { print n + 0 }' \
		"$F/data_sample_without_quotes.csv" plain.csv)
	if [ "$bad" = 0 ]; then ok "joined sealed cells decrypt to the plaintext"; else notok "$bad rows do not decrypt to the plaintext"; head plain.csv; fi
else
	notok "join and decrypt"; cat stderr
fi
N=$(as bob count --id "$ID" c3r.state c3r.phonenumber_fingerprint 2>stderr)
expect_fail "columns of different names do not match" "different names" \
	bob count --id "$ID" c3r.state c3r.phonenumber_fingerprint
expect_fail "a member that may not receive gets no rows" "may not" \
	bob join --id "$ID" --left c3r.state --right c3r.state --left-columns city -o j2.csv
if [ ! -e j2.csv ]; then ok "no output file after a refusal"; else notok "j2.csv left behind"; fi

# --- psictl encrypts with psid's settings, uploads, counts, joins, decrypts
ID2=$(as alice collab create --name mine --member alice:upload,query,receive --member bob:upload)
printf 'email,amount\n' >a.csv
printf 'email,amount\n' >b.csv
i=0
while [ $i -lt 40 ]; do
	echo "u$i@x.org,$i.50" >>a.csv
	[ $((i % 2)) -eq 0 ] && echo "u$i@x.org,$i.25" >>b.csv
	i=$((i + 1))
done
cat >s.json <<'EOF'
{ "headerRow": true, "columns": [
  { "sourceHeader": "email", "targetHeader": "email", "type": "fingerprint" },
  { "sourceHeader": "amount", "targetHeader": "amount", "type": "sealed",
    "pad": { "type": "max", "length": 0 } } ] }
EOF
unset C3R_SHARED_SECRET
SECRET=$("$PSICTL" keygen)
printf '%s\n' "$SECRET" >secret
EXPECT_RC=2 expect_fail "settings from psid and flags together: a usage error" "setting" \
	alice encrypt a.csv --schema s.json --id "$ID2" --output a.enc.csv --secret-file secret --allow-duplicates
if as alice encrypt a.csv --schema s.json --id "$ID2" --output a.enc.csv --secret-file secret 2>stderr &&
	as bob encrypt b.csv --schema s.json --id "$ID2" --output b.enc.csv --secret-file secret 2>>stderr &&
	as alice upload --id "$ID2" --table a --rule list a.enc.csv >/dev/null 2>>stderr &&
	as bob upload --id "$ID2" --table b --rule list b.enc.csv >/dev/null 2>>stderr; then
	ok "encrypt with psid's settings and upload"
else
	notok "encrypt with psid's settings and upload"; cat stderr
fi
N=$(as alice count --id "$ID2" a.email b.email 2>stderr)
if [ "$N" = 20 ]; then ok "count: 20 in common"; else notok "count: '$N'"; cat stderr; fi
if as alice join --id "$ID2" --left a.email --right b.email --left-columns amount \
	--right-columns amount -o j.csv --decrypt --secret-file secret 2>stderr; then
	WANTJ=$(i=0; while [ $i -lt 40 ]; do echo "$i.50,$i.25"; i=$((i + 2)); done | sort)
	GOTJ=$(tail -n +2 j.csv | sort)
	if [ "$(head -1 j.csv)" = "a_amount,b_amount" ] && [ "$GOTJ" = "$WANTJ" ]; then
		ok "join --decrypt: the amounts of both sides"
	else
		notok "join --decrypt"; head -3 j.csv
	fi
else
	notok "join --decrypt"; cat stderr
fi

# --- refusals of bad tables leave nothing
sed '3s/^02:hmac:./02:hmac:/' a.enc.csv >bad.enc.csv
expect_fail "a fingerprint cell one byte short is refused with its line" "line 3" \
	alice upload --id "$ID2" --table bad --rule list bad.enc.csv
if ! as alice tables --id "$ID2" | grep -q "^bad"; then ok "no table after a refusal"; else notok "table bad exists"; fi
expect_fail "an existing table is not replaced without --replace" "exists" \
	alice upload --id "$ID2" --table a --rule list a.enc.csv
expect_fail "only the owner deletes" "owner" bob delete --id "$ID2" --table a
if as alice delete --id "$ID2" --table a 2>stderr; then ok "the owner deletes"; else notok "delete"; cat stderr; fi
if as bob audit --id "$ID2" | grep -q "alice	delete"; then ok "the audit log shows the delete"; else notok "audit"; fi

as bob stats >stats.txt 2>stderr
if grep -q "^uploads	[1-9]" stats.txt && grep -q "^queries	[1-9]" stats.txt &&
	grep -q "^connections	1$" stats.txt && grep -q "^count	[1-9][0-9]*	" stats.txt; then
	ok "stats: counters and latency percentiles per operation"
else
	notok "stats"; cat stats.txt stderr
fi

kill "$PSID_PID" && wait "$PSID_PID"
rc=$?
PSID_PID=
if [ $rc -eq 0 ]; then ok "psid exits 0 on SIGTERM"; else notok "psid exit $rc"; fi
if grep -q "02:hmac:[A-Za-z0-9+/]\{8\}\|02:enc:[A-Za-z0-9+/]\{8\}" psid.log; then notok "psid logged a cell"; else ok "psid's log holds no cell"; fi

echo "# $passed passed, $failed failed"
[ "$failed" -eq 0 ]
