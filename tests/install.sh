#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# install.sh: psid installed and run as an operator would. As root:
# `make install` into a DESTDIR, a system user, the installed psid
# started as root from the installed example config; it must run as that
# user, say READY=1 on a NOTIFY_SOCKET we listen on, reload a replaced
# certificate on SIGHUP (new connections see it, an open one keeps
# working), refuse a bad config on SIGHUP and keep running, exit 0 on
# SIGTERM during an upload leaving a state a restart serves. A program
# built against the installed libpsid with pkg-config connects and
# counts, and so does psictl built out of tree the same way. Prints one
# "ok"/"not ok" line per check; exit 77 if not root.
#
# usage: tests/install.sh [BUILD_DIR]   (default: build/ beside tests/)
set -u
if [ "$(id -u)" != 0 ]; then
	echo "install.sh: skipped: needs root (useradd, privilege drop)"
	exit 77
fi
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$SRC/build}" && pwd)
D=$(mktemp -d "${TMPDIR:-/tmp}/psid-install.XXXXXX")
chmod 755 "$D"
RUSER=psidtest
PSID_PID=
NOTIFY_PID=
IC_PID=
cleanup() {
	for p in $PSID_PID $NOTIFY_PID $IC_PID; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
notok() { failed=$((failed + 1)); echo "not ok - $1"; }
check() { name=$1; shift; if "$@"; then ok "$name"; else notok "$name"; fi; }
die() { notok "$1"; [ -f "$D/psid.log" ] && cat "$D/psid.log"; exit 1; }
# wait_for FILE PATTERN: up to 10 s for PATTERN in FILE.
wait_for() {
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		i=$((i + 1)); [ $i -gt 500 ] && return 1; sleep 0.02
	done
}

make -C "$BUILD" install DESTDIR="$D" >"$D/install.log" 2>&1 || die "make install"
PSID=$(find "$D" -path '*/sbin/psid' -type f | head -1)
PSICTL=$(find "$D" -path '*/bin/psictl' -type f | head -1)
PC=$(find "$D" -name psid.pc | head -1)
EXAMPLE=$(find "$D" -name 'psid.conf*' -path '*psid*' -type f | head -1)
check "make install puts psid, psictl, psid.pc and an example config" \
	test -x "$PSID" -a -x "$PSICTL" -a -f "$PC" -a -f "$EXAMPLE"
for page in psid.8 psid.conf.5 psictl.1 libpsid.3; do
	check "man page $page installed" test -n "$(find "$D" -name "$page*" | head -1)"
done
check "psid.service installed" test -n "$(find "$D" -name psid.service | head -1)"
check "<psid/client.h> installed" test -n "$(find "$D" -path '*include/psid/client.h')"

id "$RUSER" >/dev/null 2>&1 ||
	useradd --system --no-create-home --shell /usr/sbin/nologin "$RUSER" ||
	die "useradd $RUSER"

# The PKI; psid's key readable by its group so that a reload after the
# privilege drop can read a replaced one.
ETC=$D/etc/psid
mkdir -p "$ETC"
sh "$SRC/tests/pki.sh" "$ETC/pki" >/dev/null || die "pki"
chgrp "$RUSER" "$ETC/pki/server.key" && chmod 640 "$ETC/pki/server.key"
# The example config, with this machine's paths.
grep -v -E '^[[:space:]]*(listen|ca|cert|key|state_dir|user|tmp_dir|log_level)[[:space:]]*=' \
	"$EXAMPLE" >"$ETC/psid.conf"
cat >>"$ETC/psid.conf" <<EOF
listen = 127.0.0.1:0
ca = $ETC/pki/ca.pem
cert = $ETC/pki/server.pem
key = $ETC/pki/server.key
state_dir = $D/state
user = $RUSER
log_level = debug
EOF
check "psid -n accepts the config" sh -c '"$0" -n -c "$1" >/dev/null' "$PSID" "$ETC/psid.conf"
printf 'listen = 127.0.0.1:0\nworkers = many\n' >"$D/bad.conf"
"$PSID" -n -c "$D/bad.conf" 2>"$D/err" >/dev/null
if [ $? -eq 1 ] && grep -q "bad.conf:2: workers" "$D/err"; then
	ok "psid -n names file:line of a bad number"
else
	notok "psid -n on a bad config"; cat "$D/err"
fi

# A key the psid user cannot read: file:line, as that user would see it.
cp "$ETC/psid.conf" "$D/secret.conf"
chmod 644 "$D/secret.conf"
cp "$ETC/pki/alice.key" "$D/root-only.key" && chmod 600 "$D/root-only.key"
sed -i "s|^key = .*|key = $D/root-only.key|" "$D/secret.conf"
setpriv --reuid="$RUSER" --regid="$RUSER" --clear-groups \
	"$PSID" -n -c "$D/secret.conf" >/dev/null 2>"$D/err"
if [ $? -eq 1 ] && grep -q "secret.conf:[0-9]*: key: .*Permission denied" "$D/err"; then
	ok "an unreadable key: file:line and exit 1"
else
	notok "an unreadable key"; cat "$D/err"
fi

# A NOTIFY_SOCKET of our own, as systemd's.
python3 - "$D/notify" "$D/notify.log" <<'EOF' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o777)    # as systemd's: psid sends after dropping root
with open(sys.argv[2], "a", buffering=1) as log:
    while True:
        log.write(s.recv(4096).decode() + "\n")
EOF
NOTIFY_PID=$!
i=0; while [ ! -S "$D/notify" ] && [ $i -lt 500 ]; do i=$((i + 1)); sleep 0.02; done

start_psid() {
	rm -f "$D/port"
	NOTIFY_SOCKET=$D/notify "$PSID" -c "$ETC/psid.conf" --port-file "$D/port" -f \
		2>>"$D/psid.log" &
	PSID_PID=$!
	wait_for "$D/port" . || die "psid did not start"
	PORT=$(cat "$D/port")
}
start_psid
check "READY=1 on the notify socket" wait_for "$D/notify.log" "READY=1"
check "psid runs as $RUSER" test "$(ps -o user= -p "$PSID_PID" | tr -d ' ')" = "$RUSER"
check "the state directory belongs to $RUSER" test "$(stat -c %U "$D/state")" = "$RUSER"

for who in alice bob; do
	printf 'server = 127.0.0.1:%s\nca = %s\ncert = %s\nkey = %s\n' "$PORT" \
		"$ETC/pki/ca.pem" "$ETC/pki/$who.pem" "$ETC/pki/$who.key" >"$D/$who.conf"
done
# The installed psictl, with the installed libpsid.so (a DESTDIR is not
# in the loader's path).
LIBDIR=$(dirname "$(dirname "$PC")")
as() {
	who=$1; shift
	LD_LIBRARY_PATH=$LIBDIR "$PSICTL" "$@" --config "$D/$who.conf"
}
# Two tables of fingerprint cells (what psictl encrypt writes).
python3 - "$D" <<'EOF'
import base64, hashlib, sys
d = sys.argv[1]
def cell(i):
    return "02:hmac:" + base64.b64encode(hashlib.sha256(b"%d" % i).digest()).decode()
for name, lo, hi in (("a", 0, 3000), ("b", 2000, 4000), ("big", 0, 1000000)):
    with open(f"{d}/{name}.csv", "w") as f:
        f.write("email\n")
        for i in range(lo, hi):
            f.write(cell(i) + "\n")
EOF
ID=$(as alice collab create --name install --member alice:upload,query,receive --member bob:upload)
as alice upload --id "$ID" --table a --rule list "$D/a.csv" >/dev/null &&
	as bob upload --id "$ID" --table b --rule list "$D/b.csv" >/dev/null
check "the installed psictl uploads" test $? -eq 0
check "the installed psictl counts" test "$(as alice count --id "$ID" a.email b.email)" = 1000

# A program built against the installed library, with pkg-config.
SO=$(find "$LIBDIR" -name 'libpsid.so.*' -type f | head -1)
EXTRA=$(nm -D --defined-only "$SO" | awk '{ print $3 }' | grep -v '^psid_[a-z]' | head -3)
check "libpsid.so exports psid_* and nothing else${EXTRA:+ (also: $EXTRA)}" \
	test -n "$SO" -a -z "$EXTRA"
CFLAGS_LIBS=$(PKG_CONFIG_SYSROOT_DIR=$D PKG_CONFIG_PATH=$(dirname "$PC") \
	pkg-config --cflags --libs psid)
if cc -o "$D/installcheck" "$SRC/tests/installcheck.c" $CFLAGS_LIBS 2>"$D/cc.err"; then
	ok "a program builds with pkg-config --cflags --libs psid"
else
	notok "building against the installed library"; cat "$D/cc.err"
fi
mkfifo "$D/ic.in"
LD_LIBRARY_PATH=$LIBDIR "$D/installcheck" 127.0.0.1 "$PORT" "$ETC/pki/ca.pem" \
	"$ETC/pki/alice.pem" "$ETC/pki/alice.key" "$ID" a.email b.email \
	<"$D/ic.in" >"$D/ic.out" 2>"$D/ic.err" &
IC_PID=$!
exec 3>"$D/ic.in"
check "it connects and counts" wait_for "$D/ic.out" "^1000$"

# psictl itself is such a program: its sources (which see <psid/client.h>
# only), the build's config.h, and what pkg-config says of psid and inih.
PSID_PC=$(PKG_CONFIG_SYSROOT_DIR=$D PKG_CONFIG_PATH=$(dirname "$PC") \
	pkg-config --cflags --libs psid)
if cc -std=c11 -I"$BUILD/build-aux" -o "$D/psictl-outside" \
	"$SRC"/client/psictl/*.c $PSID_PC $(pkg-config --cflags --libs inih) \
	-pthread 2>"$D/cc.err"; then
	ok "psictl builds out of tree against the installed libpsid"
else
	notok "building psictl against the installed library"; cat "$D/cc.err"
fi
check "it needs the installed libpsid.so" sh -c \
	'LD_LIBRARY_PATH="$1" ldd "$2" | grep -q "libpsid\.so.* => $1/"' \
	sh "$LIBDIR" "$D/psictl-outside"
check "it makes a secret" sh -c 'LD_LIBRARY_PATH="$1" "$2" keygen |
	grep -Eqx "[A-Za-z0-9+/]{43}="' sh "$LIBDIR" "$D/psictl-outside"
check "it counts through psid" test "$(LD_LIBRARY_PATH=$LIBDIR \
	"$D/psictl-outside" count --id "$ID" a.email b.email \
	--config "$D/alice.conf")" = 1000

# SIGHUP with a replaced certificate (same CA).
fingerprint() {
	openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$ETC/pki/ca.pem" \
		-cert "$ETC/pki/alice.pem" -key "$ETC/pki/alice.key" </dev/null 2>/dev/null |
		openssl x509 -noout -fingerprint -sha256
}
OLD=$(fingerprint)
mkdir "$D/pki2" && cp "$ETC/pki/ca.pem" "$ETC/pki/ca.key" "$D/pki2/"
sh "$SRC/tests/pki.sh" "$D/pki2" >/dev/null
cp "$D/pki2/server.pem" "$ETC/pki/server.pem"
cp "$D/pki2/server.key" "$ETC/pki/server.key"
kill -HUP "$PSID_PID"
check "RELOADING=1 then READY=1 on SIGHUP" wait_for "$D/notify.log" "RELOADING=1"
wait_for "$D/psid.log" "reloaded" || true
NEW=$(fingerprint)
check "new connections see the new certificate" test -n "$NEW" -a "$NEW" != "$OLD"
echo go >&3
exec 3>&-
wait "$IC_PID"
rc=$?
IC_PID=
check "the connection open across the reload keeps working" \
	test $rc -eq 0 -a "$(sed -n 2p "$D/ic.out")" = 1000
# A bad config on SIGHUP: refused, psid runs on the old one.
cp "$ETC/psid.conf" "$D/good.conf"
echo "max_frame = lots" >>"$ETC/psid.conf"
kill -HUP "$PSID_PID"
check "a bad config on SIGHUP is refused with file:line" \
	wait_for "$D/psid.log" "reload refused.*psid.conf:[0-9]*: max_frame"
cp "$D/good.conf" "$ETC/psid.conf"
check "and psid serves on" test "$(as alice count --id "$ID" a.email b.email)" = 1000

# SIGTERM during an upload: exit 0, a consistent state a restart serves.
as alice upload --id "$ID" --table big --rule list "$D/big.csv" >"$D/up.out" 2>&1 &
UP=$!
sleep 0.3
kill -TERM "$PSID_PID"
wait "$PSID_PID"
rc=$?
PSID_PID=
wait "$UP"
up_rc=$?
check "SIGTERM during an upload: psid exits 0" test $rc -eq 0
check "STOPPING=1 on the notify socket" wait_for "$D/notify.log" "STOPPING=1"
start_psid
for who in alice bob; do sed -i "s/^server = .*/server = 127.0.0.1:$PORT/" "$D/$who.conf"; done
TABLES=$(as alice tables --id "$ID" | awk 'NR > 1 { print $1 ":" $3 }' | tr '\n' ' ')
if [ $up_rc -eq 0 ]; then want="a:3000 b:2000 big:1000000 "; else want="a:3000 b:2000 "; fi
check "after a restart: the tables committed, whole ($TABLES)" test "$TABLES" = "$want"
check "and counts" test "$(as alice count --id "$ID" a.email b.email)" = 1000
kill -TERM "$PSID_PID"; wait "$PSID_PID"; PSID_PID=
if grep -q "02:hmac:[A-Za-z0-9+/]\{8\}" "$D/psid.log"; then notok "psid logged a cell"; else ok "no cell in psid's log"; fi

echo "# $passed passed, $failed failed"
[ "$failed" -eq 0 ]
