#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# cycles.sh: server/ has no cycle between its files. The import graph is
# drawn from the objects, not the headers: file A imports file B when an
# undefined symbol of A's object is defined by B's (nm). The objects are
# those of libpsid_server.la and psid's main (psid.c). A cycle is
# printed and fails the test; with -v every edge is printed too. Run by
# make check in the build directory (PSID_BUILDDIR overrides).
set -u
build=${PSID_BUILDDIR:-.}
verbose=0
[ "${1:-}" = "-v" ] && verbose=1
lib=$build/.libs/libpsid_server.a
main=$build/server/psid-psid.o
for f in "$lib" "$main"; do
	if [ ! -f "$f" ]; then
		echo "not ok - $f is not built"
		exit 1
	fi
done

# One line per symbol: "FILE TYPE NAME", FILE the source's base name
# (POSIX format: "lib.a[member.o]: name type ..." or "path.o: name type").
{
	nm -A -P "$lib"
	nm -A -P "$main"
} | awk '
	NF >= 3 {
		obj = $1
		sub(/:$/, "", obj)
		sub(/\]$/, "", obj)
		sub(/.*[\[\/]/, "", obj)	# lib.a[member], dir/file
		sub(/^[a-z_]*-/, "", obj)	# libpsid_server_la-, psid-
		sub(/\.o$/, ".c", obj)
		print obj, $3, $2
	}' | awk -v verbose="$verbose" '
	$2 == "U" { need[$1, $3] = 1; files[$1] = 1; next }
	$2 ~ /^[A-TV-Z]$/ { def[$3] = $1; files[$1] = 1 }
	END {
		for (k in need) {
			split(k, p, SUBSEP)
			if (!(p[2] in def) || def[p[2]] == p[1])
				continue
			e = p[1] SUBSEP def[p[2]]
			if (!(e in edge)) {
				edge[e] = p[2]
				if (verbose)
					print p[1], "->", def[p[2]], \
					    "(" p[2] ")"
			}
		}
		nedges = 0
		for (e in edge) {
			split(e, p, SUBSEP)
			out[p[1]] = out[p[1]] " " p[2]
			nedges++
		}
		ncycles = 0
		for (f in files)
			if (!(f in state))
				visit(f, "")
		nfiles = 0
		for (f in files)
			nfiles++
		printf "%d files, %d imports, %d cycles\n", nfiles, nedges, \
		    ncycles
		exit ncycles > 0
	}
	# Depth first: state 1 on the path, 2 done.
	function visit(f, path,    n, i, to, t) {
		state[f] = 1
		n = split(out[f], to, " ")
		for (i = 1; i <= n; i++) {
			t = to[i]
			if ((t in state) && state[t] == 1) {
				print "not ok - cycle: " path " " f " -> " t \
				    " (" edge[f SUBSEP t] ")"
				ncycles++
			} else if (!(t in state))
				visit(t, path " " f " ->")
		}
		state[f] = 2
	}'
