#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# sizes.sh: the size ratchet of server/: no file over 600 lines, no
# function over 80 (from its return type's line to its closing brace, in
# KNF: the name starts a line, the body ends with "}" alone). Run by make
# check (PSID_SRCDIR: the tree).
set -u
top=${PSID_SRCDIR:-$(dirname "$0")/..}
cd "$top" || exit 1
awk -v max_file=600 -v max_fn=80 '
	FNR == 1 { if (prev != "") check_file(); prev = FILENAME; start = 0 }
	/^[a-z_][a-z_0-9]*\(/ && !start { name = $1; start = FNR - 1 }
	/^}/ && start {
		n = FNR - start + 1
		if (n > max_fn) {
			printf "not ok - %s: %s is %d lines (max %d)\n",
			    FILENAME, name, n, max_fn
			bad++
		}
		start = 0
	}
	{ lines = FNR }
	function check_file() {
		if (lines > max_file) {
			printf "not ok - %s is %d lines (max %d)\n", prev,
			    lines, max_file
			bad++
		}
		files++
	}
	END {
		check_file()
		printf "%d files of server/, %d over a limit\n", files, bad
		exit bad > 0
	}' server/*.c server/*.h
