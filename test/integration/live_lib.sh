# Shared by the tests that compare what an export shows with the API's live
# values (metrics.sh, mqtt.sh), after web_lib.sh.

# poll_once: the devices of write_conf polled once (an hour apart), so an
# export and the API show the same values; and a device that never
# answers (address 9), given up on fast.  A read that fails waits for the
# next cycle, an hour on: the line's timeout is a second, so that mewsd
# under memcheck on a loaded machine, slow to take its first replies,
# still reads each device at the first try.
poll_once() {
	sed -i -e 's/poll_ms = 500/poll_ms = 3600000/' \
	    -e 's/timeout_ms = 200;/timeout_ms = 1000;/' \
	    -e 's/^devices = (/devices = (\n\t{ id = "dead"; bus = "rs485"; address = 9; profile = "sdm120"; poll_ms = 200; },/' \
	    "$CONF"
}

# Every device read once, and the dead one given up on.
live_ready() {
	call GET /api/devices
	printf '%s' "$BODY" | jq -e '([.[] | select(.online)] | length) == 3
	    and ([.[] | select(.id == "dead" and (.online | not))] |
	    length) == 1' >/dev/null &&
	    grep -q 'device dead (address 9) is offline' "$LOG"
}

# check_live_ready: the check of live_ready, and what the devices and
# mewsd said when it fails.
check_live_ready() {
	if wait_for 20 live_ready; then
		ok "three devices online, the dead one offline"
		return
	fi
	not_ok "three devices online, the dead one offline"
	call GET /api/devices
	printf '%s' "$BODY" | jq -c '.[] | {id, online}' | sed 's/^/# /'
	tail -n 20 "$LOG" | sed 's/^/# /'
}

# save_devices: each device as GET /api/devices/ID shows it, into
# $TMP/dev.ID.json.
save_devices() {
	local id
	for id in main sub brk dead; do
		call GET "/api/devices/$id"
		printf '%s' "$BODY" >"$TMP/dev.$id.json"
	done
}

# py_checks SCRIPT ARGS...: a Python helper printing TAP lines numbered on
# from ours, then its last number on a line of its own; its lines and
# counts become ours.  Its output stays in $TMP/py.out.
py_checks() {
	local script=$1 last; shift
	TAP_START=$tap_n /usr/bin/python3 "$(dirname "$0")/$script" "$@" \
	    >"$TMP/py.out" 2>&1
	sed '$d' "$TMP/py.out"
	last=$(tail -n 1 "$TMP/py.out")
	case $last in
	*[!0-9]*|'') not_ok "$script ran: $last" ;;
	*) tap_failed=$((tap_failed + $(grep -c '^not ok' "$TMP/py.out")))
	   tap_n=$last ;;
	esac
}
