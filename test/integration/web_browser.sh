#!/bin/sh
# The pages in a real browser: headless Chromium logs in as the installer,
# changes the default PIN, opens the dashboard, sees mews-sim's values move,
# saves screenshots on a desktop and a phone viewport, and logs out.
# web_browser.py drives Chromium over the DevTools pipe (no npm) and prints
# PASS/FAIL lines, turned into TAP here.
. "$(dirname "$0")/web_lib.sh"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || skip_all "no chromium"
command -v openssl >/dev/null || skip_all "no openssl"
[ -x /usr/bin/python3 ] || skip_all "no python3"
command -v timeout >/dev/null || skip_all "no timeout"
export CHROMIUM

SHOTS="$top_builddir/test/screenshots"
CHROME_LOG="$TMP/chromium.log"
mkdir -p "$SHOTS" "$TMP/browser"
rm -f "$SHOTS/dashboard-desktop.png" "$SHOTS/dashboard-phone.png"

# The browser runs in its own process group, named in chromium.pgid: if the
# driver dies or is killed, the group goes too, before lib.sh's clean-up.
browser_cleanup() {
	if [ -s "$TMP/browser/chromium.pgid" ]; then
		kill -KILL -- "-$(cat "$TMP/browser/chromium.pgid")" 2>/dev/null
	fi
	cleanup
}
trap browser_cleanup EXIT

# A tariff on main, for the tariffs page, and an alarm the simulated
# voltage (near 230 V) raises, for the header's badge.
write_conf "" "$(/usr/bin/python3 "$top_srcdir/test/integration/tariffs.py" conf)
alarms = ( { id = \"overvoltage\"; device = \"main\";
	metric = \"voltage_l1\"; above = 200.0; } );"
sed -i 's|profile = "sdm630";|& tariffs = [ "day-night" ];|' "$CONF"
start_sim || { not_ok "the simulator starts"; done_testing; }
start_mewsd || { not_ok "mewsd serves HTTPS"; sed 's/^/# /' "$LOG"; done_testing; }

# The driver gives up by itself after 45 s; timeout is the last resort.
timeout -k 2 50 /usr/bin/python3 "$top_srcdir/test/integration/web_browser.py" \
    "$URL" "$STATE/tls/cert.pem" "$SHOTS" "$CHROME_LOG" "$TMP/browser" \
    >"$TMP/browser.out" 2>&1
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

check "mewsd is still running" kill -0 "$MEWSD_PID"
kill -TERM "$MEWSD_PID"
wait "$MEWSD_PID"; rc=$?
check "clean stop (exit $rc)" [ "$rc" = 0 ]
done_testing
