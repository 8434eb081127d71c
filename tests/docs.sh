#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# docs.sh: what is installed for operators agrees with psid. The example
# etc/psid.conf passes `psid -n` as shipped and with every key
# uncommented (its defaults are valid values); it has exactly the keys
# psid.conf(5) documents; psid(8) documents exactly the long options of
# `psid -h`. Run by make check with PSID and PSID_SRCDIR set; prints one
# "ok"/"not ok" line per check. libpsid(3) names every function of
# <psid/client.h> and documents it with .Fn.
set -u
: "${PSID:?set PSID to the built psid}"
: "${PSID_SRCDIR:?set PSID_SRCDIR to the source tree}"
EXAMPLE=$PSID_SRCDIR/etc/psid.conf
CONF5=$PSID_SRCDIR/man/psid.conf.5
MAN8=$PSID_SRCDIR/man/psid.8
WORK=$(mktemp -d "${TMPDIR:-/tmp}/psid-docs.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
notok() { failed=$((failed + 1)); echo "not ok - $1"; }
# same NAME A B: the sorted word lists in files A and B are equal.
same() {
	if cmp -s "$2" "$3"; then
		ok "$1"
	else
		notok "$1"
		diff "$2" "$3" | sed 's/^/#   /'
	fi
}

# The example, with the PEM files of a throwaway PKI and a scratch state.
sh "$PSID_SRCDIR/tests/pki.sh" "$WORK/pki" || exit 1
sed -e "s|^ca = .*|ca = $WORK/pki/ca.pem|" \
	-e "s|^cert = .*|cert = $WORK/pki/server.pem|" \
	-e "s|^key = .*|key = $WORK/pki/server.key|" \
	-e "s|^state_dir = .*|state_dir = $WORK/state|" \
	"$EXAMPLE" >"$WORK/as-shipped.conf"
if "$PSID" -n -c "$WORK/as-shipped.conf" >"$WORK/out" 2>&1; then
	ok "psid -n accepts the example as shipped"
else
	notok "psid -n refuses the example as shipped: $(cat "$WORK/out")"
fi
sed -e 's/^#\([a-z_]* = \)/\1/' "$WORK/as-shipped.conf" \
	>"$WORK/uncommented.conf"
if "$PSID" -n -c "$WORK/uncommented.conf" >"$WORK/out" 2>&1; then
	ok "psid -n accepts the example with every key uncommented"
else
	notok "psid -n refuses the example uncommented: $(cat "$WORK/out")"
fi

# Keys: those of the example (set or commented out) and of psid.conf(5).
sed -n 's/^#\{0,1\}\([a-z_]*\) = .*/\1/p' "$EXAMPLE" | sort -u \
	>"$WORK/example.keys"
sed -n 's/^\.It Cm \([a-z_]*\) No = .*/\1/p' "$CONF5" | sort -u \
	>"$WORK/conf5.keys"
same "the example has every key of psid.conf(5), and no other" \
	"$WORK/conf5.keys" "$WORK/example.keys"

# Long options: those psid -h prints (and --help, which it does not
# list), and those psid(8) documents.
{ "$PSID" -h | grep -o -- '--[a-z][a-z-]*' | sed 's/^--//'; echo help; } |
	sort -u >"$WORK/help.opts"
sed -n 's/^\.It Fl [a-zA-Z] Ar .*, Fl -\([a-z-]*\).*/\1/p;
	s/^\.It Fl [a-zA-Z] , Fl -\([a-z-]*\).*/\1/p;
	s/^\.It Fl -\([a-z-]*\).*/\1/p' "$MAN8" | sort -u >"$WORK/man8.opts"
same "psid(8) documents every long option of psid -h, and no other" \
	"$WORK/help.opts" "$WORK/man8.opts"

# Functions: those <psid/client.h> declares (with <psid/remote.h>, which
# it includes), and those libpsid(3) names (NAME) and shows (.Fn or .Fo
# in SYNOPSIS).
HEADERS="$PSID_SRCDIR/client/include/psid/client.h
$PSID_SRCDIR/client/include/psid/remote.h"
MAN3=$PSID_SRCDIR/man/libpsid.3
# shellcheck disable=SC2086
cat $HEADERS | grep -v '^typedef' |
	sed -n 's/^[a-z].*[ *]\(psid_[a-z_]*\)(.*/\1/p' | sort -u \
	>"$WORK/header.fns"
sed -n 's/^\.Nm \(psid_[a-z_]*\).*/\1/p' "$MAN3" | sort -u >"$WORK/name.fns"
sed -n '/^\.Sh SYNOPSIS/,/^\.Sh DESCRIPTION/s/^\.F[no] \(psid_[a-z_]*\).*/\1/p' \
	"$MAN3" | sort -u >"$WORK/synopsis.fns"
same "libpsid(3) names every function of <psid/client.h>, and no other" \
	"$WORK/header.fns" "$WORK/name.fns"
same "libpsid(3) shows the prototype of each" \
	"$WORK/header.fns" "$WORK/synopsis.fns"

echo "1..$((passed + failed))"
[ "$failed" -eq 0 ]
