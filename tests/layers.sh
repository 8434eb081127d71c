#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# layers.sh: the walls between psid's rooms (docs/ARCHITECTURE.md), checked
# on every #include of every C file of the tree. Each folder that holds C
# files has a .may_include (Tor's pattern) saying what its files may
# include, one pattern a line:
#   libc        the C11 and POSIX headers (<stdio.h>, <sys/socket.h>, ...)
#   self        the folder's own headers, included by name
#   @DIR        any header of folder DIR (relative to the tree's top)
#   "NAME"      a quoted include; <NAME> an angle one; * matches any
#               characters
# The compiler already refuses most wrong includes (each folder is built
# with its own include path, see Makefile.am); this catches the rest:
# relative paths ("../server/conn.h"), a header reachable through a
# shared path, a new library header, a folder without a .may_include.
# Run by make check (PSID_SRCDIR: the tree). Prints ok/not ok per folder.
set -u
top=${PSID_SRCDIR:-$(dirname "$0")/..}
here=$(pwd)
me=$(cd "$(dirname "$0")" && pwd)/${0##*/}
cd "$top" || exit 1
failed=0 passed=0

LIBC='assert.h ctype.h dirent.h errno.h fcntl.h float.h ftw.h getopt.h grp.h
inttypes.h libgen.h limits.h math.h netdb.h poll.h pthread.h pwd.h regex.h
sched.h signal.h stdalign.h stdarg.h stdatomic.h stdbool.h stddef.h stdint.h
stdio.h stdlib.h stdnoreturn.h string.h strings.h syslog.h time.h unistd.h
arpa/inet.h netinet/in.h netinet/tcp.h sys/*.h'

# The folders that hold C files (build trees and dependencies aside).
folders=$(find . \( -name .git -o -name 'build*' -o -name _build -o -name _inst -o -name node_modules \
	-o -name autom4te.cache \) -prune -o -name '*.[ch]' -print |
	sed 's|/[^/]*$||; s|^\./||' | sort -u)

# allowed FOLDER: the patterns of FOLDER/.may_include, expanded, one a line
# (quoted or angle-bracketed).
allowed() {
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$1/.may_include" |
	while read -r p; do
		case $p in
		libc)
			for h in $LIBC; do echo "<$h>"; done ;;
		self)
			for f in "$1"/*.h; do
				[ -e "$f" ] && echo "\"${f##*/}\""
			done ;;
		@*)
			for f in "${p#@}"/*.h; do
				[ -e "$f" ] && echo "\"${f##*/}\""
			done ;;
		*)
			echo "$p" ;;
		esac
	done
}

for d in $folders; do
	if [ ! -f "$d/.may_include" ]; then
		echo "not ok - $d has C files but no .may_include"
		failed=$((failed + 1))
		continue
	fi
	pats=$(allowed "$d")
	bad=$(for f in "$d"/*.[ch]; do
		[ -e "$f" ] || continue
		sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*\([<"][^>"]*[>"]\).*/\1/p' \
			"$f" | while read -r inc; do
			set -f
			ok=0
			for p in $pats; do
				# shellcheck disable=SC2254
				case $inc in $p) ok=1; break ;; esac
			done
			[ "$ok" -eq 1 ] || echo "$f: $inc"
		done
	done)
	if [ -n "$bad" ]; then
		echo "not ok - $d includes what its .may_include does not allow:"
		echo "$bad" | sed 's/^/#   /'
		failed=$((failed + 1))
	else
		echo "ok - $d"
		passed=$((passed + 1))
	fi
done

# The checker itself refuses a planted violation: a client/lib file that
# reaches a server header by a relative path, with "# include" spacing.
if [ -z "${PSID_LAYERS_SELF:-}" ]; then
	t=$(mktemp -d "${TMPDIR:-/tmp}/psid-layers.XXXXXX")
	mkdir -p "$t/client/lib" "$t/server"
	cp client/lib/.may_include "$t/client/lib/"
	cp server/.may_include "$t/server/"
	: >"$t/server/conn.h"
	printf '#include <stdio.h>\n# include "../../server/conn.h"\n' \
		>"$t/client/lib/planted.c"
	if PSID_LAYERS_SELF=1 PSID_SRCDIR="$t" sh "$me" >"$t/out" 2>&1 ||
	    ! grep -q 'planted.c: "../../server/conn.h"' "$t/out"; then
		echo "not ok - the checker let a planted violation through"
		sed 's/^/#   /' "$t/out"
		failed=$((failed + 1))
	else
		echo "ok - the checker refuses a planted violation"
		passed=$((passed + 1))
	fi
	rm -rf "$t"
fi

# The compiler's walls: with each room's include path (make check passes
# them: PSID_CC and PSID_*_CPPFLAGS), a header of another room is not
# found, and the public header is.
# wall NAME FLAGS HEADER EXPECT: EXPECT is "found" or "refused".
wall() {
	src=$(mktemp "${TMPDIR:-/tmp}/psid-wall.XXXXXX")
	printf '#include "%s"\n' "$3" >"$src.c"
	# shellcheck disable=SC2086
	if (cd "$here" && $PSID_CC $2 -fsyntax-only -x c "$src.c") >/dev/null 2>&1
	then
		got=found
	else
		got=refused
	fi
	rm -f "$src" "$src.c"
	if [ "$got" = "$4" ]; then
		echo "ok - $1: \"$3\" $4"
		passed=$((passed + 1))
	else
		echo "not ok - $1: \"$3\" $got, should be $4"
		failed=$((failed + 1))
	fi
}
if [ -n "${PSID_CC:-}" ] && [ -z "${PSID_LAYERS_SELF:-}" ]; then
	wall "client/lib" "$PSID_LIBPSID_CPPFLAGS" conn.h refused
	wall "client/lib" "$PSID_LIBPSID_CPPFLAGS" store.h refused
	wall "client/lib" "$PSID_LIBPSID_CPPFLAGS" psid/client.h found
	wall "client/psictl" "$PSID_PSICTL_CPPFLAGS" cell.h refused
	wall "client/psictl" "$PSID_PSICTL_CPPFLAGS" frame.h refused
	wall "client/psictl" "$PSID_PSICTL_CPPFLAGS" psid/client.h found
	wall "server" "$PSID_SERVER_CPPFLAGS" cell.h refused
	wall "server" "$PSID_SERVER_CPPFLAGS" psid/client.h refused
	wall "server" "$PSID_SERVER_CPPFLAGS" store.h found
	wall "storage" "$PSID_STORAGE_CPPFLAGS" frame.h refused
	wall "storage" "$PSID_STORAGE_CPPFLAGS" conn.h refused
	wall "proto" "$PSID_PROTO_CPPFLAGS" store.h refused
	wall "proto" "$PSID_PROTO_CPPFLAGS" cell.h refused
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
