#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# rules.sh: aggregation rules in Clean Rooms' vocabulary through psictl
# and a real psid on 127.0.0.1: a rule file naming join, dimension and
# aggregate columns is stored with the table and shown by psictl tables;
# one that does not fit the table's columns (an unknown column, a sealed
# column aggregated, SUM on a fingerprint, a fingerprint as a dimension,
# a cleartext join column) is refused in one line naming the key and the
# column, and nothing is stored; joinRequired holds counts to those that
# touch a table of the member who asks. Run by make check with PSICTL, PSID and
# PSID_TESTS set; prints one "ok"/"not ok" line per check.
set -u
: "${PSICTL:?set PSICTL}" "${PSID:?set PSID}" "${PSID_TESTS:?set PSID_TESTS}"
. "$PSID_TESTS/lib.sh"
start_psid

ID=$(as alice collab create --name rules --member alice:upload,query \
	--allow-cleartext)
printf 'email,phone,campaign,amount,note\n' >t.csv
i=0
while [ $i -lt 20 ]; do
	echo "u$i@x.org,555-$i,spring-$((i % 3)),$i.25,n$i" >>t.csv
	i=$((i + 1))
done
cat >schema.json <<'JSON'
{ "headerRow": true, "columns": [
  { "sourceHeader": "email", "targetHeader": "email", "type": "fingerprint" },
  { "sourceHeader": "phone", "targetHeader": "phone", "type": "fingerprint" },
  { "sourceHeader": "campaign", "targetHeader": "campaign", "type": "cleartext" },
  { "sourceHeader": "amount", "targetHeader": "amount", "type": "cleartext" },
  { "sourceHeader": "note", "targetHeader": "note", "type": "sealed",
    "pad": { "type": "max", "length": 0 } } ] }
JSON
"$PSICTL" keygen >secret
as alice encrypt t.csv --schema schema.json --id "$ID" --output t.enc.csv \
	--secret-file secret 2>enc.log || notok "encrypt"

# rule NAME AGGREGATES [DIMENSIONS [JOINS]]: an aggregation rule file.
rule() {
	printf '{ "type": "aggregation", "joinColumns": [%s],
  "dimensionColumns": [%s], "aggregateColumns": [%s],
  "outputConstraints": [ { "columnName": "email", "minimum": 2, "type": "COUNT_DISTINCT" } ],
  "allowedJoinOperators": ["AND", "OR"], "joinRequired": "QUERY_RUNNER" }\n' \
		"${4:-\"email\", \"phone\"}" "${3:-\"campaign\"}" "$2" >"$1"
}
rule good.json '{ "columnNames": ["amount"], "function": "SUM" },
  { "columnNames": ["amount"], "function": "AVG" },
  { "columnNames": ["email"], "function": "COUNT_DISTINCT" }'
rule sealed.json '{ "columnNames": ["note"], "function": "COUNT" }'
rule sum_fp.json '{ "columnNames": ["email"], "function": "SUM" }'
rule unknown.json '{ "columnNames": ["amout"], "function": "SUM" }'
rule dim_fp.json '{ "columnNames": ["amount"], "function": "SUM" }' '"email"'
rule dim_sealed.json '{ "columnNames": ["amount"], "function": "SUM" }' '"note"'
rule join_clear.json '{ "columnNames": ["amount"], "function": "SUM" }' \
	'"campaign"' '"campaign"'

expect_fail "a sealed column is never aggregated" \
	"rule: aggregateColumns: note is a sealed column, which can never be aggregated" \
	alice upload --id "$ID" --table t --rule-file sealed.json t.enc.csv
expect_fail "SUM on a fingerprint column is refused" \
	"rule: aggregateColumns: SUM on email, a fingerprint column" \
	alice upload --id "$ID" --table t --rule-file sum_fp.json t.enc.csv
expect_fail "an unknown column is named" \
	"rule: aggregateColumns names column amout, which the table lacks" \
	alice upload --id "$ID" --table t --rule-file unknown.json t.enc.csv
expect_fail "a fingerprint is no dimension" \
	"rule: dimensionColumns: email is a fingerprint column" \
	alice upload --id "$ID" --table t --rule-file dim_fp.json t.enc.csv
expect_fail "a sealed column is no dimension" \
	"rule: dimensionColumns: note is a sealed column" \
	alice upload --id "$ID" --table t --rule-file dim_sealed.json t.enc.csv
expect_fail "a cleartext column is no join column" \
	"rule: joinColumns: campaign is a cleartext column" \
	alice upload --id "$ID" --table t --rule-file join_clear.json t.enc.csv
if [ "$(as alice tables --id "$ID" | wc -l)" -eq 1 ]; then
	ok "no table after the refusals"
else
	notok "a refused rule stored a table"
fi
if as alice upload --id "$ID" --table t --rule-file good.json t.enc.csv \
	>/dev/null 2>stderr; then
	ok "a rule that fits the table is taken"
else
	notok "the good rule"; cat stderr
fi
want="aggregation:2 [join email,phone; dimensions campaign; SUM(amount) AVG(amount) COUNT_DISTINCT(email); OR joins; joined with the query runner's tables only]"
if as alice tables --id "$ID" | grep -qF "$want"; then
	ok "tables shows the rule"
else
	notok "tables shows the rule"; as alice tables --id "$ID"
fi

# --- joinRequired: a count must touch a table of the member who asks
ID2=$(as alice collab create --name runner --member alice:upload,query \
	--member bob:upload,query --member mallory:upload,query --allow-cleartext)
cat >fp.json <<'JSON'
{ "headerRow": true, "columns": [
  { "sourceHeader": "email", "targetHeader": "email", "type": "fingerprint" } ] }
JSON
cut -d, -f1 t.csv >emails.csv
printf '{ "type": "aggregation", "joinColumns": ["email"], "joinRequired": "QUERY_RUNNER" }\n' \
	>runner.json
for who in alice bob mallory; do
	as $who encrypt emails.csv --schema fp.json --id "$ID2" --output $who.csv \
		--secret-file secret 2>>enc.log || notok "encrypt for $who"
done
as alice upload --id "$ID2" --table t --rule-file runner.json alice.csv >/dev/null &&
	as bob upload --id "$ID2" --table b --rule aggregation bob.csv >/dev/null &&
	as mallory upload --id "$ID2" --table m --rule aggregation mallory.csv >/dev/null ||
	notok "the uploads of the joinRequired case"
expect_fail "joinRequired: two other members' tables are refused" \
	"table t may only be queried joined with a table of the member who asks" \
	mallory count --id "$ID2" t.email b.email
if [ "$(as mallory count --id "$ID2" t.email m.email 2>stderr)" = 20 ] &&
	[ "$(as alice count --id "$ID2" t.email b.email 2>>stderr)" = 20 ]; then
	ok "joinRequired: a count with a table of the asker is answered"
else
	notok "joinRequired with the asker's table"; cat stderr
fi

echo "1..$((passed + failed))"
[ "$failed" -eq 0 ]
