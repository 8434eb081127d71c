#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# privacy.sh: differential privacy through psictl and a real psid on
# 127.0.0.1: rule files and their one-line errors (nothing stored), a
# collaboration that requires a policy, noisy counts with their interval,
# the budget shown and spent, the differencing attack of issue 12 stopped
# by the budget (epsilon 1, budget 3: the fourth query is refused), and a
# spent budget that survives kill -9. Run by make check with PSICTL, PSID
# and PSID_TESTS set. Prints one "ok"/"not ok" line per check.
set -u
: "${PSICTL:?set PSICTL}" "${PSID:?set PSID}" "${PSID_TESTS:?set PSID_TESTS}"
. "$PSID_TESTS/lib.sh"
start_psid

# Alice's customers c0..c299; Bob knows c0..c149 are among them.
ID=$(as alice collab create --name dp --member alice:upload,query \
	--member bob:upload,query)
printf 'email\n' >alice.csv
i=0
while [ $i -lt 300 ]; do echo "c$i@x.org" >>alice.csv; i=$((i + 1)); done
printf 'email\n' >s.csv
i=0
while [ $i -lt 150 ]; do echo "c$i@x.org" >>s.csv; i=$((i + 1)); done
{ cat s.csv; echo "c200@x.org"; } >s_in.csv	# S and a target in the table
{ cat s.csv; echo "z999@x.org"; } >s_out.csv	# S and a row surely absent
cat >schema.json <<'EOF'
{ "headerRow": true, "columns": [
  { "sourceHeader": "email", "targetHeader": "email", "type": "fingerprint" } ] }
EOF
"$PSICTL" keygen >secret
for f in alice s s_in s_out; do
	as alice encrypt $f.csv --schema schema.json --id "$ID" \
		--output $f.enc.csv --secret-file secret 2>>enc.log ||
		notok "encrypt $f.csv"
done

# --- rule files: each error one line naming the key; nothing stored
rule() { printf '%s\n' "$2" >"$1"; }
rule bad_eps.json '{ "type": "aggregation", "differentialPrivacy": { "epsilon": 0, "budget": 3 } }'
rule bad_budget.json '{ "type": "aggregation", "differentialPrivacy": { "epsilon": 1, "budget": 0.5 } }'
rule bad_key.json '{ "type": "aggregation", "differentialPrivacy": { "epsilon": 1, "budget": 3, "epsilom": 1 } }'
rule bad_top.json '{ "type": "aggregation", "outputconstraints": [] }'
rule bad_list.json '{ "type": "list", "differentialPrivacy": { "epsilon": 1, "budget": 3 } }'
rule bad_type.json '{ "type": "aggregate" }'
rule bad_json.json '{ "type": "aggregation", }'
rule bad_dec.json '{ "type": "aggregation", "differentialPrivacy": { "epsilon": 0.0005, "budget": 3 } }'
rule bad_agg.json '{ "type": "aggregation", "scalarFunctions": [] }'
expect_fail "epsilon 0 is refused" "bad_eps.json: key differentialPrivacy.epsilon: must be above 0" \
	alice upload --id "$ID" --table t --rule-file bad_eps.json alice.enc.csv
expect_fail "a budget under epsilon is refused" "key differentialPrivacy.budget: smaller than epsilon" \
	alice upload --id "$ID" --table t --rule-file bad_budget.json alice.enc.csv
expect_fail "an unknown key of the policy is named" "key differentialPrivacy.epsilom: unknown key" \
	alice upload --id "$ID" --table t --rule-file bad_key.json alice.enc.csv
expect_fail "an unknown key of the rule is named" "key outputconstraints: unknown key" \
	alice upload --id "$ID" --table t --rule-file bad_top.json alice.enc.csv
expect_fail "a policy on a list rule is refused" "key differentialPrivacy: only for an aggregation rule" \
	alice upload --id "$ID" --table t --rule-file bad_list.json alice.enc.csv
expect_fail "an unknown rule type is refused" "key type: must be" \
	alice upload --id "$ID" --table t --rule-file bad_type.json alice.enc.csv
expect_fail "a JSON error names its line and column" "bad_json.json: line 1, column" \
	alice upload --id "$ID" --table t --rule-file bad_json.json alice.enc.csv
expect_fail "more than 3 decimals are refused" "more than 3 decimal places" \
	alice upload --id "$ID" --table t --rule-file bad_dec.json alice.enc.csv
expect_fail "a Clean Rooms key not built yet says so" "key scalarFunctions: not supported" \
	alice upload --id "$ID" --table t --rule-file bad_agg.json alice.enc.csv
if [ "$(as alice tables --id "$ID" | wc -l)" -eq 1 ]; then
	ok "no table after the refusals"
else
	notok "a refused rule stored a table"
fi

# --- the policy: epsilon 1, budget 3, threshold 100
rule dp.json '{ "type": "aggregation",
  "outputConstraints": [ { "columnName": "email", "minimum": 100, "type": "COUNT_DISTINCT" } ],
  "differentialPrivacy": { "epsilon": 1, "budget": 3, "contributionLimit": 1, "refresh": "never" } }'
if as alice upload --id "$ID" --table t --rule-file dp.json alice.enc.csv >/dev/null 2>stderr; then
	ok "upload with a rule file"
else
	notok "upload with a rule file"; cat stderr
fi
if as bob tables --id "$ID" | grep -q "aggregation:100 (differential privacy: epsilon 1, budget 3, contribution limit 1, refresh never, laplace)"; then
	ok "tables shows the policy"
else
	notok "tables shows the policy"; as bob tables --id "$ID"
fi
if as bob budget --id "$ID" | grep -q "^t	1	0	3	3	never	laplace$"; then
	ok "budget: nothing spent yet"
else
	notok "budget before"; as bob budget --id "$ID"
fi

# --- the differencing attack: S, S + target, S + absent
noisy=0
for f in s s_in s_out; do
	as bob upload --id "$ID" --table probe --replace --rule aggregation $f.enc.csv \
		>/dev/null 2>>stderr || notok "upload $f"
	out=$(as bob count --id "$ID" t.email probe.email 2>>stderr)
	case $out in
	*" ±"*"(95%; differential privacy, epsilon 1, laplace)")
		noisy=$((noisy + 1)) ;;
	*) notok "count $f: '$out'" ;;
	esac
done
if [ $noisy -eq 3 ]; then ok "the three answers are noisy, with their interval"; fi
expect_fail "the fourth query is refused: the budget is spent" \
	"table t: privacy budget exhausted (3 of 3 spent)" bob count --id "$ID" t.email probe.email
if as alice budget --id "$ID" | grep -q "^t	1	3	3	0	never	laplace$"; then
	ok "budget: 3 of 3 spent, for every member"
else
	notok "budget after"; as alice budget --id "$ID"
fi
if as alice audit --id "$ID" | grep -q "privacy: epsilon 1 from t"; then
	ok "the audit log records epsilon per query"
else
	notok "audit: epsilon"; as alice audit --id "$ID"
fi

# --- a spend survives kill -9
ID3=$(as alice collab create --name dp2 --member alice:upload,query)
sed -e 's/"budget": 3/"budget": 10/' dp.json >dp10.json
for f in alice s; do
	as alice encrypt $f.csv --schema schema.json --id "$ID3" \
		--output $f.3.csv --secret-file secret 2>>enc.log
done
as alice upload --id "$ID3" --table t --rule-file dp10.json alice.3.csv >/dev/null &&
	as alice upload --id "$ID3" --table s --rule aggregation s.3.csv >/dev/null &&
	as alice count --id "$ID3" t.email s.email >/dev/null &&
	as alice count --id "$ID3" t.email s.email >/dev/null ||
	notok "the queries before the kill"
kill -9 "$PSID_PID"
wait "$PSID_PID" 2>/dev/null
start_psid
if as alice budget --id "$ID3" | grep -q "^t	1	2	10	8	never	laplace$"; then
	ok "the spent budget survives kill -9"
else
	notok "budget after kill -9"; as alice budget --id "$ID3"
fi

# --- a collaboration that requires a policy
ID4=$(as alice collab create --name strict --member alice:upload,query --require-dp)
if as alice collab show --id "$ID4" | grep -q "^require-dp: yes$" &&
	as alice collab show --id "$ID" | grep -q "^require-dp: no$"; then
	ok "collab show says whether tables need a policy"
else
	notok "collab show: require-dp"; as alice collab show --id "$ID4"
fi
as alice encrypt alice.csv --schema schema.json --id "$ID4" --output a4.csv \
	--secret-file secret 2>>enc.log
expect_fail "--require-dp refuses a table without a policy" \
	"requires a differential privacy policy on every table" \
	alice upload --id "$ID4" --table t --rule aggregation a4.csv
if as alice upload --id "$ID4" --table t --rule-file dp.json a4.csv >/dev/null 2>stderr; then
	ok "--require-dp takes a table with a policy"
else
	notok "--require-dp with a policy"; cat stderr
fi

echo "1..$((passed + failed))"
[ "$failed" -eq 0 ]
