#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# layers.sh: the module boundaries of docs/ARCHITECTURE.md, checked on
# every #include: proto/ and storage/ know nothing of server/ or client/,
# client/ knows nothing of server/ or storage/, and storage/ is the only
# code that includes <lmdb.h>. Run by make check (PSID_SRCDIR: the tree).
set -u
top=${PSID_SRCDIR:-$(dirname "$0")/..}
cd "$top" || exit 1
failed=0 passed=0

# forbid DIR HEADER...: no file in DIR includes any of the headers.
forbid() {
	dir=$1
	shift
	for h in "$@"; do
		hits=$(grep -ln "^#include [\"<]$h[\">]" "$dir"/*.[ch] 2>/dev/null)
		if [ -n "$hits" ]; then
			echo "not ok - $dir includes $h: $hits"
			failed=$((failed + 1))
		else
			passed=$((passed + 1))
		fi
	done
}

headers_of() { for f in "$1"/*.h; do [ -e "$f" ] && basename "$f"; done; }

forbid proto psid/client.h $(headers_of client) $(headers_of server) \
	$(headers_of storage)
forbid storage psid/client.h $(headers_of client) $(headers_of server)
forbid client $(headers_of server) $(headers_of storage)
for dir in proto client server tests bench; do
	forbid "$dir" lmdb.h
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
