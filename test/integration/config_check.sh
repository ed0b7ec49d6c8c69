#!/bin/sh
# mewsd -t: the shipped configurations pass; mistakes are printed as
# FILE:LINE: message with exit status 1.
. "$(dirname "$0")/lib.sh"
export MEWS_PROFILE_DIR="$PROFILES"

out=$("$MEWSD" -t -c "$top_srcdir/etc/mews.conf" 2>&1); rc=$?
check "etc/mews.conf passes -t" [ "$rc" = 0 ]
check "-t says OK" sh -c 'printf "%s" "$1" | grep -q "configuration OK"' _ "$out"
out=$("$MEWSD" -t -c "$top_srcdir/etc/mews-demo.conf" 2>&1); rc=$?
check "etc/mews-demo.conf passes -t" [ "$rc" = 0 ]
[ "$rc" = 0 ] || diag "$out"

# bad CONTENT LINE TEXT: -t exits 1 and prints FILE:LINE: ...TEXT
bad() {
	printf '%b' "$1" >"$TMP/bad.conf"
	out=$("$MEWSD" -t -c "$TMP/bad.conf" 2>&1); rc=$?
	if [ "$rc" = 1 ] && printf '%s\n' "$out" |
	    grep -qF "$TMP/bad.conf:$2: " && printf '%s\n' "$out" |
	    grep -qF "$3"; then
		ok "rejected at line $2: $3"
	else
		not_ok "rejected at line $2: $3"
		diag "exit $rc: $out"
	fi
}
BUS='buses = ( { name = "rs485"; port = "/dev/ttyS0"; parity = "none"; } );\n'
bad 'state_dir = "/tmp/x"\nhttp = {\n' 3 "syntax error"
bad 'colour = "blue";\n' 1 "unknown key 'colour'"
bad 'buses = ( { name = "rs485";\n port = "/dev/ttyS0";\n baud = 9601; } );\n' 3 "not a standard rate"
bad 'buses = ( { name = "rs485"; port = "/dev/ttyS0";\n parity = "space"; } );\n' 2 "not one of none, even, odd"
bad 'modbus_tcp = { port = 0; };\n' 1 "outside 1..65535"
bad "$BUS"'devices = ( { id = "m"; bus = "rs485";\n address = 300; profile = "sdm120"; } );\n' 3 "outside 1..247"
bad "$BUS"'devices = ( { id = "m"; bus = "rs9"; address = 1; profile = "sdm120"; } );\n' 2 'unknown bus "rs9"'
bad "$BUS"'devices = ( { id = "m"; bus = "rs485"; address = 1; profile = "nope"; } );\n' 2 'unknown profile "nope"'
bad "$BUS"'devices = ( { id = "M 1"; bus = "rs485"; address = 1; profile = "sdm120"; } );\n' 2 'must match'

"$MEWSD" -t -c "$TMP/missing.conf" >/dev/null 2>&1; rc=$?
check "a missing file is exit 1" [ "$rc" = 1 ]
"$MEWSD" -x >/dev/null 2>&1; rc=$?
check "a bad option is exit 2" [ "$rc" = 2 ]
done_testing
