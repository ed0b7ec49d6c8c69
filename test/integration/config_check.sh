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
check "... without a warning: its gateway has an allow list" \
    sh -c '! printf "%s" "$1" | grep -q "warning:"' _ "$out"

# The shipped mews.conf has no allow list (its example is commented): the
# gateway is open to anyone, which -t says on stderr, still exit 0.
line=$(grep -n '^modbus_tcp = {' "$top_srcdir/etc/mews.conf" | cut -d: -f1)
"$MEWSD" -t -c "$top_srcdir/etc/mews.conf" >"$TMP/out" 2>"$TMP/err"; rc=$?
check "-t warns that anyone may operate the devices through the gateway" \
    grep -qF "$top_srcdir/etc/mews.conf:$line: warning: modbus_tcp has no allow list: anyone who reaches port 502 can read and operate every device" "$TMP/err"
check "... on stderr, and the check passes" \
    sh -c '[ "$1" = 0 ] && grep -q "configuration OK" "$2" && ! grep -q warning "$2"' _ "$rc" "$TMP/out"
printf 'modbus_tcp = { allow = ( { from = "192.168.1.0/24"; } ); };\n' >"$TMP/allow.conf"
out=$("$MEWSD" -t -c "$TMP/allow.conf" 2>&1); rc=$?
check "an allow list: OK, no warning" \
    sh -c '[ "$1" = 0 ] && ! printf "%s" "$2" | grep -q "warning:"' _ "$rc" "$out"
printf 'modbus_tcp = {\n allow = ( ); };\n' >"$TMP/allow.conf"
out=$("$MEWSD" -t -c "$TMP/allow.conf" 2>&1); rc=$?
check "an empty allow list: OK, and warned as refusing everyone" \
    sh -c '[ "$1" = 0 ] && printf "%s" "$2" | grep -qF "$3:1: warning: modbus_tcp.allow is empty: every client is refused"' \
    _ "$rc" "$out" "$TMP/allow.conf"

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
bad 'modbus_tcp = { allow = (\n { from = "192.168.1.0/33"; access = "read"; } ); };\n' 2 'allow: from "192.168.1.0/33": the prefix length after / must be 0..32'
bad 'modbus_tcp = { allow = (\n { from = "192.168.1/24"; } ); };\n' 2 '"192.168.1" is not an IPv4 or IPv6 address'
bad 'modbus_tcp = { allow = (\n { from = "192.168.1.5/24"; } ); };\n' 2 'the network is 192.168.1.0/24, the host alone 192.168.1.5/32'
bad 'modbus_tcp = { allow = ( { from = "10.0.0.5/32";\n access = "admin"; } ); };\n' 2 "'access' is \"admin\", not one of read, write"
bad 'modbus_tcp = { allow = (\n { from = "192.168.1.0/24"; },\n { from = "192.168.1.5"; access = "write"; } ); };\n' 3 'the entry for 192.168.1.5 is never used'
bad 'modbus_tcp = { max_clients_per_address = 0; };\n' 1 "outside 1..1024"

"$MEWSD" -t -c "$TMP/missing.conf" >/dev/null 2>&1; rc=$?
check "a missing file is exit 1" [ "$rc" = 1 ]
"$MEWSD" -x >/dev/null 2>&1; rc=$?
check "a bad option is exit 2" [ "$rc" = 2 ]
done_testing
