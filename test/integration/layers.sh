#!/bin/sh
# The layers of core/ (core/README.md) on the tree's includes: a file
# includes its own folder and lower layers only, api_* files rank with the
# API, only daemon/ includes daemon.h; at most 12 .c files a folder; the
# README's table of files true.  test/integration/layers.py says how.
. "$(dirname "$0")/lib.sh"
/usr/bin/python3 "$(dirname "$0")/layers.py" "$top_srcdir" >"$TMP/layers" ||
    not_ok "layers.py runs"
while IFS='|' read -r verdict text; do
	if [ "$verdict" = ok ]; then
		ok "$text"
	else
		not_ok "$text"
	fi
done <"$TMP/layers"
[ -s "$TMP/layers" ] || not_ok "layers.py checked something"
done_testing
