# Shared by the browser tests: headless Chromium driven by a Python driver
# (devtools.py) against the mewsd that web_lib.sh starts.
. "$(dirname "$0")/web_lib.sh"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
have "$CHROMIUM" || need "no $CHROMIUM" chromium
have openssl || need "no openssl" openssl
have /usr/bin/python3 || need "no /usr/bin/python3" python3
have timeout || need "no timeout" coreutils
export CHROMIUM

SHOTS="$top_builddir/test/screenshots"
CHROME_LOG="$TMP/chromium.log"
mkdir -p "$SHOTS" "$TMP/browser"

# The browser runs in its own process group, named in chromium.pgid: if the
# driver dies or is killed, the group goes too, before lib.sh's clean-up.
browser_cleanup() {
	if [ -s "$TMP/browser/chromium.pgid" ]; then
		kill -KILL -- "-$(cat "$TMP/browser/chromium.pgid")" 2>/dev/null
	fi
	cleanup
}
trap browser_cleanup EXIT

# run_driver SECONDS DRIVER.py [MORE...]: the driver's PASS and FAIL lines
# as TAP.  It gives up by itself after SECONDS (BROWSER_TIMEOUT); timeout
# is the last resort.
run_driver() {
	local seconds=$1 driver=$2 rc line
	shift 2
	BROWSER_TIMEOUT=$seconds timeout -k 2 $((seconds + 5)) /usr/bin/python3 \
	    "$top_srcdir/test/integration/$driver" "$URL" "$STATE/tls/cert.pem" \
	    "$SHOTS" "$CHROME_LOG" "$TMP/browser" "$@" >"$TMP/browser.out" 2>&1
	rc=$?
	while IFS= read -r line; do
		case $line in
		"PASS "*) ok "${line#PASS }" ;;
		"FAIL "*) not_ok "${line#FAIL }" ;;
		*) diag "$line" ;;
		esac
	done <"$TMP/browser.out"
	check "the browser driver finished (exit $rc)" [ "$rc" = 0 ]
	if [ "$tap_failed" -gt 0 ]; then
		diag "chromium's log:"
		grep -v "dbus/" "$CHROME_LOG" 2>/dev/null | tail -n 40 | sed 's/^/# /'
		diag "mewsd's log:"
		tail -n 20 "$LOG" | sed 's/^/# /'
	fi
}

# shown_puk_unlocks PROFILE DEFAULT_PUK [FILE]: the PUK a page showed
# (the driver keeps it in WORK_DIR/FILE, puk by default) tried against the
# daemon.  Once three wrong PINs lock the profile, the default PUK, which
# a PUK made in its place killed, is refused and the one shown unlocks it.
shown_puk_unlocks() {
	local puk pin
	puk=$(cat "$TMP/browser/${3:-puk}" 2>/dev/null)
	JAR="$TMP/jar.puk"
	rm -f "$JAR"
	for pin in 00001 00002 00003; do
		call POST /api/login "{\"profile\":\"$1\",\"pin\":\"$pin\"}"
	done
	check "three wrong PINs lock the $1 (HTTP $STATUS)" [ "$STATUS" = 423 ]
	call POST /api/unlock \
	    "{\"profile\":\"$1\",\"puk\":\"$2\",\"new_pin\":\"97531\"}"
	check "its default PUK no longer unlocks it: 401 (HTTP $STATUS)" \
	    [ "$STATUS" = 401 ]
	call POST /api/unlock \
	    "{\"profile\":\"$1\",\"puk\":\"$puk\",\"new_pin\":\"97531\"}"
	check "the PUK the page showed ($puk) unlocks it (HTTP $STATUS)" \
	    sh -c '[ -n "$1" ] && [ "$2" = 200 ]' - "$puk" "$STATUS"
}

# The daemon outlived the browser and stops cleanly.
stop_mewsd() {
	local rc
	check "mewsd is still running" kill -0 "$MEWSD_PID"
	kill -TERM "$MEWSD_PID"
	wait "$MEWSD_PID"; rc=$?
	check "clean stop (exit $rc)" [ "$rc" = 0 ]
}
