#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# unit.sh: the systemd unit as make builds it (systemd/psid.service, from
# psid.service.in with configure's paths): `systemd-analyze verify` finds
# nothing wrong, the man pages of its Documentation= are ours, and the
# `systemd-analyze security` exposure score is below 3.0. Run by make
# check with PSID_UNIT, PSID and PSID_SRCDIR set; exit 77 (skipped) when
# systemd-analyze is absent. Prints one "ok"/"not ok" line per check.
set -u
: "${PSID_UNIT:?set PSID_UNIT to the built psid.service}"
: "${PSID:?set PSID to the built psid}"
: "${PSID_SRCDIR:?set PSID_SRCDIR to the source tree}"
if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "unit.sh: skipped: no systemd-analyze (Debian: systemd)"
	exit 77
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/psid-unit.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
notok() { failed=$((failed + 1)); echo "not ok - $1"; }

check_unit_built() {
	if [ ! -f "$PSID_UNIT" ]; then
		notok "$PSID_UNIT not built"
		return 1
	fi
	if grep -n '@[a-z_]*@' "$PSID_UNIT"; then
		notok "unsubstituted @variables@ in $PSID_UNIT"
		return 1
	fi
	ok "psid.service built with configure's paths"
}
check_unit_built || { echo "1..$((passed + failed))"; exit 1; }

# verify checks that ExecStart= names an executable: before make install
# the configured path does not exist, so a copy of the unit runs the
# built psid; every other line is the built unit's.
exec_path=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$PSID_UNIT")
case $exec_path in
*/sbin/psid) ok "ExecStart= runs psid from sbindir ($exec_path)" ;;
*) notok "ExecStart= runs '$exec_path', not sbindir's psid" ;;
esac
if [ -x "$exec_path" ]; then
	cp "$PSID_UNIT" "$WORK/psid.service"
else
	sed "s|^ExecStart=$exec_path |ExecStart=$PSID |" "$PSID_UNIT" \
		>"$WORK/psid.service"
fi

# The Documentation= pages are checked against our man/ below, so verify
# need not find them installed (--man=no).
if (cd "$WORK" && systemd-analyze verify --man=no ./psid.service) \
	>"$WORK/verify.out" 2>&1 && [ ! -s "$WORK/verify.out" ]; then
	ok "systemd-analyze verify: nothing to say"
else
	notok "systemd-analyze verify"
	cat "$WORK/verify.out"
fi
for doc in $(sed -n 's/^Documentation=//p' "$PSID_UNIT"); do
	page=${doc#man:}
	name=${page%(*}
	section=${page#*(}
	section=${section%)}
	if [ -f "$PSID_SRCDIR/man/$name.$section" ]; then
		ok "Documentation=$doc is man/$name.$section"
	else
		notok "Documentation=$doc: no man/$name.$section"
	fi
done

# The exposure score, offline (no service manager needed); --threshold
# is in tenths: 29 fails anything above 2.9.
if systemd-analyze security --help 2>/dev/null | grep -q -- --offline; then
	systemd-analyze security --offline=true --threshold=29 \
		"$WORK/psid.service" >"$WORK/security.out" 2>&1
	rc=$?
	score=$(sed -n 's/.*Overall exposure level for psid.service: \([0-9.]*\).*/\1/p' \
		"$WORK/security.out")
	if [ "$rc" -eq 0 ] && [ -n "$score" ]; then
		ok "systemd-analyze security: exposure $score (below 3.0)"
	else
		notok "systemd-analyze security: exposure ${score:-unknown}, exit $rc"
		cat "$WORK/security.out"
	fi
else
	echo "ok - # SKIP systemd-analyze security has no --offline (systemd < 250)"
fi

echo "1..$((passed + failed))"
[ "$failed" -eq 0 ]
