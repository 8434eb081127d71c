#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# size.sh: the size ratchet (Tor's practracker is the model). No production
# function (client/, server/, storage/, proto/) over 80 lines, no
# production file over 600 lines, except those tests/size-exceptions
# lists, each with its size today; an exception may not grow, and one that
# has shrunk or gone must be lowered or removed in the same change, so the
# file can only shrink. A function's length is its lines from the line
# that names it to its closing brace in column 0 (KNF). Run by make check
# (PSID_SRCDIR: the tree); prints ok/not ok per rule.
set -u
top=${PSID_SRCDIR:-$(dirname "$0")/..}
me=$(cd "$(dirname "$0")" && pwd)/${0##*/}
cd "$top" || exit 1
FUNC_MAX=80
FILE_MAX=600
EXC=tests/size-exceptions
failed=0

files=$(find client server storage proto -name '*.[ch]' ! -name '*.pb-c.*' |
	sort)

# Every function and file with its size: "function FILE:NAME N", "file FILE N".
# shellcheck disable=SC2086
measured=$(awk '
FNR == 1 { if (prev != "") print "file " prev " " plines; cand = ""; infn = 0 }
{ prev = FILENAME; plines = FNR }
!infn && /^[A-Za-z_][A-Za-z0-9_]*\(/ { cand = $0; start = FNR }
!infn && /^\{/ && cand != "" { infn = 1; name = cand; sub(/\(.*/, "", name) }
infn && /^\}/ { print "function " FILENAME ":" name " " FNR - start + 1;
	infn = 0; cand = "" }
/;[ \t]*$/ && !infn { cand = "" }
END { if (prev != "") print "file " prev " " plines }
' $files)

# limit KIND: the largest size allowed without an exception.
limit() { if [ "$1" = function ]; then echo $FUNC_MAX; else echo $FILE_MAX; fi; }

over=$(echo "$measured" | while read -r kind what n; do
	[ "$n" -gt "$(limit "$kind")" ] && echo "$kind $what $n"
done)

# Over the limit without an exception, or grown past its exception.
bad=$(echo "$over" | while read -r kind what n; do
	[ -n "$kind" ] || continue
	allowed=$(awk -v k="$kind" -v w="$what" '$1 == k && $2 == w { print $3 }' \
		"$EXC")
	if [ -z "$allowed" ]; then
		echo "$kind $what: $n lines (limit $(limit "$kind"))"
	elif [ "$n" -gt "$allowed" ]; then
		echo "$kind $what: $n lines, grown past its exception ($allowed)"
	fi
done)
if [ -n "$bad" ]; then
	echo "not ok - over the size limits:"
	echo "$bad" | sed 's/^/#   /'
	failed=$((failed + 1))
else
	echo "ok - no function over $FUNC_MAX lines, no file over $FILE_MAX, but the exceptions"
fi

# Exceptions that have shrunk or gone: lower or remove them.
stale=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$EXC" | while read -r kind what allowed; do
	n=$(echo "$measured" | awk -v k="$kind" -v w="$what" \
		'$1 == k && $2 == w { print $3 }')
	if [ -z "$n" ] || [ "$n" -le "$(limit "$kind")" ]; then
		echo "$kind $what: no longer over the limit; remove its exception"
	elif [ "$n" -lt "$allowed" ]; then
		echo "$kind $what: $n lines now; lower its exception from $allowed"
	fi
done)
if [ -n "$stale" ]; then
	echo "not ok - $EXC can shrink:"
	echo "$stale" | sed 's/^/#   /'
	failed=$((failed + 1))
else
	echo "ok - $EXC holds only what is still over, at its size"
fi

# The ratchet itself catches a planted 81-line function.
if [ -z "${PSID_SIZE_SELF:-}" ]; then
	t=$(mktemp -d "${TMPDIR:-/tmp}/psid-size.XXXXXX")
	mkdir -p "$t/server" "$t/client" "$t/storage" "$t/proto" "$t/tests"
	: >"$t/tests/size-exceptions"
	{ printf 'static int\nplanted(void)\n{\n'
	  i=0; while [ $i -lt 77 ]; do echo "	i++;"; i=$((i + 1)); done
	  printf '\treturn 0;\n}\n'; } >"$t/server/planted.c"
	if PSID_SIZE_SELF=1 PSID_SRCDIR="$t" sh "$me" >"$t/out" 2>&1 ||
	    ! grep -q 'server/planted.c:planted: 81 lines' "$t/out"; then
		echo "not ok - the ratchet let a planted 81-line function through"
		sed 's/^/#   /' "$t/out"
		failed=$((failed + 1))
	else
		echo "ok - the ratchet catches a planted 81-line function"
	fi
	rm -rf "$t"
fi
[ "$failed" -eq 0 ]
