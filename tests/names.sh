#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# names.sh: names follow files. Every symbol a production object exports
# (nm: defined, global) starts with its file's name and '_' (cell.c:
# cell_*), or its stem's (upload_rows.c: upload_*, declared in upload.h),
# or psid_ (libpsid's public API), or, in storage/, the layer's store_
# (store.h is its one public header), or is one of the few conventional
# exceptions listed below. Objects: the static archives of proto,
# storage, server and libpsid, and psictl's. Run by make check in the
# build directory (PSID_BUILDDIR overrides); prints each offender.
set -u
build=${PSID_BUILDDIR:-.}
objs=""
for a in libpsid_proto libpsid_storage libpsid_server libpsid_core; do
	f=$build/.libs/$a.a
	if [ ! -f "$f" ]; then
		echo "not ok - $f is not built"
		exit 1
	fi
	objs="$objs $f"
done
# psictl's objects as make names them (PSID_PSICTL_OBJECTS), else all.
if [ -n "${PSID_PSICTL_OBJECTS:-}" ]; then
	for o in $PSID_PSICTL_OBJECTS; do objs="$objs $build/$o"; done
else
	objs="$objs $(ls "$build"/client/psictl/psictl-*.o)"
fi

# shellcheck disable=SC2086
bad=$(for o in $objs; do
	case $o in
	*libpsid_storage.a) nm -A -P "$o" | sed 's/^/storage /' ;;
	*) nm -A -P "$o" | sed 's/^/- /' ;;
	esac
done | awk '
	{ layer = $1; $1 = ""; $0 = substr($0, 2) }
	NF >= 3 && $3 ~ /^[BDGRST]$/ {
		obj = $1
		sub(/:$/, "", obj); sub(/\]$/, "", obj)
		sub(/.*[\[\/]/, "", obj)	# lib.a[member], dir/file
		sub(/^[a-z_]*-/, "", obj)	# libpsid_core_la-, psictl-
		sub(/\.o$/, "", obj)
		if (obj == "psid.pb-c")
			next			# protoc-c names its own
		sym = $2
		stem = obj
		sub(/_.*/, "", stem)
		if (index(sym, obj "_") == 1 || sym == obj ||
		    index(sym, stem "_") == 1 || index(sym, "psid_") == 1)
			next
		# The conventions: handlers of the verb table, the request
		# (rq_), the log'"'"'s fatal(), main.
		if (obj ~ /^h_/ && index(sym, "handle_") == 1)
			next
		if (obj == "request" && index(sym, "rq_") == 1)
			next
		if (layer == "storage" && index(sym, "store_") == 1)
			next
		if (obj == "log" && (sym == "fatal" || sym == "fatalx"))
			next
		if (obj == "xmalloc" && sym ~ /^x(malloc|calloc|realloc|strdup)$/)
			next
		if (sym == "main")
			next
		print obj ".c: " sym
	}' | sort -u)
if [ -n "$bad" ]; then
	echo "not ok - exported names that do not follow their file:"
	echo "$bad" | sed 's/^/#   /'
	exit 1
fi
echo "ok - every exported name follows its file"
